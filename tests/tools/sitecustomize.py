"""Record the data series of every figure a notebook saves (for comparing two runs).

Put this folder on ``PYTHONPATH`` and set ``HDLEARN_SERIES_DIR``: every
``Figure.savefig(path)`` then also writes ``$HDLEARN_SERIES_DIR/<file stem>.json`` with, per
axes, the x/y data of every line, the offsets of every collection (scatter points, error-bar
caps, bands' vertices) and the geometry of every bar. Nothing changes without the variable.
"""

import json
import os
from pathlib import Path

_DIR = os.environ.get("HDLEARN_SERIES_DIR")

if _DIR:
    import matplotlib.figure
    import numpy as np

    def _array(values):
        return np.asarray(values, dtype=float).round(12).tolist()

    def _series(figure):
        out = []
        for ax in figure.axes:
            lines = [_array(line.get_xydata()) for line in ax.get_lines()]
            collections = []
            for collection in ax.collections:
                offsets = _array(collection.get_offsets())
                paths = [_array(p.vertices) for p in collection.get_paths()]
                collections.append({"offsets": offsets, "paths": paths})
            bars = [_array([p.get_x(), p.get_y(), p.get_width(), p.get_height()])
                    for p in ax.patches if hasattr(p, "get_width")]  # fmt: skip
            out.append({"lines": lines, "collections": collections, "bars": bars})
        return out

    _savefig = matplotlib.figure.Figure.savefig

    def savefig(self, fname, *args, **kwargs):
        name = Path(str(fname)).name.lstrip(".").split(".")[0]
        target = Path(_DIR) / f"{name}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(_series(self)))
        return _savefig(self, fname, *args, **kwargs)

    matplotlib.figure.Figure.savefig = savefig
