"""Re-derive the generator's class calibrations after a change to the raters or the mixtures.

The consensus of the label rows depends on the primary class of each EEG, on its mixture and on
how the raters read it, so the chance of each primary class is calibrated by simulation
(labels only, no signals), by the fixed point ``prior_c <- prior_c * (target_c / share_c)``:

- demo structure (:data:`hms_features.synth.dataset.EEG_CLASS_PRIOR`): the consensus share of
  all label rows -> :data:`~hms_features.synth.dataset.TARGET_CLASS_SHARE`;
- Kaggle structure (:data:`hms_features.synth.kaggle.EEG_CLASS_PRIOR` and ``P_LARGE_PANEL``):
  the consensus share of low-vote rows (< 10 votes) -> Seizure 0.19 and the other classes in
  the proportions of ``TARGET_CLASS_SHARE``; the chance of a large panel of non-seizure EEGs
  scaled so that 37% of rows have >= 10 votes, and of seizure EEGs so that Seizure is ~2% of
  high-vote rows (HMS.md, "What is known to work").

Prints each iteration's shares and the final constants (rounded to 0.01, as in the code).

Usage::

    python benchmarks/label_calibration.py --structure demo
    python benchmarks/label_calibration.py --structure kaggle --patients 975 --seeds 0 1
"""

from __future__ import annotations

import argparse

import numpy as np

import hms_features.synth.dataset as ds
import hms_features.synth.kaggle as kg
from hms_features.constants import CLASSES, HIGH_VOTE_THRESHOLD, VOTE_COLUMNS

SEIZURE_LOW, SEIZURE_HIGH, HIGH_FRACTION = 0.19, 0.02, 0.37


def shares(labels, high: np.ndarray | None = None) -> np.ndarray:
    """Consensus share of each class (CLASSES order) on the rows ``high`` selects (all: None)."""
    cons = labels["expert_consensus"].to_numpy()
    if high is not None:
        cons = cons[high]
    return np.array([(cons == c).mean() for c in CLASSES])


def calibrate_demo(seeds: list[int], n_patients: int, n_iter: int) -> None:
    for it in range(n_iter):
        labels = [ds.simulate_labels(s, n_patients) for s in seeds]
        share = np.mean([shares(lab) for lab in labels], axis=0)
        print(it, "prior", ds.EEG_CLASS_PRIOR.round(3), "share", share.round(3))
        prior = ds.EEG_CLASS_PRIOR * ds.TARGET_CLASS_SHARE / share
        ds.EEG_CLASS_PRIOR = prior / prior.sum()
    print("EEG_CLASS_PRIOR =", ds.EEG_CLASS_PRIOR.round(2).tolist())


def calibrate_kaggle(seeds: list[int], n_patients: int, n_iter: int) -> None:
    """The Kaggle structure's constants, by simulation in this process: the constants are
    changed on the imported module, which worker processes would import afresh (unchanged)."""
    rest = ds.TARGET_CLASS_SHARE[1:] / ds.TARGET_CLASS_SHARE[1:].sum()
    target_low = np.concatenate([[SEIZURE_LOW], (1 - SEIZURE_LOW) * rest])
    for it in range(n_iter):
        low, high, frac = [], [], []
        for s in seeds:
            lab = kg.simulate_kaggle_labels(s, n_patients=n_patients, n_jobs=1)
            big = lab[list(VOTE_COLUMNS)].sum(axis=1).to_numpy() >= HIGH_VOTE_THRESHOLD
            low.append(shares(lab, ~big))
            high.append(shares(lab, big))
            frac.append(big.mean())
        low, high, frac = np.mean(low, 0), np.mean(high, 0), float(np.mean(frac))
        print(
            it, "prior", kg.EEG_CLASS_PRIOR.round(3), "p_large", kg.P_LARGE_PANEL.round(3),
            "low", low.round(3), "high", high.round(3), f"high-vote rows {frac:.3f}",
        )  # fmt: skip
        prior = kg.EEG_CLASS_PRIOR * target_low / low
        kg.EEG_CLASS_PRIOR = prior / prior.sum()
        p_large = kg.P_LARGE_PANEL.copy()
        p_large[1:] = np.clip(p_large[1:] * HIGH_FRACTION / frac, 0.0, 1.0)
        p_large[0] = np.clip(p_large[0] * np.sqrt(SEIZURE_HIGH / max(high[0], 1e-3)), 0.0, 1.0)
        kg.P_LARGE_PANEL = p_large
    print("EEG_CLASS_PRIOR =", kg.EEG_CLASS_PRIOR.round(2).tolist())
    print("P_LARGE_PANEL =", kg.P_LARGE_PANEL.round(2).tolist())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--structure", choices=("demo", "kaggle"), default="demo")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--iterations", type=int, default=4)
    args = parser.parse_args()
    if args.structure == "demo":
        calibrate_demo(args.seeds, args.patients, args.iterations)
    else:
        calibrate_kaggle(args.seeds, args.patients, args.iterations)


if __name__ == "__main__":
    main()
