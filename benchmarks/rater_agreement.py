"""How the generator's simulated raters disagree, beside the IIIC study (HMS.md).

On the label rows of the demo structure (:func:`~hms_features.synth.simulate_labels`) and of
the Kaggle structure (:func:`~hms_features.synth.simulate_kaggle_labels`), drawn without
signals, prints for the rows with at least ``--min-votes`` votes:

- the pairwise table (:func:`~hms_features.synth.panel.pairwise_agreement`): P(second rater
  says column | first says row), in %, beside the IIIC table and the difference;
- the median share of the votes held by the consensus class, per class, and the fraction of
  unanimous rows;

and, on all rows, the class balance of the consensus, the vote totals and the share of
Seizure among low- and high-vote rows. The last line is one JSON object with the numbers.

Usage::

    python benchmarks/rater_agreement.py                       # seeds 7 and 3
    python benchmarks/rater_agreement.py --seeds 0 --patients 400 --kaggle-patients 195
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd

from hms_features.constants import CLASSES, HIGH_VOTE_THRESHOLD, VOTE_COLUMNS
from hms_features.synth import simulate_kaggle_labels, simulate_labels
from hms_features.synth.panel import (
    IIIC_MAJORITY_SHARE,
    IIIC_PAIRWISE,
    majority_share,
    pairwise_agreement,
    unanimous_fraction,
)


def summarise(labels: pd.DataFrame, min_votes: int) -> dict:
    """The agreement statistics of one set of label rows (see the module docstring)."""
    votes = labels[list(VOTE_COLUMNS)].to_numpy()
    totals = votes.sum(axis=1)
    high = totals >= min_votes
    consensus = labels["expert_consensus"].to_numpy()
    big = totals >= HIGH_VOTE_THRESHOLD
    return {
        "rows": int(len(labels)),
        "rows_high": int(high.sum()),
        "pairwise": pairwise_agreement(votes[high]),
        "majority_share": majority_share(votes[high]),
        "unanimous": unanimous_fraction(votes[high]),
        "class_share": pd.Series(consensus).value_counts(normalize=True).reindex(list(CLASSES)),
        "vote_median": float(np.median(totals)),
        "high_vote_fraction": float(big.mean()),
        "seizure_low": float((consensus[~big] == "Seizure").mean()),
        "seizure_high": float((consensus[big] == "Seizure").mean()),
    }


def report(name: str, s: dict) -> str:
    """A text report of one :func:`summarise` result."""
    pct = (100 * s["pairwise"]).round(1)
    diff = (pct - 100 * IIIC_PAIRWISE).round(1)
    lines = [
        f"== {name}: {s['rows']} rows, {s['rows_high']} with enough votes",
        "pairwise agreement (%), generator:",
        pct.to_string(),
        "generator - IIIC (percentage points):",
        diff.to_string(),
        f"max |difference| {np.nanmax(np.abs(diff.to_numpy())):.1f} pp",
        "majority share (median), generator / IIIC:",
        "  "
        + ", ".join(
            f"{c} {s['majority_share'][c]:.2f}/{IIIC_MAJORITY_SHARE[i]:.2f}"
            for i, c in enumerate(CLASSES)
        ),
        f"unanimous rows: {100 * s['unanimous']:.1f}%",
        "consensus share (all rows): "
        + ", ".join(f"{c} {100 * v:.1f}%" for c, v in s["class_share"].items()),
        f"votes: median {s['vote_median']:g}, >= {HIGH_VOTE_THRESHOLD}: "
        f"{100 * s['high_vote_fraction']:.1f}%; Seizure in low-vote rows "
        f"{100 * s['seizure_low']:.1f}%, in high-vote rows {100 * s['seizure_high']:.1f}%",
    ]
    return "\n".join(lines)


def jsonable(s: dict) -> dict:
    """:func:`summarise`'s result with tables as nested lists/dicts."""
    out = dict(s)
    out["pairwise"] = s["pairwise"].round(4).to_numpy().tolist()
    out["majority_share"] = s["majority_share"].round(4).to_dict()
    out["class_share"] = s["class_share"].round(4).to_dict()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 3])
    parser.add_argument("--patients", type=int, default=400, help="demo-structure patients")
    parser.add_argument("--kaggle-patients", type=int, default=195, help="0: skip")
    parser.add_argument("--min-votes", type=int, default=10)
    args = parser.parse_args()
    results = {}
    for seed in args.seeds:
        t0 = time.perf_counter()
        s = summarise(simulate_labels(seed, args.patients), args.min_votes)
        print(report(f"demo structure, seed {seed}, {args.patients} patients", s))
        print(f"({time.perf_counter() - t0:.1f} s)\n")
        results[f"demo_{seed}"] = jsonable(s)
        if args.kaggle_patients:
            t0 = time.perf_counter()
            labels = simulate_kaggle_labels(seed, n_patients=args.kaggle_patients)
            s = summarise(labels, args.min_votes)
            print(report(f"Kaggle structure, seed {seed}, {args.kaggle_patients} patients", s))
            print(f"({time.perf_counter() - t0:.1f} s)\n")
            results[f"kaggle_{seed}"] = jsonable(s)
    print(json.dumps({"benchmark": "rater_agreement", "min_votes": args.min_votes, **results}))


if __name__ == "__main__":
    main()
