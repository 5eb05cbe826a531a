"""The participant's needs profile. Used for one search and never stored."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.domain.taxonomy import REFERRER_TYPES, all_needs, target_groups_by_code, validate_need_codes

Mode = Literal["walk", "bike", "ebike", "transit", "car"]
#: a search may ask for every need the taxonomy offers (each code once), never more
MAX_NEEDS = len(all_needs())
PresetName = Literal["walk", "bike", "cannot-cycle", "no-licence", "car"]

MODE_LABELS_NL: dict[str, str] = {
    "walk": "te voet",
    "bike": "met de fiets",
    "ebike": "met de e-bike",
    "transit": "met bus of trein",
    "car": "met de auto",
    "at_home": "aan huis",
}

#: ISO 639 codes the UI names in Dutch (other codes are shown as they are).
LANGUAGE_NAMES_NL: dict[str, str] = {
    "nl": "Nederlands", "fr": "Frans", "en": "Engels", "de": "Duits", "ar": "Arabisch",
    "ti": "Tigrinya", "prs": "Dari", "ps": "Pasjtoe", "uk": "Oekraïens", "ru": "Russisch",
    "ro": "Roemeens", "tr": "Turks", "so": "Somalisch", "pl": "Pools", "bg": "Bulgaars",
    "es": "Spaans", "fa": "Perzisch", "am": "Amhaars", "ku": "Koerdisch",
}


class Preset(BaseModel):
    """A usual mobility profile a coach picks with one click."""

    name: PresetName
    label_nl: str
    modes: tuple[Mode, ...]
    max_minutes: int
    no_driving_licence: bool = False
    cannot_cycle: bool = False


#: the presets by name, in the order of ``PresetName`` (the search's form and the gap analysis's profiles)
PRESETS: dict[str, Preset] = {preset.name: preset for preset in (
    Preset(name="walk", label_nl="Te voet", modes=("walk",), max_minutes=30, no_driving_licence=True, cannot_cycle=True),
    Preset(name="bike", label_nl="Enkel fiets", modes=("walk", "bike"), max_minutes=30, no_driving_licence=True),
    Preset(
        name="cannot-cycle", label_nl="Kan (nog) niet fietsen", modes=("walk", "transit"), max_minutes=45,
        no_driving_licence=True, cannot_cycle=True,
    ),
    Preset(
        name="no-licence", label_nl="Geen rijbewijs", modes=("walk", "bike", "transit"), max_minutes=45,
        no_driving_licence=True,
    ),
    Preset(name="car", label_nl="Met de auto", modes=("walk", "car"), max_minutes=30),
)}


class Home(BaseModel):
    """Where the person lives: coordinates, or what the coach typed (resolved by the gazetteer)."""

    model_config = ConfigDict(extra="forbid")

    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    query: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _one_way_of_saying_it(self) -> Home:
        has_point = self.lat is not None or self.lon is not None
        if has_point and (self.lat is None or self.lon is None):
            msg = "give both lat and lon"
            raise ValueError(msg)
        if not has_point and not self.query:
            msg = "give lat and lon, or a query (postcode, village or municipality)"
            raise ValueError(msg)
        return self


class Mobility(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile: PresetName | None = None
    modes: list[Mode] | None = Field(default=None, max_length=5)
    max_minutes: int | None = Field(default=None, ge=1, le=180)
    max_minutes_by_mode: dict[Mode, Annotated[int, Field(ge=1, le=180)]] = Field(default_factory=dict)
    no_driving_licence: bool = False
    cannot_cycle: bool = False
    wheelchair: bool = False

    def resolved(self) -> ResolvedMobility:
        """Apply the preset, then the facts: no licence removes the car, no cycling the bikes."""
        preset = PRESETS[self.profile] if self.profile else None
        modes = list(self.modes or (preset.modes if preset else ("walk",)))
        no_licence = self.no_driving_licence or (preset.no_driving_licence if preset and not self.modes else False)
        cannot_cycle = self.cannot_cycle or (preset.cannot_cycle if preset and not self.modes else False)
        if no_licence:
            modes = [m for m in modes if m != "car"]
        if cannot_cycle:
            modes = [m for m in modes if m not in ("bike", "ebike")]
        if not modes:
            msg = "no mode of transport is left after applying 'no driving licence' / 'cannot cycle'"
            raise ValueError(msg)
        max_minutes = self.max_minutes or (preset.max_minutes if preset else 30)
        by_mode = {mode: min(self.max_minutes_by_mode.get(mode, max_minutes), 180) for mode in dict.fromkeys(modes)}
        return ResolvedMobility(
            modes=tuple(by_mode), max_minutes=max_minutes, max_minutes_by_mode=by_mode,
            wheelchair=self.wheelchair, no_driving_licence=no_licence, cannot_cycle=cannot_cycle,
            preset=self.profile,
        )


class ResolvedMobility(BaseModel):
    modes: tuple[str, ...]
    max_minutes: int
    max_minutes_by_mode: dict[str, int]
    wheelchair: bool
    no_driving_licence: bool
    cannot_cycle: bool
    preset: str | None = None


class TimeWindow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weekday: int = Field(ge=1, le=7, description="ISO weekday, 1 = Monday")
    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> TimeWindow:
        if self.end <= self.start:
            msg = "end must be after start"
            raise ValueError(msg)
        return self


class NeedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=80)
    priority: int = Field(default=1, ge=1, le=3, description="1 normal, 2 important, 3 urgent")


class NeedsProfile(BaseModel):
    """What a coach tells about a participant for one search. Nothing here is stored."""

    model_config = ConfigDict(extra="forbid")

    home: Home
    needs: list[NeedRequest | str] = Field(min_length=1, max_length=MAX_NEEDS)
    mobility: Mobility = Field(default_factory=Mobility)
    age: int | None = Field(default=None, ge=0, le=120)
    languages: list[Annotated[str, Field(min_length=2, max_length=3, pattern=r"^[a-z]{2,3}$")]] = Field(
        default_factory=list, max_length=10
    )
    interpreter_ok: bool = True
    target_groups: list[str] = Field(default_factory=list, max_length=12)
    availability: list[TimeWindow] = Field(default_factory=list, max_length=21)
    referrer: str | None = Field(default=None, max_length=20, description="the coach's organisation type")
    travel_date: date | None = Field(default=None, description="for timetable travel times; default: next weekday")
    limit: int = Field(default=20, ge=1, le=100)

    @field_validator("needs")
    @classmethod
    def _known_needs(cls, value: list[NeedRequest | str]) -> list[NeedRequest | str]:
        codes = [item.code if isinstance(item, NeedRequest) else item for item in value]
        validate_need_codes(codes)
        return value

    @field_validator("target_groups")
    @classmethod
    def _known_groups(cls, value: list[str]) -> list[str]:
        unknown = [code for code in value if code not in target_groups_by_code()]
        if unknown:
            msg = f"unknown target group(s): {', '.join(unknown)}"
            raise ValueError(msg)
        return value

    @field_validator("referrer")
    @classmethod
    def _known_referrer(cls, value: str | None) -> str | None:
        if value is not None and value not in REFERRER_TYPES and value != "none":
            msg = f"unknown referrer type {value!r}; one of {', '.join(REFERRER_TYPES)} or none"
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _mobility_is_possible(self) -> NeedsProfile:
        self.mobility.resolved()
        return self

    def need_priorities(self) -> dict[str, int]:
        """Need codes in order, with their priority (duplicates keep the highest)."""
        result: dict[str, int] = {}
        for item in self.needs:
            code, priority = (item.code, item.priority) if isinstance(item, NeedRequest) else (item, 1)
            code = code.strip()
            result[code] = max(priority, result.get(code, 0))
        return result
