"""The feature factory: plan label windows, extract them in parallel, write parquet."""

from hms_features.factory.runner import (
    ExtractionSummary,
    extract_chunk,
    extract_features,
    run_extraction,
)

__all__ = ["ExtractionSummary", "extract_chunk", "extract_features", "run_extraction"]
