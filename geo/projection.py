"""WGS84 <-> Belgian Lambert 2008 (EPSG:3812), vectorised, with cached transformers.

Distances, areas and buffers are computed in EPSG:3812 (metres); everything served to
browsers and stored as coordinates is WGS84 longitude/latitude.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numpy.typing import ArrayLike
from pyproj import Transformer

WGS84 = "EPSG:4326"
METRIC_CRS = "EPSG:3812"


@cache
def _transformer(source_crs: str, target_crs: str) -> Transformer:
    # Transformer construction costs milliseconds; transforming is fast. always_xy: lon, lat order.
    return Transformer.from_crs(source_crs, target_crs, always_xy=True)


def to_metric(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Project longitude/latitude (degrees, WGS84) to EPSG:3812.

    Parameters
    ----------
    lon, lat
        Scalars or arrays of the same shape.

    Returns
    -------
    x, y
        Metres in Belgian Lambert 2008, as arrays of the input's shape.
    """
    x, y = _transformer(WGS84, METRIC_CRS).transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def to_wgs84(x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Project EPSG:3812 metres back to longitude/latitude (degrees).

    Parameters
    ----------
    x, y
        Scalars or arrays of the same shape.

    Returns
    -------
    lon, lat
        Arrays of the input's shape.
    """
    lon, lat = _transformer(METRIC_CRS, WGS84).transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon), np.asarray(lat)
