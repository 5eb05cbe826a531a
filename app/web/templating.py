"""Jinja2 templates shared by all pages."""

from __future__ import annotations

from fastapi.templating import Jinja2Templates

from app.core import i18n
from app.core.config import PROJECT_ROOT

templates = Jinja2Templates(directory=PROJECT_ROOT / "templates")
# {% trans %} and _() speak the language in use (app.core.i18n.language_in_use; Dutch otherwise)
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True,
                                        pgettext=i18n.pgettext, npgettext=i18n.npgettext)


def _extract(key, mapping):
    """``codes|map('extract', labels)``: look each item up in a mapping (itself if absent)."""
    return mapping.get(key, key)


templates.env.filters["extract"] = _extract
templates.env.filters["weekday"] = i18n.weekday_name
templates.env.filters["clock"] = i18n.clock_time
templates.env.filters["long_date"] = i18n.long_date
templates.env.filters["day_month"] = i18n.day_month
templates.env.filters["full_date"] = i18n.full_date
templates.env.filters["number"] = i18n.number
templates.env.filters["language_name"] = i18n.language_name
