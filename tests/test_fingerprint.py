"""Code fingerprints: comment, docstring and formatting edits keep them; code edits change
them; a cell's closure holds its paper's experiment and the shared modules it imports."""

import json
from pathlib import Path

from hdlearn.fingerprint import (
    SRC,
    cell_code,
    cell_modules,
    claims_modules,
    closure,
    fingerprint,
    notebook_modules,
)
from hdlearn.papers import PAPERS

NOTEBOOKS = Path(__file__).resolve().parents[1] / "workflow" / "notebooks"

CODE = '''"""Module docstring."""

def f(x):
    """Doubles x."""
    return 2 * x  # a comment
'''


def _print(tmp_path, text):
    path = tmp_path / "m.py"
    path.write_text(text)
    return fingerprint([path], root=tmp_path)


def test_comments_docstrings_and_formatting_keep_the_fingerprint(tmp_path):
    base = _print(tmp_path, CODE)
    assert _print(tmp_path, "# new comment\n" + CODE) == base
    assert _print(tmp_path, CODE.replace("Doubles x.", "Twice x.")) == base
    assert _print(tmp_path, CODE.replace("2 * x", "2*x")) == base


def test_code_edits_change_the_fingerprint(tmp_path):
    base = _print(tmp_path, CODE)
    assert _print(tmp_path, CODE.replace("2 * x", "3 * x")) != base
    assert _print(tmp_path, CODE + "\nY = 1\n") != base


def test_closure_follows_imports_but_not_other_papers_or_the_registry():
    files = {str(p.relative_to(SRC)) for p in closure(cell_modules("tensor"))}
    assert "hdlearn/papers/tensor/experiment.py" in files
    assert "hdlearn/targets/cubic.py" in files  # imported by the experiment
    assert "hdlearn/targets/hermite.py" in files  # imported by targets.cubic
    assert not any(f.startswith("hdlearn/papers/depth") for f in files)
    assert "hdlearn/papers/__init__.py" not in files  # adding a paper stales nothing
    assert "hdlearn/papers/tensor/claims.py" not in files  # claims never change a cell
    assert len({cell_code(p) for p in ("depth", "representation", "symmetry", "tensor")}) == 4


def test_notebook_modules_are_the_hdlearn_modules_it_imports(tmp_path):
    source = "import pandas as pd\nfrom hdlearn import plotting as hp\n%matplotlib inline\n"
    notebook = {"cells": [{"cell_type": "code", "source": [source]},
                          {"cell_type": "markdown", "source": ["import hdlearn.io"]}]}  # fmt: skip
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(notebook))
    files = {str(p.relative_to(SRC)) for p in notebook_modules(path)}
    assert "hdlearn/plotting/__init__.py" in files and "hdlearn/plotting/style.py" in files
    assert "hdlearn/io.py" not in files


def test_reexports_of_a_passed_through_package_are_not_followed():
    """symmetry imports hdlearn.training.online; hdlearn/training/__init__.py re-exports the
    depth trainer (gd.py), which symmetry never calls and must not depend on."""
    files = {str(p.relative_to(SRC)) for p in closure(cell_modules("symmetry"))}
    assert "hdlearn/training/online.py" in files and "hdlearn/training/__init__.py" in files
    assert "hdlearn/training/gd.py" not in files
    assert "hdlearn/runner.py" in files and "hdlearn/devices.py" in files


def test_layers_point_down_only():
    """No paper's experiment or claims closure holds another paper; claims never hold the
    experiment; notebooks never import a claims or experiment module."""
    for paper in PAPERS:
        for modules in (cell_modules(paper), claims_modules(paper)):
            files = {str(p.relative_to(SRC)) for p in closure(modules)}
            others = [f for f in files if f.startswith("hdlearn/papers/")
                      and not f.startswith(f"hdlearn/papers/{paper}/")]  # fmt: skip
            assert others == [], (paper, others)
        claims = {str(p.relative_to(SRC)) for p in closure(claims_modules(paper))}
        assert f"hdlearn/papers/{paper}/experiment.py" not in claims
    for notebook in sorted(NOTEBOOKS.glob("*/*.ipynb")):
        files = {str(p.relative_to(SRC)) for p in notebook_modules(notebook)}
        paper = notebook.parent.name
        assert not any(f.endswith(("/claims.py", "/experiment.py")) for f in files), notebook
        assert not any(f.startswith("hdlearn/papers/") and f"/{paper}/" not in f
                       for f in files if f != "hdlearn/papers/__init__.py"), notebook  # fmt: skip
