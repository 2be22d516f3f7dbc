"""``hms score`` on the faults ICU recordings really have (issue 18): bad electrodes, wrong
units, truncated files, bad options, and a model trained on kept features."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import edf, hms

from hms_features.cli import main
from hms_features.constants import EEG_CHANNELS
from hms_features.errors import HMSWarning
from hms_features.score.run import score_recording


@pytest.fixture(scope="module")
def kept_model(example, tmp_path_factory):
    """A model trained with ``--max-features 50`` on the session example's features."""
    from hms_features.data import KaggleLayout, read_labels
    from hms_features.model.config import TrainConfig
    from hms_features.model.train import train_model

    out = tmp_path_factory.mktemp("kept") / "m50"
    labels = read_labels(KaggleLayout(example.data).labels_csv("train"), "train")
    cfg = TrainConfig(n_folds=2, seed=0, n_jobs=1, variants=("soft",), learning_rate=0.3,
                      num_boost_round=15, early_stopping_rounds=5, max_features=50)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HMSWarning)
        train_model(example.features, labels, out, cfg, log=None, missing_features="drop")
    return out


def quiet_score(path, model_dir, out, **kw):
    kw = {"n_jobs": 1, "page": False, "progress": False, **kw}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", HMSWarning)
        result = score_recording(path, model_dir, out, **kw)
    return result, [str(w.message) for w in caught if issubclass(w.category, HMSWarning)]


# ------------------------------------------------------------------ 1: kept features


def test_a_model_trained_on_kept_features_scores_a_recording(kept_model, tmp_path):
    """Was exit 3 (traceback): leading_features passed all 1,491 columns to a fold booster
    trained on 50."""
    rec = edf(tmp_path / "rec.edf", 60)
    proc = hms("score", str(rec), "--model-dir", str(kept_model), "--out",
                          str(tmp_path / "o"), "-q", "--n-jobs", "1")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    tl = pd.read_parquet(tmp_path / "o" / "rec_timeline.parquet")
    from hms_features.model.files import load_model

    model = load_model(kept_model)
    kept = {n for b in model.boosters for n in b.feature_name()}
    assert len(tl) == 6 and set(tl["leading_feature"]) <= kept
    assert "rec_timeline.html" in proc.stdout


# ------------------------------------------------------------------ 2: bad electrodes


def test_one_flat_electrode_is_named_and_the_rest_is_scored(model_dir, tmp_path):
    """Was: missing_fraction counted a sample as missing when any electrode was, so every
    window was poor, nothing was found and nothing named the electrode."""
    rec = edf(tmp_path / "flat.edf", 120, flat=("O1",), labels={"O1": "EEG O1-REF"})
    result, said = quiet_score(rec, model_dir, tmp_path / "o")
    tl = result.timeline
    inside = tl.iloc[2:-3]  # windows wholly inside the recording
    assert (inside["quality"] == "ok").all()
    np.testing.assert_allclose(inside["missing_fraction"], 1 / 19, atol=1e-6)
    assert (tl["bad_channels"] == "O1: flat").all()
    assert np.isfinite(result.burdens[0])
    text = result.format()
    assert "bad channels: O1 (EEG O1-REF): flat in 12 window(s)" in text
    assert not any("usable" in s for s in said)


def test_saturated_electrode_is_named(model_dir, tmp_path):
    """Values clipped at the header's physical range are saturated: named, and missing."""
    rec = edf(tmp_path / "sat.edf", 60, rng_uv=15.0, clip=True)  # 20-uV noise at +/-15 uV
    from hms_features.data.recording import RecordingReader

    x, codes = RecordingReader(rec).read(0, 2000, flags=True)
    assert (codes == 3).mean() > 0.2 and np.isnan(x[:, :-1][codes == 3]).all()
    result, _ = quiet_score(rec, model_dir, tmp_path / "o")
    assert result.timeline["bad_channels"].str.contains("Fp1: saturated").all()


def test_a_flat_recording_has_no_burden_and_says_why(model_dir, tmp_path, capsys):
    """Was: every window poor yet a seizure burden printed (25.7% for a flat-line file)."""
    rec = edf(tmp_path / "zeros.edf", 60, flat=EEG_CHANNELS[:-1])
    args = ["score", str(rec), "--model-dir", str(model_dir), "--out", str(tmp_path / "o"),
            "-q", "--n-jobs", "1", "--no-page"]  # fmt: skip
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "seizure burden n/a, IIIC burden n/a (no usable window)" in out
    assert "0 event(s)" in out
    assert err.count("no window of zeros.edf is usable") == 1
    assert "flat" in err and "zeros.edf" in err
    tl = pd.read_parquet(tmp_path / "o" / "zeros_timeline.parquet")
    assert (tl["quality"] == "poor").all() and (tl["missing_fraction"] == 1).all()


def test_quality_rules_on_a_window():
    from hms_features.data.recording import FLAT, OUTSIDE
    from hms_features.score import quality

    rng = np.random.default_rng(0)
    x = rng.normal(0, 20, (10_000, 20)).astype(np.float32)
    codes = np.zeros((10_000, 19), np.uint8)
    x[:, 7] = np.nan  # O1
    codes[:, 7] = FLAT
    x[:4000] = np.nan  # the first 20 s outside the recording
    codes[:4000] = OUTSIDE
    reasons = quality.electrode_reasons(x, codes)
    assert quality.describe_bad(reasons) == "O1: flat"
    bad = reasons != ""
    missing = quality.missing_cells(x, bad)
    assert missing == pytest.approx(0.4 + 0.6 / 19)
    assert quality.usable(missing, bad)
    # four electrodes of the left temporal chain: LL keeps no intact chain
    bad2 = bad.copy()
    bad2[[EEG_CHANNELS.index(c) for c in ("F7", "T5")]] = True
    assert not quality.usable(0.1, bad2)
    # the stand-in is its neighbours' mean, and the bad chains' features are NaN
    filled = quality.stand_in(np.nan_to_num(x), bad)
    o1 = [EEG_CHANNELS.index(c) for c in ("T5", "P3")]
    np.testing.assert_allclose(filled[:, 7], np.nan_to_num(x)[:, o1].mean(axis=1), rtol=1e-5)
    names = ("T5-O1__std", "P3-O1__std", "Fp1-F7__std", "LL__std")
    row = np.ones(4)
    quality.blank_bad_chains(row, names, bad)
    assert np.isnan(row[:2]).all() and (row[2:] == 1).all()


@pytest.mark.parametrize("n", [10_000, 9_999, 400, 399])
def test_amplitude_limits_equal_the_median_absolute_deviation(n):
    """The counting shortcut of ``amplitude_out_of_range`` answers as the reference
    ``nanmedian`` does, on columns far from, at and around both limits, odd and even lengths,
    with NaN, and float32 as the reader gives it."""
    from hms_features.data.recording import HIGH_MICROVOLTS, LOW_MICROVOLTS
    from hms_features.score import quality

    rng = np.random.default_rng(n)
    scales = [20, 1e-4, 2e3, 0.74, 0.75, 0.76, 1480, 1483, 1490, 0.0, 5.0, 1e-3]
    x = np.column_stack([rng.normal(0, s, n) for s in scales] + [rng.laplace(0, 1, n)])
    x[: n // 2, 10] = 0.25  # half the samples constant, the rest wide: open for the low limit
    x[: n // 2 - 1, 11] = 3e3  # one short of half far away
    x = np.column_stack([x, x[:, :6]])
    x[::7, -6:] = np.nan  # NaN columns take the reference path
    for data in (x, x.astype(np.float32)):
        amp = quality.median_absolute_deviation(data)
        low, high = quality.amplitude_out_of_range(data)
        np.testing.assert_array_equal(low, amp < LOW_MICROVOLTS)
        np.testing.assert_array_equal(high, amp > HIGH_MICROVOLTS)
        assert (low.any() and high.any()) == (n >= quality.MIN_SAMPLES)


def test_the_amplitude_screen_certifies_only_electrodes_that_pass():
    """``amplitude_screen`` (shared 1-s sub-blocks) never passes an electrode the rule fails:
    windows every 10 s (one off the grid) over electrodes far from, at and around both limits,
    half constant, with a NaN run and a step; and it passes ordinary EEG."""
    from hms_features.data.recording import HIGH_MICROVOLTS, LOW_MICROVOLTS
    from hms_features.score import quality

    rng = np.random.default_rng(3)
    n_all, n = 130 * 200, 10_000
    scales = [20, 1e-4, 2e3, 0.74, 0.76, 1480, 1490, 5.0, 20, 20, 20, 60, 3, 20, 20, 20, 20, 20]
    x = np.column_stack([rng.normal(0, s, n_all) for s in scales] + [rng.laplace(0, 1, n_all)])
    x[: n_all // 2, 8] = 0.25  # constant for the first half: low in the early windows
    x[60 * 200 : 62 * 200, 9] = np.nan  # a NaN run: the windows holding it take the rule
    x[n_all // 2 :, 10] += 3000.0  # a step: range over 1,000 uV, median deviation small
    x[:, 11] = np.round(x[:, 11])  # quantised to 1 uV: many ties
    x = x.astype(np.float32)
    starts = np.array([0, 2000, 4000, 6000, 8000, 10_000, 12_000, 14_000, 16_000, 3333])
    ok = quality.amplitude_screen(x, starts, n)
    assert not ok[-1].any()  # off the sub-block grid
    for k, s in enumerate(starts):
        window = x[s : s + n]
        amp = quality.median_absolute_deviation(window)
        passes = (amp >= LOW_MICROVOLTS) & (amp <= HIGH_MICROVOLTS)
        assert not (ok[k] & ~passes).any(), f"window {k}: certified a failing electrode"
        codes = np.zeros((n, 19), np.uint8)
        np.testing.assert_array_equal(
            quality.electrode_reasons(window, codes, ok[k]),
            quality.electrode_reasons(window, codes),
        )
    # ordinary EEG (20 and 60 uV, 5 uV, quantised) is certified in every window on the grid
    assert ok[:-1][:, [0, 7, 11, 13, 17]].all()
    assert not ok[:, [1, 2, 3, 5, 6]].any()


# ------------------------------------------------------------------ 3: units and amplitude


def test_volts_labelled_microvolts_are_refused_as_eeg_with_the_fix(model_dir, tmp_path, capsys):
    """Was: scored as normal EEG, with an event."""
    rec = edf(tmp_path / "volts.edf", 60, scale=1e-6, rng_uv=1e-3)
    args = ["score", str(rec), "--model-dir", str(model_dir), "--out", str(tmp_path / "o"),
            "-q", "--n-jobs", "1", "--no-page"]  # fmt: skip
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "volts.edf: median amplitude" in err and "below 0.5 uV" in err
    assert "physical unit is uV" in err and "pass --unit V" in err
    assert "seizure burden n/a" in out and "0 event(s)" in out
    # forcing the unit reads it as EEG
    args += ["--unit", "V"]
    args[args.index("--out") + 1] = str(tmp_path / "o2")
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "median amplitude" not in err and "seizure burden n/a" not in out


def test_thousandfold_amplitudes_warn(model_dir, tmp_path, capsys):
    """Microvolt numbers under a header that says mV: every value 1000x."""
    rec = edf(tmp_path / "big.edf", 60, unit="mV")
    args = ["score", str(rec), "--model-dir", str(model_dir), "--out", str(tmp_path / "o"),
            "-q", "--n-jobs", "1", "--no-page"]  # fmt: skip
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "above 1000 uV" in err and "physical unit is mV" in err and "pass --unit uV" in err
    assert "seizure burden n/a" in out


def test_unit_is_forced_on_read(tmp_path):
    from hms_features.data.recording import RecordingReader

    rec = edf(tmp_path / "r.edf", 20, scale=1e-3, rng_uv=1.0)  # millivolt numbers, "uV"
    a = RecordingReader(rec).read(0, 1000)
    b = RecordingReader(rec, unit="mV").read(0, 1000)
    np.testing.assert_allclose(b[:, :-1], a[:, :-1] * 1000, rtol=1e-4, atol=1e-3)
    assert 10 < np.nanstd(b[:, :-1]) < 30


# ------------------------------------------------------------------ 4: truncated files


def test_truncated_edf_is_one_warning_with_both_durations(model_dir, tmp_path, capsys):
    """Was: scored as a shorter recording, MNE's warning swallowed."""
    full = edf(tmp_path / "full.edf", 90)
    data = full.read_bytes()
    cut = tmp_path / "cut.edf"
    header = 256 * (len(EEG_CHANNELS) + 1)
    cut.write_bytes(data[: header + (len(data) - header) * 2 // 3])
    args = ["score", str(cut), "--model-dir", str(model_dir), "--out", str(tmp_path / "o"),
            "-q", "--n-jobs", "1", "--no-page"]  # fmt: skip
    assert main(args) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "cut.edf" in line]
    assert len(lines) == 1, err
    assert "header says 90 s" in lines[0] and "holds 60 s" in lines[0]


# ------------------------------------------------------------------ 5: --step


@pytest.mark.parametrize("step", ["60", "0", "-2", "nan", "11"])
def test_bad_steps_are_refused(step, model_dir, tmp_path):
    rec = edf(tmp_path / "r.edf", 20)
    proc = hms("score", str(rec), "--model-dir", str(model_dir), "--out",
                          str(tmp_path / "o"), "--step", step)  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "--step" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()
