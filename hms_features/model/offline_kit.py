"""An offline kit: the project's wheel, every runtime dependency's wheel, and a model folder.

Kaggle scores a submission in a notebook without internet. The kit is uploaded as a Kaggle
dataset; the notebook installs from it with ``pip install --no-index --find-links
<KIT>/wheels hms-features`` and runs ``hms predict``. Wheels are fetched by ``pip download``
for this machine's Python and platform, or for another one (Kaggle's) through pip's
``--platform``/``--python-version``/``--implementation``/``--abi`` options (which need
``--only-binary=:all:``, added automatically).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from hms_features.errors import InputNotFoundError
from hms_features.model.errors import OfflineKitError

#: Files of a model folder the kit carries (oof.parquet is not needed to score).
MODEL_FILES: tuple[str, ...] = (
    "model.json",
    "feature_quantiles.json",
    "cv_report.json",
    "cv_report.md",
    "feature_importance.csv",
)
NOTEBOOK: str = "notebooks/kaggle_inference.ipynb"

Runner = Callable[[Sequence[str]], None]


def _run(cmd: Sequence[str]) -> None:
    """Run a command, raising OfflineKitError (a RuntimeError) with its output if it fails."""
    proc = subprocess.run(list(cmd), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr)[-3000:]
        raise OfflineKitError(
            f"command failed (exit status {proc.returncode}): {' '.join(cmd)}\n{tail}"
        )


def project_root() -> Path:
    """The source checkout holding ``pyproject.toml`` of hms-features.

    Raises
    ------
    InputNotFoundError
        When hms_features is installed from a wheel (no source tree to build from); a
        FileNotFoundError.
    """
    import hms_features

    root = Path(hms_features.__file__).resolve().parents[1]
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file() or 'name = "hms-features"' not in pyproject.read_text():
        raise InputNotFoundError(
            f"no hms-features source tree at {root} (expected {pyproject}); build the kit from "
            "a checkout of the project (pip install -e .)"
        )
    return root


def pip_target_options(
    platforms: Sequence[str] | None = None,
    python_version: str | None = None,
    implementation: str | None = None,
    abi: str | None = None,
) -> list[str]:
    """``pip download`` options selecting another interpreter/platform (empty: this one)."""
    opts: list[str] = []
    for plat in platforms or ():
        opts += ["--platform", plat]
    if python_version:
        opts += ["--python-version", python_version]
    if implementation:
        opts += ["--implementation", implementation]
    if abi:
        opts += ["--abi", abi]
    if opts:
        opts.append("--only-binary=:all:")
    return opts


def readme_text(out: Path, wheel_name: str, target: list[str]) -> str:
    """DIR/README.txt: what the kit holds and how to install and score with it."""
    target_line = " ".join(target) if target else "this machine's Python and platform"
    return f"""hms-features offline kit
========================

wheels/   {wheel_name} and the wheels of all its runtime dependencies
          (downloaded for: {target_line})
model/    the trained model folder (model.json + fold_<k>.txt: LightGBM text, no pickle)

Install without network, then score:

    pip install --no-index --find-links {out}/wheels hms-features
    hms predict --data-dir /kaggle/input/hms-harmful-brain-activity-classification \\
        --model-dir {out}/model --out submission.csv

On Kaggle the kit is a dataset, e.g. /kaggle/input/hms-features-kit: use that path for
{out} above (kaggle_inference.ipynb does exactly this). hms-features needs Python >= 3.11.
Build a kit for Kaggle's image from a Linux x86_64 machine with, for Python 3.11:

    hms offline-kit --model-dir models/NAME --out kit \\
        --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \\
        --python-version 3.11 --implementation cp --abi cp311
"""


def build_offline_kit(
    model_dir: str | Path,
    out: str | Path,
    platforms: Sequence[str] | None = None,
    python_version: str | None = None,
    implementation: str | None = None,
    abi: str | None = None,
    run: Runner = _run,
    log: Callable[[str], None] = print,
) -> Path:
    """Assemble ``out/wheels``, ``out/model``, ``out/README.txt`` (and the notebook).

    Parameters
    ----------
    model_dir : path
        A model folder written by ``hms train`` (it is loaded first, as a check).
    out : path
        Kit folder (created; an existing ``out/model`` is replaced).
    platforms, python_version, implementation, abi : optional
        Target interpreter for ``pip download`` (default: this one).
    run : callable
        Runs one command (a list of str); tests replace it.

    Returns
    -------
    Path
        ``out``.
    """
    from hms_features.model.files import load_model

    model_dir = Path(model_dir)
    load_model(model_dir)  # refuse to package a broken model
    out = Path(out)
    wheels = out / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    root = project_root()
    pip = [sys.executable, "-m", "pip"]

    log(f"building the hms-features wheel from {root}")
    for old in wheels.glob("hms_features-*.whl"):
        old.unlink()
    run([*pip, "wheel", "--no-deps", "--wheel-dir", str(wheels), str(root)])
    built = sorted(wheels.glob("hms_features-*.whl"))
    if not built:
        raise OfflineKitError(f"pip wheel wrote no hms_features-*.whl into {wheels}")
    wheel = built[-1]

    target = pip_target_options(platforms, python_version, implementation, abi)
    log(
        "downloading the runtime dependencies' wheels"
        + (f" for {' '.join(target)}" if target else "")
    )
    run([*pip, "download", "--dest", str(wheels), *target, str(wheel)])

    model_out = out / "model"
    if model_out.exists():
        shutil.rmtree(model_out)
    model_out.mkdir(parents=True)
    for path in sorted(model_dir.iterdir()):
        if path.name in MODEL_FILES or (path.name.startswith("fold_") and path.suffix == ".txt"):
            shutil.copy2(path, model_out / path.name)
    notebook = root / NOTEBOOK
    if notebook.is_file():
        shutil.copy2(notebook, out / notebook.name)
    (out / "README.txt").write_text(readme_text(out, wheel.name, target))
    n_wheels = len(list(wheels.glob("*.whl")))
    log(f"offline kit: {n_wheels} wheels, model {model_dir.name} -> {out}")
    return out
