from __future__ import annotations

import re

import pytest

from app.domain import taxonomy

REQUIRED_TOP_LEVEL = {
    "housing", "income-debt", "mental-health", "addiction", "medical", "justice", "language",
    "childcare", "mobility", "digital", "work", "social-network", "administration",
}


def test_required_top_level_codes_are_present():
    assert REQUIRED_TOP_LEVEL <= set(taxonomy.top_level_codes())


def test_codes_are_kebab_case_children_of_their_parent_and_unique():
    codes = [term.code for term in taxonomy.all_needs()]
    assert len(codes) == len(set(codes))
    for term in taxonomy.all_needs():
        assert re.fullmatch(r"[a-z0-9-]+(/[a-z0-9-]+)*", term.code), term.code
        assert term.label_nl.strip()
        for child in term.children:
            assert child.code.startswith(term.code + "/")
            assert child.parent_code == term.code


@pytest.mark.parametrize("code", ["mobility/bike-lessons", "language/nt2", "addiction/gambling", "justice/after-detention"])
def test_children_from_the_domain_exist(code):
    assert code in taxonomy.needs_by_code()


def test_a_parent_search_matches_its_children_but_not_the_reverse():
    assert taxonomy.covers(["language/nt2"], "language")
    assert taxonomy.covers(["language"], "language")
    assert not taxonomy.covers(["language"], "language/nt2")
    assert not taxonomy.covers(["housing/emergency"], "language")
    assert taxonomy.expand_need("addiction") >= {"addiction", "addiction/gambling", "addiction/alcohol"}


def test_unknown_need_codes_are_rejected_with_the_codes_named():
    with pytest.raises(taxonomy.UnknownNeedError) as excinfo:
        taxonomy.validate_need_codes(["housing", "flying-lessons"])
    assert excinfo.value.unknown == ["flying-lessons"]
    assert taxonomy.validate_need_codes([" housing", "housing", "language/nt2"]) == ["housing", "language/nt2"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("schuldbemiddeling", "income-debt/debt-mediation"),
        ("leren fietsen", "mobility/bike-lessons"),
        ("NT2", "language/nt2"),
        ("gokken", "addiction/gambling"),
        ("onthaalouder", "childcare/daycare"),
        ("ex-gedetineerden", "justice/after-detention"),
    ],
)
def test_search_as_you_type_over_dutch_synonyms(typed, expected):
    found = [term.code for term, _score in taxonomy.search_needs(typed, limit=3)]
    assert expected in found


def test_taxonomy_json_nests_children():
    tree = taxonomy.taxonomy_json()
    language = next(node for node in tree if node["code"] == "language")
    assert {child["code"] for child in language["children"]} >= {"language/nt2", "language/practice"}
    assert all(child["parent"] == "language" for child in language["children"])
