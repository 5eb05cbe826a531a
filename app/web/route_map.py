"""The way there on the referral sheet: a small black-and-white SVG map of one road path.

Drawn server-side from the road network's own road shapes (no tiles, no script): the route as a
thick black line, the roads around it in grey, the start as an open circle, the arrival as a
filled square, a north mark and a scale bar. It prints on any printer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import numpy as np

WIDTH = 640
#: more roads than this around the route (a long trip through a town): the route is drawn alone
MAX_CONTEXT_SEGMENTS = 20000
NICE_SCALES_M = (50, 100, 200, 500, 1000, 2000, 5000, 10000)


@dataclass(frozen=True)
class RouteMap:
    svg: str
    length_m: float


def _project(lon: np.ndarray, lat: np.ndarray, lat0: float) -> tuple[np.ndarray, np.ndarray]:
    """Metres east and north of (0, 0) on a local equirectangular plane (fine for a few km)."""
    k = 6_371_000 * math.pi / 180
    return lon * k * math.cos(math.radians(lat0)), lat * k


def context_segments(network, lon_range: tuple[float, float], lat_range: tuple[float, float]) -> np.ndarray:
    """(n, 4) lon0, lat0, lon1, lat1 of the network's road pieces (between shape points) in the box.

    Empty when there are more than ``MAX_CONTEXT_SEGMENTS`` (a part of the roads would mislead).
    """
    corners = network.to_metric(np.array([[lon_range[0], lat_range[0]], [lon_range[1], lat_range[1]],
                                          [lon_range[0], lat_range[1]], [lon_range[1], lat_range[0]]]))
    x0, y0 = network.vertex_origin
    vx = np.asarray(network.vertex_x, dtype=np.float64) + x0
    vy = np.asarray(network.vertex_y, dtype=np.float64) + y0
    inside = ((vx >= corners[:, 0].min()) & (vx <= corners[:, 0].max())
              & (vy >= corners[:, 1].min()) & (vy <= corners[:, 1].max()))
    if len(vx) < 2:
        return np.zeros((0, 4))
    # a piece joins two consecutive shape points of one road (chain), both in the box
    last_of_chain = np.zeros(len(vx), dtype=bool)
    last_of_chain[np.asarray(network.chain_vptr)[1:] - 1] = True
    pieces = np.flatnonzero(inside[:-1] & inside[1:] & ~last_of_chain[:-1])
    if len(pieces) == 0 or len(pieces) > MAX_CONTEXT_SEGMENTS:
        return np.zeros((0, 4))
    lon0, lat0 = network.to_lonlat(vx[pieces], vy[pieces])
    lon1, lat1 = network.to_lonlat(vx[pieces + 1], vy[pieces + 1])
    return np.column_stack([lon0, lat0, lon1, lat1])


def route_svg(path, *, segments: np.ndarray | None = None, title: str, start_label: str, end_label: str,
              scale_label) -> str:
    """The SVG of ``path`` (a :class:`routing.path.RoadPath`), ``segments`` the roads around it.

    ``scale_label(metres) -> str`` writes the scale bar's figure in the reader's language.
    """
    lat0 = float(np.mean(path.lat))
    x, y = _project(path.lon, path.lat, lat0)
    span_x, span_y = max(float(np.ptp(x)), 200.0), max(float(np.ptp(y)), 200.0)
    centre_x, centre_y = (x.min() + x.max()) / 2, (y.min() + y.max()) / 2
    span = max(span_x, span_y * 1.4) * 1.2  # a 10 % margin on each side
    height = round(WIDTH / 1.4)
    metres_per_px = span / WIDTH

    def px(xs, ys):
        return (xs - centre_x) / metres_per_px + WIDTH / 2, height / 2 - (ys - centre_y) / metres_per_px

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="route-map" viewBox="0 0 {WIDTH} {height}" '
             f'role="img" aria-labelledby="route-map-title"><title id="route-map-title">{escape(title)}</title>',
             f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#fff" stroke="#000" stroke-width="2"/>']
    if segments is not None and len(segments):
        sx0, sy0 = px(*_project(segments[:, 0], segments[:, 1], lat0))
        sx1, sy1 = px(*_project(segments[:, 2], segments[:, 3], lat0))
        d = " ".join(f"M{a:.1f} {b:.1f}L{c:.1f} {e:.1f}" for a, b, c, e in zip(sx0, sy0, sx1, sy1, strict=True))
        parts.append(f'<path d="{d}" fill="none" stroke="#888" stroke-width="1.2"/>')
    rx, ry = px(x, y)
    points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(rx, ry, strict=True))
    parts.append(f'<polyline points="{points}" fill="none" stroke="#000" stroke-width="6" '
                 'stroke-linejoin="round" stroke-linecap="round"/>')
    parts.append(f'<circle cx="{rx[0]:.1f}" cy="{ry[0]:.1f}" r="10" fill="#fff" stroke="#000" stroke-width="4">'
                 f"<title>{escape(start_label)}</title></circle>")
    parts.append(f'<rect x="{rx[-1] - 10:.1f}" y="{ry[-1] - 10:.1f}" width="20" height="20" fill="#000">'
                 f"<title>{escape(end_label)}</title></rect>")
    # north and a scale bar of a round length about a fifth of the width
    parts.append(f'<g font-family="sans-serif" font-size="18" font-weight="700">'
                 f'<path d="M{WIDTH - 30} 44 l10 -28 l10 28 l-10 -8 z" fill="#000"/><text x="{WIDTH - 20}" y="64" text-anchor="middle">N</text></g>')
    scale_m = max((m for m in NICE_SCALES_M if m / metres_per_px <= WIDTH / 4), default=NICE_SCALES_M[0])
    bar = scale_m / metres_per_px
    parts.append(f'<g font-family="sans-serif" font-size="16"><path d="M20 {height - 20}h{bar:.1f}" stroke="#000" '
                 f'stroke-width="4"/><text x="20" y="{height - 30}">{escape(scale_label(scale_m))}</text></g>')
    parts.append("</svg>")
    return "".join(parts)
