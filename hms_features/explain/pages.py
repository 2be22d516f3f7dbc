"""The HTML pages clinicians open: one Jinja2 environment, one page shell, images embedded.

Every page kind is a template in ``hms_features/explain/templates/`` that extends ``base.html``
(the page shell, with the one stylesheet ``style.css`` inlined), as MNE's Report renders its
pages:

============================  ==========================================================
template                      page, and the code that prepares its data
============================  ==========================================================
``review.html``               one EEG's review (:func:`hms_features.explain.report.render_report`)
``review_index.html``         the reports' ``index.html`` (:func:`~.report.write_index`)
``cohort.html``               the cohort's ``index.html`` (:mod:`hms_features.explain.cohort`)
``families.html``             the cohort's ``families.html``
``recording.html``            a scored recording (:mod:`hms_features.score.page`)
``archive_index.html``        an archive's ``index.html`` (:mod:`hms_features.score.archive`)
============================  ==========================================================

The environment escapes every inserted value (``autoescape``): a recording named
``<b>x</b>&.edf`` or a channel labelled ``EMG <1&2>`` shows as text, and no caller escapes by
hand. Images are PNG embedded as ``data:`` URIs (:func:`png_data_uri`), so that each page is one
file that opens anywhere, offline. The formats that pages share are the template filters of
:data:`FILTERS`.
"""

from __future__ import annotations

import base64
import math
from functools import lru_cache
from typing import Any

import jinja2
from matplotlib.figure import Figure

from hms_features.explain.plots.common import figure_png, format_value

#: The folder of the templates inside this package.
TEMPLATES: str = "templates"


def png_data_uri(fig: Figure, dpi: int | None = None) -> str:
    """The figure as a ``data:image/png;base64,...`` URI, for an ``<img src>``."""
    return "data:image/png;base64," + base64.b64encode(figure_png(fig, dpi)).decode("ascii")


def clock(seconds: float) -> str:
    """Seconds as ``H:MM:SS``.

    >>> clock(3725.4)
    '1:02:05'
    """
    s = int(round(seconds))
    return f"{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _finite(x: Any) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def percent(x: float | None, digits: int = 0) -> str:
    """``0.256`` -> ``'26%'``; ``'n/a'`` for a missing or non-finite value.

    >>> percent(0.256), percent(0.256, 1), percent(float("nan"))
    ('26%', '25.6%', 'n/a')
    """
    return f"{float(x):.{digits}%}" if _finite(x) else "n/a"


def signed(x: float, digits: int = 3) -> str:
    """``0.5`` -> ``'+0.500'`` (a contribution, with its sign)."""
    return f"{float(x):+.{digits}f}"


def rank(x: float | None) -> str:
    """A rank or percentile as a whole number; an en dash where there is none."""
    return f"{float(x):.0f}" if _finite(x) else "\u2013"


def value(x: float | None) -> str:
    """A feature value (:func:`~hms_features.explain.plots.common.format_value`); ``'missing'``
    for None."""
    return "missing" if x is None else format_value(float(x))


def number(x: float) -> str:
    """A number in its shortest form (``'%g'``): ``10.0`` -> ``'10'``."""
    return f"{float(x):g}"


#: Filters every template may use: ``{{ p|percent }}``, ``{{ c|signed }}``, ...
FILTERS: dict[str, Any] = {
    "clock": clock,
    "number": number,
    "percent": percent,
    "rank": rank,
    "signed": signed,
    "value": value,
}


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja2 environment of every page: templates of this package, autoescape on,
    undefined names an error (a template that names a missing value fails, not a blank)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("hms_features.explain", TEMPLATES),
        autoescape=jinja2.select_autoescape(
            ["html"], disabled_extensions=["css"], default_for_string=True, default=True
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env


def render(template: str, **context: Any) -> str:
    """The page ``template`` (a file name in ``templates/``) rendered with ``context``."""
    return environment().get_template(template).render(**context)


__all__ = [
    "FILTERS",
    "clock",
    "environment",
    "number",
    "percent",
    "png_data_uri",
    "rank",
    "render",
    "signed",
    "value",
]
