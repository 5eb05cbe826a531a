"""The widget's own words (labels, hints, messages) in each language it speaks, from the gettext
catalogues like every other text a participant reads.

``/widget.js`` is one static script; the server writes these strings into it (see
:func:`app.web.embed.widget_js`), so a translator edits the ``.po`` files, not the script.
``{n}``, ``{s}`` and ``{day}`` are filled in by the script.
"""

from __future__ import annotations

import json

from app.core import i18n
from app.core.i18n import N_

#: the script's key -> the Dutch text (the msgid)
MESSAGES = {
    "title": N_("Waar kan ik terecht?"),
    "needs": N_("Waarvoor zoek je hulp?"),
    "text": N_("Of beschrijf het kort"),
    "textHint": N_("bv. schulden, Nederlands leren"),
    "place": N_("Je postcode of gemeente"),
    "placeHint": N_("bv. 8500 of Heule"),
    "travel": N_("Hoe verplaats je je?"),
    "walk": N_("Te voet"),
    "bike": N_("Met de fiets"),
    "transit": N_("Met bus of trein"),
    "car": N_("Met de auto"),
    "search": N_("Zoeken"),
    "searching": N_("Even zoeken…"),
    "none": N_("Geen aanbod gevonden binnen bereik."),
    "found": N_("{n} plaatsen gevonden"),
    "minutes": N_("min"),
    "atHome": N_("Komt aan huis"),
    "estimated": N_("geschat"),
    "timetabled": N_("dienstregeling"),
    "timetableOld": N_("Trein volgens de dienstregeling van {day} (niet van vandaag): kijk de uren na voor je "
                       "vertrekt."),
    "demo": N_("Voorbeeldgegevens: deze diensten bestaan niet."),
    "error": N_("Er ging iets mis. Probeer later opnieuw."),
    "chooseNeed": N_("Kies minstens één onderwerp of beschrijf je vraag."),
    "place_required": N_("Vul je postcode of gemeente in."),
    "tooMany": N_("Te veel zoekopdrachten. Probeer binnen {s} seconden opnieuw."),
    "phone": N_("Bel"),
}

#: the line of widget.js the strings replace (the script alone, unserved, falls back to no words)
PLACEHOLDER = "var STRINGS = {}; // filled in by the server from the gettext catalogues"


def widget_strings() -> dict[str, dict[str, str]]:
    """``{language: {key: text}}`` for every language the widget speaks."""
    strings = {}
    for language in i18n.WIDGET_LANGUAGES:
        with i18n.language_in_use(language):
            strings[language] = {key: i18n.gettext(message) for key, message in MESSAGES.items()}
    return strings


def widget_script(source: bytes) -> bytes:
    """widget.js with its strings written in (the catalogues are compiled before the app starts)."""
    text = source.decode("utf-8")
    if PLACEHOLDER not in text:
        raise RuntimeError("widget.js lacks the line its strings replace")
    filled = "var STRINGS = " + json.dumps(widget_strings(), ensure_ascii=False, sort_keys=True) + ";"
    return text.replace(PLACEHOLDER, filled).encode("utf-8")
