#!/usr/bin/env python
"""Where a window's CPU goes in the factory's worker, step by step (issue 20's profile table).

Runs the worker's own steps (:func:`hms_features.factory.chunk.extract_chunk`'s) on the label
rows of the first ``--eegs`` EEGs of a Kaggle-layout folder, one process, BLAS single-threaded,
and prints the CPU milliseconds per window of each: reading the EEG, the spectrogram file,
cleaning each stretch of overlapping windows once (NaN repair, montage, filter, clipping), its
100 Hz copy and segment FFT, the window slices, the Welch PSDs, each feature family and the
assembly of the row. CPU time (not wall time): on a shared machine it is the comparable figure.

    python benchmarks/profile_features.py --data-dir /tmp/ks --eegs 40 --passes 3
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from hms_features.data.eeg import read_eeg, window_start
from hms_features.data.layout import KaggleLayout
from hms_features.factory.chunk import label_spectrogram, spectrogram_reader
from hms_features.factory.windows import label_rows, plan_chunks
from hms_features.features.extractor import family_vector
from hms_features.features.families import FAMILIES, feature_names
from hms_features.features.span import span_windows


def profile(layout: KaggleLayout, chunk, times: dict[str, float]) -> int:
    """One pass over ``chunk``; adds CPU seconds per step to ``times``; returns windows."""
    clock = time.process_time
    read_spec = spectrogram_reader(layout, "train")
    names = feature_names()
    n = 0
    for eeg_id, rows in chunk.groupby("eeg_id", sort=False):
        t = clock()
        eeg = read_eeg(layout.eeg_path("train", eeg_id))
        times["read EEG parquet"] += clock() - t
        offsets = rows["eeg_label_offset_seconds"].to_numpy()
        starts = np.array([window_start(o) for o in offsets])
        t = clock()
        spans = list(span_windows(eeg, starts))
        times["clean each stretch (NaN repair, montage, filter, clip)"] += clock() - t
        for members, first, span in spans:
            t = clock()
            span._spectra()
            times["100 Hz copy and segment FFT of each stretch"] += clock() - t
            for i in members:
                r = rows.iloc[i]
                n += 1
                t = clock()
                spec, why = label_spectrogram(
                    read_spec, eeg, float(offsets[i]), int(r.spectrogram_id),
                    r.spectrogram_label_offset_seconds,
                )  # fmt: skip
                times["spectrogram file (read, slice, or recompute)"] += clock() - t
                t = clock()
                ctx = span.window(int(starts[i]) - first, spectrogram=spec,
                                  spectrogram_recomputed=bool(why))  # fmt: skip
                times["window slices (signal, 100 Hz copy, segment spectra)"] += clock() - t
                t = clock()
                ctx.psd("full"), ctx.psd("center")  # computed once, cached on the window
                times["Welch PSDs from the segments"] += clock() - t
                out: list[np.ndarray] = []
                for fam in FAMILIES:
                    t = clock()
                    out.append(family_vector(fam, ctx))
                    times[f"family {fam.name}"] += clock() - t
                t = clock()
                row = np.concatenate(out).astype(np.float32)  # as context_vector assembles it
                assert row.size == len(names)
                times["assemble the row"] += clock() - t
    return n


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", required=True)
    p.add_argument("--eegs", type=int, default=40)
    p.add_argument("--passes", type=int, default=3)
    args = p.parse_args()
    threadpool_limits(1, "blas")
    layout = KaggleLayout(args.data_dir)
    chunk = plan_chunks(label_rows(layout, "train", args.eegs), 10**9)[0]
    profile(layout, chunk.iloc[:3], defaultdict(float))  # warm-up (numba, caches)
    runs = []
    for _ in range(args.passes):
        times: dict[str, float] = defaultdict(float)
        t0 = time.process_time()
        n = profile(layout, chunk, times)
        runs.append((times, time.process_time() - t0, n))
    n = runs[0][2]
    print(f"{n} windows of {args.eegs} EEGs ({Path(args.data_dir)}); CPU ms per window, median "
          f"of {len(runs)} passes")  # fmt: skip
    for k in runs[0][0]:
        print(f"| {k} | {statistics.median(r[0][k] for r in runs) / n * 1000:.2f} |")
    print(f"| total | {statistics.median(r[1] for r in runs) / n * 1000:.2f} |")


if __name__ == "__main__":
    main()
