"""hms-features: interpretable classification of harmful brain activity in the HMS EEG data.

Named, hand-crafted EEG features (:mod:`hms_features.features`), a LightGBM model trained on the
experts' vote distributions (:mod:`hms_features.model`) and SHAP explanations
(:mod:`hms_features.explain`).
"""

from __future__ import annotations

__all__ = [
    "FeatureExtractor",
    "__version__",
    "describe_feature",
    "extract_window",
    "feature_descriptions",
    "feature_names",
    "feature_table",
    "kl_divergence",
]


def __getattr__(name: str):  # lazy: `import hms_features` stays cheap for the CLI
    if name == "__version__":  # importlib.metadata alone takes ~30 ms to import
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("hms-features")
        except PackageNotFoundError:  # running from a source tree without installation
            return "0.0.0+unknown"
    if name in ("extract_window", "feature_names", "feature_descriptions", "feature_table"):
        from hms_features.features import extractor

        return getattr(extractor, name)
    if name == "FeatureExtractor":
        from hms_features.features.transformer import FeatureExtractor

        return FeatureExtractor
    if name == "describe_feature":
        from hms_features.features.families import describe

        return describe
    if name == "kl_divergence":
        from hms_features.metrics import kl_divergence

        return kl_divergence
    raise AttributeError(f"module 'hms_features' has no attribute {name!r}")
