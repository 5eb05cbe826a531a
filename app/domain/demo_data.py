"""Demonstration data: the one rule for when what is shown is made up.

The demo generator (:mod:`app.operations.demo`) marks every organisation, service and
location it makes with ``demo``. Whatever shows data (the banner on every page, the
referral sheet, the search's answer, the gap figures, the exports) asks this module, so a
person is warned whenever anything shown is invented.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class MaybeDemo(Protocol):
    demo: bool


def is_demonstration(records: Iterable[MaybeDemo]) -> bool:
    """True when any of the ``records`` shown (services, locations, organisations) is
    demonstration data: then the "Demonstratiedata" warning shows."""
    return any(record.demo for record in records)
