"""The network cache: one memory-mapped file per network (:mod:`routing.storage`), checked on load.

Anything odd (another format, other speed settings, inconsistent arrays, a hierarchy
that cannot be trusted) raises :class:`routing.errors.NetworkCacheError`: the app logs it
and answers with labelled estimates, never with a wrong graph.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from routing.ch import ContractionHierarchy
from routing.config import RoutingConfig
from routing.errors import NetworkCacheError
from routing.storage import StorageError, read_arrays, write_arrays

if TYPE_CHECKING:
    from routing.network import RoadNetwork

logger = logging.getLogger("routing.network")

#: 3: the contraction hierarchy is stored with the graph (``ch_*`` arrays);
#: 4: simplified to intersections with the roads' shapes, compact dtypes, one memory-mapped file;
#: 5: with the snapping grid (shared between workers, not rebuilt per process)
CACHE_VERSION = 5
CACHE_SUFFIX = ".sknet"
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
    grid = network._grid
    meta["grid"] = grid.parameters()
    arrays.update(grid_indptr=grid.indptr, grid_entries=grid.entries)
    for name in ("indptr", "chain_vptr", "ch_up_indptr", "ch_down_indptr"):  # offsets: int32 where they fit
        if len(arrays[name]) and arrays[name][-1] < np.iinfo(np.int32).max:
            arrays[name] = np.asarray(arrays[name], dtype=np.int32)
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
        grid = {name: stored[name].view(np.ndarray) for name in ("grid_indptr", "grid_entries")}
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
    problem = _inconsistency(arrays) or _grid_inconsistency(grid, header.get("grid"), arrays)
    if problem:
        msg = f"network cache {path} is inconsistent ({problem}); rebuild it"
        raise NetworkCacheError(msg)
    ch = ContractionHierarchy(**hierarchy, shortcuts=int(header.get("ch_shortcuts", 0)))
    problem = "node count" if ch.n_nodes != len(arrays["node_ids"]) else ch.check()
    if problem:
        msg = f"network cache {path} has an unusable contraction hierarchy ({problem}); rebuild it"
        raise NetworkCacheError(msg)
    from routing.network import RoadNetwork

    return RoadNetwork(network_type=header["network_type"], source=header["source"], crs=header["crs"],
                       config=config, ch=ch, metres_per_weight=float(header["metres_per_weight"]),
                       vertex_origin=tuple(header["vertex_origin"]), grid_indptr=grid["grid_indptr"],
                       grid_entries=grid["grid_entries"], grid_parameters=tuple(header["grid"]), **arrays)


def _grid_inconsistency(grid: dict[str, np.ndarray], parameters, arrays: dict[str, np.ndarray]) -> str | None:
    if not isinstance(parameters, list) or len(parameters) != 5:
        return "grid"
    _x0, _y0, size, nx, ny = parameters
    vertices = len(arrays["vertex_x"])
    if size <= 0 or len(grid["grid_indptr"]) != int(nx) * int(ny) + 1 or grid["grid_indptr"][-1] != len(grid["grid_entries"]):
        return "grid"
    if len(grid["grid_entries"]) and (grid["grid_entries"].max() >= vertices - 1 or grid["grid_entries"].min() < 0):
        return "grid"
    return None


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
