"""Deprecated terms (owl:deprecated, IAO:0100001 'term replaced by'), on small ontologies made here:
PaNET has retired no term yet."""

from __future__ import annotations

import warnings

import pytest

import panet
from panet.cli import main

TURTLE = """
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix obo: <http://purl.obolibrary.org/obo/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix panet: <http://purl.org/pan-science/PaNET/> .

panet:PaNET00001 a owl:Class ; rdfs:label "photon and neutron technique" .
panet:PaNET01188 a owl:Class ; rdfs:label "small angle x-ray scattering" ; skos:altLabel "SAXS" ;
    rdfs:subClassOf panet:PaNET00001 .
panet:PaNET09001 a owl:Class ; rdfs:label "small angle xray scattering" ; skos:altLabel "SAXS" ;
    owl:deprecated "true"^^xsd:boolean ; obo:IAO_0100001 panet:PaNET01188 .
panet:PaNET09002 a owl:Class ; rdfs:label "retired technique" ; owl:deprecated true .
"""

TEMPLATE = (
    "ID,Label,Synonym,Parent,Obsolete,Replaced by\n"
    "ID,A rdfs:label,A skos:altLabel,SC %,AT owl:deprecated^^xsd:boolean,AI IAO:0100001\n"
    "PaNET:PaNET00001,photon and neutron technique,,,,\n"
    "PaNET:PaNET01188,small angle x-ray scattering,SAXS,photon and neutron technique,,\n"
    "PaNET:PaNET09001,small angle xray scattering,SAXS,,true,PaNET:PaNET01188\n"
    "PaNET:PaNET09002,retired technique,,,true,\n"
)


@pytest.fixture(params=["ttl", "csv"])
def onto(request, tmp_path):
    path = tmp_path / f"retired.{request.param}"
    path.write_text(TURTLE if request.param == "ttl" else TEMPLATE, encoding="utf-8")
    return panet.load(path)


def test_lookup_of_a_deprecated_term_warns_and_names_the_replacement(onto):
    with pytest.warns(panet.DeprecatedTermWarning) as caught:
        old = onto.term("PaNET09001")
    assert str(caught[0].message) == (
        "PaNET09001 'small angle xray scattering' is deprecated; "
        "use PaNET01188 'small angle x-ray scattering' instead (term replaced by)"
    )
    assert caught[0].filename == __file__  # points at the caller
    assert old.deprecated and old.replaced_by == onto["PaNET01188"].iri
    assert issubclass(panet.DeprecatedTermWarning, panet.errors.PanetWarning)
    assert issubclass(panet.DeprecatedTermWarning, UserWarning)  # shown by default


@pytest.mark.parametrize("lookup", ["term", "get", "getitem"])
def test_every_lookup_warns(onto, lookup):
    with pytest.warns(panet.DeprecatedTermWarning, match="PaNET09002 'retired technique' is deprecated$"):
        found = onto["retired technique"] if lookup == "getitem" else getattr(onto, lookup)("retired technique")
    assert found.id == "PaNET09002"


def test_current_terms_do_not_warn_and_win_shared_names(onto):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert onto.term("SAXS").id == "PaNET01188"  # the deprecated term has the same synonym
        assert len(onto.descendants("PaNET00001")) == 1


def test_lists_leave_deprecated_terms_out_by_default(onto):
    assert [t.id for t in onto.terms()] == ["PaNET00001", "PaNET01188"]
    assert len(onto.terms(include_obsolete=True)) == len(onto) == 4
    assert [t.id for t in onto.roots()] == ["PaNET00001"]
    assert [t.id for t in onto.roots(include_obsolete=True)] == ["PaNET00001", "PaNET09001", "PaNET09002"]
    assert [t.id for t in onto.leaves("technique")] == ["PaNET01188"]


def test_search_leaves_deprecated_terms_out_or_ranks_them_last(onto):
    assert [h.term.id for h in onto.search("scattering")] == ["PaNET01188"]
    assert [h.term.id for h in onto.search("scattering", include_obsolete=True)] == ["PaNET01188", "PaNET09001"]
    assert [h.term.id for h in onto.search("xray scattering")] == ["PaNET01188"]  # fuzzy hit, current only
    assert [h.term.id for h in onto.search("saxs", include_obsolete=True)] == ["PaNET01188", "PaNET09001"]


def test_cli_term_shows_the_warning(onto, capsys):
    assert main(["term", "PaNET09001", "--ontology", onto.path, "--json"]) == 0
    out, err = capsys.readouterr()
    assert '"deprecated": true' in out
    assert "use PaNET01188 'small angle x-ray scattering' instead" in err
