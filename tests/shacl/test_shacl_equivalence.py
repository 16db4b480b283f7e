"""The fast engine gives pyshacl's results exactly: same multiset of result tuples, same
``conforms``, on random data and random shapes within the fast subset, and on the shipped
shapes with random records (invalid, missing, duplicated and wrongly typed values)."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH

import panet
from panet.errors import PanetError
from panet.shacl import check
from panet.shacl.compile import compile_shapes
from panet.shacl.generate import default_shapes

EX = Namespace("http://example.org/")
PANET = Namespace("http://purl.org/pan-science/PaNET/")
SCHEMA = Namespace("http://schema.org/")
# plain namespaces: pytest's collection trips over rdflib's closed DCAT and XSD namespaces
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")

NODES = [EX.a, EX.b, EX.c, EX.d, BNode("b1"), BNode("b2")]
LITERALS = [
    Literal("x"),
    Literal("abc", lang="en"),
    Literal(1),
    Literal("01", datatype=XSD.integer),
    Literal("bad", datatype=XSD.integer),  # ill-typed
    Literal("2020-01-01", datatype=XSD.date),
    Literal("2020-01-01"),
    Literal(True),
    Literal("x", datatype=XSD.string),
    Literal("abc", lang="en-GB"),
    Literal("2", datatype=XSD.decimal),
]
PREDICATES = [EX.p, EX.q]
BOUNDS = [Literal(1), Literal("1.5", datatype=XSD.decimal), Literal("2020-01-01", datatype=XSD.date), Literal("b")]
CLASSES = [EX.C, EX.D, EX.E]
SEVERITIES = [SH.Violation, SH.Warning, SH.Info]
DATATYPES = [XSD.string, XSD.integer, XSD.date, RDF.langString, RDFS.Literal, XSD.boolean, XSD.anyURI]
NODE_KINDS = [SH.IRI, SH.BlankNode, SH.Literal, SH.BlankNodeOrIRI, SH.BlankNodeOrLiteral, SH.IRIOrLiteral]

FAST_SETTINGS = settings(  # the same 400 examples on every run: CI checks what was checked here
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def data_graphs(draw) -> Graph:
    g = Graph()
    for s, p, o in draw(
        st.lists(
            st.tuples(st.sampled_from(NODES), st.sampled_from(PREDICATES), st.sampled_from(NODES + LITERALS)),
            max_size=14,
        )
    ):
        g.add((s, p, o))
    for s, c in draw(st.lists(st.tuples(st.sampled_from(NODES), st.sampled_from(CLASSES)), max_size=6)):
        g.add((s, RDF.type, c))
    if draw(st.booleans()):
        g.add((EX.D, RDFS.subClassOf, EX.C))
    if draw(st.booleans()):
        g.add((EX.E, RDFS.subClassOf, EX.D))
    return g


def _path(draw, g: Graph):
    kind = draw(st.sampled_from(["predicate"] * 4 + ["inverse", "sequence", "alternative", "*", "+", "?"]))
    predicate = draw(st.sampled_from(PREDICATES))
    if kind == "predicate":
        return predicate
    node = BNode()
    if kind == "inverse":
        g.add((node, SH.inversePath, predicate))
    elif kind in ("sequence", "alternative"):
        items = [predicate, draw(st.sampled_from(PREDICATES))]
        head = BNode()
        Collection(g, head, items)
        if kind == "sequence":
            return head
        g.add((node, SH.alternativePath, head))
    else:
        g.add((node, {"*": SH.zeroOrMorePath, "+": SH.oneOrMorePath, "?": SH.zeroOrOnePath}[kind], predicate))
    return node


def _shape(draw, g: Graph, depth: int, property_shape: bool | None = None):
    node = BNode()
    is_property = property_shape if property_shape is not None else draw(st.booleans())
    if is_property:
        g.add((node, SH.path, _path(draw, g)))
    simple = ["class", "datatype", "nodeKind", "in", "pattern", "hasValue", "severity", "range", "length", "languageIn"]
    nested = ["node", "property", "or", "and", "xone", "not"]
    simple += ["equals", "disjoint", "closed"]
    if is_property:  # counts are valid on property shapes only
        simple += ["minCount", "maxCount", "uniqueLang", "lessThan"]
        nested += ["qualified"]
    kinds = draw(st.lists(st.sampled_from(simple + (nested if depth < 2 else [])), min_size=1, max_size=3, unique=True))
    for kind in kinds:
        if kind == "class":
            for cls in draw(st.lists(st.sampled_from(CLASSES), min_size=1, max_size=2, unique=True)):
                g.add((node, SH["class"], cls))
        elif kind == "datatype":
            g.add((node, SH.datatype, draw(st.sampled_from(DATATYPES))))
        elif kind == "nodeKind":
            g.add((node, SH.nodeKind, draw(st.sampled_from(NODE_KINDS))))
        elif kind == "in":
            members = draw(st.lists(st.sampled_from(NODES[:4] + LITERALS), max_size=4, unique=True))
            head = BNode() if members else RDF.nil
            Collection(g, head, members)
            g.add((node, SH["in"], head))
        elif kind == "pattern":
            g.add(
                (node, SH.pattern, Literal(draw(st.sampled_from(["^x", "A", "b$", "^http://example.org/[ab]", "0"]))))
            )
            if draw(st.booleans()):
                g.add((node, SH.flags, Literal("i")))
        elif kind in ("minCount", "maxCount"):
            g.add((node, SH[kind], Literal(draw(st.integers(0, 2)))))
        elif kind == "hasValue":
            g.add((node, SH.hasValue, draw(st.sampled_from(NODES[:4] + LITERALS[:3]))))
        elif kind == "range":
            name = draw(st.sampled_from(["minExclusive", "minInclusive", "maxExclusive", "maxInclusive"]))
            g.add((node, SH[name], draw(st.sampled_from(BOUNDS))))
        elif kind == "length":
            g.add((node, SH[draw(st.sampled_from(["minLength", "maxLength"]))], Literal(draw(st.integers(0, 4)))))
        elif kind == "languageIn":
            head = BNode()
            Collection(
                g, head, [Literal(t) for t in draw(st.lists(st.sampled_from(["en", "fr", "EN-GB"]), min_size=1))]
            )
            g.add((node, SH.languageIn, head))
        elif kind == "uniqueLang":
            g.add((node, SH.uniqueLang, Literal(True)))
        elif kind in ("equals", "disjoint", "lessThan"):
            name = "lessThanOrEquals" if kind == "lessThan" and draw(st.booleans()) else kind
            g.add((node, SH[name], draw(st.sampled_from(PREDICATES))))
        elif kind == "closed":
            g.add((node, SH.closed, Literal(True)))
            if draw(st.booleans()):
                head = BNode()
                Collection(g, head, [draw(st.sampled_from([*PREDICATES, RDF.type]))])
                g.add((node, SH.ignoredProperties, head))
        elif kind == "severity":
            g.add((node, SH.severity, draw(st.sampled_from(SEVERITIES))))
        elif kind == "node":
            g.add((node, SH.node, _shape(draw, g, depth + 1, property_shape=False)))
        elif kind == "property":
            g.add((node, SH.property, _shape(draw, g, depth + 1, property_shape=True)))
        elif kind == "not":
            g.add((node, SH["not"], _shape(draw, g, depth + 1)))
        elif kind == "qualified":
            g.add((node, SH.qualifiedValueShape, _shape(draw, g, depth + 1)))
            g.add((node, SH.qualifiedMinCount, Literal(draw(st.integers(0, 2)))))
            if draw(st.booleans()):
                g.add((node, SH.qualifiedMaxCount, Literal(draw(st.integers(0, 2)))))
        else:  # or, and, xone
            head = BNode()
            members = [_shape(draw, g, depth + 1) for _ in range(draw(st.integers(1, 3)))]
            Collection(g, head, members)
            g.add((node, SH[kind], head))
    return node


@st.composite
def shapes_graphs(draw) -> Graph:
    g = Graph()
    for _ in range(draw(st.integers(1, 2))):
        shape = _shape(draw, g, 0)
        target = draw(st.sampled_from(["targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf"]))
        value = {
            "targetClass": st.sampled_from(CLASSES),
            "targetNode": st.sampled_from([*NODES[:4], EX.missing, Literal("x")]),
            "targetSubjectsOf": st.sampled_from(PREDICATES),
            "targetObjectsOf": st.sampled_from(PREDICATES),
        }[target]
        g.add((shape, SH[target], draw(value)))
        if draw(st.integers(0, 9)) == 0:
            g.add((shape, SH.deactivated, Literal(True)))
    return g


def assert_same(data: Graph, shapes: Graph, onto) -> None:
    fast = check(data, shapes, "fast", lambda: onto)
    assert fast.engine == "fast", fast.fallback
    try:
        reference = check(data, shapes, "pyshacl", lambda: onto)
    except PanetError as err:
        stopped = str(err)
    else:
        stopped = ""
    if stopped:  # pyshacl 0.40 stops on sh:lessThan(OrEquals) with a blank node, where SHACL has results
        assert "to compare a BlankNode" in stopped
        return
    found = Counter(r.key for r in fast.results if not _pyshacl_skips(r.key))
    assert found == Counter(r.key for r in reference.results if not _pyshacl_skips(r.key))
    assert fast.conforms == reference.conforms or any(_pyshacl_skips(r.key) for r in fast.results)


def _pyshacl_skips(key: tuple) -> bool:
    """A result SHACL asks for and pyshacl 0.40 does not give: ``sh:minLength 0`` on a blank node
    (the spec: a blank node value fails sh:minLength whatever the length; see docs/shacl.md)."""
    return isinstance(key[2], BNode) and str(key[4]).endswith("#MinLengthConstraintComponent")


@FAST_SETTINGS
@given(data=data_graphs(), shapes=shapes_graphs())
def test_random_shapes_in_the_subset_match_pyshacl(onto, data, shapes):
    compile_shapes(shapes)  # within the subset: no fallback
    assert_same(data, shapes, onto)


TECHNIQUE_VALUES = [
    PANET.PaNET01188,  # technique
    PANET.PaNET01124,
    PANET.PaNET2020072,  # specifier with a technique's label
    PANET.PaNET99999,  # unknown
    URIRef("https://purl.org/pan-science/PaNET/PaNET01188"),  # wrong spelling
    Literal("SAXS"),
    Literal("http://purl.org/pan-science/PaNET/PaNET01188"),
    EX.other,
    BNode("technique"),
]
RECORD_VALUES = {
    SCHEMA.name: [Literal("title"), Literal("titre", lang="fr"), Literal(3), EX.title],
    SCHEMA.identifier: [Literal("doi:10.1/x")],
    SCHEMA.license: [URIRef("https://creativecommons.org/licenses/by/4.0/"), Literal("CC-BY")],
    SCHEMA.dateCreated: [
        Literal("2024-01-01", datatype=XSD.date),
        Literal("2024-01-01"),
        Literal("2024-13-45", datatype=XSD.date),
    ],
    DCTERMS.title: [Literal("title"), Literal(3)],
    DCTERMS.issued: [Literal("2024", datatype=XSD.gYear), Literal("yesterday")],
    DCTERMS.license: [URIRef("https://creativecommons.org/licenses/by/4.0/")],
}


@st.composite
def records(draw) -> Graph:
    g = Graph()
    for i in range(draw(st.integers(1, 4))):
        record = draw(st.sampled_from([EX[f"d{i}"], BNode(f"d{i}")]))
        for cls in draw(st.lists(st.sampled_from([SCHEMA.Dataset, DCAT.Dataset]), max_size=2, unique=True)):
            g.add((record, RDF.type, cls))
        for prop in (SCHEMA.measurementTechnique, DCAT.theme):
            for value in draw(st.lists(st.sampled_from(TECHNIQUE_VALUES), max_size=3)):
                g.add((record, prop, value))
        for prop, values in RECORD_VALUES.items():
            for value in draw(st.lists(st.sampled_from(values), max_size=2)):
                g.add((record, prop, value))
    return g


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=records())
def test_shipped_shapes_on_random_records_match_pyshacl(onto, data):
    assert_same(data, default_shapes(onto), onto)


def test_shipped_shapes_compile_without_fallback(onto):
    targeted = {str(s.node).rsplit("#")[-1] for s in compile_shapes(default_shapes(onto))}
    assert targeted == {
        "SchemaDataset",
        "DcatDataset",
        "Technique-measurementTechnique",
        "Technique-theme",
        "TechniqueIndividual-hasTechnique",
    }
    assert panet.validate(Graph()).engine == "fast"


def test_min_length_fails_on_a_blank_node_whatever_the_length(onto):
    data = Graph().parse(
        data="<http://example.org/a> a <http://example.org/C> ; <http://example.org/p> [] .", format="turtle"
    )
    shapes = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> .
        [] sh:minLength 0 ; sh:path <http://example.org/p> ; sh:targetClass <http://example.org/C> .""",
        format="turtle",
    )
    report = check(data, shapes, "fast", lambda: onto)
    assert [str(r.key[4]).rsplit("#", 1)[1] for r in report.results] == ["MinLengthConstraintComponent"]
