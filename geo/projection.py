"""WGS84 <-> Belgian Lambert 2008 (EPSG:3812), vectorised, with cached transformers."""

from __future__ import annotations

from functools import cache

import numpy as np
from pyproj import Transformer

WGS84 = "EPSG:4326"
METRIC_CRS = "EPSG:3812"


@cache
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def to_metric(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Longitude/latitude (degrees) to EPSG:3812 metres."""
    x, y = _transformer(WGS84, METRIC_CRS).transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def to_wgs84(x, y) -> tuple[np.ndarray, np.ndarray]:
    """EPSG:3812 metres to longitude/latitude."""
    lon, lat = _transformer(METRIC_CRS, WGS84).transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon), np.asarray(lat)
