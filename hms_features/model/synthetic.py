"""A synthetic training table (features + train.csv-like labels) for tests and benchmarks.

Not EEG: random feature columns, a few of which carry a linear signal of each EEG's latent
class scores. Labels mimic the HMS vote structure: patients with several EEGs, EEGs with several
label rows, most rows with 1-7 votes (noisier) and a minority with 10-28 votes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hms_features.constants import CLASSES, VOTE_COLUMNS
from hms_features.model.objective import softmax


def synthetic_training_table(
    n_rows: int = 600,
    n_features: int = 40,
    n_informative: int = 12,
    n_patients: int | None = None,
    seed: int = 0,
    signal: float = 1.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Make ``(features, labels)`` with ``n_rows`` label rows.

    Parameters
    ----------
    n_rows, n_features : int
        Size of the feature table (float32 features named ``syn<j>__value``).
    n_informative : int
        Features that are noisy linear functions of the latent class scores.
    n_patients : int, optional
        Default ``max(10, n_rows // 12)``.
    seed : int
        Seed of everything.
    signal : float
        Scale of the latent scores (0: labels independent of the features).

    Returns
    -------
    features : DataFrame
        ``eeg_id``, ``eeg_sub_id`` (int64) and the float32 feature columns.
    labels : DataFrame
        The 15 columns of train.csv, one row per feature row.
    """
    rng = np.random.default_rng(seed)
    k = len(CLASSES)
    n_informative = min(n_informative, n_features)
    n_patients = n_patients or max(10, n_rows // 12)
    # EEGs of 1-6 label rows each, until n_rows rows
    sizes = []
    while sum(sizes) < n_rows:
        sizes.append(int(rng.integers(1, 7)))
    sizes[-1] -= sum(sizes) - n_rows
    n_eegs = len(sizes)
    eeg_ids = 10**8 + np.sort(rng.choice(10 * n_eegs, size=n_eegs, replace=False)) * 977
    eeg_ids = rng.permutation(eeg_ids).astype(np.int64)
    eeg_patient = rng.integers(0, n_patients, size=n_eegs)
    patient_ids = rng.choice(np.arange(1, 70000), size=n_patients, replace=False)
    patient_effect = rng.normal(0.0, 1.0, size=(n_patients, k))
    eeg_latent = signal * (patient_effect[eeg_patient] + rng.normal(0.0, 1.0, size=(n_eegs, k)))
    eeg_of_row = np.repeat(np.arange(n_eegs), sizes)
    sub_id = np.concatenate([np.arange(s) for s in sizes])
    latent = eeg_latent[eeg_of_row] + 0.3 * rng.normal(size=(n_rows, k))

    high = rng.random(n_rows) < 0.4
    totals = np.where(high, rng.integers(10, 29, size=n_rows), rng.integers(1, 8, size=n_rows))
    # low-vote rows: noisier experts (flatter, shifted towards Seizure as in the real data)
    logits = np.where(high[:, None], 1.5 * latent, 0.8 * latent + np.array([0.8, 0, 0, 0, 0, 0]))
    probs = softmax(logits)
    votes = np.stack([rng.multinomial(t, p) for t, p in zip(totals, probs, strict=True)])

    mix = rng.normal(size=(k, n_informative))
    X = rng.normal(size=(n_rows, n_features))
    X[:, :n_informative] = latent @ mix + 0.5 * rng.normal(size=(n_rows, n_informative))
    names = [f"syn{j:03d}__value" for j in range(n_features)]
    features = pd.DataFrame(X.astype(np.float32), columns=names)
    features.insert(0, "eeg_sub_id", sub_id.astype(np.int64))
    features.insert(0, "eeg_id", eeg_ids[eeg_of_row])

    offsets = sub_id.astype(np.float64) * 2.0
    labels = pd.DataFrame(
        {
            "eeg_id": eeg_ids[eeg_of_row],
            "eeg_sub_id": sub_id.astype(np.int64),
            "eeg_label_offset_seconds": offsets,
            "spectrogram_id": (eeg_ids[eeg_of_row] % 10**7).astype(np.int64),
            "spectrogram_sub_id": sub_id.astype(np.int64),
            "spectrogram_label_offset_seconds": offsets,
            "label_id": np.arange(n_rows, dtype=np.int64) + 10**6,
            "patient_id": patient_ids[eeg_patient[eeg_of_row]].astype(np.int64),
            "expert_consensus": np.asarray(CLASSES)[np.argmax(votes, axis=1)],
        }
    )
    for j, col in enumerate(VOTE_COLUMNS):
        labels[col] = votes[:, j].astype(np.int64)
    return features, labels
