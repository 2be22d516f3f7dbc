"""The offline kit: file layout (pip calls replaced), pip options, and (slow) a real install."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from helpers import ROOT, train_small_model

from hms_features.model.offline_kit import build_offline_kit, pip_target_options


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("m") / "small"
    cfg = dict(n_folds=2, num_boost_round=5, early_stopping_rounds=2, variants=("soft",))
    return train_small_model(out, 200, 10, 2, **cfg)


def test_kit_layout_with_pip_replaced(model_dir, tmp_path):
    calls = []

    def fake_run(cmd):
        calls.append(list(cmd))
        if "wheel" in cmd:
            dest = Path(cmd[cmd.index("--wheel-dir") + 1])
            (dest / "hms_features-0.1.0-py3-none-any.whl").write_bytes(b"PK")
        else:
            dest = Path(cmd[cmd.index("--dest") + 1])
            (dest / "numpy-2.0-cp311-cp311-manylinux_2_17_x86_64.whl").write_bytes(b"PK")

    out = tmp_path / "kit"
    build_offline_kit(
        model_dir,
        out,
        platforms=["manylinux2014_x86_64"],
        python_version="3.11",
        implementation="cp",
        abi="cp311",
        run=fake_run,
        log=lambda m: None,
    )
    wheel_cmd, download_cmd = calls
    assert wheel_cmd[-5:] == ["wheel", "--no-deps", "--wheel-dir", str(out / "wheels"), str(ROOT)]
    assert download_cmd[download_cmd.index("--dest") + 1] == str(out / "wheels")
    for opt in (
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--only-binary=:all:",
    ):
        assert opt in download_cmd
    assert download_cmd[-1].endswith("hms_features-0.1.0-py3-none-any.whl")
    assert sorted(p.name for p in (out / "model").iterdir()) == sorted(
        p.name for p in model_dir.iterdir() if p.name != "oof.parquet"
    )
    readme = (out / "README.txt").read_text()
    assert f"pip install --no-index --find-links {out}/wheels hms-features" in readme
    assert "hms predict" in readme


def test_pip_target_options():
    assert pip_target_options() == []
    assert pip_target_options(["a", "b"], "3.11") == [
        "--platform", "a", "--platform", "b", "--python-version", "3.11", "--only-binary=:all:"
    ]  # fmt: skip


def test_kit_refuses_a_broken_model(tmp_path):
    from hms_features.model import ModelFormatError

    with pytest.raises(ModelFormatError):
        build_offline_kit(tmp_path, tmp_path / "kit", run=lambda cmd: None, log=lambda m: None)


@pytest.mark.slow
def test_fresh_venv_installs_from_the_kit_and_scores(hms_samples):
    """benchmarks/check_offline_kit.sh: kit -> fresh venv with --no-index -> hms predict.

    Several minutes (pip installs numpy, scipy, lightgbm, shap, ... from wheels); run with
    ``pytest -m slow``.
    """
    if os.environ.get("HMS_RUN_SLOW") != "1":
        pytest.skip("set HMS_RUN_SLOW=1 to build an offline kit and install it in a fresh venv")
    script = ROOT / "benchmarks" / "check_offline_kit.sh"
    proc = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "OFFLINE KIT OK" in proc.stdout


def test_kaggle_notebook_installs_from_the_kit_and_predicts():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(ROOT / "notebooks" / "kaggle_inference.ipynb", as_version=4)
    nbformat.validate(nb)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert code.index("KIT =") < code.index('"--no-index"') < code.index('"predict"')
    assert '"--find-links", os.path.join(KIT, "wheels"), "hms-features"' in code
    compile(code, "kaggle_inference.ipynb", "exec")  # valid Python


def test_a_failing_pip_command_is_a_user_error_with_its_output():
    import sys

    from hms_features.errors import HMSError
    from hms_features.model.offline_kit import _run

    with pytest.raises(HMSError, match="exit status 3") as info:
        _run([sys.executable, "-c", "import sys; print('no wheel for you'); sys.exit(3)"])
    assert isinstance(info.value, RuntimeError) and "no wheel for you" in str(info.value)
