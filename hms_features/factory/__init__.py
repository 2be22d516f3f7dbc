"""The feature factory: plan label windows, extract them in parallel, write parquet.

- :mod:`~hms_features.factory.windows`: label rows -> unique windows -> chunks of EEG files.
- :mod:`~hms_features.factory.chunk`: the worker (one chunk -> rows, failures, notices).
- :mod:`~hms_features.factory.backends`: in-process, local worker pool, or Dask.
- :mod:`~hms_features.factory.parts`: part files, resume and retry, the assembled parquet.
- :mod:`~hms_features.factory.runner`: orchestration and the errors/warnings reports.
"""

from hms_features.factory.chunk import ChunkResult, extract_chunk
from hms_features.factory.runner import (
    ExtractionSummary,
    RepeatedErrorStop,
    extract_features,
    run_extraction,
)

__all__ = [
    "ChunkResult",
    "ExtractionSummary",
    "RepeatedErrorStop",
    "extract_chunk",
    "extract_features",
    "run_extraction",
]
