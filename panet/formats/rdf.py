"""RDF reader (RDF/XML, OWL, Turtle, N-Triples, N3, JSON-LD) built on rdflib.

rdflib is imported here only, so ``import panet`` stays fast; the result is cached by
`panet.cache`, so most loads never reach this module.
"""

from __future__ import annotations

from pathlib import Path

from panet.errors import InputFileError, OntologyLoadError, PanetError
from panet.formats import OntologyData, is_panet_iri
from panet.term import NAMESPACE
from panet.xmlsafe import dtd_problem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from rdflib import Graph
    from rdflib.term import Node

    from panet.axioms import Axiom
    from panet.reasoner import Classification

__all__ = ["parse_graph", "read", "write"]

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OBO = "http://purl.obolibrary.org/obo/"
OBO_IN_OWL = "http://www.geneontology.org/formats/oboInOwl#"
DCTERMS = "http://purl.org/dc/terms/"

LABEL = RDFS + "label"
SYNONYMS = (SKOS + "altLabel", OBO_IN_OWL + "hasExactSynonym")
DEFINITION = OBO + "IAO_0000115"
DEFINITION_SOURCE = OBO + "IAO_0000119"
REPLACED_BY = OBO + "IAO_0100001"
NOT_CLASSES = {OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty", OWL + "NamedIndividual"}


def read(path: Path, data: bytes, fmt: str) -> OntologyData:
    """Parse ``data`` (the bytes of ``path``) as RDF in rdflib format ``fmt``."""
    graph = _parse(path, data, fmt)
    return _extract(path, graph)


def _parse(path: Path, data: bytes, fmt: str) -> Graph:
    graph = parse_graph(path, data, fmt, own_file=True)
    if len(graph) == 0:
        raise OntologyLoadError(path, f"no RDF triples found (read as {fmt}); is this an ontology file?")
    return graph


def parse_graph(
    path: Path,
    data: bytes | str,
    fmt: str,
    error: type[InputFileError] = OntologyLoadError,
    *,
    own_file: bool = False,
) -> Graph:
    """``data`` (the content of ``path``) parsed by rdflib as ``fmt``; ``error`` (a subclass
    of `InputFileError`) names the file and line of anything unreadable. RDF/XML with a DTD is
    refused before parsing: panet reads no DTD and expands no entity (`panet.xmlsafe`); an
    ``own_file`` (an operator's ontology) may declare internal entities, never external ones.
    """
    raw = data.encode() if isinstance(data, str) else data
    problem = dtd_problem(raw, internal_entities=own_file) if fmt in ("xml", "trix") else None
    if problem:
        raise error(path, problem)
    import logging

    import rdflib

    logging.getLogger("rdflib").setLevel(logging.ERROR)  # rdflib logs parse errors before raising them
    graph = rdflib.Graph()
    try:
        graph.parse(data=data, format=fmt, publicID=path.resolve().as_uri())
    except Exception as err:  # rdflib raises many unrelated types; all mean "not readable RDF"
        raise _load_error(path, fmt, err, error) from None
    return graph


def _load_error(path: Path, fmt: str, err: Exception, error: type[InputFileError]) -> InputFileError:
    from xml.sax import SAXParseException

    line: int | None = None
    column: int | None = None
    if isinstance(err, SAXParseException):
        line, column = err.getLineNumber(), err.getColumnNumber()
        problem = err.getMessage()
    else:
        line = getattr(err, "lines", None)
        why = getattr(err, "_why", None)  # turtle/n3 BadSyntax: the reason without the source excerpt
        problem = why or (str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__)
        if line is not None:
            line += 1
    if isinstance(line, int) and line < 1:
        line = None
    problem = f"not readable as {fmt} RDF: {problem}; is the file truncated or not RDF?"
    return error(path, problem, line=line, column=column)


def _extract(path: Path, graph: Graph) -> OntologyData:
    from rdflib import URIRef

    out = OntologyData(path)

    types: dict[str, set[str]] = {}
    for s, o in graph.subject_objects(URIRef(RDF + "type")):
        if isinstance(s, URIRef):
            types.setdefault(str(s), set()).add(str(o))
    for iri, kinds in types.items():
        if OWL + "Ontology" in kinds:
            out.ontology_iri = iri
        if is_panet_iri(iri) and OWL + "ObjectProperty" in kinds:
            out.properties[iri] = ""

    def is_class(node: Node) -> bool:
        return isinstance(node, URIRef) and is_panet_iri(str(node)) and not (types.get(str(node), set()) & NOT_CLASSES)

    for s in set(graph.subjects(URIRef(RDF + "type"), URIRef(OWL + "Class"))) | set(
        graph.subjects(URIRef(RDFS + "subClassOf"))
    ):
        if is_class(s):
            out.term(str(s))

    for s, p, o in graph:
        if isinstance(s, URIRef):
            _read_triple(out, str(s), str(p), o, is_class)

    for record in out.terms.values():
        record.synonyms = sorted({s for s in record.synonyms if s != record.label}, key=str.casefold)

    out.axioms, problems = _axioms(graph, types)
    out.warnings.extend(problems)

    if out.ontology_iri:
        onto = URIRef(out.ontology_iri)
        for pred, key in ((OWL + "versionInfo", "version_info"), (DCTERMS + "title", "title")):
            found = graph.value(onto, URIRef(pred))
            if found is not None:
                out.metadata[key] = str(found).strip()
        license_ = graph.value(onto, URIRef(DCTERMS + "license"))
        if license_ is not None:
            out.metadata["license"] = str(license_)
        out.version_info = out.metadata.get("version_info")
    if not out.terms:
        raise OntologyLoadError(
            path, "no PaNET classes found (IRIs http://purl.org/pan-science/PaNET/PaNET<digits>); is this PaNET?"
        )
    return out


def _text(value: Node) -> str | None:
    """A literal's text, stripped; None for anything else."""
    from rdflib import Literal

    return str(value).strip() if isinstance(value, Literal) else None


def _read_triple(out: OntologyData, iri: str, pred: str, o: Node, is_class: Callable[[Node], bool]) -> None:
    """Record what one triple about ``iri`` (a property or a PaNET class) says in ``out``."""
    from rdflib import URIRef

    if iri in out.properties:
        if pred == LABEL:
            out.properties[iri] = _text(o) or ""
        return
    record = out.terms.get(iri)
    if record is None:
        return
    label = _text(o)
    if pred == LABEL and label:
        if record.label is None or label < record.label:  # several labels: keep one, deterministically
            if record.label is not None:
                record.synonyms.append(record.label)
            record.label = label
        else:
            record.synonyms.append(label)
    elif pred in SYNONYMS and label:
        record.synonyms.append(label)
    elif pred == DEFINITION and label:
        record.definition = min(filter(None, (record.definition, label)))
    elif pred == DEFINITION_SOURCE:
        value = label or (str(o) if isinstance(o, URIRef) else None)
        if value:
            record.definition_source = min(filter(None, (record.definition_source, value)))
    elif pred == OWL + "deprecated":
        record.deprecated = str(o).strip().lower() in {"true", "1"}
    elif pred == REPLACED_BY:
        record.replaced_by = str(o).strip()
    elif pred == RDFS + "subClassOf" and is_class(o):
        out.subclass_of.add((iri, str(o)))
    elif pred == OWL + "equivalentClass" and is_class(o):
        out.equivalent_to.add((iri, str(o)))


_CLASS_AXIOMS = {
    RDFS + "subClassOf": "SubClassOf",
    OWL + "equivalentClass": "EquivalentClasses",
    OWL + "disjointWith": "DisjointClasses",
}
_CHARACTERISTICS = {
    OWL + "FunctionalProperty": "functional",
    OWL + "InverseFunctionalProperty": "inverse functional",
    OWL + "ReflexiveProperty": "reflexive",
    OWL + "IrreflexiveProperty": "irreflexive",
    OWL + "SymmetricProperty": "symmetric",
    OWL + "AsymmetricProperty": "asymmetric",
    OWL + "TransitiveProperty": "transitive",
}


def _axioms(graph: Graph, types: dict[str, set[str]]) -> tuple[list[Axiom], list[str]]:
    """The told OWL EL axioms of ``graph`` (see `panet.axioms`), and a warning per axiom outside EL."""
    from rdflib import URIRef
    from rdflib.collection import Collection

    from panet import axioms as ax

    def expression(node: Node) -> ax.ClassExpression | None:
        """``node`` as an EL class expression; None when it uses anything else (union, only, …)."""
        if isinstance(node, URIRef):
            return str(node)
        members = graph.value(node, URIRef(OWL + "intersectionOf"))
        if members is not None:
            parts = [expression(member) for member in Collection(graph, members)]
            named = [part for part in parts if part is not None]
            return ax.And(tuple(named)) if len(named) == len(parts) else None
        prop = graph.value(node, URIRef(OWL + "onProperty"))
        filler = graph.value(node, URIRef(OWL + "someValuesFrom"))
        if isinstance(prop, URIRef) and filler is not None:
            inner = expression(filler)
            return None if inner is None else ax.Some(str(prop), inner)
        return None

    found: list[Axiom] = []
    skipped: list[str] = []
    for predicate, kind in _CLASS_AXIOMS.items():
        for s, o in graph.subject_objects(URIRef(predicate)):
            sub, sup = expression(s), expression(o)
            if sub is None or sup is None:
                subject = str(s) if isinstance(s, URIRef) else "an anonymous class"
                skipped.append(
                    f"{subject}: an {predicate.rpartition('#')[2]} axiom is outside OWL EL; the classifier ignores it"
                )
            elif kind == "SubClassOf":
                found.append(ax.SubClassOf(sub, sup))
            elif sub != sup:
                found.append(getattr(ax, kind)((sub, sup)))

    def is_object_property(node: Node) -> bool:
        return isinstance(node, URIRef) and OWL + "ObjectProperty" in types.get(str(node), ())

    for s, o in graph.subject_objects(URIRef(RDFS + "subPropertyOf")):
        if is_object_property(s) and isinstance(o, URIRef):
            found.append(ax.SubPropertyOf(str(s), str(o)))
    for predicate, make in ((RDFS + "domain", ax.Domain), (RDFS + "range", ax.Range)):
        for s, o in graph.subject_objects(URIRef(predicate)):
            value = expression(o)
            if is_object_property(s) and value is not None:
                found.append(make(str(s), value))
    for iri, kinds in types.items():
        found.extend(ax.Characteristic(iri, _CHARACTERISTICS[k]) for k in sorted(kinds) if k in _CHARACTERISTICS)
    return found, skipped


def write(
    data: OntologyData, inferred: Classification | None, path: Path, fmt: str = "turtle", direct: bool = False
) -> int:
    """Write ``data`` (annotations and told axioms) to ``path`` in rdflib format ``fmt``.

    Like ROBOT ``reason``, with ``inferred`` also every inferred superclass of each named
    class (only the direct ones with ``direct``, as in PaNET.owl; all of them by default, as in
    PaNET_reasoned.owl) and the inferred equivalences between named classes. Returns the
    number of inferred subclass edges written.
    """
    from rdflib import Graph

    graph = Graph()
    graph.bind("panet", NAMESPACE)
    graph.bind("obo", OBO)
    graph.bind("skos", SKOS)
    _write_header(graph, data)
    _write_annotations(graph, data)
    _write_axioms(graph, data.axioms)
    edges = _write_inferred(graph, inferred.subsumers if inferred is not None else {}, direct)
    try:
        graph.serialize(destination=str(path), format=fmt)
    except OSError as err:
        raise PanetError(f"{path}: cannot be written ({err.strerror})") from None
    return edges


def _write_header(graph: Graph, data: OntologyData) -> None:
    """The owl:Ontology node: its IRI, title, licence and versionInfo."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import OWL as O
    from rdflib.namespace import RDF as R

    onto = URIRef(data.ontology_iri or NAMESPACE + "PaNET.owl")
    graph.add((onto, R.type, O.Ontology))
    for key, value in sorted(data.metadata.items()):
        predicate = {"title": URIRef(DCTERMS + "title"), "license": URIRef(DCTERMS + "license")}.get(key)
        if predicate is not None:
            graph.add((onto, predicate, URIRef(value) if key == "license" else Literal(value)))
    if data.version_info:
        graph.add((onto, O.versionInfo, Literal(data.version_info)))


def _write_annotations(graph: Graph, data: OntologyData) -> None:
    """Object properties with their labels; classes with label, definition, synonyms, deprecation."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import OWL as O
    from rdflib.namespace import RDF as R
    from rdflib.namespace import RDFS as S
    from rdflib.namespace import SKOS as K
    from rdflib.namespace import XSD

    for iri, label in sorted(data.properties.items()):
        graph.add((URIRef(iri), R.type, O.ObjectProperty))
        if label:
            graph.add((URIRef(iri), S.label, Literal(label)))
    for iri, record in sorted(data.terms.items()):
        subject = URIRef(iri)
        graph.add((subject, R.type, O.Class))
        for predicate, value in ((S.label, record.label), (URIRef(DEFINITION), record.definition)):
            if value:
                graph.add((subject, predicate, Literal(value)))
        if record.definition_source:
            graph.add((subject, URIRef(DEFINITION_SOURCE), Literal(record.definition_source)))
        for synonym in record.synonyms:
            graph.add((subject, K.altLabel, Literal(synonym)))
        if record.deprecated:
            graph.add((subject, O.deprecated, Literal(True, datatype=XSD.boolean)))
        if record.replaced_by:
            graph.add((subject, URIRef(REPLACED_BY), URIRef(record.replaced_by)))


def _write_axioms(graph: Graph, axioms: list[Axiom]) -> None:
    """The told axioms as OWL triples (restrictions and intersections as blank nodes)."""
    from rdflib import BNode, URIRef
    from rdflib.collection import Collection
    from rdflib.namespace import OWL as O
    from rdflib.namespace import RDF as R
    from rdflib.namespace import RDFS as S

    from panet import axioms as ax

    def node(expression: ax.ClassExpression) -> Node:
        if isinstance(expression, str):
            graph.add((URIRef(expression), R.type, O.Class))
            return URIRef(expression)
        blank = BNode()
        if isinstance(expression, ax.Some):
            graph.add((blank, R.type, O.Restriction))
            graph.add((blank, O.onProperty, URIRef(expression.property)))
            graph.add((blank, O.someValuesFrom, node(expression.filler)))
        else:
            members = BNode()
            Collection(graph, members, [node(operand) for operand in expression.operands])
            graph.add((blank, R.type, O.Class))
            graph.add((blank, O.intersectionOf, members))
        return blank

    characteristic = {name: URIRef(iri) for iri, name in _CHARACTERISTICS.items()}
    for axiom in axioms:
        if isinstance(axiom, ax.SubClassOf):
            graph.add((node(axiom.sub), S.subClassOf, node(axiom.sup)))
        elif isinstance(axiom, (ax.EquivalentClasses, ax.DisjointClasses)):
            predicate = O.equivalentClass if isinstance(axiom, ax.EquivalentClasses) else O.disjointWith
            first, *others = axiom.operands
            for other in others:
                graph.add((node(first), predicate, node(other)))
        elif isinstance(axiom, ax.SubPropertyOf):
            graph.add((URIRef(axiom.sub), S.subPropertyOf, URIRef(axiom.sup)))
        elif isinstance(axiom, (ax.Domain, ax.Range)):
            predicate, value = (S.domain, axiom.domain) if isinstance(axiom, ax.Domain) else (S.range, axiom.range)
            graph.add((URIRef(axiom.property), predicate, node(value)))
        elif isinstance(axiom, ax.Characteristic):
            graph.add((URIRef(axiom.property), R.type, characteristic[axiom.name]))


def _write_inferred(graph: Graph, subsumers: dict[str, frozenset[str]], direct: bool) -> int:
    """Inferred superclasses (all, or the direct ones) and equivalences; the number of subclass edges."""
    from rdflib import URIRef
    from rdflib.namespace import OWL as O
    from rdflib.namespace import RDFS as S

    edges = 0
    for iri, above in sorted(subsumers.items()):
        strict = {s for s in above if iri not in subsumers[s]}
        if direct:
            strict -= {t for s in strict for t in subsumers[s] if s not in subsumers[t]}
        for sup in sorted(strict):
            graph.add((URIRef(iri), S.subClassOf, URIRef(sup)))
            edges += 1
        for same in sorted(above - strict - {iri}):
            if iri < same:
                graph.add((URIRef(iri), O.equivalentClass, URIRef(same)))
    return edges
