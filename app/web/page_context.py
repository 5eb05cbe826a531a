"""The base context every page's template gets: one function for all pages."""

from __future__ import annotations

from fastapi import Request


def base_context(request: Request, state, viewer, **extra) -> dict:
    """What the layout needs on every page (request, data sources, the demo banner, who is signed
    in) plus the page's own values."""
    return {"request": request, "attribution": state.attribution, "demo": state.catalog().demo,
            "viewer": viewer, **extra}
