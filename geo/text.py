"""Normalising what people type, so names compare the way a reader would compare them."""

from __future__ import annotations

import re
import unicodedata

#: abbreviations people type in Flemish place names -> the full word
_ABBREVIATIONS = {"st": "sint", "ste": "sint", "olv": "onze lieve vrouw"}
_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


def normalise_name(text: str) -> str:
    """Lower case, accents and punctuation removed, abbreviations expanded.

    ``"Sint-Eloois-Vijve"``, ``"st. eloois vijve"`` and ``"SINT ELOOIS-VIJVE"`` all give
    ``"sint eloois vijve"``; ``"Biévène"`` gives ``"bievene"``.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    # "O.L.V." and "L'Écluse": drop dots and apostrophes inside words before splitting
    ascii_text = re.sub(r"(?<=\w)[.'’](?=\w)", "", ascii_text.lower())
    words = _NOT_ALPHANUMERIC.sub(" ", ascii_text).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)
