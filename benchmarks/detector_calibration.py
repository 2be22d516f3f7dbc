"""Does the periodicity family's discharge detector find the discharges the generator draws?

For each class, ``--per-class`` seeded synthetic 50-s windows of a pure state (no secondary
class, no drift; the usual small "Other" share) are planned and rendered at 200 Hz exactly as
the synthetic data set does it (:func:`~hms_features.synth.recording.build_recording`,
:meth:`~hms_features.synth.recording.Recording.render`); the family's detector runs on each
bipolar channel (:func:`~hms_features.features.periodicity.channel_discharges`) and its
detections are matched one-to-one to the true discharge times
(:meth:`~hms_features.synth.recording.Recording.discharge_events`, shifted by the channel's
front-to-back delay) within ``--tolerance-ms``.

Channels scored against the truth: LPD on the channels of its hemisphere (LL, LP or RL, RP),
GPD on all 18 (midline included). Discharges drawn with less than 30% of their class's full
amplitude (a class share near 0) are not counted as true, nor as false when detected. On
windows without discharges (Seizure, LRDA, GRDA, Other: a seizure recording may hold some
LPD/GPD between its seizures, which are then scored as above) every detection is false; the
table gives their rate per channel (Hz). Detections and truths within 0.3 s of the window's
edges are ignored.

Per class: precision, recall and F1 pooled over windows and channels, the median over windows
of the true rate (discharges/s) and of the detected rate (mean over the scored channels), and
the median rate per channel of false detections (matching no drawn discharge) off the scored
channels (the other hemisphere and the midline for LPD, every channel for classes without
discharges). Then the family's bilateral events (at least half of each hemisphere's channels
with a discharge at once; :func:`~hms_features.kernels.discharges.bilateral_discharges`):
their precision and recall against the GPD discharges drawn, and their rate in windows without
GPD, where every one is false. The last line is one JSON object with the numbers.

Usage::

    python benchmarks/detector_calibration.py                  # 40 windows per class, seed 0
    python benchmarks/detector_calibration.py --per-class 10 --seed 3 --tolerance-ms 100
    python benchmarks/detector_calibration.py --threshold-ratio 20   # recalibration sweep
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace

import numpy as np

from hms_features.constants import CLASSES, FS
from hms_features.features import periodicity
from hms_features.features.context import WindowContext
from hms_features.features.periodicity import (
    BILATERAL_CHANNELS,
    BILATERAL_TOLERANCE_S,
    channel_discharges,
)
from hms_features.kernels.discharges import bilateral_discharges
from hms_features.signal.montage import ANODES, BIPOLAR_PAIRS, CATHODES, HEMISPHERES
from hms_features.signal.preprocess import clean_window
from hms_features.synth.dataset import EEG_CLASS_PRIOR
from hms_features.synth.recording import build_recording, draw_patient
from hms_features.synth.scalp import XY
from hms_features.synth.states import GPD, LPD, draw_state

WINDOW_S: float = 50.0
EDGE_S: float = 0.3
#: A drawn discharge is a true one when its amplitude is at least this fraction of its class's.
MIN_SHARE_OF_AMPLITUDE: float = 0.3

_LEFT, _RIGHT = (np.array(h) for h in HEMISPHERES)


def window(seed: int, cls: int, i: int) -> tuple[np.ndarray, dict, np.ndarray]:
    """Render window ``i`` of class ``cls``: raw (10000, 20), the truth per channel, and the
    times (s) of the GPD discharges drawn with at least MIN_SHARE_OF_AMPLITUDE (none: empty).

    The truth maps a channel index to its true discharge times (s, window time), each one's
    peak on that channel over the channel's background RMS (after the features'
    preprocessing), and whether the channel is scored against the truth (LPD: its
    hemisphere; GPD: all); a channel outside those still holds the times, so that a detection
    of a drawn discharge there is not counted as false.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(cls, i)))
    patient = draw_patient(rng, EEG_CLASS_PRIOR)
    state = draw_state(rng, cls, p_pure=1.0, p_drift=0.0)
    rec = build_recording(rng, patient, state, 0.0, WINDOW_S, WINDOW_S / 2, WINDOW_S / 2)
    n = int(WINDOW_S * FS)
    raw = rec.render(0.0, n, FS, rng)
    # the discharges alone, as drawn into ``raw`` (rendering them draws no random number), and
    # the rest: each true discharge's peak on each channel against that channel's background
    only = replace(rec, lrda=None, grda=None, seizures=None)._patterns(np.arange(n) / FS, 0, n, FS)
    only = only.T * rec.background.gain[None, :]
    zeros = np.zeros((n, 1), dtype=raw.dtype)
    pattern = clean_window(np.hstack([only, zeros]).astype(raw.dtype), FS).bipolar
    rest = clean_window(raw - np.hstack([only, zeros]).astype(raw.dtype), FS).bipolar
    noise = np.sqrt(np.mean(rest**2, axis=1))
    truth: dict[int, list[np.ndarray]] = {}
    snr: dict[int, list[np.ndarray]] = {}
    scored: set[int] = set()
    gpd_times = np.zeros(0)
    for c, ev in rec.discharge_events(-1.0, WINDOW_S + 1.0).items():
        strong = ev.amplitude >= MIN_SHARE_OF_AMPLITUDE * rec.amplitude[c]
        if c == GPD:
            gpd_times = np.sort(ev.times[strong])
        if c == LPD:
            left = float(ev.field @ XY[:, 0]) < 0
            scored.update(int(k) for k in (_LEFT if left else _RIGHT))
        else:
            scored.update(range(len(BIPOLAR_PAIRS)))
        for k in range(len(BIPOLAR_PAIRS)):  # every channel: a detection there is no false one
            lag = 0.5 * (ev.lags_s[:, ANODES[k]] + ev.lags_s[:, CATHODES[k]])
            times = (ev.times + lag)[strong]
            idx = np.clip(np.round(times * FS).astype(int), 0, n - 1)
            near = np.clip(idx[:, None] + np.arange(-10, 11)[None, :], 0, n - 1)  # +/- 50 ms
            truth.setdefault(int(k), []).append(times)
            snr.setdefault(int(k), []).append(np.abs(pattern[k, near]).max(axis=1) / noise[k])
    out = {}
    for k, v in truth.items():
        t, r = np.concatenate(v), np.concatenate(snr[k])
        order = np.argsort(t)
        out[k] = (t[order], r[order], k in scored)
    return raw, out, gpd_times


def match(true_t: np.ndarray, det_t: np.ndarray, tol: float) -> np.ndarray:
    """Which true events are matched one-to-one (greedy, in time order, to the nearest free
    detection within ``tol``), boolean (len(true_t),)."""
    used = np.zeros(det_t.size, dtype=bool)
    hit = np.zeros(true_t.size, dtype=bool)
    for i, t in enumerate(true_t):
        lo, hi = np.searchsorted(det_t, [t - tol, t + tol + 1e-12])
        free = [j for j in range(lo, hi) if not used[j]]
        if free:
            j = min(free, key=lambda j: abs(det_t[j] - t))
            used[j] = True
            hit[i] = True
    return hit


def score_class(seed: int, cls: int, n: int, tol: float, min_snr: float) -> dict:
    tp = n_true = n_det = tp_vis = n_vis = 0
    bi_tp = bi_true = bi_det = 0
    bi_false: list[float] = []
    true_rates, det_rates, false_rates = [], [], []
    inner = WINDOW_S - 2 * EDGE_S
    for i in range(n):
        raw, truth, gpd_times = window(seed, cls, i)
        mask, env_fs = channel_discharges(WindowContext.from_raw(raw))
        # bilateral events (the family's global bilateral_discharge_* features) against the
        # GPD discharges drawn; in a window without GPD every bilateral event is false
        bilateral = np.flatnonzero(
            bilateral_discharges(
                mask, *HEMISPHERES, env_fs, BILATERAL_CHANNELS, BILATERAL_TOLERANCE_S
            )[0]
        )
        bilateral = bilateral / env_fs
        bilateral = bilateral[(bilateral >= EDGE_S) & (bilateral < WINDOW_S - EDGE_S)]
        gpd_inner = gpd_times[(gpd_times >= EDGE_S) & (gpd_times < WINDOW_S - EDGE_S)]
        if gpd_inner.size:
            bi_tp += int(match(gpd_inner, bilateral, tol).sum())
            bi_true += gpd_inner.size
            bi_det += bilateral.size
        else:
            bi_false.append(bilateral.size / inner)
        det_rate, false_rate = [], []
        for k in range(mask.shape[0]):
            det = np.flatnonzero(mask[k]) / env_fs
            det = det[(det >= EDGE_S) & (det < WINDOW_S - EDGE_S)]
            if k in truth and truth[k][2]:
                tt, snr, _ = truth[k]
                keep = (tt >= EDGE_S) & (tt < WINDOW_S - EDGE_S)
                hit = match(tt[keep], det, tol)
                visible = snr[keep] >= min_snr
                tp += int(hit.sum())
                n_true += int(keep.sum())
                tp_vis += int(hit[visible].sum())
                n_vis += int(visible.sum())
                n_det += det.size
                det_rate.append(det.size / inner)
            elif k in truth:  # a detection of a drawn discharge is not false
                found = match(det, truth[k][0], tol)
                false_rate.append((det.size - int(found.sum())) / inner)
            else:
                false_rate.append(det.size / inner)
        if truth:
            tt = next(v[0] for v in truth.values() if v[2])
            true_rates.append(((tt >= EDGE_S) & (tt < WINDOW_S - EDGE_S)).sum() / inner)
            det_rates.append(float(np.mean(det_rate)))
        else:
            true_rates.append(0.0)
            det_rates.append(0.0)
        false_rates.append(float(np.mean(false_rate)) if false_rate else 0.0)
    nan = float("nan")
    precision = tp / n_det if n_det else nan
    recall = tp / n_true if n_true else nan
    recall_vis = tp_vis / n_vis if n_vis else nan
    f1 = 2 * precision * recall / (precision + recall) if tp else (0.0 if n_true else nan)
    return {
        "windows": n,
        "windows_with_discharges": int(sum(r > 0 for r in true_rates)),
        "true": n_true,
        "visible": n_vis,
        "detected": n_det,
        "matched": tp,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "recall_visible": recall_vis,
        "median_true_rate_hz": float(np.median(true_rates)),
        "median_detected_rate_hz": float(np.median(det_rates)),
        "median_false_rate_hz": float(np.median(false_rates)),
        "mean_false_rate_hz": float(np.mean(false_rates)),
        "bilateral_precision": bi_tp / bi_det if bi_det else nan,
        "bilateral_recall": bi_tp / bi_true if bi_true else nan,
        "bilateral_false_rate_hz": float(np.mean(bi_false)) if bi_false else nan,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--per-class", type=int, default=40, help="windows per class (default 40)")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    p.add_argument("--tolerance-ms", type=float, default=100.0, help="match tolerance (100)")
    p.add_argument(
        "--min-snr",
        type=float,
        default=3.0,
        help="a discharge is visible on a channel when its peak is this many times the "
        "channel's background RMS (default 3)",
    )
    p.add_argument("--classes", default=",".join(CLASSES), help="comma-separated classes")
    p.add_argument(
        "--threshold-ratio",
        type=float,
        help="try another detection threshold (x the envelope's baseline; the family's "
        f"is {periodicity.THRESHOLD_RATIO:g}): for recalibrating it, not for features",
    )
    args = p.parse_args(argv)
    if args.threshold_ratio is not None:
        periodicity.THRESHOLD_RATIO = args.threshold_ratio
    t0 = time.perf_counter()
    tol = args.tolerance_ms / 1000.0
    result: dict = {
        "benchmark": "detector_calibration",
        "per_class": args.per_class,
        "seed": args.seed,
        "tolerance_ms": args.tolerance_ms,
        "min_snr": args.min_snr,
        "threshold_ratio": periodicity.THRESHOLD_RATIO,
        "classes": {},
    }
    print(
        f"discharge detector vs generator truth: {args.per_class} windows/class, seed "
        f"{args.seed}, tolerance {args.tolerance_ms:g} ms"
    )
    header = (
        f"{'class':8} {'wins':>4} {'true':>6} {'det':>6} {'prec':>6} {'recall':>6} {'F1':>6} "
        f"{'R vis':>6} {'true Hz':>8} {'det Hz':>8} {'false Hz':>9} "
        f"{'bi prec':>7} {'bi rec':>6} {'bi false':>8}"
    )
    print(header)
    print("-" * len(header))
    for name in args.classes.split(","):
        cls = CLASSES.index(name)
        r = score_class(args.seed, cls, args.per_class, tol, args.min_snr)
        result["classes"][name] = {  # NaN (nothing to count) as null: valid JSON
            k: (None if v != v else round(v, 4)) if isinstance(v, float) else v
            for k, v in r.items()
        }
        print(
            f"{name:8} {r['windows']:>4} {r['true']:>6} {r['detected']:>6} "
            f"{r['precision']:>6.3f} {r['recall']:>6.3f} {r['f1']:>6.3f} "
            f"{r['recall_visible']:>6.3f} "
            f"{r['median_true_rate_hz']:>8.3f} {r['median_detected_rate_hz']:>8.3f} "
            f"{r['median_false_rate_hz']:>9.4f} {r['bilateral_precision']:>7.3f} "
            f"{r['bilateral_recall']:>6.3f} {r['bilateral_false_rate_hz']:>8.4f}",
            flush=True,
        )
    result["seconds"] = round(time.perf_counter() - t0, 1)
    print(
        "prec/recall/F1 on the channels where the class's discharges are drawn (LPD: its "
        "hemisphere, GPD: all);\nR vis: recall of the discharges visible on their channel (peak "
        f">= {args.min_snr:g} x the channel's background RMS);\nfalse Hz: median per-channel "
        "rate of detections matching no drawn discharge, off those channels (every channel "
        "without discharges);\nbi: bilateral events (at least "
        f"{BILATERAL_CHANNELS} channels of each hemisphere within +/- "
        f"{1000 * BILATERAL_TOLERANCE_S:g} ms) against the GPD discharges drawn (precision, "
        "recall), and their mean rate in windows without GPD (false, Hz). "
        f"{result['seconds']} s"
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
