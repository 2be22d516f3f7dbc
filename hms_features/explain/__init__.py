"""Explanations for clinicians: SHAP values per prediction, review pages, cohort views.

- :mod:`~hms_features.explain.shap_values`: exact TreeSHAP values of the fold ensemble (every
  class, log-odds units), feature percentiles in the training population, top-feature tables.
- :mod:`~hms_features.explain.plots`: spectrograms, the bipolar EEG page, waterfall, beeswarm,
  bar and family figures (matplotlib, no display needed).
- :mod:`~hms_features.explain.report`: one self-contained HTML review page per EEG, and an index.
- :mod:`~hms_features.explain.cohort`: per-class views over the training windows, feature
  families, and checks that the explanations tell the clinical story.
"""

from __future__ import annotations

from hms_features.explain.shap_values import (
    FeatureQuantiles,
    ShapResult,
    compute_shap,
    ensure_quantiles,
    explain_rows,
    feature_quantiles,
    top_features,
)

__all__ = [
    "FeatureQuantiles",
    "ShapResult",
    "clinical_story",
    "compute_shap",
    "ensure_quantiles",
    "explain_rows",
    "feature_quantiles",
    "generate_reports",
    "top_features",
    "write_cohort",
]


def __getattr__(name: str):  # the report and cohort modules pull in matplotlib: load on demand
    if name == "generate_reports":
        from hms_features.explain.report import generate_reports

        return generate_reports
    if name in ("write_cohort", "clinical_story"):
        from hms_features.explain import cohort

        return getattr(cohort, name)
    raise AttributeError(f"module 'hms_features.explain' has no attribute {name!r}")
