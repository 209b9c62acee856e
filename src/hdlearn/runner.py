"""Run one cell: the device and thread settings, the paper's ``run_cell``, and the provenance
record, in one place (the code fingerprint of a cell covers this module, because what it
sets, deterministic kernels, TF32 and the thread count, can change the numbers)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from typing import Any

import pandas as pd
import torch

from hdlearn.devices import configure_determinism, resolve_device
from hdlearn.io import provenance, where
from hdlearn.papers import part


def run_cell(
    paper: str, spec: Mapping[str, Any], device_name: str, threads: int, code: str
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``(rows, provenance record)`` of one cell of ``paper`` on ``device_name``
    (``auto``, ``cpu``, ``cuda``) with ``threads`` CPU threads; ``code`` is the cell's code
    fingerprint (:func:`hdlearn.fingerprint.cell_code`), recorded with the rows."""
    device = resolve_device(device_name)
    configure_determinism(device)
    torch.set_num_threads(threads)
    place = " ".join(f"{key}={value}" for key, value in where().items())
    print(f"cell of {paper} on {device} ({place}): {json.dumps(spec)}", file=sys.stderr)
    start = time.perf_counter()
    frame = part(paper, "experiment").run_cell(spec, device)
    seconds = time.perf_counter() - start
    record = provenance(spec, device=str(device), seeds=spec["seeds"], seconds=seconds, code=code)
    return frame, record
