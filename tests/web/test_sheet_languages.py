"""The referral sheet in the participant's language with the Dutch below it; the iframe's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from app.core import i18n
from app.core.config import PROJECT_ROOT

SHIPPED = ("fr", "en", "ar", "uk")
#: every file whose Dutch text the sheet and the iframe show to a participant
TRANSLATED_FILES = ("templates/_referral_sheet_body.html", "templates/referral_sheet.html", "templates/embed.html",
                    "app/web/search_pages.py", "app/web/sheet_journey.py")
#: the widget's own words, and the reasons, warnings and travel details of a result, which the public search
#: (the widget) gives in nl, fr and en
WIDGET_TRANSLATED_FILES = ("app/web/widget_strings.py", "app/domain/reason_wording.py", "app/domain/journey_wording.py")
WIDGET_SHIPPED = tuple(code for code in i18n.WIDGET_LANGUAGES if code != i18n.SOURCE_LANGUAGE)
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def _messages_used(files: tuple[str, ...] = TRANSLATED_FILES) -> set[str | tuple[str, str]]:
    """The msgids these files mark: a string, or (singular, plural) for ``ngettext``."""
    found = set()
    for name in files:
        method = "python" if name.endswith(".py") else "jinja2.ext:babel_extract"
        options = {} if name.endswith(".py") else {"extensions": "jinja2.ext.i18n"}
        for _line, message, _comments, _context in extract_from_file(
            method, PROJECT_ROOT / name, keywords=KEYWORDS, options=options,
        ):
            found.add(message)
    return found


def test_the_sheet_uses_translatable_text():
    used = _messages_used()
    expected = {"Hoe geraak je er?", "Wanneer?", "Verwijsfiche: %(name)s", "Deze zoekfunctie heeft JavaScript nodig.",
                "Afstand over de weg: %(km)s km.", "Wandel %(minutes)s min naar station %(stop)s.",
                "Neem %(vehicle)s %(name)s richting %(headsign)s om %(time)s (perron %(platform)s).",
                "Stap af in %(stop)s om %(time)s.", "Overstappen in %(stop)s (%(minutes)s min).",
                "De bus is geschat: we kennen de busuren niet. Kijk ze na bij De Lijn."}
    assert expected <= used


def _gaps(path: Path, files: tuple[str, ...] = TRANSLATED_FILES) -> tuple[list[str], list[str]]:
    """The messages these files use that the catalogue at ``path`` lacks (a plural: any of its forms),
    and those whose placeholders differ."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    missing, broken = [], []
    for message in sorted(_messages_used(files), key=str):
        singular = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(singular)
        forms = entry.string if entry is not None and isinstance(entry.string, tuple) else (
            (entry.string,) if entry is not None else ())
        if entry is None or not all(forms) or entry.fuzzy:
            missing.append(singular)
        elif any(set(PLACEHOLDER.findall(form)) != set(PLACEHOLDER.findall(singular)) for form in forms):
            broken.append(singular)
    return missing, broken


@pytest.mark.parametrize("language", SHIPPED)
def test_every_shipped_catalogue_translates_every_message_the_sheet_uses(language):
    missing, broken = _gaps(Path(i18n.LOCALE_DIR) / language / "LC_MESSAGES" / "messages.po")
    assert not missing, f"{language} lacks a translation of {missing}"
    assert not broken, f"{language} changes the %(...)s placeholders of {broken}"


@pytest.mark.parametrize("language", WIDGET_SHIPPED)
def test_the_widgets_catalogues_translate_every_reason_and_warning(language):
    assert len(_messages_used(WIDGET_TRANSLATED_FILES)) >= 45
    missing, broken = _gaps(Path(i18n.LOCALE_DIR) / language / "LC_MESSAGES" / "messages.po", WIDGET_TRANSLATED_FILES)
    assert not missing, f"{language} lacks a translation of {missing}"
    assert not broken, f"{language} changes the %(...)s placeholders of {broken}"


def test_a_catalogue_missing_a_message_is_noticed(tmp_path, monkeypatch):
    """The check above reads the real .po: drop one entry and the same lookup finds it missing."""
    source = (Path(i18n.LOCALE_DIR) / "fr" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    shortened = source.replace('msgid "Wanneer?"\nmsgstr "Quand ?"', "")
    shortened = shortened.replace('msgid "Vertrek om %(time)s."\nmsgstr "Départ à %(time)s."', "")  # a train leg's
    assert shortened.count("msgid") == source.count("msgid") - 2
    shortened = shortened.replace('msgstr "environ %(minutes)s minutes"', 'msgstr "environ %(minuten)s minutes"')
    (tmp_path / "messages.po").write_text(shortened, encoding="utf-8")
    assert _gaps(tmp_path / "messages.po") == (["Vertrek om %(time)s.", "Wanneer?"], ["ongeveer %(minutes)s minuten"])


def test_a_catalogue_missing_a_plural_form_of_a_reason_is_noticed(tmp_path):
    source = (Path(i18n.LOCALE_DIR) / "fr" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    plural = 'msgstr[1] "Liste d\'attente d\'environ %(weeks)s semaines"'
    assert plural in source
    shortened = source.replace(plural, 'msgstr[1] ""').replace(
        'msgstr "%(minutes)s min à pied"', 'msgstr "%(minuten)s min à pied"')
    (tmp_path / "messages.po").write_text(shortened, encoding="utf-8")
    assert _gaps(tmp_path / "messages.po", WIDGET_TRANSLATED_FILES) == (
        ["Wachtlijst ± %(weeks)s week"], ["%(minutes)s min te voet"])


def _service_with_hours(app_state):
    return next(s for s in app_state.catalog().services if s.is_active and s.opening_hours and s.location_indices)


def _sections(html: str) -> tuple[str, str]:
    participant = html[html.index('class="sheet-part sheet-participant"'):html.index('class="sheet-part sheet-dutch"')]
    dutch = html[html.index('class="sheet-part sheet-dutch"'):]
    return participant, dutch


@pytest.mark.parametrize(
    ("language", "heading", "weekday", "direction"),
    [("fr", "Comment y aller ?", "lundi", "ltr"), ("en", "How do you get there?", "Monday", "ltr"),
     ("ar", "كيف تصل إلى هناك؟", "الاثنين", "rtl"), ("uk", "Як туди дістатися?", "понеділок", "ltr")],
)
def test_the_sheet_in_the_participants_language_has_the_dutch_below(client, app_state, language, heading, weekday,
                                                                      direction):
    service = _service_with_hours(app_state)
    html = client.get(f"/verwijsfiche/{service.id}", params={"mode": "bike", "minuten": 12, "bron": "routed",
                                                             "taal": language}).text
    assert f'<html lang="{language}" dir="{direction}">' in html
    participant, dutch = _sections(html)
    assert f'lang="{language}" dir="{direction}"' in participant
    assert heading in participant and "Hoe geraak je er?" not in participant
    assert "Hoe geraak je er?" in dutch and heading not in dutch
    assert 'lang="nl" dir="ltr"' in dutch
    # the partner's own text stays Dutch, marked as such
    assert f'<h1 lang="nl" dir="ltr">{service.name}</h1>' in participant
    # the weekdays through Babel (CLDR), in both parts
    from babel.dates import get_day_names

    first_day = service.opening_hours[0].weekday
    assert get_day_names("wide", locale=language)[first_day - 1] in participant
    assert get_day_names("wide", locale="nl")[first_day - 1] in dutch
    assert weekday == get_day_names("wide", locale=language)[0]


def test_an_unknown_language_gives_the_dutch_sheet(client, app_state):
    service = _service_with_hours(app_state)
    for value in ("xx", "tlh", "", "NL"):
        html = client.get(f"/verwijsfiche/{service.id}", params={"taal": value}).text
        assert '<html lang="nl" dir="ltr">' in html
        assert "sheet-participant" not in html and "Wanneer?" in html
    too_long = client.get(f"/verwijsfiche/{service.id}", params={"taal": "x" * 11})
    assert too_long.status_code == 422


def test_the_results_offer_the_sheet_in_the_participants_languages(client):
    params = [("woonplaats", "Kortrijk"), ("noden", "housing"), ("vervoer", "walk"), ("talen", "ar"), ("talen", "ti")]
    html = client.get("/zoeken", params=params).text
    links = re.findall(r'href="(/verwijsfiche/[^"]+taal=(\w+))"', html)
    assert links and {code for _link, code in links} == {"ar"}  # Tigrinya has no catalogue yet: no link
    sheet = client.get(links[0][0].replace("&amp;", "&")).text
    assert '<html lang="ar" dir="rtl">' in sheet


def test_the_timetable_day_and_estimate_are_said_in_the_participants_language(client, app_state):
    service = _service_with_hours(app_state)
    html = client.get(f"/verwijsfiche/{service.id}", params={"mode": "transit", "minuten": 34, "geschat": "true",
                                                             "taal": "fr"}).text
    participant, dutch = _sections(html)
    assert "Ceci est une estimation" in participant and "Le vrai trajet peut durer plus longtemps." in participant
    assert "Dit is een schatting" in dutch and "De echte reistijd kan langer zijn." in dutch


@pytest.mark.parametrize(
    ("header", "expected"),
    [("fr-BE,fr;q=0.9,nl;q=0.8", "fr"), ("en-US,en;q=0.9", "en"), ("de-DE,de;q=0.9", "nl"), ("nl-BE", "nl"),
     ("de;q=1, en;q=0.5, fr;q=0.7", "fr"), ("", "nl"), ("fr;q=0", "nl"), ("*", "nl"), ("ar", "nl")],
)
def test_accept_language_picks_the_widgets_language(header, expected):
    assert i18n.language_from_accept(header) == expected


def test_the_iframe_follows_the_browsers_language_unless_the_snippet_names_one(client):
    french = client.get("/embed", headers={"Accept-Language": "fr-BE,fr;q=0.9"})
    assert '<html lang="fr">' in french.text and 'data-lang="fr"' in french.text
    assert "Cette recherche a besoin de JavaScript." in french.text
    assert "Accept-Language" in french.headers["vary"]
    named = client.get("/embed", params={"lang": "en"}, headers={"Accept-Language": "fr"}).text
    assert '<html lang="en">' in named and "This search needs JavaScript." in named
    assert '<html lang="nl">' in client.get("/embed", headers={"Accept-Language": "de"}).text


def test_the_widget_script_carries_its_words_from_the_catalogues(client):
    import json

    from app.web.widget_strings import MESSAGES

    script = client.get("/widget.js").text
    assert "filled in by the server" not in script
    strings = json.loads(re.search(r"var STRINGS = (\{.*?\});\n", script).group(1))
    assert set(strings) == set(i18n.WIDGET_LANGUAGES)
    assert strings["nl"] == MESSAGES  # Dutch is the source language
    assert strings["fr"]["title"] == "Où puis-je m'adresser ?" and strings["en"]["title"] == "Where can I go?"
    for language in WIDGET_SHIPPED:  # every word translated, the script's own placeholders kept
        for key, dutch in MESSAGES.items():
            assert re.findall(r"\{\w+\}", strings[language][key]) == re.findall(r"\{\w+\}", dutch), (language, key)


def test_numbers_and_dates_follow_the_language():
    from datetime import date, time

    assert i18n.number(2.5, "fr") == "2,5" and i18n.number(2.5, "en") == "2.5"
    assert i18n.clock_time(time(8, 30), "nl") == "08:30"
    assert i18n.full_date(date(2019, 10, 15), "nl") == "dinsdag 15 oktober 2019"
    assert i18n.language_name("ar", "fr") == "arabe"
