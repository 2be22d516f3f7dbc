"""Ctrl-C at many moments of ``hms features``: the run must stop within seconds, exit 130, leave
no worker behind, record no failure, and resume to exactly the output of an uninterrupted run.

Each trial starts ``python -m hms_features features`` in its own process group (as a terminal
runs a command), waits a random time within the run's duration, sends SIGINT to the whole group
(as Ctrl-C does) and checks:

- exit status 130 (or 0 when the run finished before the signal, or death by SIGINT when it
  came while Python itself was starting or finishing, which a shell also reports as 130);
- no lost interrupt: a run that exits 0 more than ``--lost-after`` seconds after the signal
  went on working as if no Ctrl-C had come;
- exit within ``--deadline`` seconds of the signal, with no process of the group left;
- no traceback on stderr, and no errors file (nothing failed: an interrupt is not a failure);
- every 4th trial: a re-run without interruption resumes to a table equal to the reference.

Usage::

    python benchmarks/interrupt_stress.py --runs 40 --n-jobs 1,2
    python benchmarks/interrupt_stress.py --runs 200 --n-jobs 2 --patients 2 --busy

The last line printed is a JSON object: trials, failures by kind, median and max seconds from
the signal to the exit.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers import terminal_sigint  # noqa: E402  (the test suite's: a command as a shell starts it)


def hms(*args: str) -> list[str]:
    return [sys.executable, "-m", "hms_features", *args]


def group_alive(pgid: int) -> bool:
    """A process of the group still runs (zombies waiting for init to reap them do not)."""
    ps = subprocess.run(["ps", "-o", "stat=", "-g", str(pgid)], capture_output=True, text=True)
    return any(not s.startswith("Z") for s in ps.stdout.split())


def _before_main(stderr: str) -> bool:
    """A KeyboardInterrupt traceback with no frame of the command's ``main`` (nor of the
    command it runs): Python was still importing."""
    return stderr.rstrip().endswith("KeyboardInterrupt") and not any(
        f", in {name}\n" in stderr for name in ("main", "_run")
    )


def trial(
    data: Path, out: Path, n_jobs: int, delay: float, deadline: float, lost_after: float = 1.0
) -> dict:
    """One interrupted run; returns what was seen."""
    cmd = hms("features", "--data-dir", str(data), "--out", str(out), "--n-jobs", str(n_jobs), "-q")
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        text=True,
        preexec_fn=terminal_sigint,
    )
    time.sleep(delay)
    t_sig = time.perf_counter()
    with_signal = proc.poll() is None
    if with_signal:
        os.killpg(proc.pid, signal.SIGINT)
    try:
        stdout, stderr = proc.communicate(timeout=deadline + 60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        return {"delay": delay, "n_jobs": n_jobs, "problem": "hung", "seconds": None}
    seconds = time.perf_counter() - t_sig
    time.sleep(0.2)
    left = group_alive(proc.pid)
    errors = out.with_name(out.stem + ".errors.csv")
    problem = None
    # -SIGINT: the signal came while Python was starting or shutting down, when the default
    # action (end the process, as a shell reports with status 130) is in place
    if proc.returncode not in ((130, -signal.SIGINT, 0) if with_signal else (0,)):
        problem = f"exit {proc.returncode}"
    elif with_signal and proc.returncode == 0 and seconds > lost_after:
        # a run the signal met in its last instants may finish (exit 0); one that went on
        # working for more than lost_after seconds never saw the Ctrl-C
        problem = "lost interrupt"
    elif seconds > deadline:
        problem = "slow exit"
    elif left:
        problem = "processes left"
    elif "Traceback" in stderr and _before_main(stderr):
        # the signal came while Python was still importing the command's modules, before the
        # command's own handling existed: Python prints the KeyboardInterrupt (and exits by
        # the signal); reported apart, as it is not a lost interrupt
        problem = "traceback while Python started"
    elif "Traceback" in stderr:
        problem = "traceback"
    elif errors.exists():
        problem = "errors file: " + pd.read_csv(errors)["reason"].iloc[0]
    if left:
        with_kill = subprocess.run(["pkill", "-KILL", "-g", str(proc.pid)], check=False)
        del with_kill
    return {
        "delay": round(delay, 2),
        "n_jobs": n_jobs,
        "exit": proc.returncode,
        "seconds": round(seconds, 2),
        "problem": problem,
        "stderr": stderr[-4000:] if problem else "",
    }


def _trials(
    args: argparse.Namespace,
    jobs: list[int],
    data: Path,
    tmp: Path,
    duration: float,
    reference: pd.DataFrame,
) -> list[dict]:
    """The interrupted runs (and every 4th one's resume), printed as they finish."""
    rng = np.random.default_rng(args.seed)
    results = []
    for k in range(args.runs):
        n_jobs = jobs[k % len(jobs)]
        out = tmp / f"run{k}.parquet"
        delay = float(rng.uniform(0.05, duration * args.max_delay))
        res = trial(data, out, n_jobs, delay, args.deadline, args.lost_after)
        if res["problem"] is None and k % 4 == 0:
            done = subprocess.run(
                hms("features", "--data-dir", str(data), "--out", str(out), "-q",
                    "--n-jobs", str(n_jobs)),
                capture_output=True, text=True,
            )  # fmt: skip
            if done.returncode != 0:
                res["problem"] = f"resume exit {done.returncode}"
            elif not pd.read_parquet(out).equals(reference):
                res["problem"] = "resumed output differs"
        results.append(res)
        print(json.dumps(res), flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=40, help="interrupted runs")
    p.add_argument("--n-jobs", default="1,2", help="comma-separated worker counts to alternate")
    p.add_argument("--patients", type=int, default=6, help="synthetic patients (~7 windows each)")
    p.add_argument("--deadline", type=float, default=5.0, help="seconds allowed to exit")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--max-delay",
        type=float,
        default=1.0,
        help="signals come 0.05 s to this fraction of the reference run's duration (1.0)",
    )
    p.add_argument(
        "--lost-after",
        type=float,
        default=1.0,
        help="an exit 0 this many seconds after the signal is a lost interrupt (1.0)",
    )
    p.add_argument(
        "--busy", action="store_true", help="keep a CPU-bound second process running meanwhile"
    )
    args = p.parse_args(argv)
    jobs = [int(j) for j in args.n_jobs.split(",")]
    busy = None
    if args.busy:  # a loaded machine: worker start-up and signal delivery slow down
        busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            data = tmp / "data"
            subprocess.run(
                hms("synth", "--out", str(data), "--patients", str(args.patients),
                    "--test-eegs", "1", "-q"),
                check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            ref = tmp / "ref.parquet"
            t0 = time.perf_counter()
            subprocess.run(
                hms("features", "--data-dir", str(data), "--out", str(ref), "-q", "--n-jobs", "2"),
                check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            duration = time.perf_counter() - t0
            results = _trials(args, jobs, data, tmp, duration, pd.read_parquet(ref))
    finally:
        if busy is not None:
            busy.kill()
            busy.wait()
    secs = [r["seconds"] for r in results if r["seconds"] is not None and r.get("exit") == 130]
    problems: dict[str, int] = {}
    for r in results:
        if r["problem"]:
            problems[r["problem"]] = problems.get(r["problem"], 0) + 1
    summary = {
        "trials": len(results),
        "interrupted": sum(r.get("exit") == 130 for r in results),
        "lost_interrupts": problems.get("lost interrupt", 0),
        "startup_tracebacks": problems.get("traceback while Python started", 0),
        "busy_second_process": bool(args.busy),
        "n_jobs": jobs,
        "problems": problems,
        "exit_seconds_median": round(statistics.median(secs), 2) if secs else None,
        "exit_seconds_max": round(max(secs), 2) if secs else None,
        "reference_run_seconds": round(duration, 1),
    }
    print(json.dumps(summary))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
