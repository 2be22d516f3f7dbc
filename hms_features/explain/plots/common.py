"""What every figure shares: the Agg figure, PNG bytes, the colours, label and number formats.

Colours are stated once here: the classes' (timeline strip, events, the pages' event table), the
SHAP signs' and the spectrograms' colour map.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

#: Colours of "pushes towards the class" and "pushes away from it" (SHAP's own convention).
POSITIVE_COLOUR: str = "#d62728"
NEGATIVE_COLOUR: str = "#1f77b4"
#: Colours of the six classes (the recording's probability strip, its events, the event table).
CLASS_COLOURS: dict[str, str] = {
    "Seizure": "#d62728",
    "LPD": "#ff7f0e",
    "GPD": "#9467bd",
    "LRDA": "#2ca02c",
    "GRDA": "#17becf",
    "Other": "#c7c7c7",
}
#: Colour map of every spectrogram (log10 power), grey where there is no data.
SPECTROGRAM_CMAP: str = "jet"
#: Colour of missing data (spectrogram cells, shaded EEG stretches).
MISSING_COLOUR: str = "#bfbfbf"


def new_figure(width: float, height: float, dpi: int = 100) -> Figure:
    """A figure attached to the Agg canvas (no pyplot, no display)."""
    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def figure_png(fig: Figure, dpi: int | None = None) -> bytes:
    """The figure as PNG bytes (cropped to what is drawn)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def short_name(name: str, n: int = 48) -> str:
    """``name`` cut to ``n`` characters with an ellipsis.

    >>> short_name("delta_power_left_temporal_chain", 12)
    'delta_power…'
    """
    return name if len(name) <= n else name[: n - 1] + "\u2026"


def format_value(v: float) -> str:
    """A feature value with 2-3 significant digits, scientific outside 0.01-1000.

    >>> [format_value(x) for x in (0.0, 0.123, 12.34, 456.7, 12345.0, float("nan"))]
    ['0', '0.12', '12.3', '457', '1.23e+04', 'nan']
    """
    if not np.isfinite(v):
        return "nan"
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 1000 or a < 0.01:
        return f"{v:.2e}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"
