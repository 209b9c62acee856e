"""Per-frame memoisation: frozen frames only, so a caller's frame is never served stale."""

import pandas as pd

from hdlearn.analysis.memo import freeze, per_frame


def test_only_frozen_frames_are_memoised_and_their_summaries_stay_frozen():
    calls = []

    @per_frame
    def first_rows(frame: pd.DataFrame, n: int) -> pd.DataFrame:
        calls.append(n)
        return frame.head(n)

    mine = pd.DataFrame({"x": [1, 2, 3]})
    assert len(first_rows(mine, 2)) == 2
    mine.loc[0, "x"] = 10  # a caller may modify its own frame: never memoised
    assert first_rows(mine, 2)["x"].tolist() == [10, 2] and calls == [2, 2]

    shared = pd.DataFrame({"x": [1, 2, 3]})
    freeze(shared)
    head = first_rows(shared, 2)
    assert first_rows(shared, 2) is head and calls == [2, 2, 2]  # once per frozen frame
    assert first_rows(head, 1) is first_rows(head, 1) and calls == [2, 2, 2, 1]  # frozen too
