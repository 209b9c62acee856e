"""Per-frame memoisation for statistics evaluated inside a bootstrap.

A paper's claims evaluate many statistics on the same resampled frames
(:class:`hdlearn.analysis.fits.Resampling` builds each frame once and hands the same object to
every statistic), and most statistics start from the same summaries of their frame (median
curves, censored medians). :func:`per_frame` computes such a summary once per frame object and
hands the same result to every caller.

The contract, which keeps the numbers exactly those of the unmemoised code: neither the frame
nor the returned summary is modified after the first call (frames and summaries are read-only
in the analysis modules), the remaining arguments are hashable, and the result depends only on
the frame's contents and those arguments (a call that spells a default out is a separate
entry, with the same value). An entry is dropped when its frame is garbage
collected (:func:`weakref.finalize`), before its ``id`` can be reused.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd

R = TypeVar("R")


def per_frame(function: Callable[..., R]) -> Callable[..., R]:
    """``function(frame, *args, **kwargs)`` computed once per frame object and arguments."""
    cache: dict[int, dict[tuple[Any, ...], R]] = {}

    @functools.wraps(function)
    def memoised(frame: pd.DataFrame, *args: Any, **kwargs: Any) -> R:
        key = id(frame)
        entries = cache.get(key)
        if entries is None:
            entries = cache[key] = {}
            weakref.finalize(frame, cache.pop, key, None)
        call = (args, tuple(sorted(kwargs.items())))
        if call not in entries:
            entries[call] = function(frame, *args, **kwargs)
        return entries[call]

    return memoised
