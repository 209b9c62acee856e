"""Per-frame memoisation for statistics evaluated inside a bootstrap.

A paper's claims evaluate many statistics on the same resampled frames
(:class:`hdlearn.analysis.fits.Resampling` builds each frame once and hands the same object to
every statistic), and most statistics start from the same summaries of their frame (median
curves, censored medians). :func:`per_frame` computes such a summary once per frame object and
hands the same result to every caller.

Only *frozen* frames are memoised: those :func:`freeze` registered (the resampled frames, which
nothing modifies) and the frames and series a memoised summary returns for one of them. Any
other frame (a caller's own, which it may modify between calls) goes straight through to the
function, so memoisation never serves a stale value. An entry is dropped when its frame is
garbage collected (:func:`weakref.finalize`), before its ``id`` can be reused. The remaining
arguments must be hashable (a call that spells a default out is a separate entry, with the same
value).
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd

R = TypeVar("R")

#: ``id`` of every frozen frame or series alive.
_FROZEN: set[int] = set()


def freeze(frame: pd.DataFrame | pd.Series) -> None:
    """Declare ``frame`` read-only for its lifetime: summaries of it may be memoised."""
    key = id(frame)
    if key not in _FROZEN:
        _FROZEN.add(key)
        weakref.finalize(frame, _FROZEN.discard, key)


def per_frame(function: Callable[..., R]) -> Callable[..., R]:
    """``function(frame, *args, **kwargs)`` computed once per frozen frame and arguments."""
    cache: dict[int, dict[tuple[Any, ...], R]] = {}

    @functools.wraps(function)
    def memoised(frame: pd.DataFrame, *args: Any, **kwargs: Any) -> R:
        key = id(frame)
        if key not in _FROZEN:
            return function(frame, *args, **kwargs)
        entries = cache.get(key)
        if entries is None:
            entries = cache[key] = {}
            weakref.finalize(frame, cache.pop, key, None)
        call = (args, tuple(sorted(kwargs.items())))
        if call not in entries:
            result = function(frame, *args, **kwargs)
            if isinstance(result, pd.DataFrame | pd.Series):
                freeze(result)
            entries[call] = result
        return entries[call]

    return memoised
