"""The EL classifier: completion rules on small cases, PaNET exactly, HermiT cross-check, classify CLI."""

from __future__ import annotations

import shutil

import pytest
import rdflib

import panet
from panet.axioms import And, DisjointClasses, Domain, EquivalentClasses, Range, Some, SubClassOf, SubPropertyOf
from panet.formats import parse
from panet.reasoner import classify

NS = "http://purl.org/pan-science/PaNET/"
FIVE_EQUIVALENCES = {
    frozenset((NS + "PaNET00401", NS + "PaNET01106")),  # obtain spatial map = imaging
    frozenset((NS + "PaNET2014001", NS + "PaNET2020070")),
    frozenset((NS + "PaNET01022", "https://www.wikidata.org/wiki/Q133900")),
    frozenset((NS + "PaNET01107", NS + "PaNET01273")),  # found by reasoning only
    frozenset((NS + "PaNET01261", NS + "PaNET01334")),  # found by reasoning only
}


def reasoned_pairs(graph: rdflib.Graph) -> set[tuple[str, str]]:
    return {
        (str(s), str(o))
        for s, o in graph.subject_objects(rdflib.RDFS.subClassOf)
        if isinstance(s, rdflib.URIRef) and isinstance(o, rdflib.URIRef) and o != rdflib.OWL.Thing
    }


@pytest.fixture(scope="module")
def template(ontology_dir):
    path = ontology_dir / "PaNET.csv"
    return parse(path, path.read_bytes())


def test_defined_classes_are_recognised_through_existentials_and_ranges():
    told = [
        Range("probe", "probe"),
        SubClassOf("x-ray", "photon"),
        SubClassOf("photon", "probe"),
        EquivalentClasses(("ProbeTechnique", Some("probe", "probe"))),
        EquivalentClasses(("PhotonTechnique", Some("probe", "photon"))),
        EquivalentClasses(("XrayTechnique", Some("probe", "x-ray"))),
        EquivalentClasses(("SAXS", And(("SAS", "XrayTechnique")))),
        SubClassOf("Ultrafast", Some("probe", "pulsed")),  # 'pulsed' is a probe only through the range
    ]
    result = classify(told)
    assert result.subsumers["SAXS"] == {"SAXS", "SAS", "XrayTechnique", "PhotonTechnique", "ProbeTechnique"}
    assert "ProbeTechnique" in result.subsumers["Ultrafast"]
    assert result.links["SAXS"] == {("probe", "x-ray")}


def test_nested_intersections_are_flattened_both_ways():
    result = classify(
        [EquivalentClasses(("D", And((And(("A", "B")), "C")))), SubClassOf("X", And(("A", And(("B", "C")))))]
    )
    assert result.subsumers["D"] == {"A", "B", "C", "D"}
    assert "D" in result.subsumers["X"]


def test_domains_sub_properties_and_general_axioms():
    result = classify(
        [
            SubPropertyOf("definedbyprobe", "relation"),
            Domain("relation", "Technique"),
            SubClassOf("T", Some("definedbyprobe", "neutron")),
            SubClassOf(Some("relation", "neutron"), "NeutronThing"),  # a general concept inclusion
            EquivalentClasses(("A", "B")),
        ]
    )
    assert result.subsumers["T"] == {"T", "Technique", "NeutronThing"}
    assert result.equivalent_pairs() == {frozenset(("A", "B"))}
    assert result.strict_pairs() == {("T", "Technique"), ("T", "NeutronThing")}


def test_disjointness_reports_unsatisfiable_classes_without_spreading_them():
    result = classify(
        [
            DisjointClasses(("elastic", "inelastic")),
            SubClassOf("both", And(("elastic", "inelastic"))),
            SubClassOf("uses both", Some("process", "both")),
            SubClassOf("fine", "elastic"),
        ]
    )
    assert result.unsatisfiable == {"both", "uses both"}
    assert result.subsumers["both"] == {"both", "elastic", "inelastic"}


def test_template_classifies_to_exactly_the_reasoned_file(template, reasoned_graph):
    result = classify(template.axioms)
    expected = reasoned_pairs(reasoned_graph)
    assert len(expected) == 3740
    assert result.strict_pairs() == expected
    assert result.equivalent_pairs() == FIVE_EQUIVALENCES
    assert not result.unsatisfiable


def test_reasoned_file_loads_with_the_two_equivalences_only_a_reasoner_finds(onto, reasoned_graph):
    assert {t.id for t in onto.equivalents("PaNET01107")} == {"PaNET01273"}
    assert {t.id for t in onto.equivalents("x-ray refraction imaging")} == {"PaNET01334"}
    ours = {(t.iri, a.iri) for t in onto for a in onto.ancestors(t)}
    assert ours == {(s, o) for s, o in reasoned_pairs(reasoned_graph) if s.startswith(NS) and o.startswith(NS)}
    assert len(ours) == 3666


def test_asserted_build_gets_the_full_hierarchy(ontology_dir, onto):
    built = panet.load(ontology_dir / "PaNET.owl")  # direct edges only: closure + classifier
    assert all(built.ancestors(t) == onto.ancestors(t) for t in onto)
    assert {t.id for t in built.equivalents("PaNET01107")} == {"PaNET01273"}


@pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java (apt install openjdk-17-jre-headless)")
def test_hermit_agrees_on_the_told_axioms(template, tmp_path):
    import owlready2

    from panet.formats import rdf

    told = tmp_path / "told.owl"
    rdf.write(template, None, told, "xml")  # the template's told axioms only, no inferred edge
    world = owlready2.World()
    ontology = world.get_ontology(told.as_uri()).load()
    with ontology:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    pairs, equivalent = set(), set()
    for cls in world.classes():
        # owlready2 hangs is_a on one member of an equivalence set: union the set's ancestors
        group = {cls, *(e for e in cls.equivalent_to if isinstance(e, owlready2.ThingClass))}
        equivalent |= {frozenset((cls.iri, other.iri)) for other in group if other is not cls}
        above = {a for member in group for a in member.ancestors() if a is not owlready2.Thing}
        pairs |= {(cls.iri, a.iri) for a in above - group}
    result = classify(template.axioms)
    assert pairs == result.strict_pairs()
    assert equivalent == result.equivalent_pairs() == FIVE_EQUIVALENCES


def test_classify_command_writes_the_reasoned_ontology(ontology_dir, tmp_path, capsys, reasoned_graph):
    from panet.cli import main

    output = tmp_path / "PaNET_reasoned.ttl"
    code = main(["classify", str(ontology_dir / "PaNET.csv"), "-o", str(output)])
    err = capsys.readouterr().err
    assert code == 0
    assert "510 classes, 3740 subclass edges, 4 equivalent pairs between PaNET terms (+1 with other classes" in err
    written = reasoned_pairs(rdflib.Graph().parse(output))
    assert {(s, o) for s, o in written if (o, s) not in written} == reasoned_pairs(reasoned_graph)
    again = panet.load(output)
    assert {t.id for t in again.equivalents("PaNET01273")} == {"PaNET01107"}
    assert [t.to_dict() for t in again] == [t.to_dict() for t in panet.load()]


def test_classify_direct_writes_the_transitive_reduction(ontology_dir, tmp_path, capsys):
    from panet.cli import main

    output = tmp_path / "PaNET.owl"
    assert main(["classify", str(ontology_dir / "PaNET.csv"), "-o", str(output), "--direct"]) == 0
    capsys.readouterr()
    # the told edges (15 of them redundant) and the direct inferred ones: ROBOT reason's PaNET.owl
    direct = reasoned_pairs(rdflib.Graph().parse(output))
    assert direct == reasoned_pairs(rdflib.Graph().parse(ontology_dir / "PaNET.owl"))
    assert len(direct) == 829
