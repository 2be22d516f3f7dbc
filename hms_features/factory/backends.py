"""Where chunks run: in this process, in a local pool of worker processes, or on Dask.

Each backend yields :class:`~hms_features.factory.chunk.ChunkResult` objects as chunks finish
(in any order). Stopping early (Ctrl-C, or the caller closing the generator) ends the local
workers at once, so that nothing keeps running after the command has returned. The workers
never see Ctrl-C themselves (a terminal sends it to the whole process group, and a worker
still importing numpy would print a traceback); the parent receives it, stops, and shuts the
pool down with its workers killed.

How a worker is deaf from its first instruction without the parent ever ignoring or blocking
Ctrl-C (:func:`spawn_deaf`): loky starts each worker with a fork and an exec; that fork is made
from a short-lived helper thread which blocks SIGINT for itself alone. A child inherits the
forking thread's signal mask, and the mask survives the exec, so the worker's Python starts
with SIGINT blocked (a signal sent meanwhile stays pending); its initializer then sets SIGINT
to ignored and unblocks it, which discards a pending one. The parent's handler and its main
thread's mask are never changed, so a Ctrl-C at any moment reaches it (earlier versions
ignored SIGINT in the parent for the ~25 ms the workers took to start, and could lose one).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, wait
from pathlib import Path

import pandas as pd

from hms_features.factory.chunk import ChunkResult, extract_chunk

#: glibc malloc settings for worker processes: keep the window-sized temporaries (a few MB each)
#: in the heap instead of fresh mmap'ed pages whose page faults otherwise cost 15-20% of the
#: extraction time. Read by glibc at process start; an existing setting in the environment wins.
WORKER_MALLOC_ENV: dict[str, str] = {
    "MALLOC_MMAP_THRESHOLD_": str(32 * 2**20),
    "MALLOC_TRIM_THRESHOLD_": str(64 * 2**20),
    "MALLOC_TOP_PAD_": str(64 * 2**20),
}

Task = tuple[int, pd.DataFrame]


#: Environment variable that marks the workers :func:`run_pool` starts (only those are started
#: deaf by :func:`spawn_deaf`; other loky pools of the process are left as loky makes them).
DEAF_WORKER_ENV: str = "HMS_FEATURES_WORKER"


def worker_env() -> dict[str, str]:
    """Environment of the local workers: :data:`WORKER_MALLOC_ENV` unless already set, and
    the :data:`DEAF_WORKER_ENV` mark."""
    env = {k: v for k, v in WORKER_MALLOC_ENV.items() if k not in os.environ}
    env[DEAF_WORKER_ENV] = "1"
    return env


def _ignore_sigint() -> None:
    """Worker initializer: Ctrl-C is the parent's to handle (it ends the workers). The worker
    started with SIGINT blocked (:func:`spawn_deaf`): ignore it, then unblock it, which drops a
    signal that arrived while the worker was starting."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def spawn_deaf(cmd: list, keep_fds, env: dict | None = None) -> int:
    """loky's ``fork_exec`` made from a helper thread that blocks SIGINT for itself only, so
    that the new process starts with SIGINT blocked from its first instruction (see the module
    docstring); returns the child's pid. A Ctrl-C that reaches this process while it waits for
    the helper ends the new child (killed and reaped) before the interrupt goes on, so that no
    half-started worker is left behind."""
    import threading

    from joblib.externals.loky.backend import fork_exec as loky_fork_exec

    spawn = getattr(loky_fork_exec, "_hms_original", loky_fork_exec.fork_exec)
    if not (env or {}).get(DEAF_WORKER_ENV):  # another pool's process: as loky makes it
        return spawn(cmd, keep_fds, env=env)
    result: dict = {}

    def helper() -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            result["pid"] = spawn(cmd, keep_fds, env=env)
        except BaseException as exc:  # handed to the caller below
            result["error"] = exc

    thread = threading.Thread(target=helper, name="hms-spawn-worker", daemon=True)
    thread.start()
    try:
        thread.join()
    except KeyboardInterrupt:
        thread.join()
        pid = result.get("pid")
        if pid is not None:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        raise
    if "error" in result:
        raise result["error"]
    return result["pid"]


def install_deaf_spawn() -> None:
    """Make loky start every worker with :func:`spawn_deaf` (once per process)."""
    from joblib.externals.loky.backend import fork_exec as loky_fork_exec

    if getattr(loky_fork_exec.fork_exec, "__name__", "") == "spawn_deaf":
        return
    loky_fork_exec._hms_original = loky_fork_exec.fork_exec
    loky_fork_exec.fork_exec = spawn_deaf


def n_workers(n_jobs: int) -> int:
    """Worker processes for ``n_jobs`` (joblib's convention: -1 every core, -2 all but one)."""
    from joblib import effective_n_jobs

    return max(1, effective_n_jobs(n_jobs))


def run_serial(data_dir: Path, split: str, todo: list[Task]) -> Iterator[ChunkResult]:
    """Every chunk in this process, in order."""
    for i, chunk in todo:
        yield extract_chunk(data_dir, split, chunk, i)


def run_local(data_dir: Path, split: str, todo: list[Task], n_jobs: int) -> Iterator[ChunkResult]:
    """Chunks on a pool of ``n_jobs`` worker processes (loky, joblib's process pool); in this
    process when one worker (or one chunk) is all there is."""
    workers = min(n_workers(n_jobs), len(todo))
    if workers <= 1:
        yield from run_serial(data_dir, split, todo)
        return
    tasks = ((extract_chunk, (data_dir, split, c, i)) for i, c in todo)
    yield from run_pool(tasks, workers)


#: The pool :func:`run_pool` left running inside :func:`kept_workers` (None: none is kept).
_KEPT: dict[str, object] = {"depth": 0, "executor": None}


@contextlib.contextmanager
def kept_workers() -> Iterator[None]:
    """Within this block, a :func:`run_pool` pass that finished leaves its workers running for
    the next pass to reuse (loky's reusable executor: same settings, so the same processes),
    instead of each pass starting its own (a worker's start-up, its imports and the model it
    loads, costs 1-3 s of CPU). The workers are shut down when the block ends; an interrupt or
    an error in a pass kills them at once, as always.

    ``hms score`` runs its spectrogram and windows passes in one block (its review pages go to
    a fresh pool: the windows pass's workers hold about 400 MB each).
    """
    _KEPT["depth"] += 1
    try:
        yield
    finally:
        _KEPT["depth"] -= 1
        executor, _KEPT["executor"] = _KEPT["executor"], None
        if executor is not None:
            with contextlib.suppress(Exception):
                executor.shutdown(wait=True, kill_workers=True)


def run_pool(
    tasks: Iterator[tuple[Callable, tuple]], workers: int, per_worker: int = 1
) -> Iterator:
    """``func(*args)`` of each task on a loky pool of ``workers`` processes, yielding the
    results as they finish (see the module docstring for Ctrl-C).

    At most ``per_worker`` tasks per worker are in flight, so that tasks are made only as fast
    as they are consumed. With 1, an interrupt finds no task waiting in the pool's own queues,
    whose shutdown with killed workers does not expect any (loky raised ``KeyError`` in its
    manager thread otherwise). On an interrupt, an error, or the caller stopping early the
    workers are killed; when every task is done they are let go (inside :func:`kept_workers`:
    kept for the next pass), so that no process outlives the run.
    """
    from joblib.externals.loky import get_reusable_executor

    executor = None
    finished = False
    tasks = iter(tasks)
    install_deaf_spawn()  # workers start with SIGINT blocked; this process keeps its Ctrl-C
    try:
        executor = get_reusable_executor(
            max_workers=workers, initializer=_ignore_sigint, env=worker_env()
        )
        running = {executor.submit(f, *a) for f, a in itertools.islice(tasks, per_worker * workers)}
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                for f, a in itertools.islice(tasks, 1):
                    running.add(executor.submit(f, *a))
                yield future.result()
        finished = True
    finally:
        if executor is not None and finished and _KEPT["depth"]:
            _KEPT["executor"] = executor  # the next pass reuses it; kept_workers ends it
        elif executor is not None:
            _KEPT["executor"] = None
            with contextlib.suppress(Exception):  # never hide the error that stopped the run
                executor.shutdown(wait=True, kill_workers=not finished)


def run_on_dask(
    data_dir: Path, split: str, todo: list[Task], n_jobs: int, scheduler: str
) -> Iterator[ChunkResult]:
    """Chunks on a Dask cluster through joblib's Dask backend (``n_jobs`` concurrent tasks)."""
    try:
        from dask.distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        from hms_features.errors import UsageError

        raise UsageError("--scheduler needs Dask: pip install 'hms-features[dask]'") from exc
    import joblib

    with Client(scheduler), joblib.parallel_config(backend="dask", n_jobs=n_jobs):
        parallel = joblib.Parallel(return_as="generator_unordered")
        yield from parallel(
            joblib.delayed(extract_chunk)(data_dir, split, chunk, i) for i, chunk in todo
        )


def run_chunks(
    data_dir: Path, split: str, todo: list[Task], n_jobs: int = 1, scheduler: str | None = None
) -> Iterator[ChunkResult]:
    """Run ``todo`` on the chosen backend (see the module docstring)."""
    if scheduler:
        return run_on_dask(data_dir, split, todo, n_jobs, scheduler)
    return run_local(data_dir, split, todo, n_jobs)
