"""The clinical story on the demo data: the `make demo` steps, then the cohort's seven checks.

Runs the same ``hms`` commands as ``make demo`` (``synth`` with seed 0 and the demo preset,
``features``, ``train`` with its defaults, ``cohort``) and reads ``clinical_story.csv``: each
class's ACNS concept must rank within the class's top 3 of the 10 base concepts. About 100 s
on two cores, so it is marked slow.
"""

from __future__ import annotations

import pandas as pd
import pytest

from hms_features.cli import main as hms

pytestmark = pytest.mark.slow

#: The seven checks. GPD periodic discharges ranked 5 of 10 here until the periodicity family
#: counted bilateral synchronous discharges (``global__bilateral_discharge_*``); the model had
#: recognised GPD by its bilateral theta coherence alone.
CHECKS = [("LPD", "lateralization"), ("LRDA", "lateralization"),
          ("LPD", "periodic_discharges"), ("GPD", "periodic_discharges"),
          ("LRDA", "delta"), ("GRDA", "delta"), ("Seizure", "evolution")]  # fmt: skip


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
