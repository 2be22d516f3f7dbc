"""A small end-to-end example in the demo's layout: synthetic data -> features -> model.

``make demo`` writes ``demo_out/data`` (the synthetic set), ``demo_out/features_train.parquet``
and ``demo_out/models/demo``; the notebooks read that layout. :func:`build_example` writes the
same layout at a size that takes about a minute, for tests and for trying the explanations
without running the whole demo. The test suite builds it once per session, with the defaults,
in ``<pytest basetemp>/hms_example`` (:func:`session_example`).
"""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

#: File marking a finished example folder (holds the parameters it was built with).
DONE_FILE: str = "example.done.json"


@dataclass(frozen=True)
class ExamplePaths:
    """Where an example (or the demo) keeps its outputs."""

    root: Path

    @property
    def data(self) -> Path:
        """The synthetic Kaggle-layout data set."""
        return self.root / "data"

    @property
    def features(self) -> Path:
        """The training features parquet."""
        return self.root / "features_train.parquet"

    @property
    def model(self) -> Path:
        """The model folder."""
        return self.root / "models" / "demo"


def build_example(
    out_dir: str | Path,
    n_patients: int = 24,
    n_test: int = 2,
    seed: int = 0,
    n_jobs: int = 2,
    n_folds: int = 3,
    num_boost_round: int = 200,
    learning_rate: float = 0.1,
    num_leaves: int = 7,
    max_bin: int = 63,
    log=print,
) -> ExamplePaths:
    """Write a synthetic data set, its training features and a model, in the demo's layout.

    Parameters
    ----------
    out_dir : path
        Output folder; a finished folder (with ``example.done.json`` recording the same
        parameters) is reused as is.
    n_patients, n_test : int
        Synthetic train patients and test EEGs (:func:`hms_features.synth.generate_dataset`).
    seed : int
        Seed of the data set and the model.
    n_jobs : int
        Worker processes for the data set and the features.
    n_folds, num_boost_round, learning_rate, num_leaves, max_bin :
        Training settings (patient-grouped CV, early stopping on the fold's KL); variant
        ``soft`` only, small trees and one LightGBM thread, so that training takes seconds
        (several LightGBM threads on a busy machine are many times slower than one).

    Returns
    -------
    ExamplePaths
    """
    from hms_features.data import KaggleLayout, read_labels
    from hms_features.errors import HMSWarning
    from hms_features.factory import run_extraction
    from hms_features.model import TrainConfig, train_model
    from hms_features.synth import generate_dataset

    paths = ExamplePaths(Path(out_dir))
    params = {
        "n_patients": n_patients,
        "n_test": n_test,
        "seed": seed,
        "n_folds": n_folds,
        "num_boost_round": num_boost_round,
        "learning_rate": learning_rate,
        "num_leaves": num_leaves,
        "max_bin": max_bin,
    }
    done = paths.root / DONE_FILE
    if done.is_file() and json.loads(done.read_text()).get("params") == params:
        return paths
    say = log or (lambda _msg: None)
    t0 = time.perf_counter()
    summary = generate_dataset(
        paths.data, seed=seed, n_patients=n_patients, n_test=n_test, n_jobs=n_jobs, overwrite=True
    )
    say(f"example: data set {summary.n_train_rows} rows in {time.perf_counter() - t0:.1f} s")
    t1 = time.perf_counter()
    run_extraction(paths.data, "train", paths.features, n_jobs=n_jobs, progress=False)
    say(f"example: features in {time.perf_counter() - t1:.1f} s")
    t2 = time.perf_counter()
    labels = read_labels(KaggleLayout(paths.data).labels_csv("train"), "train")
    config = TrainConfig(
        n_folds=n_folds,
        seed=seed,
        n_jobs=1,
        variants=("soft",),
        learning_rate=learning_rate,
        num_boost_round=num_boost_round,
        early_stopping_rounds=20,
        num_leaves=num_leaves,
        max_bin=max_bin,
        # every label row its own training row: the cohort's clinical-story checks were
        # calibrated on this model (pooled rows move LPD's best periodicity feature from the
        # top 20 to rank 33 there; issue 11 reworks the checks on concepts)
        pool_seconds=None,
    )
    # the synthetic set holds a few deliberately corrupt files: their label rows have no
    # features and are left out (with a warning), as `hms train --allow-missing-features` does
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HMSWarning)
        train_model(paths.features, labels, paths.model, config, log=None, missing_features="drop")
    say(f"example: model in {time.perf_counter() - t2:.1f} s")
    done.write_text(json.dumps({"params": params, "seconds": time.perf_counter() - t0}))
    return paths


def session_example(basetemp: str | Path) -> ExamplePaths:
    """The default example inside a test session's temporary folder, built once per session.

    Every test module that needs a trained synthetic model calls this with
    ``tmp_path_factory.getbasetemp()``; the first call builds it (about a minute), the others
    find the finished folder.
    """
    return build_example(Path(basetemp) / "hms_example", log=None)
