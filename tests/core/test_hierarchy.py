"""The reasoned hierarchy, checked against an independent rdflib + networkx reading."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
import rdflib

NS = "http://purl.org/pan-science/PaNET/"
WIKIDATA = "https://www.wikidata.org/wiki/Q133900"


@pytest.fixture(scope="module")
def reasoned_pairs(reasoned_graph) -> set[tuple[str, str]]:
    """Strict (child, parent) pairs between named classes, as PaNET_reasoned.owl states them."""
    return {
        (str(s), str(o))
        for s, o in reasoned_graph.subject_objects(rdflib.RDFS.subClassOf)
        if isinstance(s, rdflib.URIRef) and isinstance(o, rdflib.URIRef) and o not in (rdflib.OWL.Thing, s)
    }


def _pairs(onto) -> set[tuple[str, str]]:
    return {(t.iri, a.iri) for t in onto for a in onto.ancestors(t)}


def test_index_holds_exactly_the_reasoned_hierarchy(onto, reasoned_pairs):
    assert len(reasoned_pairs) == 3740  # as the reasoned file has it, wikidata:Q133900 included
    panet_only = {(c, p) for c, p in reasoned_pairs if c.startswith(NS) and p.startswith(NS)}
    assert len(panet_only) == 3666
    assert _pairs(onto) == panet_only


@pytest.mark.parametrize(
    ("key", "count"),
    [("PaNET01012", 94), ("PaNET01124", 21), ("PaNET00100", 147), ("PaNET00101", 32), ("PaNET00207", 10),
     ("PaNET01022", 70), ("PaNET01106", 67), ("PaNET00200", 125), ("PaNET01216", 24), ("PaNET01200", 0)],
)  # fmt: skip
def test_descendant_counts_from_the_profile(onto, key, count):
    # PROFILE.md counts wikidata:Q133900 too: 126 under scattering technique there, 125 PaNET terms here
    assert len(onto.descendants(key)) == count


def test_photon_and_neutron_technique_has_358_technique_descendants(onto):
    below = onto.descendants("PaNET00001")
    assert len(below) == 358  # the reasoned file's 359 include wikidata:Q133900
    assert all(t.kind == "technique" for t in below)


def test_three_roots_and_probe_groups_outside_the_technique_root(onto):
    assert [t.id for t in onto.roots()] == ["PaNET00001", "PaNET00002", "PaNET2000000"]
    probe_groups = onto.descendants("PaNET00002", include_self=True) - onto.descendants("PaNET00001")
    assert len(probe_groups) == 21  # 'defined by experimental probe' and the 20 classes that left 00001
    assert all(onto.is_technique(t) for t in probe_groups)
    assert [t.label for t in sorted(onto.children("PaNET2000000"), key=lambda t: t.id)] == [
        "probe",
        "purpose",
        "process",
        "functional dependence",
        "beam characteristic",
    ]


def test_parents_are_the_transitive_reduction(onto, reasoned_pairs):
    graph = nx.DiGraph()
    graph.add_nodes_from(t.iri for t in onto)
    # wikidata:Q133900 is equivalent to 'diffraction': fold it in, as the index does
    graph.add_edges_from(
        (c, NS + "PaNET01022" if p == WIKIDATA else p)
        for c, p in reasoned_pairs
        if c != WIKIDATA and (p.startswith(NS) or p == WIKIDATA) and not (c == NS + "PaNET01022" and p == WIKIDATA)
    )
    graph.remove_edges_from(nx.selfloop_edges(graph))
    reduced = nx.transitive_reduction(graph)
    for term in onto:
        assert {p.iri for p in onto.parents(term)} == set(reduced.successors(term.iri)), term
    assert sum(1 for t in onto if len(onto.parents(t)) > 1) == 222  # 228 in PROFILE counts wikidata as a parent


def test_parents_and_children_of_saxs(onto):
    assert {t.label for t in onto.parents("SAXS")} == {"small angle scattering", "x-ray scattering"}
    assert "grazing incidence small angle x-ray scattering" in {t.label for t in onto.children("SAXS")}
    assert onto.ancestors("SAXS") >= onto.parents("SAXS")
    assert all(onto.term("SAXS") in onto.children(p) for p in onto.parents("SAXS"))


@pytest.mark.parametrize(
    ("a", "b"),
    [("PaNET00401", "PaNET01106"), ("PaNET2014001", "PaNET2020070"), ("PaNET01107", "PaNET01273"),
     ("PaNET01261", "PaNET01334")],
)  # fmt: skip
def test_equivalent_classes_share_ancestors_and_descendants(onto, a, b):
    assert onto.ancestors(a) == onto.ancestors(b)
    assert onto.descendants(a) == onto.descendants(b)
    assert onto.term(a) not in onto.ancestors(b) and onto.term(b) not in onto.descendants(a)


def test_told_equivalences(onto):
    assert onto.equivalents("obtain spatial map") == {onto.term("imaging")}
    assert onto.equivalents("PaNET2014001") == {onto.term("PaNET2020070")}
    assert onto.equivalents("diffraction") == frozenset()  # its equivalent is wikidata, not a PaNET term


def test_every_hierarchy_call_accepts_every_key_form(onto):
    saxs = onto.term("SAXS")
    keys = [saxs, saxs.iri, saxs.curie, saxs.id, saxs.label, "SAXS"]
    for method in (onto.parents, onto.children, onto.ancestors, onto.descendants, onto.equivalents):
        assert len({method(k) for k in keys}) == 1
    assert onto.descendants("SAXS", include_self=True) == onto.descendants(saxs) | {saxs}
    assert onto.ancestors("SAXS", include_self=True) == onto.ancestors(saxs) | {saxs}


def test_leaves(onto):
    assert len(onto.leaves("technique")) == 139
    assert all(not onto.children(t) for t in onto.leaves())


def test_lowest_common_ancestors(onto):
    assert {t.label for t in onto.lca("SAXS", "WAXS")} == {"x-ray scattering"}
    # two minimal common ancestors: by process and by probe
    assert {t.label for t in onto.lca("SAXS", "SANS")} == {"small angle scattering", "defined by experimental probe"}
    assert onto.lca("SAXS", "small angle scattering") == {onto.term("small angle scattering")}
    assert onto.lca("SAXS", "SAXS") == {onto.term("SAXS")}
    assert onto.lca("PaNET00001", "PaNET2000000") == frozenset()


def test_paths_to_root_walk_direct_parents(onto):
    paths = onto.paths_to_root("x-ray single crystal diffraction")
    assert paths and paths == sorted(paths, key=len)
    roots = set(onto.roots())
    for path in paths:
        assert path[0] == onto.term("x-ray single crystal diffraction")
        assert path[-1] in roots
        assert all(upper in onto.parents(lower) for lower, upper in itertools.pairwise(path))
    assert len({p[-1] for p in paths}) == 2  # reaches both technique roots


def test_networkx_graph(onto):
    graph = onto.to_networkx()
    assert graph.number_of_nodes() == 510
    assert graph.number_of_edges() == sum(len(onto.parents(t)) for t in onto)
    assert graph.nodes[onto.term("SAXS").iri] == {"id": "PaNET01188", "label": "small angle x-ray scattering",
                                                   "kind": "technique"}  # fmt: skip
    assert nx.is_directed_acyclic_graph(graph)
    assert nx.descendants(graph, onto.term("SAXS").iri) == {t.iri for t in onto.ancestors("SAXS")}
