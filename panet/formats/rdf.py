"""RDF reader (RDF/XML, OWL, Turtle, N-Triples, N3, JSON-LD) built on rdflib.

rdflib is imported here only, so ``import panet`` stays fast; the result is cached by
`panet.cache`, so most loads never reach this module.
"""

from __future__ import annotations

import re
from pathlib import Path

from panet.errors import InputError, OntologyLoadError
from panet.formats import OntologyData, is_panet_iri

__all__ = ["parse_graph", "read"]

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

# An entity declaration with SYSTEM or PUBLIC loads a file or URL: refused before parsing.
_EXTERNAL_ENTITY = re.compile(rb"<!ENTITY\s+%?\s*[^\s>]+\s+(?:SYSTEM|PUBLIC)\b", re.IGNORECASE)


def read(path: Path, data: bytes, fmt: str) -> OntologyData:
    """Parse ``data`` (the bytes of ``path``) as RDF in rdflib format ``fmt``."""
    graph = _parse(path, data, fmt)
    return _extract(path, graph)


def _parse(path: Path, data: bytes, fmt: str):  # -> rdflib.Graph
    graph = parse_graph(path, data, fmt)
    if len(graph) == 0:
        raise OntologyLoadError(path, f"no RDF triples found (read as {fmt}); is this an ontology file?")
    return graph


def parse_graph(path: Path, data: bytes | str, fmt: str, error: type[InputError] = OntologyLoadError):
    """``data`` (the content of ``path``) parsed by rdflib as ``fmt``; ``error`` (a subclass
    of `InputError`) names the file and line of anything unreadable. XML that declares an
    external entity is refused before parsing: panet never resolves external entities.
    """
    raw = data.encode() if isinstance(data, str) else data
    if b"<!DOCTYPE" in raw[:65536] and _EXTERNAL_ENTITY.search(raw):
        raise error(
            path, "the XML declares an external entity (SYSTEM/PUBLIC); refused, panet never resolves external entities"
        )
    import logging

    import rdflib

    logging.getLogger("rdflib").setLevel(logging.ERROR)  # rdflib logs parse errors before raising them
    graph = rdflib.Graph()
    try:
        graph.parse(data=data, format=fmt, publicID=path.resolve().as_uri())
    except Exception as err:  # rdflib raises many unrelated types; all mean "not readable RDF"
        raise _load_error(path, fmt, err, error) from None
    return graph


def _load_error(path: Path, fmt: str, err: Exception, error: type[InputError]) -> InputError:
    line = column = None
    get_line = getattr(err, "getLineNumber", None)
    if get_line is not None:  # xml.sax.SAXParseException
        line, column = get_line(), err.getColumnNumber()
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


def _extract(path: Path, graph) -> OntologyData:
    from rdflib import BNode, Literal, URIRef

    out = OntologyData(path)

    def text(value) -> str | None:
        return str(value).strip() if isinstance(value, Literal) else None

    types: dict[str, set[str]] = {}
    for s, o in graph.subject_objects(URIRef(RDF + "type")):
        if isinstance(s, URIRef):
            types.setdefault(str(s), set()).add(str(o))
    for iri, kinds in types.items():
        if OWL + "Ontology" in kinds:
            out.ontology_iri = iri
        if is_panet_iri(iri) and OWL + "ObjectProperty" in kinds:
            out.properties[iri] = ""

    def is_class(node) -> bool:
        return isinstance(node, URIRef) and is_panet_iri(str(node)) and not (types.get(str(node), set()) & NOT_CLASSES)

    for s in set(graph.subjects(URIRef(RDF + "type"), URIRef(OWL + "Class"))) | set(
        graph.subjects(URIRef(RDFS + "subClassOf"))
    ):
        if is_class(s):
            out.term(str(s))

    for s, p, o in graph:
        if not isinstance(s, URIRef):
            continue
        iri, pred = str(s), str(p)
        if iri in out.properties:
            if pred == LABEL:
                out.properties[iri] = text(o) or ""
            continue
        if iri not in out.terms:
            continue
        record = out.terms[iri]
        if pred == LABEL and text(o):
            label = text(o)
            if record.label is None or label < record.label:  # several labels: keep one, deterministically
                if record.label is not None:
                    record.synonyms.append(record.label)
                record.label = label
            else:
                record.synonyms.append(label)
        elif pred in SYNONYMS and text(o):
            record.synonyms.append(text(o))
        elif pred == DEFINITION and text(o):
            record.definition = min(filter(None, (record.definition, text(o))))
        elif pred == DEFINITION_SOURCE:
            value = text(o) or (str(o) if isinstance(o, URIRef) else None)
            if value:
                record.definition_source = min(filter(None, (record.definition_source, value)))
        elif pred == OWL + "deprecated":
            record.deprecated = str(o).strip().lower() in {"true", "1"}
        elif pred == REPLACED_BY:
            record.replaced_by = str(o).strip()
        elif pred == RDFS + "subClassOf":
            if is_class(o):
                out.subclass_of.add((iri, str(o)))
            elif isinstance(o, BNode):
                out.subclass_of.update((iri, parent) for parent in _conjuncts(graph, o, is_class))
        elif pred == OWL + "equivalentClass":
            if is_class(o):
                out.equivalent_to.add((iri, str(o)))
            elif isinstance(o, BNode):  # C ≡ A ⊓ B ⊓ … tells C ⊑ A, C ⊑ B
                out.subclass_of.update((iri, parent) for parent in _conjuncts(graph, o, is_class))

    for record in out.terms.values():
        record.synonyms = sorted({s for s in record.synonyms if s != record.label}, key=str.casefold)

    if out.ontology_iri:
        onto = URIRef(out.ontology_iri)
        for pred, key in ((OWL + "versionInfo", "version_info"), (DCTERMS + "title", "title")):
            value = graph.value(onto, URIRef(pred))
            if value is not None:
                out.metadata[key] = str(value).strip()
        license_ = graph.value(onto, URIRef(DCTERMS + "license"))
        if license_ is not None:
            out.metadata["license"] = str(license_)
        out.version_info = out.metadata.get("version_info")
    if not out.terms:
        raise OntologyLoadError(
            path, "no PaNET classes found (IRIs http://purl.org/pan-science/PaNET/PaNET<digits>); is this PaNET?"
        )
    return out


def _conjuncts(graph, node, is_class) -> list[str]:
    """Named classes of an ``owl:intersectionOf`` (nested intersections flattened)."""
    from rdflib import URIRef
    from rdflib.collection import Collection

    found: list[str] = []
    members = graph.value(node, URIRef(OWL + "intersectionOf"))
    if members is None:
        return found
    for member in Collection(graph, members):
        if is_class(member):
            found.append(str(member))
        else:
            found.extend(_conjuncts(graph, member, is_class))
    return found
