"""Every figure of the project (matplotlib), in one place.

``from hms_features.explain import plots``, then ``plots.plot_waterfall(...)``, etc.

Every function returns a :class:`matplotlib.figure.Figure` built without ``pyplot`` (no global
state, no display needed: figures render with the Agg canvas), so the package is safe in
servers, tests and worker processes; :func:`figure_png` turns a figure into PNG bytes and
:func:`hms_features.explain.pages.png_data_uri` into an image a page embeds. The pages (review
report, cohort pages, recording page) draw nothing themselves.

- :mod:`~hms_features.explain.plots.common`: the Agg figure, PNG bytes, the colours (classes,
  SHAP signs, spectrograms), label and number formats;
- :mod:`~hms_features.explain.plots.eeg`: regional spectrograms, the bipolar EEG page, the
  competition's figure layout, the review layout (spectrograms beside the EEG);
- :mod:`~hms_features.explain.plots.explanations`: class probabilities, SHAP waterfalls of
  features and of clinical concepts, cohort beeswarms, bars and heat maps;
- :mod:`~hms_features.explain.plots.recording`: a whole scored recording (spectrograms, events,
  probabilities, burden).

Split in modules by subject only to keep each readable; every name is here, as YASA's
``plotting`` keeps them.
"""

from __future__ import annotations

from hms_features.explain.plots.common import (
    CLASS_COLOURS,
    NEGATIVE_COLOUR,
    POSITIVE_COLOUR,
    SPECTROGRAM_CMAP,
    figure_png,
    format_value,
    new_figure,
    short_name,
)
from hms_features.explain.plots.eeg import (
    CLIP_SPACINGS,
    FIGURE_SCALE_BAR_UV,
    FIGURE_SPACING_UV,
    NICE_SPACINGS_UV,
    choose_spacing,
    draw_eeg,
    draw_spectrograms,
    eeg_caption,
    eeg_page_signals,
    plot_eeg,
    plot_figure_window,
    plot_review,
    plot_spectrograms,
    spectrogram_colour_limits,
)
from hms_features.explain.plots.explanations import (
    CONCEPT_GROUPS_SHOWN,
    concept_colours,
    plot_beeswarm,
    plot_by_class,
    plot_concept_bar,
    plot_concept_beeswarm,
    plot_concept_waterfall,
    plot_family_heatmap,
    plot_importance_bar,
    plot_probabilities,
    plot_ranked_bars,
    plot_waterfall,
)
from hms_features.explain.plots.recording import binned_log_power, plot_overview, time_unit

__all__ = [
    "CLASS_COLOURS",
    "CLIP_SPACINGS",
    "CONCEPT_GROUPS_SHOWN",
    "FIGURE_SCALE_BAR_UV",
    "FIGURE_SPACING_UV",
    "NEGATIVE_COLOUR",
    "NICE_SPACINGS_UV",
    "POSITIVE_COLOUR",
    "SPECTROGRAM_CMAP",
    "binned_log_power",
    "choose_spacing",
    "concept_colours",
    "draw_eeg",
    "draw_spectrograms",
    "eeg_caption",
    "eeg_page_signals",
    "figure_png",
    "format_value",
    "new_figure",
    "plot_beeswarm",
    "plot_by_class",
    "plot_concept_bar",
    "plot_concept_beeswarm",
    "plot_concept_waterfall",
    "plot_eeg",
    "plot_family_heatmap",
    "plot_figure_window",
    "plot_importance_bar",
    "plot_overview",
    "plot_probabilities",
    "plot_ranked_bars",
    "plot_review",
    "plot_spectrograms",
    "plot_waterfall",
    "short_name",
    "spectrogram_colour_limits",
    "time_unit",
]
