"""A term as a JSON document with its neighbours, and the same document as JSON-LD.

The JSON-LD form is the JSON form plus an ``@context`` that maps its keys to the RDF
properties PaNET itself uses (rdfs:label, skos:altLabel, IAO definition, rdfs:subClassOf…),
so one document serves plain-JSON clients and RDF tools alike.

>>> import panet
>>> from panet.jsonld import term_document, to_jsonld
>>> doc = term_document(panet.load(), "SAXS")
>>> [p["label"] for p in doc["parents"]]
['small angle scattering', 'x-ray scattering']
>>> to_jsonld(doc)["@type"]
'owl:Class'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from panet.term import NAMESPACE, PREFIX, by_label

if TYPE_CHECKING:
    from panet.ontology import Key, Ontology
    from panet.term import Term

__all__ = ["CONTEXT", "term_document", "term_ref", "to_jsonld"]

CONTEXT: dict[str, Any] = {
    PREFIX: NAMESPACE,
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "obo": "http://purl.obolibrary.org/obo/",
    "dcterms": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "iri": "@id",
    "id": "dcterms:identifier",
    "label": "rdfs:label",
    "synonyms": "skos:altLabel",
    "definition": "obo:IAO_0000115",
    "definition_source": "obo:IAO_0000119",
    "deprecated": {"@id": "owl:deprecated", "@type": "xsd:boolean"},
    "replaced_by": {"@id": "obo:IAO_0100001", "@type": "@id"},
    "parents": {"@id": "rdfs:subClassOf", "@container": "@set"},
    "children": {"@reverse": "rdfs:subClassOf", "@container": "@set"},
    "equivalents": {"@id": "owl:equivalentClass", "@container": "@set"},
}


def term_ref(term: Term) -> dict[str, str]:
    """The short form of a term inside another's document: IRI, ID, label, kind."""
    return {"iri": term.iri, "id": term.id, "label": term.label, "kind": term.kind}


def term_document(onto: Ontology, key: Key, kind: str | None = None) -> dict[str, Any]:
    """The JSON form of one term everywhere (``panet term --json``, ``GET /terms/{key}``):
    `Term.to_dict` plus direct ``parents``, ``children`` and ``equivalents`` as `term_ref` short
    forms, each sorted by `panet.term.by_label`. ``match`` is there when the key was a former label."""
    term = onto.term(key, kind)  # type: ignore[arg-type]
    return {
        **term.to_dict(),
        "parents": [term_ref(t) for t in by_label(onto.parents(term))],
        "children": [term_ref(t) for t in by_label(onto.children(term))],
        "equivalents": [term_ref(t) for t in by_label(onto.equivalents(term))],
    }


def to_jsonld(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` (a `term_document`) as JSON-LD: the same keys under `CONTEXT`."""
    return {"@context": CONTEXT, "@type": "owl:Class", **document}
