"""Build the road networks of an OSM file once; later starts find them cached.

:func:`ensure_networks` is what ``make run`` (``sk serve``) calls before the app starts:
the first time it builds walk, bike and drive (e-bike rides the bike network) with
:func:`routing.network.build_and_cache` and a progress bar, then writes a stamp
(``built-from.json`` in the cache folder) naming the source's SHA-256, the settings the
caches depend on and the cache format. When the stamp matches and the files are there
it returns at once (hashing a 7 MB file takes milliseconds); the app then loads the
caches as it always does (:func:`routing.network.load_cached_networks`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import asdict
from pathlib import Path

from routing import network as network_module
from routing.config import RoutingConfig
from routing.network import NETWORK_TYPES, build_and_cache

logger = logging.getLogger(__name__)

STAMP_FILE = "built-from.json"


def ensure_networks(
    source: Path,
    *,
    cache_dir: Path,
    config: RoutingConfig,
    network_types: tuple[str, ...] = NETWORK_TYPES,
    progress: bool = True,
) -> dict:
    """Build and cache the networks of ``source`` unless the stamp says they are current.

    Returns
    -------
    dict
        ``built`` (bool), ``networks`` (type -> cache file name), ``seconds``.

    Raises
    ------
    FileNotFoundError
        When ``source`` does not exist (run ``sk data`` first).
    """
    started = time.perf_counter()
    source, cache_dir = Path(source), Path(cache_dir)
    if not source.is_file():
        msg = f"no road file at {source}; run `sk data` (make data) first"
        raise FileNotFoundError(msg)
    wanted = _stamp_for(source, config, network_types)
    stamp_path = cache_dir / STAMP_FILE
    try:
        stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stamp = None
    if (isinstance(stamp, dict) and stamp.get("built_from") == wanted
            and all((cache_dir / name).is_file() for name in stamp.get("networks", {}).values())):
        return {"built": False, "networks": stamp["networks"], "seconds": round(time.perf_counter() - started, 3)}
    logger.info("building the %s networks from %s (once; cached in %s)", ", ".join(network_types), source.name,
                cache_dir)
    stamp_path.unlink(missing_ok=True)
    paths = build_and_cache(source, cache_dir=cache_dir, config=config, network_types=network_types,
                            progress=progress)
    networks = {kind: Path(path).name for kind, path in paths.items()}
    for stale in cache_dir.glob("*.npz"):  # caches of format 3 and older: never loadable again
        logger.info("removing the old-format network cache %s", stale.name)
        stale.unlink(missing_ok=True)
    seconds = round(time.perf_counter() - started, 1)
    cache_dir.mkdir(parents=True, exist_ok=True)
    temporary = stamp_path.with_name(f".{STAMP_FILE}.tmp")
    temporary.write_text(json.dumps({"built_from": wanted, "networks": networks, "seconds": seconds}, indent=1),
                         encoding="utf-8")
    temporary.replace(stamp_path)
    return {"built": True, "networks": networks, "seconds": seconds}


def _stamp_for(source: Path, config: RoutingConfig, network_types: tuple[str, ...]) -> dict:
    digest = hashlib.sha256()
    with source.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    fingerprint = getattr(network_module, "config_fingerprint", None)
    if fingerprint is not None:  # what each cache depends on, as routing.network defines it
        settings = {kind: fingerprint(config, kind) for kind in network_types}
    else:
        settings = json.dumps(asdict(config), sort_keys=True, default=str)
    return {"source_sha256": digest.hexdigest(), "types": list(network_types), "settings": settings,
            "cache_version": getattr(network_module, "CACHE_VERSION", None)}
