"""The participant's language: gettext catalogues (Babel) and locale-aware formatting.

Dutch is the source language: the msgids are the Dutch sentences, so Dutch needs no
catalogue. The catalogues live in ``app/locale/<code>/LC_MESSAGES/messages.po``; ``make
setup`` (and ``make i18n``) compile them to ``.mo``. When a ``.mo`` is missing (a fresh
clone run without make) the ``.po`` is compiled in memory, so the pages never fall back to
Dutch silently.

The translation in use is held in a context variable: a page that shows two languages (the
referral sheet) renders one part under each, and requests running side by side in the
thread pool never see each other's language.
"""

from __future__ import annotations

import contextlib
import gettext as gettext_module
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import date, time
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time, get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
SOURCE_LANGUAGE = "nl"
#: The languages the referral sheet is printed in (the Dutch part is always beside it).
SHEET_LANGUAGES: tuple[str, ...] = ("nl", "fr", "en", "ar", "uk")
#: The languages the widget and the public search speak.
WIDGET_LANGUAGES: tuple[str, ...] = ("nl", "fr", "en")
RIGHT_TO_LEFT: frozenset[str] = frozenset({"ar", "fa", "prs", "ps", "he", "ur"})

_current: ContextVar[tuple[str, NullTranslations] | None] = ContextVar("sk_translation", default=None)


def pick_language(value: str | None, *, offered: tuple[str, ...] = SHEET_LANGUAGES) -> str:
    """The offered language ``value`` names (``"fr"``, ``"fr-BE"``, ``"FR"``); Dutch otherwise."""
    code = (value or "").strip().replace("_", "-").split("-")[0].lower()
    return code if code in offered else SOURCE_LANGUAGE


def language_from_accept(header: str | None, *, offered: tuple[str, ...] = WIDGET_LANGUAGES) -> str:
    """The best offered language of an ``Accept-Language`` header (by q-value); Dutch otherwise."""
    choices = []
    for position, part in enumerate((header or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        code = pick_language(tag, offered=offered)
        if tag.strip() and weight > 0 and (code != SOURCE_LANGUAGE or tag.strip().lower().startswith("nl")):
            choices.append((-weight, position, code))
    return min(choices)[2] if choices else SOURCE_LANGUAGE


def text_direction(language: str) -> str:
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of ``language`` (an empty one for Dutch, the source language)."""
    if language == SOURCE_LANGUAGE:
        return NullTranslations()
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    mo_path, po_path = folder / "messages.mo", folder / "messages.po"
    if mo_path.exists() and (not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime):
        with mo_path.open("rb") as handle:
            return Translations(handle, domain="messages")
    if not po_path.exists():
        msg = f"no catalogue for language {language!r} under {LOCALE_DIR}"
        raise LookupError(msg)
    return Translations(BytesIO(compile_po(po_path)), domain="messages")


def compile_po(po_path: Path) -> bytes:
    """The ``.mo`` bytes of one ``.po`` catalogue (fuzzy entries left out, as pybabel does)."""
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


@contextlib.contextmanager
def language_in_use(language: str) -> Iterator[str]:
    """Render (or format) in ``language`` inside the block."""
    token = _current.set((language, translations(language)))
    try:
        yield language
    finally:
        _current.reset(token)


def current_language() -> str:
    value = _current.get()
    return value[0] if value else SOURCE_LANGUAGE


def _translation() -> NullTranslations:
    value = _current.get()
    return value[1] if value else gettext_module.NullTranslations()


def N_(message: str) -> str:  # noqa: N802 - gettext's name for a message marked here, translated where it is used
    """Mark ``message`` for extraction (``make i18n``) without translating it yet."""
    return message


def gettext(message: str) -> str:
    return _translation().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return _translation().pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return _translation().npgettext(context, singular, plural, n)


# Formatting through Babel's CLDR data, in the language in use (or the one given).


def weekday_name(isoweekday: int, language: str | None = None) -> str:
    """``1`` -> ``maandag`` / ``lundi`` / ``Monday`` / ``الاثنين`` / ``понеділок``."""
    return get_day_names("wide", locale=language or current_language())[isoweekday - 1]


def clock_time(value: time, language: str | None = None) -> str:
    return format_time(value, "short", locale=language or current_language())


def long_date(value: date, language: str | None = None) -> str:
    return format_date(value, "long", locale=language or current_language())


def day_month(value: date, language: str | None = None) -> str:
    """``9 déc.`` / ``9 Dec`` / ``9 груд.``: a day in the coming weeks (CLDR's ``dMMM`` skeleton)."""
    return format_skeleton("dMMM", value, locale=language or current_language())


def full_date(value: date, language: str | None = None) -> str:
    """``dinsdag 15 oktober 2019``: with the weekday, for a timetable's service day."""
    return format_date(value, "full", locale=language or current_language())


def number(value: float, language: str | None = None, *, decimals: int = 1) -> str:
    return format_decimal(round(value, decimals), locale=language or current_language())


def month_year(value: date, language: str | None = None) -> str:
    """``maart 2024`` / ``mars 2024`` / ``March 2024`` (CLDR's ``yMMMM`` skeleton)."""
    return format_skeleton("yMMMM", value, locale=language or current_language())


@cache
def _locale(language: str) -> Locale:
    # one Locale per language for the process: a search names languages for every result
    return Locale.parse(language)


def language_name(code: str, language: str | None = None) -> str:
    """The name of the language ``code`` in the language in use (CLDR); the code when unknown."""
    name = _locale(language or current_language()).languages.get(code)
    return name if name else code
