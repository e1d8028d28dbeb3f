"""The notebooks in notebooks/ run top to bottom in a fresh kernel, and are committed without outputs.

Each notebook runs with nbclient in an IPython kernel of this interpreter (the venv's, with its ipykernel),
with notebooks/ as its working directory and its data pointed at small local data; a cell that raises fails
the test (nbclient's CellExecutionError, which shows the cell and its traceback). The executed copy, outputs
included, is left in the test's tmp_path.
"""

import json
import os
import sys
import time

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tests.conftest import FIXTURES, ROOT

NOTEBOOKS_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
EXPECTED = {"01_keras_api.ipynb", "02_pipeline_step_by_step.ipynb", "03_serving_clients.ipynb"}
DEBIAN_FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
CELL_TIMEOUT = 300  # seconds; the slowest cell (the TFX Trainer) takes ~15 s
NOTEBOOK_BUDGET = 240  # seconds; each notebook takes under a minute on 2 cores, this catches full-data runs
STRIP_COMMAND = ".venv/bin/jupyter nbconvert --clear-output --inplace notebooks/*.ipynb"


@pytest.fixture(scope="module")
def kernel_specs(tmp_path_factory):
    """Kernelspecs whose `python3` is this interpreter.

    Not whatever `python` is on PATH, nor what a user-level `python3` kernelspec points at.
    """
    folder = tmp_path_factory.mktemp("kernels")
    (folder / "python3").mkdir()
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (dlsuite tests)",
        "language": "python",
    }
    (folder / "python3" / "kernel.json").write_text(json.dumps(spec))
    return KernelSpecManager(kernel_dirs=[str(folder)])


def execute(nb, kernel_specs, cwd):
    """Runs every cell of `nb` in place; raises CellExecutionError on the first cell that raises."""
    km = KernelManager(kernel_name="python3", kernel_spec_manager=kernel_specs)
    client = NotebookClient(
        nb, km=km, kernel_name="python3", timeout=CELL_TIMEOUT, resources={"metadata": {"path": str(cwd)}}
    )
    client.execute(cleanup_kc=True)  # shut the kernel down, even after a failing cell


def test_the_notebooks_are_there():
    assert EXPECTED <= {path.name for path in NOTEBOOKS}, f"missing from {NOTEBOOKS_DIR}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_committed_notebook_has_no_outputs(path):
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    nbformat.validate(nb)
    dirty = [
        index
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts; run {STRIP_COMMAND}"
    assert "widgets" not in nb.metadata, f"{path.name}: saved widget state in its metadata; remove it"
    parameters = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert "parameters" in parameters.metadata.get("tags", []), "the first code cell holds the parameters"


@pytest.mark.e2e
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_runs(path, kernel_specs, tmp_path, monkeypatch):
    fashion_mnist = DEBIAN_FASHION_MNIST
    if not os.path.exists(os.path.join(fashion_mnist, "train-images-idx3-ubyte.gz")):
        fashion_mnist = str(FIXTURES / "fashion_mnist_small")
    monkeypatch.setenv("DLSUITE_FASHION_MNIST", fashion_mnist)
    monkeypatch.setenv("DLSUITE_AG_NEWS", str(FIXTURES / "ag_news_small"))
    monkeypatch.setenv("DLSUITE_PIPELINE_DATA", str(FIXTURES / "fashion_mnist_small"))
    monkeypatch.setenv("DLSUITE_NOTEBOOK_OUTPUT", str(tmp_path / "output"))
    (tmp_path / "output").mkdir()

    nb = nbformat.read(path, as_version=4)
    executed = tmp_path / path.name
    start = time.perf_counter()
    try:
        execute(nb, kernel_specs, NOTEBOOKS_DIR)
    except CellExecutionError as e:
        e.add_note(f"the executed notebook, outputs included: {executed}")
        raise
    finally:
        seconds = time.perf_counter() - start
        nbformat.write(nb, executed)
        print(f"{path.name}: {seconds:.1f} s")
    assert seconds < NOTEBOOK_BUDGET, f"{path.name} took {seconds:.0f} s; keep notebooks on small data"


@pytest.mark.e2e
def test_a_failing_cell_fails_the_run(kernel_specs, tmp_path):
    """What makes a broken notebook fail the suite; and the kernel is this interpreter."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(f"import sys\nassert sys.executable == {sys.executable!r}, sys.executable"),
        nbformat.v4.new_code_cell("import os\nprint(os.getcwd())"),
        nbformat.v4.new_code_cell("raise ValueError('broken cell')"),
        nbformat.v4.new_code_cell("print('never runs')"),
    ]
    with pytest.raises(CellExecutionError, match="broken cell"):
        execute(nb, kernel_specs, tmp_path)
    assert nb.cells[1].outputs[0]["text"].strip() == str(tmp_path)
    assert not nb.cells[3].get("outputs")
