"""Named sizes and structures of the synthetic data set (``hms synth --preset NAME``).

- ``demo`` (default): the demo set of :mod:`hms_features.synth.dataset`, 100 patients, ~250
  EEGs, ~1,200 label rows, each EEG with its own spectrogram and 1-10 rows; byte-identical to
  ``generate_dataset`` with the same seed.
- ``kaggle``: the real training set's label structure at full size
  (:mod:`hms_features.synth.kaggle`): 1,950 patients, 11,138 spectrograms, 17,089 EEGs,
  106,800 label rows (~30 GB of files; ``preset_labels`` gives its ``train.csv`` in ~20 s).
- ``kaggle-small``: the same structure at 1/50 (39 patients, 223 spectrograms, 342 EEGs,
  2,136 label rows) for tests and rehearsals.

Every preset also writes 20 test EEGs (exactly 50 s). ``n_patients`` scales a preset's
structure: ``kaggle`` with 100 patients has 571 spectrograms, 876 EEGs and 5,477 rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hms_features.errors import UsageError

if TYPE_CHECKING:  # the generator is imported where it runs: the parser reads PRESETS alone
    import pandas as pd

    from hms_features.synth.files import FaultRates, SynthSummary
    from hms_features.synth.kaggle import KaggleShape

#: Train patients of the demo set (``synth.dataset`` takes its default from here).
DEFAULT_PATIENTS: int = 100
#: Test EEGs every preset writes (``synth.files`` takes its default from here).
DEFAULT_TEST_EEGS: int = 20
#: Patients of the real training set (``synth.kaggle.KAGGLE_SHAPE`` has its other counts).
KAGGLE_PATIENTS: int = 1_950


@dataclass(frozen=True)
class Preset:
    """A named data set size and structure.

    Attributes
    ----------
    name : str
    structure : {'demo', 'kaggle'}
        'demo': one spectrogram per EEG, 1-10 rows per EEG; 'kaggle': the real structure.
    n_patients : int
        Train patients (``n_patients`` of the generator overrides it).
    n_test : int
        Test EEGs.
    description : str
    """

    name: str
    structure: str
    n_patients: int
    n_test: int
    description: str

    def shape(self, n_patients: int | None = None) -> KaggleShape | None:
        """Counts of a 'kaggle' structure (None for 'demo', whose counts are drawn)."""
        from hms_features.synth.kaggle import KaggleShape

        if self.structure != "kaggle":
            return None
        return KaggleShape.scaled(n_patients or self.n_patients)


PRESETS: dict[str, Preset] = {
    "demo": Preset(
        "demo", "demo", DEFAULT_PATIENTS, DEFAULT_TEST_EEGS, "the demo set (~250 EEGs, ~1,200 rows)"
    ),
    "kaggle": Preset(
        "kaggle",
        "kaggle",
        KAGGLE_PATIENTS,
        DEFAULT_TEST_EEGS,
        "the real structure at full size (17,089 EEGs, 106,800 rows, ~30 GB)",
    ),
    "kaggle-small": Preset(
        "kaggle-small",
        "kaggle",
        round(KAGGLE_PATIENTS / 50),
        DEFAULT_TEST_EEGS,
        "the real structure at 1/50 (342 EEGs, 2,136 rows)",
    ),
}


def get_preset(name: str) -> Preset:
    """The preset called ``name``; an unknown name is a :class:`UsageError`."""
    try:
        return PRESETS[name]
    except KeyError:
        raise UsageError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}") from None


def generate_preset(
    out_dir: str | Path,
    preset: str = "demo",
    seed: int = 0,
    n_patients: int | None = None,
    n_test: int | None = None,
    n_jobs: int = 1,
    missing_spectrograms: float = 0.0,
    fault_rates: FaultRates | None = None,
    overwrite: bool = False,
    verbose: bool = False,
) -> SynthSummary:
    """Write the data set of a preset (``n_patients``/``n_test`` override its sizes).

    ``demo`` calls :func:`~hms_features.synth.generate_dataset` (same bytes), the Kaggle
    presets :func:`~hms_features.synth.kaggle.generate_kaggle_dataset`.
    """
    from hms_features.synth.dataset import generate_dataset
    from hms_features.synth.kaggle import generate_kaggle_dataset

    p = get_preset(preset)
    n_patients = p.n_patients if n_patients is None else n_patients
    n_test = p.n_test if n_test is None else n_test
    kwargs = dict(
        seed=seed,
        n_patients=n_patients,
        n_test=n_test,
        n_jobs=n_jobs,
        missing_spectrograms=missing_spectrograms,
        fault_rates=fault_rates,
        overwrite=overwrite,
        verbose=verbose,
    )
    if p.structure == "demo":
        return generate_dataset(out_dir, **kwargs)
    return generate_kaggle_dataset(out_dir, **kwargs)


def preset_labels(
    preset: str = "demo",
    seed: int = 0,
    n_patients: int | None = None,
    n_rows: int | None = None,
    n_test: int = 0,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """The label rows :func:`generate_preset` would write, without any signal (fast).

    ``n_rows`` (Kaggle presets only) sets the size by label rows instead of patients.
    """
    from hms_features.synth.dataset import simulate_labels
    from hms_features.synth.kaggle import simulate_kaggle_labels

    p = get_preset(preset)
    if p.structure == "demo":
        if n_rows is not None:
            raise UsageError("n_rows needs a Kaggle-structured preset (kaggle, kaggle-small)")
        return simulate_labels(seed, p.n_patients if n_patients is None else n_patients, n_test)
    if n_patients is None and n_rows is None:
        n_patients = p.n_patients
    return simulate_kaggle_labels(seed, n_patients, n_rows, n_test, n_jobs)
