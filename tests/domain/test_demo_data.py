"""The one rule for demonstration data: anything shown that is made up makes the warning show."""

from __future__ import annotations

from app.domain.demo_data import is_demonstration
from tests.factories import make_catalog, make_location, make_service


def test_any_demo_record_makes_it_demonstration():
    real, made_up = make_service("a", {"food"}, demo=False), make_service("b", {"food"}, demo=True)
    assert is_demonstration([real, made_up]) is True
    assert is_demonstration([real]) is False
    assert is_demonstration([]) is False


def test_a_real_service_at_a_made_up_address_is_demonstration():
    catalog = make_catalog([make_service("a", {"food"}, demo=False)], 1, {0: {"demo": True}})
    assert catalog.demo is True
    assert is_demonstration([catalog.services[0], make_location(0, demo=True)]) is True


def test_a_catalogue_with_only_real_data_is_not_demonstration():
    catalog = make_catalog([make_service("a", {"food"}, demo=False)], 2)
    assert catalog.demo is False
    assert make_catalog([make_service("a", {"food"}, demo=True)], 1).demo is True
