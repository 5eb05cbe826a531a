"""Read-only state loaded once at start-up (``app.state.sk``)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from app.config import Settings
from app.db import make_engine
from geo.gazetteer import Gazetteer
from geo.places import Place, load_places
from geo.prepare import ensure_data
from geo.regions import RegionIndex, load_regions

logger = logging.getLogger(__name__)


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    regions: RegionIndex
    gazetteer: Gazetteer
    places: list[Place]
    attribution: list[str] = field(default_factory=list)


def load_attribution(geo_dir: Path) -> list[str]:
    path = geo_dir / "attribution.json"
    if not path.exists():
        return []
    raw = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(raw, dict):
        raw = raw.get("lines") or raw.get("attribution") or list(raw.values())
    lines: list[str] = []
    for item in raw:
        if isinstance(item, str):
            lines.append(item)
        elif isinstance(item, dict):
            lines.append(item.get("line") or item.get("attribution") or item.get("text") or "")
    return [line for line in lines if line]


def build_state(settings: Settings, *, engine: Engine | None = None) -> AppState:
    """Prepare geodata if needed and load everything the requests read."""
    ensure_data(settings.shared_data_dir, settings.data_dir)
    regions = load_regions(settings.geo_dir)
    return AppState(
        settings=settings,
        engine=engine or make_engine(settings.sqlalchemy_url),
        regions=regions,
        gazetteer=Gazetteer.from_geo_dir(settings.geo_dir),
        places=load_places(settings.geo_dir),
        attribution=load_attribution(settings.geo_dir),
    )
