"""How far are the generator's windows from the competition's 20 genuine example figures?

On the central 10 s of the double banana, filtered like the figures
(:data:`~hms_features.synth.window_statistics.FIGURE_FILTER`), computes the fixed list of window
statistics (:data:`~hms_features.synth.window_statistics.STATISTICS`: amplitude, line length,
kurtosis, relative band powers, peak frequency, 2-30 Hz slope, spike and discharge rates,
bilateral discharges, inter-hemispheric correlation and delta coherence, delta asymmetry,
channels involved, 60 Hz line) for the 20 genuine figures (``$HMS_FIGURES_DIR``, default
``../shared/data/hms_figures_digitised``) and for a synthetic data set's label rows with at
least ``--min-votes`` votes. Reports per class (the figure's vote majority; a tie counts in
every tied class) the genuine median against the synthetic median and p5-p95, the share of
genuine values outside the synthetic 1-99% range (chance 2% for many synthetic windows; with
few, the share of the synthetic windows themselves outside it, each left out in turn), and a
classifier two-sample test (C2ST: cross-validated AUC of a logistic regression separating
genuine from synthetic windows on the statistics; 0.5 = indistinguishable), also without the
amplitude statistics. Writes ``realism.html`` (genuine figures beside synthetic windows of each
class, in the figures' layout, with the table) into ``--out``. The last line is one JSON object
with ``c2st_auc``, ``c2st_auc_shape``, ``out_of_range_share``, ``out_of_range_chance``,
``per_class`` and the parameters.

Targets (issue 17, after the generator's realism work): ``out_of_range_share`` <= 5%,
``c2st_auc`` <= 0.70.

Usage::

    python benchmarks/realism.py --seed 7                 # generate the demo set into a temp dir
    python benchmarks/realism.py --seed 7 --patients 300  # more patients per class
    python benchmarks/realism.py --data-dir synth_out --out realism_out --n-jobs 2
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

from hms_features.constants import CLASSES
from hms_features.explain.realism_page import realism_page
from hms_features.synth import generate_preset
from hms_features.synth import realism as rl
from hms_features.synth import window_statistics as ws


def _num(v: float) -> float | None:
    """A JSON number rounded to 4 significant digits; NaN as null."""
    return None if not math.isfinite(v) else float(f"{v:.4g}")


def run(data_dir: Path, args: argparse.Namespace, t0: float) -> dict:
    figures = rl.load_figures(args.figures_dir)
    fig_classes = figures.classes()
    synthetic = rl.synthetic_windows(
        data_dir,
        args.min_votes,
        args.max_per_class,
        args.seed_choice,
        args.n_jobs,
        min_per_class=args.min_per_class,
    )
    topped = synthetic.labels.loc[synthetic.labels["topped_up"], "cls"].value_counts()
    topped_up = {CLASSES[int(c)]: int(k) for c, k in topped.items()}
    if len(synthetic.labels) == 0:
        raise SystemExit(f"no synthetic window with >= {args.min_votes} votes in {data_dir}")
    genuine_stats = ws.statistics_table(figures.eeg)
    synthetic_stats = ws.statistics_table(synthetic.eeg, line_noise_uv=synthetic.line_noise_uv)
    result = rl.compare(
        genuine_stats,
        fig_classes,
        synthetic_stats,
        synthetic.labels["cls"].to_numpy(),
        n_repeats=args.c2st_repeats,
        seed=args.seed_choice,
    )
    table = result.table
    print(
        f"realism: {len(figures.names)} genuine figures vs {len(synthetic.labels)} synthetic "
        f"windows (>= {args.min_votes} votes) of {data_dir}"
    )
    if topped_up:
        print(
            f"topped up to {args.min_per_class} with the rows of most votes below "
            f"{args.min_votes}: {topped_up}"
        )
    header = (
        f"{'class':8} {'statistic':19} {'genuine':>9} {'synth med':>10} {'synth p5-p95':>21} "
        f"{'outside':>8}"
    )
    for name in CLASSES:
        rows = table[table["class"] == name]
        n_gen, n_syn = result.counts[name]
        share = result.per_class_share.get(name, float("nan"))
        chance = result.per_class_chance.get(name, float("nan"))
        print(
            f"\n{name}: {n_gen} genuine, {n_syn} synthetic; outside p1-p99: {share:.1%} "
            f"(synthetic left out one at a time: {chance:.1%})"
        )
        if not len(rows):
            continue
        print(header)
        print("-" * len(header))
        for _, r in rows.iterrows():
            outside = f"{r['n_outside']}/{r['n_genuine']}" if r["compared"] else "(ref)"
            print(
                f"{name:8} {r['statistic']:19} {r['genuine_median']:>9.3g} "
                f"{r['synthetic_median']:>10.3g} "
                f"{r['synthetic_p5']:>10.3g}-{r['synthetic_p95']:<10.3g} {outside:>8}"
            )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    page = out / "realism.html"
    note = (
        f"Synthetic data: {data_dir}{f' (seed {args.seed})' if args.seed is not None else ''}; "
        f">= {args.min_votes} votes; {len(synthetic.labels)} windows."
    )
    page.write_text(
        realism_page(figures, synthetic, result, args.examples, args.seed_choice, note=note),
        encoding="utf-8",
    )
    per_class = {}
    for name in CLASSES:
        n_gen, n_syn = result.counts[name]
        rows = table[table["class"] == name]
        per_class[name] = {
            "n_genuine": n_gen,
            "n_synthetic": n_syn,
            "out_of_range_share": _num(result.per_class_share.get(name, float("nan"))),
            "out_of_range_chance": _num(result.per_class_chance.get(name, float("nan"))),
            "statistics": {
                r["statistic"]: {
                    "genuine_median": _num(r["genuine_median"]),
                    "synthetic_median": _num(r["synthetic_median"]),
                    "synthetic_p5": _num(r["synthetic_p5"]),
                    "synthetic_p95": _num(r["synthetic_p95"]),
                    "n_outside": int(r["n_outside"]) if r["compared"] else None,
                }
                for _, r in rows.iterrows()
            },
        }
    print(
        f"\nC2ST AUC genuine vs synthetic ({len(ws.COMPARED)} statistics): "
        f"{result.c2st_auc:.3f}; amplitude-free ({len(ws.SHAPE_ONLY)}): "
        f"{result.c2st_auc_shape:.3f} (0.5 = indistinguishable)\n"
        f"genuine values outside the synthetic p1-p99 of their class: "
        f"{result.out_of_range_share:.1%} (chance 2% for many synthetic windows; the synthetic "
        f"windows themselves, left out one at a time: {result.chance_share:.1%}); "
        f"line_noise_uv is reported, not compared (the figures are already filtered)\npage: {page}"
    )
    return {
        "benchmark": "realism",
        "c2st_auc": _num(result.c2st_auc),
        "c2st_auc_shape": _num(result.c2st_auc_shape),
        "out_of_range_share": _num(result.out_of_range_share),
        "out_of_range_chance": _num(result.chance_share),
        "n_genuine": len(figures.names),
        "n_synthetic": len(synthetic.labels),
        "per_class": per_class,
        "topped_up": topped_up,
        "page": str(page),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = p.add_mutually_exclusive_group()
    src.add_argument("--data-dir", help="an existing synthetic data set (Kaggle layout)")
    src.add_argument(
        "--seed", type=int, help="generate the demo preset with this seed into a temp dir (7)"
    )
    p.add_argument(
        "--patients",
        type=int,
        help="train patients of the generated set (default: the demo preset's 100); the demo "
        "set holds only ~7 patients with high-vote Seizure windows, too few for its 1-99%% range",
    )
    p.add_argument("--n-jobs", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--min-votes", type=int, default=10, help="rows with >= this many votes (10)")
    p.add_argument(
        "--max-per-class", type=int, default=200, help="synthetic windows per class at most (200)"
    )
    p.add_argument(
        "--min-per-class",
        type=int,
        default=30,
        help="a class with fewer high-vote windows is topped up with its rows of most votes (30)",
    )
    p.add_argument("--examples", type=int, default=3, help="synthetic windows per class drawn (3)")
    p.add_argument("--c2st-repeats", type=int, default=10, help="C2ST CV repeats (10 x 5-fold)")
    p.add_argument("--seed-choice", type=int, default=0, help="seed of choices and CV folds (0)")
    p.add_argument(
        "--figures-dir", help="digitised figures (default $HMS_FIGURES_DIR or ../shared)"
    )
    p.add_argument("--out", default="realism_out", help="folder of realism.html (realism_out)")
    args = p.parse_args(argv)
    if args.data_dir is None and args.seed is None:
        args.seed = 7
    t0 = time.perf_counter()
    if args.data_dir is not None:
        result = run(Path(args.data_dir), args, t0)
    else:
        with tempfile.TemporaryDirectory(prefix="hms_realism_") as tmp:
            print(f"generating the demo preset, seed {args.seed}, into {tmp} ...", flush=True)
            generate_preset(
                Path(tmp) / "synth",
                "demo",
                seed=args.seed,
                n_jobs=args.n_jobs,
                n_patients=args.patients,
            )
            result = run(Path(tmp) / "synth", args, t0)
    result.update(
        {
            "data_dir": args.data_dir,
            "seed": args.seed,
            "patients": args.patients,
            "min_votes": args.min_votes,
            "max_per_class": args.max_per_class,
            "min_per_class": args.min_per_class,
            "c2st_repeats": args.c2st_repeats,
            "seed_choice": args.seed_choice,
            "seconds": round(time.perf_counter() - t0, 1),
        }
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
