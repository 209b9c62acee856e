"""Tidy rows, the format of every cell table: one row per ensemble member (seed) and metric.

A cell trains all its seeds as one ensemble, so every measurement is a vector with one value
per seed; :class:`TidyRows` turns such vectors into rows ``{columns..., seed, metric, value}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
import torch


class TidyRows:
    """The rows of one cell.

    ``add(metric, values, **fixed)`` appends, for the ``i``-th seed, the row
    ``{**defaults, **fixed, **derive(...), "seed": seeds[i], "metric": metric,
    "value": values[i]}``, where ``derive`` (optional) maps the row's columns to columns computed
    from them (e.g. ``rho = r / d^1.5``). ``frame()`` returns the rows with ``columns`` in order.
    """

    def __init__(
        self,
        seeds: Iterable[int],
        columns: Sequence[str],
        derive: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None,
        **defaults: Any,
    ) -> None:
        self.seeds = list(seeds)
        self.columns = list(columns)
        self.derive = derive
        self.defaults = defaults
        self.rows: list[dict[str, Any]] = []

    def add(self, metric: str, values: torch.Tensor | Sequence[float], **fixed: Any) -> None:
        if isinstance(values, torch.Tensor):
            values = values.detach().cpu().tolist()
        base = {**self.defaults, **fixed}
        if self.derive is not None:
            base.update(self.derive(base))
        for seed, value in zip(self.seeds, values, strict=True):
            self.rows.append({**base, "seed": seed, "metric": metric, "value": float(value)})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=self.columns)


class CandidateRows:
    """Measurements of an ensemble of candidates (several members per seed, e.g. one per
    weight decay of a sweep), held until each seed's candidate is chosen.

    ``add(metric, values, **fixed)`` takes a vector of one value per member, as
    :meth:`TidyRows.add` does; ``keep(record, index)`` passes to ``record`` the values of the
    members ``index`` (one per seed, in the seeds' order), so the rows are those the chosen
    candidates would have written alone.
    """

    def __init__(self) -> None:
        self.entries: list[tuple[str, torch.Tensor, dict[str, Any]]] = []

    def add(self, metric: str, values: torch.Tensor | Sequence[float], **fixed: Any) -> None:
        values = values.detach() if isinstance(values, torch.Tensor) else torch.tensor(values)
        self.entries.append((metric, values, fixed))

    @staticmethod
    def concatenated(parts: Sequence[CandidateRows]) -> CandidateRows:
        """The candidates of ``parts`` as one ensemble, members in that order: ``parts`` are
        runs of one procedure (the same measurements in the same order), e.g. one per weight
        decay, each trained alone to bound the memory."""
        joined = CandidateRows()
        for entries in zip(*(part.entries for part in parts), strict=True):
            (metric, _, fixed), *_ = entries
            if any(e[0] != metric or e[2] != fixed for e in entries):
                raise ValueError(f"candidate runs measured differently: {metric!r} {fixed}")
            joined.add(metric, torch.cat([e[1] for e in entries]), **fixed)
        return joined

    def keep(self, record: TidyRows, index: torch.Tensor) -> None:
        for metric, values, fixed in self.entries:
            record.add(metric, values[index.to(values.device)], **fixed)
