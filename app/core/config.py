"""One settings class for the whole application (environment prefix ``SK_``)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, NonNegativeFloat, PositiveFloat, PositiveInt, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from routing.config import RoutingConfig

#: routing's own defaults: the travel settings below start from them (declared once, in routing/config.py)
_TRAVEL = RoutingConfig()

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Application settings; every default works offline on a fresh clone.

    Set any field through the environment with the ``SK_`` prefix, e.g.
    ``SK_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test``.
    """

    model_config = SettingsConfigDict(env_prefix="SK_", env_file=".env", extra="ignore")

    data_dir: Path = PROJECT_ROOT / "data"
    shared_data_dir: Path = PROJECT_ROOT.parent / "shared" / "data"
    database_url: str = ""  # empty: SQLite file under data_dir
    load_demo_data: bool = True
    demo_seed: int = 20241
    public_base_url: str = "http://127.0.0.1:8000"
    tile_url: str = ""  # e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png; empty: outlines only
    tile_attribution: str = "&copy; OpenStreetMap contributors"
    stale_after_months: int = 12
    #: days, from today, in which a participant's weekly availability is checked against the
    #: services' hours, closures and public holidays (at least a week: every weekday occurs)
    opening_horizon_days: int = Field(default=14, ge=7, le=90)
    #: mark session cookies Secure even behind a TLS-terminating proxy that speaks HTTP to us
    cookie_secure: bool = False
    login_rate_limit: str = "5/minute"
    #: proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDR networks);
    #: empty: the TCP peer is the client, whatever a request's headers say
    trusted_proxies: str = ""
    #: smtp://user:pass@host:25 (STARTTLS when offered), smtp+starttls://... (STARTTLS required) or
    #: smtps://user:pass@host:465 (implicit TLS); empty: the outbox is only printed
    smtp_url: str = ""
    mail_from: str = "noreply@sociale-kaart.invalid"
    log_level: str = "INFO"

    # travel: every field named like a routing.RoutingConfig field is passed to it by
    # app.server.app_state.routing_config, and takes its default from there; see routing/config.py
    # for what each means and where the circuity figures come from
    walk_kmh: PositiveFloat = _TRAVEL.walk_kmh
    bike_kmh: PositiveFloat = _TRAVEL.bike_kmh
    ebike_kmh: PositiveFloat = _TRAVEL.ebike_kmh
    #: km/h by OSM highway type where a way has no maxspeed, as JSON; the keys given
    #: replace the defaults, e.g. SK_CAR_KMH_BY_HIGHWAY='{"residential": 25}'. The drive
    #: network cache depends on these: rebuild it after a change (``sk networks``).
    car_kmh_by_highway: dict[str, PositiveFloat] = Field(default_factory=lambda: dict(_TRAVEL.car_kmh_by_highway))
    #: door-to-door car speed of the straight-line estimate
    car_estimate_kmh: PositiveFloat = _TRAVEL.car_estimate_kmh
    #: network / straight-line distance per mode (walk, bike, ebike, car) for estimates, as JSON
    circuity: dict[str, Annotated[float, Field(ge=1.0)]] = Field(default_factory=lambda: dict(_TRAVEL.circuity))
    #: minutes added to every car trip (parking, walking to the door)
    car_overhead_min: NonNegativeFloat = _TRAVEL.car_overhead_min
    network_dir_name: str = "networks"
    #: without ../shared, `sk data` downloads this extract and clips it to the regions grown by the buffer
    osm_extract_url: str = "https://download.geofabrik.de/europe/belgium-latest.osm.pbf"
    osm_clip_buffer_m: PositiveFloat = 5000.0
    #: GTFS feeds (local zip paths or URLs, merged): De Lijn and NMBS publish theirs.
    #: Empty: public transport is a labelled estimate from the NMBS stations.
    gtfs_sources: list[str] = []
    #: also load the NMBS timetable (``gtfs/nmbs-2019-10.zip``) and the De Lijn stops
    #: (``delijn/stops.txt``) from data/source, else from the shared data folder; false: only
    #: SK_GTFS_SOURCES. Buses are estimated from the De Lijn stops until a feed with buses is loaded.
    default_transit_data: bool = True
    #: the timetable day that answers every public-transport query (ISO date, e.g. 2019-10-15);
    #: empty: the requested day when the feed covers it, else the same weekday in the feed's
    #: first full week. Either way every answer says which day it used.
    transit_service_date: date | None = None
    max_snap_m: PositiveFloat = _TRAVEL.max_snap_m
    #: points snap to parts of the road network with at least this many nodes
    min_component_nodes: PositiveInt = _TRAVEL.min_component_nodes

    #: people for the gap analysis: empty spreads each municipality's 2020 population over its
    #: OSM streets; a GeoPackage/GeoJSON of Statbel statistical sectors or the 1 km grid (a
    #: ``population`` or ``ms_population`` column) is spread over the streets of each zone
    population_zones: Path | None = None
    #: start the gap analysis in the background when the app starts (and the data changed)
    gaps_at_startup: bool = True
    #: Fernet key(s) for the referrals' personal fields (comma-separated: the first encrypts, all
    #: decrypt, for rotation); empty: the key file ``data/referral.key`` that ``sk init`` creates
    referral_key: SecretStr = SecretStr("")
    #: days after a referral is closed before ``sk purge`` erases its personal fields
    referral_retention_days: int = Field(default=90, ge=1, le=3650)

    embed_frame_ancestors: str = "*"
    #: per client address, for the public API (``limits`` notation)
    public_rate_limit: str = "120/minute"

    @field_validator("transit_service_date", mode="before")
    @classmethod
    def _empty_date_is_none(cls, value):
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_proxies(cls, value: str) -> str:
        from app.http.client_address import parse_trusted_proxies

        parse_trusted_proxies(value)  # a typo fails at start-up, not silently per request
        return value

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'sociale_kaart.db'}"

    @property
    def network_dir(self) -> Path:
        return self.data_dir / self.network_dir_name

    @property
    def referral_key_file(self) -> Path:
        return self.data_dir / "referral.key"

    @property
    def geo_dir(self) -> Path:
        return self.data_dir / "geo"


@lru_cache
def get_settings() -> Settings:
    return Settings()
