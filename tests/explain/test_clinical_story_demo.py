"""The clinical story on the demo data: the `make demo` steps, then the cohort's seven checks.

Runs the same ``hms`` commands as ``make demo`` (``synth`` with seed 0 and the demo preset,
``features``, ``train`` with its defaults, ``cohort``) and reads ``clinical_story.csv``: each
class's ACNS concept must rank within the class's top 3 of the 10 base concepts (four of the
seven are expected failures since the generator's realism work, see CHECKS). About 100 s
on two cores, so it is marked slow.
"""

from __future__ import annotations

import pandas as pd
import pytest

from hms_features.cli import main as hms

pytestmark = pytest.mark.slow

#: The seven checks. Since the generator draws real-looking EEG and its raters disagree as the
#: IIIC study's experts did (issue 17), four of them no longer hold on this set (seed 0; ranks
#: of 10, vote-weighted mean |summed SHAP| of the base concepts); they are measured, not bent
#: back, and pass quietly if they hold again:
#: - Seizure: evolution ranks 4 (background frequency 0.67, synchrony 0.37, lateralization
#:   0.24, evolution 0.22): seizures are now mostly generalized 2-3.5 Hz rhythms, stable within
#:   one 50-s window (evolution shows over minutes), so frequency and synchrony tell them;
#: - GPD: periodic discharges rank 4 (synchrony 0.30, frequency 0.25, lateralization 0.22,
#:   periodic discharges 0.18): generalized spike-and-wave seizures also make bilateral
#:   discharges, so the discharge features no longer single out GPD;
#: - LRDA and GRDA: delta ranks 4 (LRDA: lateralization 0.76, synchrony 0.29, frequency 0.23;
#:   GRDA: lateralization 0.46, frequency 0.36, periodic discharges 0.27): slowing fills every
#:   ICU background, and raters read rhythmic delta as Other about a third of the time, so the
#:   model tells LRDA from GRDA by their symmetry and rhythm rather than by their share of delta.
_REALISM = pytest.mark.xfail(reason="no longer holds on the realistic generator", strict=False)
CHECKS = [("LPD", "lateralization"), ("LRDA", "lateralization"),
          ("LPD", "periodic_discharges"),
          pytest.param("GPD", "periodic_discharges", marks=_REALISM),
          pytest.param("LRDA", "delta", marks=_REALISM),
          pytest.param("GRDA", "delta", marks=_REALISM),
          pytest.param("Seizure", "evolution", marks=_REALISM)]  # fmt: skip


@pytest.fixture(scope="module")
def demo_story(tmp_path_factory) -> pd.DataFrame:
    root = tmp_path_factory.mktemp("demo_story")
    data, feats, model = root / "data", root / "features_train.parquet", root / "models" / "demo"
    steps = [
        (["synth", "--out", str(data), "--seed", "0", "--n-jobs", "2", "-q"], (0,)),
        # the synthetic set holds deliberately corrupt files: exit status 1, as in make demo
        (["features", "--data-dir", str(data), "--split", "train", "--out", str(feats),
          "--n-jobs", "2", "-q"], (0, 1)),
        (["train", "--data-dir", str(data), "--features", str(feats), "--model-dir", str(model),
          "--seed", "0", "--n-jobs", "2", "--allow-missing-features", "-q"], (0,)),
        (["cohort", "--data-dir", str(data), "--model-dir", str(model), "--features", str(feats),
          "--out", str(root / "cohort"), "-q"], (0,)),
    ]  # fmt: skip
    for argv, allowed in steps:
        assert hms(argv) in allowed, argv[0]
    story = pd.read_csv(root / "cohort" / "clinical_story.csv")
    print(story.drop(columns=["why"]).to_string())
    return story


@pytest.mark.parametrize("cls,concept", CHECKS)
def test_demo_explanations_tell_the_clinical_story(demo_story, cls, concept):
    row = demo_story[(demo_story["class"] == cls) & (demo_story["group"] == concept)]
    assert len(row) == 1
    row = row.iloc[0]
    assert row["n_features"] > 0 and row["best_group"].split("@")[0] == concept
    assert row["passed"], f"{cls}: {concept} ranks {row['rank']} of 10"
