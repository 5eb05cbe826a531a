"""Jinja2 templates shared by all pages."""

from __future__ import annotations

from fastapi.templating import Jinja2Templates

from app.config import PROJECT_ROOT

templates = Jinja2Templates(directory=PROJECT_ROOT / "templates")


def _extract(key, mapping):
    """``codes|map('extract', labels)``: look each item up in a mapping (itself if absent)."""
    return mapping.get(key, key)


templates.env.filters["extract"] = _extract
