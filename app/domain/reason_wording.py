"""The words of a result's reasons and warnings, in the language in use.

The msgids are the Dutch sentences (Dutch is the source language), so outside a
:func:`app.core.i18n.language_in_use` block the reasons are the Dutch the coach's pages and
``/api/v1`` have always shown; the public search renders them in the widget's language.
Whole sentences with ``%(name)s`` placeholders, never translated fragments glued together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from app.core import i18n
from app.core.i18n import N_
from app.domain.journey_wording import travel_detail
from app.domain.needs_offered import label_in
from app.domain.profile import LANGUAGE_NAMES_NL
from app.domain.taxonomy import needs_by_code
from routing.transit.detail import JourneyDetail

#: the travel reason per mode: one whole sentence each, so a language can order it its own way
TRAVEL_BY_MODE = {
    "walk": N_("%(minutes)s min te voet"),
    "bike": N_("%(minutes)s min met de fiets"),
    "ebike": N_("%(minutes)s min met de e-bike"),
    "transit": N_("%(minutes)s min met bus of trein"),
    "car": N_("%(minutes)s min met de auto"),
}


def need_labels(codes: Sequence[str]) -> str:
    """``wonen, schulden``: the needs' labels in the language in use (Dutch where untranslated)."""
    language = i18n.current_language()
    return ", ".join(label_in(needs_by_code()[code], language).lower() for code in codes)


def language_names(codes: Sequence[str]) -> str:
    """``Arabisch, Engels`` / ``arabe, anglais`` / ``Arabic, English``."""
    language = i18n.current_language()
    if language == i18n.SOURCE_LANGUAGE:
        return ", ".join(LANGUAGE_NAMES_NL.get(code, code) for code in codes)
    return ", ".join(i18n.language_name(code, language) for code in codes)


def covers(covered: Sequence[str], total: int) -> str:
    needs = need_labels(covered)
    if total > 1:
        return i18n.ngettext(
            "Helpt voor %(covered)s van de %(total)s nood: %(needs)s",
            "Helpt voor %(covered)s van de %(total)s noden: %(needs)s",
            total,
        ) % {"covered": len(covered), "total": total, "needs": needs}
    return i18n.gettext("Helpt voor: %(needs)s") % {"needs": needs}


def comes_home(municipality: str) -> str:
    return i18n.gettext("Komt aan huis in %(municipality)s") % {"municipality": municipality}


def travel(mode: str, minutes: float, *, detail: JourneyDetail | None, estimated: bool) -> str:
    """``12 min met de fiets``, ``25 min met bus of trein (bus 45, elk uur)``, ``... (geschatte reistijd)``."""
    text = i18n.gettext(TRAVEL_BY_MODE[mode]) % {"minutes": max(1, round(minutes))}
    if detail is not None:
        text += f" ({travel_detail(detail)})"
    if estimated:
        text = i18n.gettext("%(travel)s (geschatte reistijd)") % {"travel": text}
    return text[0].upper() + text[1:]


def wheelchair_accessible() -> str:
    return i18n.gettext("Rolstoeltoegankelijk")


def speaks(codes: Sequence[str]) -> str:
    return i18n.gettext("Spreekt %(languages)s") % {"languages": language_names(codes)}


def with_interpreter() -> str:
    return i18n.gettext("Met tolk")


def speaks_none() -> str:
    return i18n.gettext("Spreekt geen van de talen van de deelnemer")


def waiting_list(weeks: int | None) -> str:
    if not weeks:
        return i18n.gettext("Wachtlijst")
    return i18n.ngettext("Wachtlijst ± %(weeks)s week", "Wachtlijst ± %(weeks)s weken", weeks) % {"weeks": weeks}


def waiting_list_closed() -> str:
    return i18n.gettext("Wachtlijst gesloten: neemt nu niemand nieuw op")


def no_waiting_list() -> str:
    return i18n.gettext("Geen wachtlijst")


def never_checked() -> str:
    return i18n.gettext("Nooit gecontroleerd door de organisatie")


def checked_long_ago(day: date) -> str:
    return i18n.gettext("Niet meer gecontroleerd sinds %(month)s") % {"month": i18n.month_year(day)}


def not_free(fees_description: str | None) -> str:
    if fees_description:
        return i18n.gettext("Niet gratis: %(fees)s") % {"fees": fees_description}
    return i18n.gettext("Niet gratis")
