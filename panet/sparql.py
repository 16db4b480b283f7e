"""SPARQL over PaNET: a pyoxigraph store holding the ontology with its reasoned hierarchy.

The dataset is the ontology file's own triples plus the ``rdfs:subClassOf`` closure (every
ancestor of every term, from the index) and both directions of every equivalence, so
``?t rdfs:subClassOf panet:PaNET01124`` finds all descendants without property paths.
Extra RDF files (annotated records) go into the same store. Queries are read-only: SPARQL
Update is refused. A query run here runs in the caller's process with the caller's rights
(``SERVICE`` included); queries from others go through `panet.query_pool.QueryPool`, whose
workers cannot reach the network, so ``SERVICE`` fails there (`QueryRefused`).

pyoxigraph (Rust) answers a hierarchy query in about 0.1 ms, where rdflib's own engine takes
6-20 ms; it also serialises every result format the SPARQL protocol names.

>>> import panet
>>> rows = panet.load().sparql(
...     "SELECT ?l WHERE { ?t rdfs:subClassOf panet:PaNET01124 ; rdfs:label ?l } ORDER BY ?l LIMIT 1")
>>> [row["l"].value for row in rows]
['anomalous small angle x-ray scattering']
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import weakref
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from panet.errors import PanetError
from panet.term import NAMESPACE

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from panet.ontology import Ontology

__all__ = [
    "PREFIXES",
    "NotAcceptable",
    "QueryRefused",
    "QueryTimeout",
    "ResultTooLarge",
    "SparqlError",
    "WorkerLost",
    "build_store",
    "execute",
    "negotiate",
    "open_read_only",
    "prepare_store",
    "query",
]

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OBO = "http://purl.obolibrary.org/obo/"

# Declared for every query (a query may redeclare them) and used when writing Turtle.
PREFIXES = {"panet": NAMESPACE, "rdf": RDF, "rdfs": RDFS, "owl": OWL, "skos": SKOS, "obo": OBO}

# Bump when the triples derived from the index change: persistent stores are then rebuilt.
DATASET_FORMAT = 1


class SparqlError(PanetError):
    """A query that cannot be run: bad syntax, unacceptable result format, limits."""


class QueryRefused(SparqlError):
    """A query that would change data or reach another server (Update, LOAD, SERVICE)."""


class ResultTooLarge(SparqlError):
    """More result rows (or triples) than the caller allows."""


class NotAcceptable(SparqlError):
    """No result format the client accepts fits the query form."""


class QueryTimeout(SparqlError):
    """A query ran longer than allowed (it was stopped)."""


class WorkerLost(SparqlError):
    """The process running a query died (e.g. killed for memory); it has been replaced."""


# -- the dataset ------------------------------------------------------------------------


def dataset_triples(onto: Ontology) -> Iterator[ox.Triple]:
    """Triples the index adds to the file's: the subclass closure and both directions of
    every equivalence."""
    sub_class_of, equivalent = ox.NamedNode(RDFS + "subClassOf"), ox.NamedNode(OWL + "equivalentClass")
    nodes = {t.iri: ox.NamedNode(t.iri) for t in onto}
    for t in onto:
        node = nodes[t.iri]
        for a in onto.ancestors(t):
            yield ox.Triple(node, sub_class_of, nodes[a.iri])
        for e in onto.equivalents(t):
            yield ox.Triple(node, equivalent, nodes[e.iri])


def _term_triples(onto: Ontology) -> Iterator[ox.Triple]:
    """Each term's type, label, synonyms and definition: the dataset of a ROBOT template
    source, which has no RDF of its own to load."""
    a, owl_class = ox.NamedNode(RDF + "type"), ox.NamedNode(OWL + "Class")
    label, alt_label = ox.NamedNode(RDFS + "label"), ox.NamedNode(SKOS + "altLabel")
    definition, source = ox.NamedNode(OBO + "IAO_0000115"), ox.NamedNode(OBO + "IAO_0000119")
    for t in onto:
        node = ox.NamedNode(t.iri)
        yield ox.Triple(node, a, owl_class)
        yield ox.Triple(node, label, ox.Literal(t.label))
        yield from (ox.Triple(node, alt_label, ox.Literal(s)) for s in t.synonyms)
        if t.definition:
            yield ox.Triple(node, definition, ox.Literal(t.definition))
        if t.definition_source:
            yield ox.Triple(node, source, ox.Literal(t.definition_source))


_RDFLIB_TO_OX = {
    "xml": ox.RdfFormat.RDF_XML,
    "turtle": ox.RdfFormat.TURTLE,
    "n3": ox.RdfFormat.N3,
    "nt": ox.RdfFormat.N_TRIPLES,
    "json-ld": ox.RdfFormat.JSON_LD,
}


def _rdf_format(path: Path) -> ox.RdfFormat | None:
    """The RDF syntax of ``path`` (None for a CSV), from its suffix or first bytes."""
    from panet.formats import detect_format

    known = ox.RdfFormat.from_extension(path.suffix.lstrip(".").lower()) if path.suffix else None
    if known is not None:
        return known
    with open(path, "rb") as file:
        name = detect_format(path, file.read(512))
    return _RDFLIB_TO_OX.get(name)


def _load_file(store: ox.Store, path: Path) -> None:
    try:
        fmt = _rdf_format(path)
        if fmt is None:
            raise PanetError(f"{path}: not an RDF file; pass Turtle, N-Triples, N-Quads, TriG, RDF/XML or JSON-LD")
        store.bulk_load(path=path, format=fmt)
    except FileNotFoundError:
        raise PanetError(f"{path}: no such file; pass the path of an RDF file (e.g. records.ttl)") from None
    except (SyntaxError, ValueError, OSError) as err:
        raise PanetError(f"{path}: cannot be loaded as RDF ({err})") from None


def build_store(onto: Ontology, data: Sequence[str | os.PathLike[str]] = (), store: ox.Store | None = None) -> ox.Store:
    """A store (in memory unless ``store`` is given) with ``onto`` and the ``data`` files.

    Turtle, N-Triples, RDF/XML and JSON-LD data go into the default graph; N-Quads and
    TriG keep their named graphs. A file that cannot be read raises `PanetError`.
    """
    store = ox.Store() if store is None else store
    source = Path(onto.path)
    if _rdf_format(source) is None:
        store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in _term_triples(onto))
    else:
        _load_file(store, source)
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in dataset_triples(onto))
    for path in data:
        _load_file(store, Path(path))
    return store


def _fingerprint(onto: Ontology, data: Sequence[str | os.PathLike[str]]) -> str:
    digest = hashlib.sha256(f"{DATASET_FORMAT} {ox.__version__} {onto.checksum}".encode())
    for path in data:
        try:
            digest.update(Path(path).read_bytes())
        except OSError as err:
            raise PanetError(f"{path}: cannot be read ({err.strerror})") from None
    return digest.hexdigest()


def prepare_store(onto: Ontology, data: Sequence[str | os.PathLike[str]], directory: str | os.PathLike[str]) -> bool:
    """Make ``directory`` hold `build_store`'s dataset on disk; True if it had to (re)build.

    The directory holds ``oxigraph/`` (the RocksDB store) and ``panet-store.json`` (the
    fingerprint of the ontology and data files it was built from); while they are unchanged
    the store is reused as it is, any change rebuilds it. Open it with `open_read_only`.
    """
    import shutil

    root = Path(directory)
    marker, db = root / "panet-store.json", root / "oxigraph"
    fingerprint = _fingerprint(onto, data)
    try:
        if json.loads(marker.read_text())["fingerprint"] == fingerprint and db.is_dir():
            return False
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        root.mkdir(parents=True, exist_ok=True)
        marker.unlink(missing_ok=True)
        shutil.rmtree(db, ignore_errors=True)
        store = build_store(onto, data, ox.Store(db))
        store.flush()
        del store  # closes the database, so that other processes may open it
        inputs = {"fingerprint": fingerprint, "ontology": onto.path, "data": [str(p) for p in data]}
        marker.write_text(json.dumps(inputs))
    except OSError as err:
        raise PanetError(f"{root}: cannot hold a SPARQL store ({err}); pass a writable directory") from None
    return True


def open_read_only(directory: str | os.PathLike[str]) -> ox.Store:
    """The store `prepare_store` left in ``directory``, opened read-only (many processes may)."""
    return ox.Store.read_only(str(Path(directory) / "oxigraph"))


_stores: weakref.WeakKeyDictionary[Ontology, ox.Store] = weakref.WeakKeyDictionary()


def query(onto: Ontology, text: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Run a read-only query over ``onto``'s dataset (built once per ontology, in memory).

    Returns pyoxigraph's results: rows for SELECT (``row["x"].value``), a truth value for
    ASK, triples for CONSTRUCT/DESCRIBE. Prefixes ``panet:``, ``rdfs:``, ``owl:``,
    ``skos:``, ``rdf:`` and ``obo:`` are predeclared. `QueryRefused` for Update, `SparqlError`
    for a malformed query. Runs in this process: for queries from others use
    `panet.query_pool.QueryPool` (network-less workers, time limit).

    >>> import panet
    >>> bool(panet.load().sparql("ASK { panet:PaNET01188 rdfs:subClassOf panet:PaNET01124 }"))
    True
    """
    store = _stores.get(onto)
    if store is None:
        store = _stores[onto] = build_store(onto)
    return _run(store, text)


# -- read-only guard --------------------------------------------------------------------
# Updates cannot run as queries at all (`store.query` refuses them); `_run` explains them. SERVICE
# is stopped where queries run for others: `panet.query_pool.QueryPool` workers have no network
# (`panet.sandbox`), and pyoxigraph's own parse is the only one that counts.


_UPDATE = re.compile(
    r"^(?:\s|#[^\n]*\n|(?:PREFIX\s+[^\s:]*:\s*<[^>]*>)|(?:BASE\s*<[^>]*>))*"
    r"(?:INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b",
    re.IGNORECASE,
)


def _is_update(text: str) -> bool:
    """Whether a query pyoxigraph refused reads as an Update (to say so; nothing runs either way).

    >>> _is_update("PREFIX e: <http://e/> INSERT DATA { e:a e:b e:c }"), _is_update("SELEC * {}")
    (True, False)
    """
    return _UPDATE.match(text) is not None


def _bytes(serialised: bytes | None) -> bytes:
    """pyoxigraph's serialisation without an output file: always bytes (its stubs say maybe None)."""
    assert serialised is not None
    return serialised


def _run(store: ox.Store, text: str, **options: Any) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    try:
        return store.query(text, prefixes=PREFIXES, **options)
    except SyntaxError as err:
        if _is_update(text):
            raise QueryRefused(
                "SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, ...) is not allowed: PaNET is served read-only"
            ) from None
        raise SparqlError(f"malformed SPARQL query: {err}") from None


# -- results as bytes, per Accept ------------------------------------------------------

_RESULTS = ox.QueryResultsFormat
_RESULT_TYPES = {
    "application/sparql-results+json": _RESULTS.JSON,
    "application/json": _RESULTS.JSON,
    "application/sparql-results+xml": _RESULTS.XML,
    "application/xml": _RESULTS.XML,
    "text/xml": _RESULTS.XML,
    "text/csv": _RESULTS.CSV,
    "text/tab-separated-values": _RESULTS.TSV,
}
_GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "text/n3": ox.RdfFormat.TURTLE,  # Turtle is N3
    "text/rdf+n3": ox.RdfFormat.TURTLE,
    "application/n3": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/x-json+ld": ox.RdfFormat.JSON_LD,
    "application/json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/xml": ox.RdfFormat.RDF_XML,
    "text/xml": ox.RdfFormat.RDF_XML,
}


def negotiate(accept: str | None, offers: dict[str, Any]) -> tuple[str, Any] | None:
    """The best (media type, format) of ``offers`` for an ``Accept`` header; None if none fits.

    Preference follows q-values, then the header's order; ``*/*`` and ``type/*`` take the
    first offer that fits. No header means the first offer.

    >>> negotiate("text/csv;q=0.5, application/sparql-results+xml", _RESULT_TYPES)[0]
    'application/sparql-results+xml'
    >>> negotiate("image/png", _RESULT_TYPES) is None
    True
    """
    if not accept or not accept.strip():
        return next(iter(offers.items()))
    ranges: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept.split(",")):
        media, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media and quality > 0:
            ranges.append((-quality, position, media.lower()))
    for _, _, media in sorted(ranges):
        if media in offers:
            return media, offers[media]
        kind, _, sub = media.partition("/")
        if sub == "*":
            for offer, fmt in offers.items():
                if kind == "*" or offer.startswith(kind + "/"):
                    return offer, fmt
    return None


def execute(
    store: ox.Store,
    text: str,
    accept: str | None = None,
    max_rows: int | None = None,
    default_graph: Sequence[str] = (),
    named_graphs: Sequence[str] = (),
    base_iri: str | None = None,
) -> tuple[bytes, str]:
    """Run a read-only query and serialise its result for ``accept``: (body, media type).

    SELECT/ASK: SPARQL JSON (default), XML, CSV, TSV. CONSTRUCT/DESCRIBE: Turtle (default),
    N-Triples, JSON-LD, RDF/XML. More than ``max_rows`` rows or triples raises
    `ResultTooLarge` rather than cutting the result short.

    ``default_graph`` / ``named_graphs`` are the protocol's ``default-graph-uri`` /
    ``named-graph-uri``: when either is given they replace the query's own dataset (``FROM``,
    ``FROM NAMED``) entirely, and the one not given is empty. Relative IRIs in the query
    resolve against ``base_iri`` (the service passes the endpoint's URL).

    >>> import panet
    >>> from panet.sparql import build_store, execute
    >>> body, media = execute(build_store(panet.load()), "ASK { ?s ?p ?o }", "text/csv")
    >>> body, media
    (b'true', 'text/csv')
    """
    try:
        options: dict[str, Any] = {"base_iri": _base(base_iri)}
        if default_graph or named_graphs:  # SPARQL 1.1 Protocol 2.1.4: the protocol's dataset wins
            options["default_graph"] = [ox.NamedNode(iri) for iri in default_graph]
            options["named_graphs"] = [ox.NamedNode(iri) for iri in named_graphs]
        result = _run(store, text, **options)
        if isinstance(result, ox.QueryTriples):
            media, fmt = _choose(accept, _GRAPH_TYPES, "text/turtle", "CONSTRUCT/DESCRIBE")
            triples = _capped(result, max_rows)
            return _bytes(ox.serialize(triples, format=fmt, prefixes=PREFIXES)), media
        media, fmt = _choose(accept, _RESULT_TYPES, "application/sparql-results+json", "SELECT/ASK")
        if isinstance(result, ox.QuerySolutions) and max_rows is not None:
            for _ in _capped(result, max_rows):  # count first: a result is never cut short
                pass
            result = _run(store, text, **options)
        return _bytes(result.serialize(format=fmt)), media
    except ValueError as err:  # an IRI in default-graph-uri / named-graph-uri
        raise SparqlError(f"invalid graph IRI: {err}") from None
    except OSError as err:  # evaluation errors pyoxigraph reports as I/O errors
        raise SparqlError(f"the query failed: {err}") from None


def _base(iri: str | None) -> str | None:
    """``iri`` if it can be a base IRI, else None (relative IRIs then stay an error)."""
    if iri is None:
        return None
    try:
        ox.NamedNode(iri)
    except ValueError:
        return None
    return iri


def _choose(accept: str | None, offers: dict[str, Any], default: str, form: str) -> tuple[str, Any]:
    chosen = negotiate(accept, {default: offers[default], **offers})
    if chosen is None:
        raise NotAcceptable(f"cannot answer a {form} query as {accept!r}; acceptable: " + ", ".join(offers))
    return chosen


def _capped(items: Iterable[Any], limit: int | None) -> Iterator[Any]:
    if limit is None:
        yield from items
        return
    for count, item in enumerate(islice(items, limit + 1), 1):
        if count > limit:
            raise ResultTooLarge(
                f"the result has more than {limit} rows, the service's limit; add LIMIT and OFFSET to page through it"
            )
        yield item
