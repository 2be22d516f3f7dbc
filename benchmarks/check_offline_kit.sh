#!/usr/bin/env bash
# End-to-end check of the offline kit (several minutes):
#   1. a toy model on features of the genuine train sample (real feature names),
#   2. `hms offline-kit` (pip wheel of the project + pip download of its dependencies),
#   3. a fresh virtual environment that installs ONLY from the kit (--no-index, pip config and
#      find-links of this machine switched off),
#   4. `hms predict` from that environment on the genuine test sample.
# Prints "OFFLINE KIT OK" on success. Usage: bash benchmarks/check_offline_kit.sh [WORK_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
SAMPLES="${HMS_SAMPLES_DIR:-$ROOT/../shared/data/hms_samples}"
WORK="${1:-$(mktemp -d /tmp/hms_offline_kit.XXXXXX)}"
mkdir -p "$WORK"
echo "work dir: $WORK"
t0=$(date +%s)

echo "== 1. toy model on the genuine train sample's features"
"$PY" - "$SAMPLES" "$WORK/model" <<'PYEOF'
import sys
import numpy as np
import pandas as pd
from hms_features.data import read_labels
from hms_features.factory import extract_features
from hms_features.model import TrainConfig, train_model

samples, out = sys.argv[1], sys.argv[2]
feats = extract_features(samples, split="train", progress=False)
labels = read_labels(f"{samples}/train.csv")
rng = np.random.default_rng(0)
cols = [c for c in feats.columns if c not in ("eeg_id", "eeg_sub_id")]
fs, ls = [], []
for r in range(12):  # jittered copies as 12 fake patients: a toy, not a real model
    f = feats.copy()
    f[cols] = (f[cols] * (1 + 0.05 * rng.normal(size=f[cols].shape))).astype(np.float32)
    f["eeg_id"] += r
    lab = labels.assign(eeg_id=labels["eeg_id"] + r, patient_id=1000 + r)
    fs.append(f)
    ls.append(lab)
cfg = TrainConfig(n_folds=3, num_boost_round=5, early_stopping_rounds=2, min_data_in_leaf=5, variants=("soft",))
train_model(pd.concat(fs, ignore_index=True), pd.concat(ls, ignore_index=True), out, cfg, log=None)
print(f"toy model with {len(cols)} features -> {out}")
PYEOF

echo "== 2. offline kit"
if "$PY" -m hms_features --help >/dev/null 2>&1; then
    "$PY" -m hms_features offline-kit --model-dir "$WORK/model" --out "$WORK/kit"
else  # the `hms` command is assembled from every command module; fall back to the library
    echo "(hms CLI incomplete: calling hms_features.model.offline_kit.build_offline_kit)"
    "$PY" -c "import sys; from hms_features.model.offline_kit import build_offline_kit as b; b(sys.argv[1], sys.argv[2])" \
        "$WORK/model" "$WORK/kit"
fi
du -sh "$WORK/kit/wheels"
t1=$(date +%s)

echo "== 3. fresh venv, install from the kit only"
rm -rf "$WORK/venv"
"$PY" -c 'import sys; print(sys.base_prefix)' >/dev/null
BASE_PY="$("$PY" -c 'import sys, os; print(os.path.join(sys.base_prefix, "bin", "python3"))')"
"$BASE_PY" -m venv "$WORK/venv"
env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_INDEX_URL -u PIP_CONSTRAINT PIP_CONFIG_FILE=/dev/null \
    "$WORK/venv/bin/pip" install --no-index --find-links "$WORK/kit/wheels" hms-features
t2=$(date +%s)

echo "== 4. hms predict from the fresh venv on the genuine test sample"
cd "$WORK"
if "$WORK/venv/bin/hms" --help >/dev/null 2>&1; then
    "$WORK/venv/bin/hms" predict --data-dir "$SAMPLES" --model-dir "$WORK/kit/model" \
        --out "$WORK/submission.csv" --no-progress
else
    echo "(hms CLI incomplete: calling hms_features.model.predict_submission)"
    "$WORK/venv/bin/python" -c "import sys; from hms_features.model import predict_submission as p; p(*sys.argv[1:4], progress=False)" \
        "$SAMPLES" "$WORK/kit/model" "$WORK/submission.csv"
fi
"$WORK/venv/bin/python" - "$WORK/submission.csv" "$SAMPLES/sample_submission.csv" <<'PYEOF'
import sys
import numpy as np
import pandas as pd
sub, sample = pd.read_csv(sys.argv[1]), pd.read_csv(sys.argv[2])
assert list(sub.columns) == list(sample.columns), (sub.columns, sample.columns)
assert sub["eeg_id"].tolist() == sample["eeg_id"].tolist()
sums = sub.iloc[:, 1:].sum(axis=1).to_numpy()
assert np.abs(sums - 1).max() < 1e-6, sums
print(sub.to_string(index=False))
PYEOF
t3=$(date +%s)
echo "seconds: model+kit $((t1 - t0)), fresh install $((t2 - t1)), predict $((t3 - t2)), total $((t3 - t0))"
echo "OFFLINE KIT OK"
