"""The notebooks run top to bottom on a demo-like output, and are committed without outputs."""

from __future__ import annotations

import pytest
from helpers import ROOT

NOTEBOOKS = ROOT / "notebooks"
#: Notebooks executed here (they read the demo's outputs through HMS_DEMO_DIR).
EXECUTED = ("explore_features.ipynb", "shap_for_clinicians.ipynb", "score_recording.ipynb")


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_committed_notebooks_have_no_outputs(path):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}, cell {i}: outputs must be stripped"
            assert cell.execution_count is None, f"{path.name}, cell {i}: execution count"


@pytest.mark.parametrize("name", EXECUTED)
def test_notebook_runs_on_the_demo_outputs(name, example, monkeypatch):
    """On the session's example, which has the demo's layout."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("HMS_DEMO_DIR", str(example.root))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError naming the failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, f"{name} displayed no figure"
