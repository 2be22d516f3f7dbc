#!/usr/bin/env python
"""Old against new code, alternating: the medians of a benchmark run under two code trees.

Speed on a shared machine drifts by tens of percent within minutes, so two versions are only
comparable when their runs interleave. This runs ``BENCHMARK ARGS`` (a script of this folder
that prints one JSON object as its last line) ``--pairs`` times under each of two checkouts of
hms-features, old then new, with ``PYTHONPATH`` pointing at the checkout (the same Python and
installed dependencies for both: ``git worktree add /tmp/old <commit>`` makes the old tree),
and prints each run's JSON, then, as its last line, one JSON object with the median of every
numeric field for each tree and the ratios new/old.

The benchmark script itself is taken from the *new* tree (so that both trees are measured by
the same script), unless ``--script-from old``. ``{tree}`` in an argument becomes ``old`` or
``new`` (a cache of each tree's own: a model file of one feature set version is refused by the
other).

    python benchmarks/alternate.py --old /tmp/old --new . --pairs 3 -- \\
        bench_features.py --e2e-preset kaggle-small --e2e-data /tmp/ks --n-jobs 2
    python benchmarks/alternate.py --old /tmp/old --new . --pairs 2 --script-from old -- \\
        bench_score.py --hours 24 --cache /tmp/bs_{tree}
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def run_once(tree: Path, script: Path, args: list[str]) -> dict:
    """The last-line JSON of ``python script args`` with ``tree`` first on the import path.

    Run from an empty folder: a benchmark that starts ``python -m hms_features`` (the
    end-to-end ``hms features``) gives that process the working folder as the first entry of
    its import path, ahead of ``PYTHONPATH``, so that from inside a checkout both trees would run
    that checkout's code (which made old and new measure the same code). Paths in ``args`` must
    therefore be absolute."""
    import tempfile

    env = dict(os.environ, PYTHONPATH=str(tree))
    with tempfile.TemporaryDirectory(prefix="alternate-") as cwd:
        proc = subprocess.run(
            [sys.executable, str(script), *args], env=env, capture_output=True, text=True, cwd=cwd
        )
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    if proc.returncode != 0 or not lines:
        tail = proc.stderr[-2000:]
        raise SystemExit(f"{script} under {tree} failed ({proc.returncode}):\n{tail}")
    return json.loads(lines[-1])


def medians(runs: list[dict]) -> dict[str, float]:
    """Median of each numeric top-level field over ``runs``."""
    keys = [k for k, v in runs[0].items() if isinstance(v, int | float) and not isinstance(v, bool)]
    return {k: statistics.median(r[k] for r in runs if k in r) for k in keys}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--old", required=True, type=Path, help="checkout of the old code")
    p.add_argument("--new", required=True, type=Path, help="checkout of the new code")
    p.add_argument("--pairs", type=int, default=3)
    p.add_argument("--script-from", choices=("old", "new"), default="new")
    p.add_argument("command", nargs=argparse.REMAINDER, help="-- SCRIPT [ARGS...]")
    args = p.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        p.error("give the benchmark after --, e.g. -- bench_score.py --hours 24")
    trees = {"old": args.old.resolve(), "new": args.new.resolve()}
    script = trees[args.script_from] / "benchmarks" / command[0]
    runs: dict[str, list[dict]] = {"old": [], "new": []}
    for i in range(args.pairs):
        for name, tree in trees.items():
            load = os.getloadavg()[0]
            result = run_once(tree, script, [a.replace("{tree}", name) for a in command[1:]])
            runs[name].append(result)
            print(f"{name} run {i + 1} ({time.strftime('%H:%M:%S')}, load {load:.1f}): "
                  f"{json.dumps(result)}", flush=True)  # fmt: skip
    med = {name: medians(r) for name, r in runs.items()}
    ratio = {k: round(med["new"][k] / v, 3) for k, v in med["old"].items() if v and k in med["new"]}
    print(json.dumps({"pairs": args.pairs, "command": command, "old": med["old"],
                      "new": med["new"], "new_over_old": ratio}))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
