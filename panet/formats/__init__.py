"""Readers: one module per file format, each turning a file into `OntologyData`.

`parse` picks the reader from the file name, or from the content when the name says nothing.
The index (`panet.Ontology`) is built from `OntologyData` alone, so a new format only has to
fill it in.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from panet.term import NAMESPACE

if TYPE_CHECKING:
    from panet.axioms import Axiom

__all__ = ["OntologyData", "TermRecord", "detect_format", "is_panet_iri", "parse"]

_PANET_IRI = re.compile(re.escape(NAMESPACE) + r"PaNET\d+")

# suffix -> format name; rdflib names for RDF serialisations
_SUFFIXES = {
    ".owl": "xml",
    ".rdf": "xml",
    ".xml": "xml",
    ".ttl": "turtle",
    ".n3": "n3",
    ".nt": "nt",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
}


def is_panet_iri(iri: str) -> bool:
    """True for ``http://purl.org/pan-science/PaNET/PaNET<digits>`` and nothing else.

    >>> is_panet_iri("http://purl.org/pan-science/PaNET/PaNET01188")
    True
    >>> is_panet_iri("https://www.wikidata.org/wiki/Q133900")
    False
    """
    return _PANET_IRI.fullmatch(iri) is not None


class TermRecord:
    """One class as a reader found it; kinds and hierarchy are decided by the index."""

    __slots__ = ("definition", "definition_source", "deprecated", "iri", "label", "replaced_by", "synonyms")

    def __init__(
        self,
        iri: str,
        label: str | None = None,
        synonyms: list[str] | None = None,
        definition: str | None = None,
        definition_source: str | None = None,
        deprecated: bool = False,
        replaced_by: str | None = None,
    ) -> None:
        self.iri = iri
        self.label = label
        self.synonyms = synonyms if synonyms is not None else []
        self.definition = definition
        self.definition_source = definition_source
        self.deprecated = deprecated
        self.replaced_by = replaced_by


class OntologyData:
    """Format-independent content of one ontology file.

    ``subclass_of`` and ``equivalent_to`` hold told (IRI, IRI) pairs between PaNET classes
    only; ``axioms`` holds every told logical axiom (`panet.axioms`, any namespace), which the
    index classifies with `panet.reasoner`. ``warnings`` lists what the reader tolerated.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.terms: dict[str, TermRecord] = {}
        self.subclass_of: set[tuple[str, str]] = set()
        self.equivalent_to: set[tuple[str, str]] = set()
        self.properties: dict[str, str] = {}
        self.ontology_iri: str | None = None
        self.version_info: str | None = None
        self.metadata: dict[str, Any] = {}
        self.axioms: list[Axiom] = []
        self.warnings: list[str] = []

    def term(self, iri: str) -> TermRecord:
        """The record for ``iri``, created on first use."""
        record = self.terms.get(iri)
        if record is None:
            record = self.terms[iri] = TermRecord(iri)
        return record


def detect_format(path: Path, head: bytes) -> str:
    """The reader for ``path``: from its suffix, else sniffed from its first bytes."""
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is not None:
        return fmt
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        return "xml"
    if text.startswith((b"{", b"[")):
        return "json-ld"
    if text[:200].lower().startswith((b"@prefix", b"prefix", b"@base", b"base")):
        return "turtle"
    if text.startswith(b"<http") or text.startswith(b"_:"):
        return "nt"
    if b"," in text.split(b"\n", 1)[0]:
        return "csv"
    return "turtle"


def parse(path: Path, content: bytes, fmt: str | None = None) -> OntologyData:
    """Parse ``content`` (the bytes of ``path``); `OntologyLoadError` on anything unreadable."""
    fmt = fmt or detect_format(path, content[:512])
    if fmt in ("csv", "tsv"):
        from panet.formats import robot_csv

        return robot_csv.read(path, content, "\t" if fmt == "tsv" else ",")
    from panet.formats import rdf

    return rdf.read(path, content, fmt)
