"""Travel settings reach the routing code: speeds, circuity, car overhead, snapping rule."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from app.core.config import Settings
from app.server.app_state import routing_config
from routing.config import CAR_KMH_BY_HIGHWAY, CIRCUITY, RoutingConfig
from routing.network import config_fingerprint
from routing.travel import TravelTimeEngine


def test_environment_variables_become_the_routing_config(monkeypatch, tmp_path):
    monkeypatch.setenv("SK_CAR_KMH_BY_HIGHWAY", '{"residential": 25}')
    monkeypatch.setenv("SK_CIRCUITY", '{"bike": 1.4}')
    monkeypatch.setenv("SK_CAR_OVERHEAD_MIN", "5")
    monkeypatch.setenv("SK_CAR_ESTIMATE_KMH", "40")
    monkeypatch.setenv("SK_EBIKE_KMH", "22")
    monkeypatch.setenv("SK_MIN_COMPONENT_NODES", "250")
    config = routing_config(Settings(data_dir=tmp_path, _env_file=None))
    # a partial table changes only the keys given
    assert config.car_kmh_by_highway == {**CAR_KMH_BY_HIGHWAY, "residential": 25.0}
    assert config.circuity == {**CIRCUITY, "bike": 1.4}
    assert (config.car_overhead_min, config.car_estimate_kmh, config.ebike_kmh) == (5.0, 40.0, 22.0)
    assert config.min_component_nodes == 250
    # the drive cache is keyed to the car speeds: a change asks for a rebuild
    assert config_fingerprint(config, "drive") != config_fingerprint(RoutingConfig(), "drive")
    # and the estimate uses them
    engine = TravelTimeEngine(config)
    origin, destination = (3.26, 50.82), np.array([[3.36, 50.82]])
    car = engine.one_to_many(origin, destination, "car").minutes[0]
    default = TravelTimeEngine(RoutingConfig()).one_to_many(origin, destination, "car")
    assert car == pytest.approx((default.minutes[0] - 3) * 45 / 40 + 5)


@pytest.mark.parametrize(("name", "value"), [("SK_CIRCUITY", '{"walk": 0.8}'), ("SK_CAR_KMH_BY_HIGHWAY", '{"primary": 0}'),
                                             ("SK_WALK_KMH", "-1"), ("SK_MIN_COMPONENT_NODES", "0")])
def test_impossible_travel_settings_are_refused_at_start(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings(_env_file=None)


def test_travel_defaults_are_routings_own():
    settings, defaults = Settings(_env_file=None), RoutingConfig()
    shared = [name for name in Settings.model_fields if hasattr(defaults, name)]
    assert len(shared) >= 9
    for name in shared:
        assert getattr(settings, name) == getattr(defaults, name), name
    assert routing_config(settings) == defaults


def test_every_setting_named_like_a_routing_field_reaches_it():
    class WithRail(Settings):
        rail_kmh: float = 30.0

    config = routing_config(WithRail(_env_file=None, walk_kmh=5.5))
    assert (config.rail_kmh, config.walk_kmh) == (30.0, 5.5)
