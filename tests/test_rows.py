"""TidyRows: one row per seed and metric, defaults < fixed < derived columns; CandidateRows."""

import math

import pytest
import torch

from hdlearn.rows import CandidateRows, TidyRows


def test_rows_per_seed_with_defaults_fixed_and_derived_columns():
    rows = TidyRows(
        [3, 7], ["d", "r", "ratio", "stage", "seed", "metric", "value"],
        lambda row: {"ratio": row["r"] / row["d"]}, d=4, r=math.nan, stage="final",
    )  # fmt: skip
    rows.add("loss", torch.tensor([0.5, 0.25]), r=2)
    rows.add("steps", [10, 20], r=8, stage="train", d=8)
    frame = rows.frame()
    assert list(frame.columns) == ["d", "r", "ratio", "stage", "seed", "metric", "value"]
    assert frame.to_dict("records") == [
        {"d": 4, "r": 2, "ratio": 0.5, "stage": "final", "seed": 3, "metric": "loss", "value": 0.5},
        {"d": 4, "r": 2, "ratio": 0.5, "stage": "final", "seed": 7, "metric": "loss",
         "value": 0.25},
        {"d": 8, "r": 8, "ratio": 1.0, "stage": "train", "seed": 3, "metric": "steps",
         "value": 10.0},
        {"d": 8, "r": 8, "ratio": 1.0, "stage": "train", "seed": 7, "metric": "steps",
         "value": 20.0},
    ]  # fmt: skip


def test_one_value_per_seed_is_enforced():
    rows = TidyRows([0, 1], ["seed", "metric", "value"])
    with pytest.raises(ValueError):
        rows.add("loss", [1.0])


def test_candidate_rows_keep_the_chosen_member_of_each_seed():
    held = CandidateRows()
    held.add("mse", torch.tensor([0.1, 0.2, 0.3, 0.4]), stage="s")  # members: 2 seeds x 2
    held.add("norm", [1.0, 2.0, 3.0, 4.0])
    record = TidyRows([7, 8], ["seed", "stage", "metric", "value"], stage="final")
    held.keep(record, torch.tensor([1, 2]))
    assert record.frame().to_dict("records") == [
        {"seed": 7, "stage": "s", "metric": "mse", "value": pytest.approx(0.2)},
        {"seed": 8, "stage": "s", "metric": "mse", "value": pytest.approx(0.3)},
        {"seed": 7, "stage": "final", "metric": "norm", "value": 2.0},
        {"seed": 8, "stage": "final", "metric": "norm", "value": 3.0},
    ]


def test_candidate_runs_concatenate_member_wise_and_must_match():
    """Two runs of one procedure (e.g. one per weight decay) join as one ensemble of their
    members, in order; runs that measured differently cannot be joined."""
    first, second = CandidateRows(), CandidateRows()
    for part, offset in ((first, 0.0), (second, 10.0)):
        part.add("mse", torch.tensor([1.0, 2.0]) + offset, stage="s")
    record = TidyRows([7, 8], ["seed", "stage", "metric", "value"], stage="final")
    CandidateRows.concatenated([first, second]).keep(record, torch.tensor([2, 1]))
    assert record.frame()["value"].tolist() == [11.0, 2.0]
    other = CandidateRows()
    other.add("mse", torch.tensor([1.0, 2.0]), stage="t")
    with pytest.raises(ValueError, match="measured differently"):
        CandidateRows.concatenated([first, other])
