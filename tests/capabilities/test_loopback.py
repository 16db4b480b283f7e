"""panet.loopback: the pan-ontologies-api protocol as a library, the pan-filter CLI.

Expected expansions come from the reasoned hierarchy (`onto.descendants`), not from the
original service's database. The HTTP side is in tests/api/test_techniques_api.py.
"""

from __future__ import annotations

import json
import re

import pytest
from loopback_cases import ORIGINAL_CASES, PANET, SMALL_ANGLE_SCATTERING, XES, family

import panet
from panet import loopback
from panet.cli import main
from panet.loopback import FilterError, expand_where, find_techniques, select, technique_record


def test_family_of_small_angle_scattering_is_what_the_original_expects(onto):
    assert family(onto, "small angle scattering") == SMALL_ANGLE_SCATTERING


@pytest.mark.parametrize(("where", "expected"), ORIGINAL_CASES, ids=[json.dumps(c[0]) for c in ORIGINAL_CASES])
def test_original_test_inputs(onto, where, expected):
    assert expand_where(onto, where) == expected(lambda key: family(onto, key))


def test_former_label_x_ray_probe_expands_like_today_s_label(onto):
    expected = family(onto, "x-ray probe technique")
    assert len(expected) == 95  # x-ray probe technique and its 94 descendants
    assert expand_where(onto, {"name": "x-ray probe"}) == {"pid": {"inq": expected}}


@pytest.mark.parametrize(
    "where",
    [
        {"pid": {"eq": XES}},
        {"pid": "panet:PaNET01200"},
        {"pid": "PaNET01200"},
        {"name": {"eq": "x-ray emission spectroscopy"}},
        {"name": "  X-Ray  Emission Spectroscopy "},
        {"name": "xes"},
        {"synonym": "XES"},
        {"name": {"inq": ["XES", "no such technique"]}},
        '{"name": "XES"}',
        {"name": {"like": "^x-ray emission spectroscopy$"}},
        {"name": {"ilike": "^XES$"}},
        {"name": {"like": "^x_ray emission%copy$"}},  # LoopBack's SQL wildcards
    ],
    ids=str,
)
def test_equivalent_ways_to_name_one_technique(onto, where):
    assert expand_where(onto, where) == {"pid": {"inq": [XES]}}


@pytest.mark.parametrize(
    "where",
    [
        {"name": "no such technique"},
        {"pid": PANET + "PaNET99999"},
        {"pid": "http://example.org/PaNET01200"},
        {"pid": PANET + "PaNET2020072"},  # 'small angle scattering', the specifier
        {"name": "probe"},  # a specifier's label
        {"pid": {"inq": []}},
        {"name": {"like": "^no such"}},
    ],
    ids=str,
)
def test_unknown_technique_or_specifier_gives_empty_inq_like_the_original(onto, where):
    assert expand_where(onto, where) == {"pid": {"inq": []}}


def test_label_shared_with_a_specifier_selects_the_technique(onto):
    assert expand_where(onto, {"name": "small angle scattering"}) == {"pid": {"inq": SMALL_ANGLE_SCATTERING}}


def test_empty_where_selects_every_technique_and_no_specifier(onto):
    everything = sorted(t.iri for t in onto.terms("technique"))
    assert len(everything) == 380
    assert expand_where(onto, {}) == expand_where(onto, None) == {"pid": {"inq": everything}}


@pytest.mark.parametrize("key", ["imaging", "obtain spatial map"])
def test_equivalent_classes_select_each_other(onto, key):
    imaging, spatial_map = onto.term("imaging"), onto.term("obtain spatial map")
    assert spatial_map in onto.equivalents(imaging)
    pids = expand_where(onto, {"name": key})["pid"]["inq"]
    assert imaging.iri in pids
    assert spatial_map.iri in pids
    assert pids == family(onto, "imaging") == family(onto, "obtain spatial map")


def test_negations(onto):
    sas = family(onto, "small angle scattering")
    for where in (
        {"name": {"neq": "small angle scattering"}},
        {"name": {"nin": ["small angle scattering"]}},
        {"pid": {"nin": [PANET + "PaNET01124"]}},
        {"name": {"nlike": "^small angle scattering$"}},
        {"name": {"nilike": "^SMALL ANGLE SCATTERING$"}},
    ):
        assert expand_where(onto, where) == {"pid": {"nin": sas}}, where


def test_inq_of_several_is_the_union_of_their_families(onto):
    out = expand_where(onto, {"name": {"inq": ["SAXS", "SANS"]}})
    assert out == {"pid": {"inq": sorted({*family(onto, "SAXS"), *family(onto, "SANS")})}}


def test_like_searches_label_and_synonyms(onto):
    by_synonym = expand_where(onto, {"name": {"like": "^GISA[XN]S$"}})
    assert by_synonym == {"pid": {"inq": sorted({*family(onto, "GISAXS"), *family(onto, "GISANS")})}}


def test_conditions_in_one_object_hold_for_one_technique(onto):
    # techniques named like 'small angle' AND having the synonym SAXS: just SAXS, then expanded
    out = expand_where(onto, {"name": {"like": "small angle"}, "synonym": "SAXS"})
    assert out == {"pid": {"inq": family(onto, "SAXS")}}


def test_positive_and_negative_conditions_in_one_object_become_and(onto):
    out = expand_where(onto, {"name": "small angle scattering", "pid": {"neq": PANET + "PaNET01188"}})
    assert out == {"and": [{"pid": {"inq": SMALL_ANGLE_SCATTERING}}, {"pid": {"nin": family(onto, "SAXS")}}]}


def test_nested_and_or(onto):
    where = {"or": [{"name": "XES"}, {"and": [{"name": "SAXS"}, {"name": {"neq": "GISAXS"}}]}]}
    assert expand_where(onto, where) == {
        "or": [
            {"pid": {"inq": [XES]}},
            {"and": [{"pid": {"inq": family(onto, "SAXS")}}, {"pid": {"nin": family(onto, "GISAXS")}}]},
        ]
    }


def test_output_is_deterministic_and_sorted(onto):
    where = {"or": [{"name": "diffraction"}, {"name": {"like": "tomography"}}]}
    first = expand_where(onto, where)
    assert json.dumps(first) == json.dumps(expand_where(onto, json.dumps(where)))
    for part in first["or"]:
        assert part["pid"]["inq"] == sorted(set(part["pid"]["inq"]))


def test_no_specifier_in_any_expansion(onto):
    specifiers = {t.iri for t in onto.terms("specifier")}
    for root in onto.roots("technique"):
        assert not specifiers & set(expand_where(onto, {"pid": root.iri})["pid"]["inq"])


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("{bad", "where: not valid JSON"),
        ("[1]", "where: must be a JSON object"),
        ('"XES"', "where: must be a JSON object"),
        ({"name": 5}, "where.name: must be a string, not a number"),
        ({"name": None}, "where.name: must be a string, not null"),
        ({"name": ["XES"]}, "where.name: must be a string, not a list"),
        ({"name": {"inq": "XES"}}, "where.name.inq: must be a list of strings"),
        ({"pid": {"nin": [1]}}, "where.pid.nin: must be a list of strings"),
        ({"name": {"foo": "XES"}}, "where.name.foo: unknown operator; use eq, neq"),
        ({"name": {"gt": "XES"}}, "where.name.gt: unknown operator"),
        ({"name": {"like": "a", "nlike": "b"}}, "where.name: give exactly one operator"),
        ({"name": {}}, "where.name: give exactly one operator"),
        ({"label": "XES"}, "where.label: unknown property; use pid, name"),
        ({"and": {"name": "XES"}}, "where.and: must be a non-empty list"),
        ({"or": []}, "where.or: must be a non-empty list"),
        ({"and": ["XES"]}, "where.and[0]: must be a JSON object"),
        ({"name": {"like": "("}}, "where.name.like: not a valid regular expression"),
        ({"or": [{"name": "XES"}] * 65}, "where.or[64].name: more than 64 conditions"),
        ("[" * 100_000, "where: 100,000 characters of JSON; at most 65,536"),
        ("[" * 50_000, "where: JSON nested too deeply"),
    ],
    ids=lambda v: str(v)[:40],
)
def test_bad_where_raises_one_clear_error(onto, where, message):
    with pytest.raises(FilterError, match=re.escape(message)):
        expand_where(onto, where)


def test_nesting_is_bounded(onto):
    where = {"name": "XES"}
    for _ in range(loopback.MAX_DEPTH):
        where = {"and": [where]}
    assert expand_where(onto, where)  # MAX_DEPTH levels are fine
    with pytest.raises(FilterError, match="nested more than 8 levels"):
        expand_where(onto, {"or": [where]})


def test_slow_pattern_stops_at_the_time_budget(onto):
    with pytest.raises(FilterError, match="took too long"):
        expand_where(onto, {"name": {"like": "(.*){40}[0-9]"}}, timeout=0.05)


def test_select_is_loopback_on_the_technique_records(onto):
    assert [t.id for t in select(onto, {"name": "SAXS"})] == ["PaNET01188"]  # no descendants
    saxs_children = select(onto, {"parents": PANET + "PaNET01188"})
    assert saxs_children == sorted(onto.children("SAXS"))
    not_sas = select(onto, {"name": {"neq": "small angle scattering"}})
    assert len(not_sas) == 379
    either = select(onto, {"or": [{"name": "SAXS"}, {"name": "SANS"}]})
    assert [t.id for t in either] == ["PaNET01188", "PaNET01189"]
    assert select(onto, {"and": [{"name": "SAXS"}, {"name": "SANS"}]}) == []


def test_technique_record_has_the_original_model_fields(onto):
    record = technique_record(onto, XES)
    assert list(record) == ["pid", "name", "synonym", "parents", "children", "relatives"]
    assert record["name"] == "x-ray emission spectroscopy"
    assert record["synonym"] == ["XES"]
    assert record["children"] == []
    assert record["relatives"] == [XES]
    assert record["parents"] == sorted(t.iri for t in onto.parents(XES))
    saxs = technique_record(onto, "panet:PaNET01188")
    assert saxs["relatives"] == family(onto, "SAXS")
    assert saxs["children"] == sorted(t.iri for t in onto.children("SAXS"))


def test_technique_record_refuses_a_specifier(onto):
    with pytest.raises(KeyError, match="is a specifier"):
        technique_record(onto, PANET + "PaNET2020072")


def test_find_techniques_filter(onto):
    page = find_techniques(onto, {"order": "name DESC", "limit": 2, "skip": 1, "fields": {"pid": True, "name": True}})
    names = sorted((t.label for t in onto.terms("technique")), reverse=True)
    assert [r["name"] for r in page] == names[1:3]
    assert all(list(r) == ["pid", "name"] for r in page)
    without = find_techniques(onto, {"where": {"name": "XES"}, "fields": {"relatives": False}})
    assert list(without[0]) == ["pid", "name", "synonym", "parents", "children"]
    assert len(find_techniques(onto)) == 380
    assert find_techniques(onto, '{"limit": "3"}') == find_techniques(onto)[:3]


@pytest.mark.parametrize(
    ("filter_", "message"),
    [
        ({"include": ["x"]}, "filter.include: unknown filter key"),
        ({"limit": -1}, "filter.limit: must be a non-negative integer"),
        ({"skip": 1.5}, "filter.skip: must be a non-negative integer"),
        ({"order": "relatives ASC"}, "filter.order[0]"),
        ({"order": "name SIDEWAYS"}, "filter.order[0]"),
        ({"fields": {"label": True}}, "filter.fields.label: unknown property"),
        ({"fields": "pid"}, "filter.fields: must be an object or a list"),
        ({"where": {"name": 1}}, "filter.where.name: must be a string"),
        ("[]", "filter: must be a JSON object"),
    ],
    ids=str,
)
def test_bad_filter_raises_one_clear_error(onto, filter_, message):
    with pytest.raises(FilterError, match=re.escape(message)):
        find_techniques(onto, filter_)


def test_pan_search_filter(onto):
    where = onto.pan_search_filter("small angle scattering")["include"][0]["scope"]["where"]
    assert where == {"pid": {"inq": SMALL_ANGLE_SCATTERING}}
    only = onto.pan_search_filter("SAXS", descendants=False)
    assert only == {
        "include": [{"relation": "techniques", "scope": {"where": {"pid": {"inq": [PANET + "PaNET01188"]}}}}]
    }


def test_cli_pan_filter(capsys):
    assert main(["pan-filter", "x-ray probe"]) == 0
    printed = json.loads(capsys.readouterr().out)
    pids = printed["include"][0]["scope"]["where"]["pid"]["inq"]
    assert len(pids) == 95
    assert PANET + "PaNET01188" in pids
    assert main(["pan-filter", "XES", "--no-descendants"]) == 0
    assert json.loads(capsys.readouterr().out)["include"][0]["scope"]["where"] == {"pid": {"inq": [XES]}}


def test_cli_pan_filter_refuses_a_specifier(capsys):
    assert main(["pan-filter", "PaNET2020072"]) == 2
    assert "is a specifier" in capsys.readouterr().err


RETIRED = """
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix obo: <http://purl.obolibrary.org/obo/> .
@prefix panet: <http://purl.org/pan-science/PaNET/> .

panet:PaNET00001 a owl:Class ; rdfs:label "photon and neutron technique" .
panet:PaNET01188 a owl:Class ; rdfs:label "small angle x-ray scattering" ; skos:altLabel "SAXS" ;
    rdfs:subClassOf panet:PaNET00001 .
panet:PaNET09001 a owl:Class ; rdfs:label "small angle xray scattering" ; skos:altLabel "SAXS" ;
    owl:deprecated true ; obo:IAO_0100001 panet:PaNET01188 .
panet:PaNET09002 a owl:Class ; rdfs:label "retired technique" ; owl:deprecated true .
"""


def test_retired_techniques_are_still_found(tmp_path):
    """A deprecated technique stays selectable (datasets may carry it): its expansion holds its
    replacement's, and the expansion of its replacement (or anything above) holds it."""
    path = tmp_path / "retired.ttl"
    path.write_text(RETIRED, encoding="utf-8")
    small = panet.load(path)
    old, new, root = (PANET + f"PaNET{n}" for n in ("09001", "01188", "00001"))
    assert expand_where(small, {"name": "small angle x-ray scattering"}) == {"pid": {"inq": [new, old]}}
    assert expand_where(small, {"name": "SAXS"}) == {"pid": {"inq": [new, old]}}
    assert expand_where(small, {"pid": old}) == {"pid": {"inq": [new, old]}}
    assert expand_where(small, {"pid": root}) == {"pid": {"inq": [root, new, old]}}
    assert expand_where(small, {"name": "retired technique"}) == {"pid": {"inq": [PANET + "PaNET09002"]}}
