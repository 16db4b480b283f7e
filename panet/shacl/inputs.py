"""Reading data and shapes: RDF files, JSON-LD without network, and plain JSON records.

JSON-LD contexts are never fetched: the schema.org context is replaced by a shipped stand-in,
any other remote context must be given as a file. Plain JSON records (a PaN search API or
SciCat response) are read as RDF through a shipped context: ``context="pan-search"`` or
``"scicat"``; each top-level record without ``@type`` becomes a ``schema:Dataset``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from panet.errors import InputFileError

if TYPE_CHECKING:
    from rdflib import Graph

__all__ = [
    "CONTEXTS",
    "http_schema_org",
    "parse_rdf",
    "read_graphs",
    "read_rdf",
    "schema_org_terms",
    "shipped_shapes_file",
]

#: Shipped JSON-LD contexts, by the name ``context=`` (CLI ``--context``) accepts.
CONTEXTS = {"pan-search": "pan-search.jsonld", "scicat": "scicat.jsonld", "schema.org": "schema-org.jsonld"}
_SCHEMA_ORG = {"http://schema.org", "https://schema.org", "http://schema.org/", "https://schema.org/"}
_RECORD_TYPE = "http://schema.org/Dataset"


def shipped_shapes_file(name: str) -> str:
    """Path of a file in the shipped ``shapes/`` folder."""
    import panet._shapes

    return os.path.join(os.path.dirname(panet._shapes.__file__), name)


def read_graphs(sources: Any, context: str | os.PathLike[str] | None = None) -> Graph:
    """One rdflib graph from a graph, a file path, or a list of them (merged)."""
    from rdflib import Graph

    if isinstance(sources, Graph):
        return sources
    if isinstance(sources, (str, os.PathLike)):
        return read_rdf(sources, context=context)
    merged = Graph()
    for source in sources:
        merged += read_graphs(source, context)
    return merged


def schema_org_terms(shapes: Graph) -> frozenset[str]:
    """The ``http://schema.org/`` IRIs a shapes graph names (classes and properties it checks)."""
    return frozenset(str(n) for triple in shapes for n in triple if str(n).startswith("http://schema.org/"))


def http_schema_org(graph: Graph, terms: frozenset[str]) -> Graph:
    """``graph`` with ``https://schema.org/…`` IRIs written ``http://schema.org/…`` when it uses
    the https spelling of one of ``terms`` (a new graph then; the same one otherwise). Looking
    for ``terms`` costs an index lookup each, not a pass over the data.

    >>> from rdflib import Graph
    >>> g = Graph().parse(data="<http://e/d> a <https://schema.org/Dataset> .", format="turtle")
    >>> [str(o) for o in http_schema_org(g, frozenset({"http://schema.org/Dataset"})).objects()]
    ['http://schema.org/Dataset']
    """
    from rdflib import RDF, Graph, URIRef

    def http(node: Any) -> Any:
        if isinstance(node, URIRef) and node.startswith("https://schema.org/"):
            return URIRef("http" + node[5:])
        return node

    twins = [URIRef("https" + term[4:]) for term in terms]
    if not any((None, twin, None) in graph or (None, RDF.type, twin) in graph for twin in twins):
        return graph
    rewritten = Graph()
    for prefix, namespace in graph.namespaces():
        rewritten.bind(prefix, http(namespace), override=True, replace=True)
    for s, p, o in graph:
        rewritten.add((http(s), http(p), http(o)))
    return rewritten


def read_rdf(
    source: str | os.PathLike[str], format: str | None = None, context: str | os.PathLike[str] | None = None
) -> Graph:
    """Parse one file (Turtle, RDF/XML, N-Triples, JSON-LD, or JSON records with ``context``).

    Errors name the file and, where the parser knows it, the line.
    """
    path = Path(source)
    return parse_rdf(_read(path), path, format, context)


def parse_rdf(
    content: bytes,
    name: str | os.PathLike[str],
    format: str | None = None,
    context: str | os.PathLike[str] | None = None,
) -> Graph:
    """`read_rdf` for content already in memory, e.g. a request body: ``name`` stands for the
    file in error messages and, without ``format``, its suffix (or the content) picks the syntax.

    >>> len(parse_rdf(b"<http://e/a> <http://e/b> <http://e/c> .", "body", "nt"))
    1
    """
    from panet.formats import detect_format
    from panet.formats.rdf import parse_graph

    path = Path(name)
    if not content.strip():
        raise InputFileError(path, "the file is empty")
    fmt = format or detect_format(path, content[:512])
    if fmt == "csv":
        raise InputFileError(path, "a CSV file is not RDF; give Turtle, RDF/XML, N-Triples, JSON-LD or JSON records")
    data: bytes | str = content
    if fmt == "json-ld":
        data = _json_ld(path, content, context)
    return parse_graph(path, data, fmt, InputFileError)


def _read(path: Path) -> bytes:
    return InputFileError.read_bytes(path, expected="an RDF or JSON file")


def _load_json(path: Path, content: bytes | str) -> Any:
    import json

    try:
        return json.loads(content)
    except UnicodeDecodeError as err:
        raise InputFileError(path, f"not UTF-8 text ({err.reason} at byte {err.start})") from None
    except json.JSONDecodeError as err:
        raise InputFileError(path, f"not valid JSON: {err.msg}", line=err.lineno, column=err.colno) from None


def _context(name: str | os.PathLike[str]) -> Any:
    """The ``@context`` value of a shipped context (by name) or of a context file."""
    shipped = CONTEXTS.get(str(name))
    path = Path(shipped_shapes_file(shipped) if shipped else name)
    document = _load_json(path, _read(path))
    return document["@context"] if isinstance(document, dict) and "@context" in document else document


def _json_ld(path: Path, content: bytes, context: str | os.PathLike[str] | None) -> str:
    import json

    from panet.safe_jsonld import ContextRefused, inline_contexts, refuse_contexts

    document = _load_json(path, content)
    has_context = isinstance(document, dict) and "@context" in document
    try:
        if not has_context:
            if context is None:
                hint = "pass a context: 'pan-search', 'scicat' or a JSON-LD context file"
                raise InputFileError(path, f"plain JSON without @context; {hint}")
            records = document if isinstance(document, list) else [document]
            refuse_contexts(records)
            for record in records:
                if isinstance(record, dict):
                    record.setdefault("@type", _RECORD_TYPE)
            document = {"@context": _context(context), "@graph": records}
        else:
            given = None if context is None else _context(context)
            inline_contexts(document, lambda iri: _served_context(iri, given))
    except ContextRefused as err:
        raise InputFileError(path, str(err)) from None
    return json.dumps(document)


def _served_context(iri: str, given: Any) -> Any:
    """The context that stands for a remote one: the given one, or the shipped schema.org
    stand-in; None (refused) for anything else, relative and ``file:`` references included."""
    if not iri.startswith(("http://", "https://")):
        return None
    if given is not None:
        return given
    return _context("schema.org") if iri.rstrip("/") in {v.rstrip("/") for v in _SCHEMA_ORG} else None
