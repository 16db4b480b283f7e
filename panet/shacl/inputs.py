"""Reading data and shapes: RDF files (parsed by pyoxigraph), JSON-LD without network, and
plain JSON records.

Data is parsed into a `DataGraph` of pyoxigraph terms, which the fast engine reads directly;
shapes are parsed the same way and handed over as an rdflib graph built from those triples
(shapes graphs are small, and reports and messages read them with rdflib).

JSON-LD contexts are never fetched: the schema.org context is replaced by a shipped stand-in,
any other remote context must be given as a file (pyoxigraph is given no document loader, so
it cannot fetch one either). Plain JSON records (a PaN search API or SciCat response) are read
as RDF through a shipped context: ``context="pan-search"`` or ``"scicat"``; each top-level
record without ``@type`` becomes a ``schema:Dataset``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from panet.errors import InputFileError
from panet.shacl.data import FORMATS, DataGraph, NamedNode

if TYPE_CHECKING:
    from rdflib import Graph

__all__ = [
    "CONTEXTS",
    "http_schema_org",
    "parse_rdf",
    "read_graphs",
    "read_rdf",
    "read_shapes",
    "schema_org_terms",
    "shipped_shapes_file",
]

#: Shipped JSON-LD contexts, by the name ``context=`` (CLI ``--context``) accepts.
CONTEXTS = {"pan-search": "pan-search.jsonld", "scicat": "scicat.jsonld", "schema.org": "schema-org.jsonld"}
"""The shipped contexts by the name ``context=`` takes (`panet.options.JsonContext` lists the same names)."""
_SCHEMA_ORG = {"http://schema.org", "https://schema.org", "http://schema.org/", "https://schema.org/"}
_RECORD_TYPE = "http://schema.org/Dataset"


def shipped_shapes_file(name: str) -> str:
    """Path of a file in the shipped ``shapes/`` folder."""
    import panet._shapes

    return os.path.join(os.path.dirname(panet._shapes.__file__), name)


def read_graphs(sources: Any, context: str | os.PathLike[str] | None = None) -> DataGraph:
    """One `DataGraph` from an rdflib graph, a `DataGraph`, a file path, or a list of them (merged)."""
    from rdflib import Graph

    if isinstance(sources, DataGraph):
        return sources
    if isinstance(sources, Graph):
        return DataGraph.from_rdflib(sources)
    if isinstance(sources, (str, os.PathLike)):
        return read_rdf(sources, context=context)
    return DataGraph.merge([read_graphs(source, context) for source in sources])


def read_shapes(sources: Any) -> Graph:
    """A shapes graph (rdflib) from a graph, a file path, or a list of them (merged); files are
    parsed by pyoxigraph, as data is.

    >>> len(read_shapes(shipped_shapes_file("dataset.ttl"))) > 50
    True
    """
    from rdflib import Graph

    if isinstance(sources, Graph):
        return sources
    return read_graphs(sources).rdflib()


def schema_org_terms(shapes: Graph) -> frozenset[str]:
    """The ``http://schema.org/`` IRIs a shapes graph names (classes and properties it checks)."""
    return frozenset(str(n) for triple in shapes for n in triple if str(n).startswith("http://schema.org/"))


def http_schema_org(data: DataGraph, terms: frozenset[str]) -> DataGraph:
    """``data`` with ``https://schema.org/…`` IRIs written ``http://schema.org/…`` when it uses
    the https spelling of one of ``terms`` as a predicate or class (a new graph then; the same
    one otherwise). Looking for ``terms`` costs an index lookup each, not a pass over the data.

    >>> g = DataGraph.parse(b"<http://e/d> a <https://schema.org/Dataset> .", "turtle")
    >>> [o.value for _, _, o in http_schema_org(g, frozenset({"http://schema.org/Dataset"}))]
    ['http://schema.org/Dataset']
    """
    twins = [NamedNode("https" + term[4:]) for term in terms]
    types = data.into(NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"))
    if not any(twin in data.pairs or twin in types for twin in twins):
        return data

    def http(node: Any) -> Any:
        if isinstance(node, NamedNode) and node.value.startswith("https://schema.org/"):
            return NamedNode("http" + node.value[5:])
        return node

    prefixes = {prefix: http(NamedNode(ns)).value for prefix, ns in data.prefixes.items()}
    return DataGraph(((http(s), http(p), http(o)) for s, p, o in data), prefixes)


def read_rdf(
    source: str | os.PathLike[str], format: str | None = None, context: str | os.PathLike[str] | None = None
) -> DataGraph:
    """Parse one file (Turtle, RDF/XML, N-Triples, JSON-LD, or JSON records with ``context``);
    a gzipped file (``records.ttl.gz``) is read as what it holds.

    Errors name the file and, where the parser knows it, the line.
    """
    path = Path(source)
    content = _read(path)
    if content.startswith(_GZIP):
        import gzip
        import zlib

        try:
            content = gzip.decompress(content)
        except (OSError, EOFError, zlib.error) as err:
            raise InputFileError(path, f"a damaged gzip file ({err})") from None
        path = path.with_suffix("") if path.suffix.lower() == ".gz" else path
    return parse_rdf(content, path, format, context)


def parse_rdf(
    content: bytes,
    name: str | os.PathLike[str],
    format: str | None = None,
    context: str | os.PathLike[str] | None = None,
) -> DataGraph:
    """`read_rdf` for content already in memory, e.g. a request body: ``name`` stands for the
    file in error messages and, without ``format``, its suffix (or the content) picks the syntax.

    >>> len(parse_rdf(b"<http://e/a> <http://e/b> <http://e/c> .", "body", "nt"))
    1
    >>> parse_rdf(b"<http://e/a> <http://e/b> .", "body.ttl")
    Traceback (most recent call last):
    panet.errors.InputFileError: body.ttl, line 1, column ...: not readable as turtle RDF: ...
    """
    from panet.formats import detect_format
    from panet.xmlsafe import dtd_problem

    path = Path(name)
    if not content.strip():
        raise InputFileError(path, "the file is empty")
    _refuse_binary(path, content)
    fmt = format or detect_format(path, content[:512])
    if fmt in ("csv", "tsv"):
        raise InputFileError(path, "a CSV file is not RDF; give Turtle, RDF/XML, N-Triples, JSON-LD or JSON records")
    data: bytes | str = content
    if fmt == "json-ld":
        data = _json_ld(path, content, context)
    elif fmt in ("xml", "trix") and (problem := dtd_problem(content)):  # before any parser reads it
        raise InputFileError(path, problem)
    from panet.formats.rdf import parse_graph

    if fmt not in FORMATS:
        return DataGraph.from_rdflib(parse_graph(path, data, fmt, InputFileError))
    try:
        return DataGraph.parse(data, fmt, base_iri=path.resolve().as_uri())
    except SyntaxError as err:
        error = _syntax_error(path, fmt, err)
    if error.line is None and fmt == "xml":  # pyoxigraph's RDF/XML errors have no line: rdflib's finds it
        parse_graph(path, data, fmt, InputFileError)  # (never for JSON-LD: rdflib would fetch contexts)
    raise error


def _syntax_error(path: Path, fmt: str, err: SyntaxError) -> InputFileError:
    import re

    problem = re.sub(r"^Parser error at line \d+ column \d+: ", "", str(err.msg or err).strip().splitlines()[0])
    line = err.lineno if isinstance(err.lineno, int) and err.lineno > 0 else None
    column = err.offset if line is not None and isinstance(err.offset, int) and err.offset > 0 else None
    if "LoadDocumentCallback" in problem:  # a scoped or @import context named by IRI
        problem = "refers to a JSON-LD context by IRI; panet never loads contexts: write it inline or pass context=FILE"
        return InputFileError(path, problem, line=line, column=column)
    return InputFileError(
        path, f"not readable as {fmt} RDF: {problem}; is the file truncated or not RDF?", line=line, column=column
    )


_GZIP = b"\x1f\x8b"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")


def _refuse_binary(path: Path, content: bytes) -> None:
    """An `InputFileError` naming the file when ``content`` is not RDF text: gzip (in memory),
    zip, or binary (NUL bytes outside UTF-16 text)."""
    if content.startswith(_GZIP):
        problem = "gzipped; send it decompressed"
    elif content.startswith(_ZIP):
        problem = "a zip archive; unpack it and validate the files in it"
    elif b"\0" in content[:65536] and not content.startswith((b"\xff\xfe", b"\xfe\xff")):
        problem = "a binary file (it holds NUL bytes)"
    else:
        return
    raise InputFileError(path, f"is {problem}, not RDF; give Turtle, RDF/XML, N-Triples, JSON-LD or JSON records")


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
