"""Explanations for clinicians: SHAP values per prediction, review pages, cohort views.

- :mod:`~hms_features.explain.shap_values`: exact TreeSHAP values of the fold ensemble (every
  class, log-odds units), feature percentiles in the training population, top-feature tables.
- :mod:`~hms_features.explain.plots`: every figure (matplotlib, no display needed):
  spectrograms, the bipolar EEG page, waterfalls, beeswarms, bars, heat maps, a whole recording.
- :mod:`~hms_features.explain.pages`: the page machinery: Jinja2 templates (autoescaped), the
  page shell and stylesheet, images embedded as ``data:`` URIs.
- :mod:`~hms_features.explain.cases`: review cases (one label window, its spectrogram and
  features) read from a Kaggle-layout folder.
- :mod:`~hms_features.explain.report`: one self-contained HTML review page per EEG, and an index.
- :mod:`~hms_features.explain.cohort`: per-class views over the training windows, feature
  families, and checks that the explanations tell the clinical story;
  :mod:`~hms_features.explain.cohort_report` writes them as pages and tables.
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


def __getattr__(name: str):  # the page modules pull in matplotlib and Jinja2: load on demand
    if name == "generate_reports":
        from hms_features.explain.report import generate_reports

        return generate_reports
    if name == "write_cohort":
        from hms_features.explain.cohort_report import write_cohort

        return write_cohort
    if name == "clinical_story":
        from hms_features.explain.cohort import clinical_story

        return clinical_story
    raise AttributeError(f"module 'hms_features.explain' has no attribute {name!r}")
