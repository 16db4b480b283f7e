"""Lookups by IRI, CURIE, ID, label and synonym; the technique/specifier label trap."""

from __future__ import annotations

import pickle
from collections import defaultdict

import pytest
import rdflib

import panet
from panet.term import Term

SAXS = "http://purl.org/pan-science/PaNET/PaNET01188"


@pytest.mark.parametrize(
    "key",
    [
        SAXS,
        "https://purl.org/pan-science/PaNET/PaNET01188",
        "http://www.purl.org/pan-science/PaNET/PaNET01188",
        "http://purl.org/pan-science/PaNET/PaNET.owl#PaNET01188",
        "panet:PaNET01188",
        "PaNET:PaNET01188",
        "PANET:panet01188",
        "PaNET01188",
        " panet01188 ",
        "small angle x-ray scattering",
        "Small  Angle X-ray\tScattering ",
        "SAXS",
        "saxs",
    ],
)
def test_every_kind_of_key_finds_the_term(onto, key):
    assert onto.term(key).iri == SAXS
    assert key in onto


def test_term_fields(onto):
    saxs = onto.term("SAXS")
    assert (saxs.iri, saxs.id, saxs.curie) == (SAXS, "PaNET01188", "panet:PaNET01188")
    assert saxs.label == "small angle x-ray scattering"
    assert saxs.synonyms == ("SAXS",)
    assert saxs.kind == "technique"
    assert saxs.definition_source == "https://en.wikipedia.org/wiki/Small-angle_X-ray_scattering"
    assert sorted(saxs.to_dict()) == sorted(
        ["iri", "id", "curie", "label", "synonyms", "kind", "definition", "definition_source", "deprecated",
         "replaced_by"]
    )  # fmt: skip
    with_definition = onto.term("PaNET00001")
    assert with_definition.definition.startswith("A technique in the domain of neutron")


def _shared_labels(graph: rdflib.Graph) -> dict[str, set[str]]:
    by_label: dict[str, set[str]] = defaultdict(set)
    for s, o in graph.subject_objects(rdflib.RDFS.label):
        is_class = (s, rdflib.RDF.type, rdflib.OWL.Class) in graph
        if is_class and str(s).startswith("http://purl.org/pan-science/PaNET/PaNET"):
            by_label[str(o).strip().casefold()].add(str(s))
    return {label: iris for label, iris in by_label.items() if len(iris) > 1}


def test_all_71_shared_labels_resolve_to_the_technique(onto, reasoned_graph):
    shared = _shared_labels(reasoned_graph)
    assert len(shared) == 71
    for label, iris in shared.items():
        technique, specifier = sorted(iris)  # 5-digit technique IDs sort before 7-digit specifiers
        assert onto.term(label).iri == technique
        assert onto.term(label, kind="specifier").iri == specifier
        assert onto.term(label, kind="any").iri == technique
        assert [t.iri for t in onto.terms_by_label(label)] == [technique, specifier]


def test_small_angle_scattering_example(onto):
    assert onto.term("small angle scattering").id == "PaNET01124"
    assert onto.term("small angle scattering", kind="specifier").id == "PaNET2020072"
    assert [t.id for t in onto.terms_by_label("Small Angle Scattering")] == ["PaNET01124", "PaNET2020072"]


def test_a_specifier_label_is_not_a_technique_by_default(onto):
    with pytest.raises(panet.TermNotFound, match="is a specifier") as caught:
        onto.term("x-ray")
    assert "kind='specifier'" in str(caught.value)
    assert onto.term("x-ray", kind="specifier").id == "PaNET2020009"
    assert onto.term("x-ray", kind="any").kind == "specifier"
    assert "x-ray" in onto  # it is in the ontology, just not a technique


def test_identifiers_name_their_term_whatever_its_kind(onto):
    assert onto.term("PaNET2020072").kind == "specifier"
    with pytest.raises(panet.TermNotFound, match="is a specifier, not a technique"):
        onto.term("PaNET2020072", kind="technique")


@pytest.mark.parametrize("key", ["Röntgen technique", "Rontgen technique", "roentgen technique", "RÖNTGEN TECHNIQUE"])
def test_non_ascii_synonyms_match_with_and_without_umlaut(onto, key):
    assert onto.term(key).id == "PaNET01012"


def test_every_synonym_resolves_to_its_term(onto):
    for term in onto:
        for synonym in term.synonyms:
            assert onto.term(synonym, kind="any") == term, synonym


def test_unknown_key_is_a_keyerror_listing_the_closest_labels(onto):
    with pytest.raises(KeyError) as caught:
        onto.term("small angel x-ray scatering")
    error = caught.value
    assert isinstance(error, panet.TermNotFound)
    assert error.suggestions[0] == "small angle x-ray scattering"
    assert "closest labels: 'small angle x-ray scattering'" in str(error)


@pytest.mark.parametrize("key", ["", "   ", "http://example.org/PaNET01188", "wikidata:Q133900", "PaNET99999"])
def test_keys_that_are_not_panet_terms(onto, key):
    assert key not in onto
    assert onto.get(key) is None
    with pytest.raises(panet.TermNotFound):
        onto.term(key)


def test_non_string_keys_are_refused_clearly(onto):
    assert 1188 not in onto
    with pytest.raises(panet.TermNotFound, match="must be a Term or a string"):
        onto.term(1188)


@pytest.mark.parametrize(
    ("old_label", "term_id"),
    [
        ("x-ray probe", "PaNET01012"),
        ("hard x-ray probe", "PaNET01013"),
        ("photoemission microscopy", "PaNET01146"),
        ("inelastic small angle scatteringng", "PaNET01107"),
    ],
)
def test_former_labels_resolve_to_todays_term(onto, old_label, term_id):
    term = onto.term(old_label)
    assert term.id == term_id
    assert term.match == "former label"
    assert term == onto.term(term_id)  # equal by IRI despite the match marker
    assert onto.term(term_id).match is None


def test_history_lists_label_changes(onto):
    assert onto.history("PaNET01012") == (("1.0.0", "x-ray probe"), ("1.3.0-48-g7011e6b", "x-ray probe technique"))
    assert onto.history("SAXS") == (("1.0.0", "small angle x-ray scattering"),)


def test_container_protocol(onto):
    assert "PaNET01188" in onto
    assert "not a term at all" not in onto
    assert len(list(onto)) == len(onto) == 510
    assert [t.iri for t in onto] == sorted(t.iri for t in onto)
    assert onto["small angle scattering"].id == "PaNET01124"


def test_terms_are_immutable_values(onto):
    saxs = onto.term("SAXS")
    with pytest.raises(AttributeError):
        saxs.label = "changed"
    copy = pickle.loads(pickle.dumps(saxs))
    assert copy == saxs and hash(copy) == hash(saxs) and copy is not saxs
    assert Term(SAXS, "another label") == saxs
    assert saxs != onto.term("SANS")
