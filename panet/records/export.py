"""``--to jsonld|ttl``: each record as a schema.org ``Dataset`` that is also a ``dcat:Dataset``,
its techniques as ``schema:measurementTechnique`` ``DefinedTerm``s of the PaNET ``DefinedTermSet``
and as ``dcat:theme`` (what panet's SHACL dataset profile asks of both).

Written record by record (memory stays flat) as one JSON-LD document with an inline context
(no remote context is fetched) or as Turtle; both load in rdflib. Each record repeats the
description of its terms, so an interrupted run resumes with nothing to remember.

>>> import panet
>>> from panet.records.base import Description
>>> about = Description("https://doi.org/10.1/x", "10.1/x", "SAXS")
>>> print(exporter("ttl").record(about, [panet.load().term("SAXS")], 1).decode().splitlines()[0])
<https://doi.org/10.1/x> a schema:Dataset, dcat:Dataset ;
"""

from __future__ import annotations

import json

from panet.records.jsonl import dump_json
from panet.term import NAMESPACE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from panet.records.base import Description
    from panet.term import Term

__all__ = ["CONTEXT", "TERM_SET", "exporter"]

SCHEMA = "http://schema.org/"  # as schema.org's own JSON-LD context and panet's SHACL shapes
DCAT = "http://www.w3.org/ns/dcat#"
DCTERMS = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
TERM_SET = NAMESPACE + "PaNET.owl"
CONTEXT = {
    "schema": SCHEMA,
    "dcat": DCAT,
    "dcterms": DCTERMS,
    "xsd": XSD,
    "panet": NAMESPACE,
    "Dataset": "schema:Dataset",
    "DefinedTerm": "schema:DefinedTerm",
    "DefinedTermSet": "schema:DefinedTermSet",
    "name": "schema:name",
    "identifier": "schema:identifier",
    "description": "schema:description",
    "dateCreated": {"@id": "schema:dateCreated", "@type": "xsd:dateTime"},
    "measurementTechnique": "schema:measurementTechnique",
    "termCode": "schema:termCode",
    "inDefinedTermSet": {"@id": "schema:inDefinedTermSet", "@type": "@id"},
    "title": "dcterms:title",
    "theme": {"@id": "dcat:theme", "@type": "@id"},
}


def exporter(to: str) -> JsonLdExporter | TurtleExporter:
    """The writer for ``to`` ("jsonld" or "ttl")."""
    from panet.errors import RecordsError

    if to == "jsonld":
        return JsonLdExporter()
    if to == "ttl":
        return TurtleExporter()
    raise RecordsError("", f"unknown export {to!r}; choose same, jsonld or ttl")


class JsonLdExporter:
    """One JSON-LD document: ``{"@context": …, "@graph": [record, …]}``."""

    def header(self) -> bytes:
        return b'{"@context": ' + json.dumps(CONTEXT).encode() + b',\n"@graph": [\n'

    def separator(self) -> bytes:
        return b",\n"

    def footer(self, written: int) -> bytes:
        return b"\n]}\n"

    def record(self, about: Description, techniques: list[Term], number: int) -> bytes:
        node: dict = {"@type": ["Dataset", "dcat:Dataset"]}
        if about.iri:
            node["@id"] = about.iri
        for key, value in (
            ("identifier", about.identifier),
            ("name", about.name),
            ("title", about.name),
            ("description", about.description),
            ("dateCreated", about.created),
        ):
            if value:
                node[key] = value
        node["measurementTechnique"] = [
            {
                "@id": t.iri,
                "@type": "DefinedTerm",
                "name": t.label,
                "termCode": t.id,
                "inDefinedTermSet": TERM_SET,
            }
            for t in techniques
        ]
        node["theme"] = [t.iri for t in techniques]
        return dump_json(node)


class TurtleExporter:
    """Turtle: the prefixes and the PaNET term set once, then one block per record."""

    def header(self) -> bytes:
        lines = [f"@prefix {p}: <{iri}> ." for p, iri in (("schema", SCHEMA), ("dcat", DCAT), ("dcterms", DCTERMS))]
        lines += [
            f"@prefix xsd: <{XSD}> .",
            f"@prefix panet: <{NAMESPACE}> .",
            "",
            f'<{TERM_SET}> a schema:DefinedTermSet ; schema:name "PaNET" .',
            "",
        ]
        return "\n".join(lines).encode()

    def separator(self) -> bytes:
        return b"\n"

    def footer(self, written: int) -> bytes:
        return b"\n"

    def record(self, about: Description, techniques: list[Term], number: int) -> bytes:
        subject = f"<{_iri(about.iri)}>" if about.iri else f"_:record{number}"
        facts = ["a schema:Dataset, dcat:Dataset"]
        for predicate, value in (
            ("schema:identifier", about.identifier),
            ("schema:name", about.name),
            ("dcterms:title", about.name),
            ("schema:description", about.description),
        ):
            if value:
                facts.append(f"{predicate} {_literal(value)}")
        if about.created:
            facts.append(f"schema:dateCreated {_literal(about.created)}^^xsd:dateTime")
        if techniques:
            terms = ", ".join(f"panet:{t.id}" for t in techniques)
            facts += [f"schema:measurementTechnique {terms}", f"dcat:theme {terms}"]
        lines = [subject + " " + " ;\n    ".join(facts) + " ."]
        lines += [
            f"panet:{t.id} a schema:DefinedTerm ; schema:name {_literal(t.label)} ; "
            f'schema:termCode "{t.id}" ; schema:inDefinedTermSet <{TERM_SET}> .'
            for t in techniques
        ]
        return ("\n".join(lines) + "\n").encode("utf-8", errors="surrogateescape")


_ESCAPES = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"}


def _literal(text: str) -> str:
    """A Turtle string literal; control characters escaped as ``\\uXXXX``."""
    escaped = text.translate(_ESCAPES)
    escaped = "".join(c if c >= " " or c in "\n\r\t" else f"\\u{ord(c):04X}" for c in escaped)
    return f'"{escaped}"'


def _iri(iri: str) -> str:
    """An IRI for ``<…>``: characters Turtle forbids there are percent-encoded."""
    return "".join(f"%{ord(c):02X}" if c in '<>"{}|^`\\' or ord(c) <= 0x20 else c for c in iri)
