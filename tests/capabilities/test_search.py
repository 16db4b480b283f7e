"""Ranked search: exact > prefix > whole word > substring > fuzzy."""

from __future__ import annotations

import pytest

from panet.search import TIERS


def test_tiers_come_in_order(onto):
    hits = onto.search("scattering", limit=None)
    order = [TIERS.index(h.match) for h in hits]
    assert order == sorted(order)
    assert {h.match for h in hits} == {"exact", "prefix", "word"}
    assert [h.match for h in onto.search("scat", limit=None)][-1] == "substring"
    assert hits[0].matched == "scattering" and hits[0].match == "exact"
    assert hits[1].term.label == "scattering technique" and hits[1].match == "prefix"
    assert len({h.term for h in hits}) == len(hits)  # one hit per term


def test_every_term_with_the_word_is_found(onto):
    found = {h.term for h in onto.search("scattering", limit=None)}
    expected = {t for t in onto if any("scattering" in name.casefold() for name in t.names)}
    assert found == expected


def test_acronym_synonym_is_an_exact_hit(onto):
    hits = onto.search("saxs")
    first = hits[0]
    assert (first.term.id, first.matched, first.field, first.match) == ("PaNET01188", "SAXS", "synonym", "exact")
    assert {h.term.id for h in hits[1:]} >= {"PaNET01241", "PaNET01162"}  # USAXS, GISAXS as substrings


def test_technique_before_specifier_within_a_tier(onto):
    hits = onto.search("small angle scattering", limit=2)
    assert [(h.term.id, h.match) for h in hits] == [("PaNET01124", "exact"), ("PaNET2020072", "exact")]


def test_kind_filter(onto):
    assert all(h.term.kind == "specifier" for h in onto.search("imaging", limit=None, kind="specifier"))
    assert all(h.term.kind == "technique" for h in onto.search("imaging", limit=None, kind="technique"))


@pytest.mark.parametrize("query", ["X-Ray Diffraction", "x ray diffraction", "x_ray  diffraction"])
def test_case_hyphens_and_spacing_do_not_matter(onto, query):
    assert onto.search(query)[0].term.id == onto.term("x-ray diffraction").id


def test_fuzzy_only_when_nothing_else_matches(onto):
    hits = onto.search("small angle x-ray scatering")
    assert hits[0].term.id == "PaNET01188" and hits[0].match == "fuzzy"
    assert all(h.match != "fuzzy" for h in onto.search("scattering", limit=None))
    assert onto.search("scatering", fuzzy=False) == []
    with_fuzzy = onto.search("saxs", limit=None, fuzzy=True)
    assert with_fuzzy[: len(onto.search("saxs", limit=None))] == onto.search("saxs", limit=None)
    assert with_fuzzy[-1].match == "fuzzy"


def test_limit(onto):
    assert len(onto.search("x-ray", limit=3)) == 3
    assert len(onto.search("x-ray", limit=None)) > 50


@pytest.mark.parametrize("query", ["", "   ", "-", "zzzzqqqq"])
def test_nothing_to_find(onto, query):
    assert [h for h in onto.search(query, fuzzy=False)] == []


def test_hit_to_dict(onto):
    data = onto.search("saxs")[0].to_dict()
    assert data["id"] == "PaNET01188" and data["matched"] == "SAXS" and data["match"] == "exact"
    assert data["score"] == 1.0
