"""panet.sparql in-process: the dataset, read-only guard, result formats, limits, the pool."""

from __future__ import annotations

import contextlib
import json
import socket
import threading

import pytest

from panet.errors import PanetError
from panet.query_pool import QueryPool
from panet.sparql import (
    NotAcceptable,
    QueryRefused,
    QueryTimeout,
    ResultTooLarge,
    SparqlError,
    WorkerLost,
    build_store,
    execute,
    negotiate,
    open_read_only,
    prepare_store,
)

SAS = "http://purl.org/pan-science/PaNET/PaNET01124"
SAXS = "http://purl.org/pan-science/PaNET/PaNET01188"
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # ~10^11 rows


@pytest.fixture(scope="module")
def store(onto, records_ttl):
    return build_store(onto, [records_ttl])


def test_subclass_closure_matches_the_index(onto):
    for key in ("PaNET01012", "PaNET01124", "PaNET00001", "PaNET2000000"):
        rows = onto.sparql(f"SELECT ?t WHERE {{ ?t rdfs:subClassOf panet:{key} }}")
        found = {row["t"].value for row in rows}
        assert {t.iri for t in onto.descendants(key)} <= found
        assert len({iri for iri in found if iri.startswith("http://purl.org/pan-science/PaNET/")}) == len(
            onto.descendants(key)
        )


def test_equivalences_hold_both_ways(onto):
    # PROFILE §3: 'obtain spatial map' ≡ 'imaging' is written once; the dataset has both directions
    for a, b in (("PaNET00401", "PaNET01106"), ("PaNET01106", "PaNET00401")):
        assert bool(onto.sparql(f"ASK {{ panet:{a} owl:equivalentClass panet:{b} }}"))


def test_labels_are_the_files_own(onto):
    rows = list(onto.sparql("SELECT ?l WHERE { panet:PaNET01188 rdfs:label ?l }"))
    assert [row["l"].value for row in rows] == ["small angle x-ray scattering"]


def test_data_files_join_the_default_graph(store):
    body, _ = execute(
        store,
        "SELECT ?d WHERE { ?d <http://schema.org/measurementTechnique> ?t . ?t rdfs:subClassOf* panet:PaNET01124 }",
        "application/sparql-results+json",
    )
    found = {b["d"]["value"] for b in json.loads(body)["results"]["bindings"]}
    assert found == {"https://data.example.org/dataset/saxs-1", "https://data.example.org/dataset/gisaxs-2"}


@pytest.mark.parametrize(
    ("accept", "media", "start"),
    [
        (None, "application/sparql-results+json", b'{"head"'),
        ("application/sparql-results+xml", "application/sparql-results+xml", b"<?xml"),
        ("text/csv", "text/csv", b"l\r\n"),
        ("text/tab-separated-values", "text/tab-separated-values", b"?l\n"),
        ("text/html, */*;q=0.1", "application/sparql-results+json", b'{"head"'),
    ],
)
def test_select_result_formats(store, accept, media, start):
    body, got = execute(store, "SELECT ?l WHERE { panet:PaNET01188 rdfs:label ?l }", accept)
    assert got.split(";")[0] == media
    assert body.startswith(start)
    assert b"small angle x-ray scattering" in body


@pytest.mark.parametrize(
    ("accept", "media", "parse_as"),
    [
        (None, "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
    ],
)
def test_construct_result_formats_parse_back(store, accept, media, parse_as):
    import rdflib

    query = f"CONSTRUCT {{ ?t rdfs:subClassOf <{SAS}> }} WHERE {{ ?t rdfs:subClassOf <{SAS}> }}"
    body, got = execute(store, query, accept)
    assert got == media
    graph = rdflib.Graph().parse(data=body, format=parse_as)
    assert (rdflib.URIRef(SAXS), rdflib.RDFS.subClassOf, rdflib.URIRef(SAS)) in graph
    assert len(graph) == 21  # PROFILE §3: small angle scattering has 21 descendants


def test_negotiation_follows_q_values():
    offers = {"a/x": 1, "b/y": 2}
    assert negotiate("a/x;q=0.2, b/y;q=0.9", offers) == ("b/y", 2)
    assert negotiate("b/*", offers) == ("b/y", 2)
    assert negotiate("a/x;q=0", offers) is None
    assert negotiate("", offers) == ("a/x", 1)


def test_unacceptable_format_is_refused(store):
    with pytest.raises(NotAcceptable, match="acceptable"):
        execute(store, "ASK {}", "image/png")
    with pytest.raises(NotAcceptable):
        execute(store, "CONSTRUCT WHERE { ?s ?p ?o }", "text/csv")


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "LOAD <http://127.0.0.1:9/evil.ttl>",
        "CLEAR ALL",
        "DROP DEFAULT",
        "CREATE GRAPH <http://e/g>",
    ],
)
def test_updates_are_refused_and_change_nothing(store, update):
    before = len(store)
    with pytest.raises(QueryRefused, match="read-only"):
        execute(store, update)
    assert len(store) == before


def _listening_socket():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.5)
    return server


@pytest.fixture(scope="module")
def pool(onto):
    pool = QueryPool(onto.path, workers=1, timeout=5.0)
    pool.wait_ready()
    yield pool
    pool.close()


# The query of issue 13: rdflib decodes \u005C before tokenising and sees no SERVICE; pyoxigraph
# does not, and runs SERVICE <canary> between two string literals.
ESCAPED_SERVICE = (
    'SELECT * WHERE {{ BIND("x\\u005C" AS ?a) SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} '
    'BIND(" AS ?c) BIND(\\u0022y" AS ?b) }}'
)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE {{ ?s ?p ?o . SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?x }} }}",
        "SELECT * WHERE {{ SERVICE <http://localhost:{port}/sparql> {{ ?s ?p ?x }} }}",
        ESCAPED_SERVICE,
    ],
)
def test_service_is_refused_without_any_outbound_request(pool, query):
    server = _listening_socket()
    port = server.getsockname()[1]
    calls = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            calls.append(server.accept())

    watcher = threading.Thread(target=accept)
    watcher.start()
    with pytest.raises(QueryRefused, match="SERVICE"):
        pool.run(query.format(port=port))
    watcher.join()
    server.close()
    assert calls == []


def test_service_silent_answers_without_any_outbound_request(pool):
    server = _listening_socket()
    port = server.getsockname()[1]
    calls = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            calls.append(server.accept())

    watcher = threading.Thread(target=accept)
    watcher.start()
    query = f"SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?x }} }}"
    body, _ = pool.run(query, "text/csv")
    watcher.join()
    server.close()
    assert calls == []
    assert len(body.splitlines()) == 2  # an unreachable SILENT service: the header and one empty row


def test_service_in_strings_iris_and_comments_is_fine(pool):
    body, _ = pool.run('ASK { ?s <http://example.org/service> "SERVICE" } # SERVICE <x> { }', "text/csv")
    assert body == b"false"


def test_malformed_query_says_where(store):
    with pytest.raises(SparqlError, match="malformed SPARQL query") as err:
        execute(store, "SELECT ?x WHERE { ?x ?y }")
    assert not isinstance(err.value, QueryRefused)


def test_row_cap_refuses_rather_than_truncates(store):
    query = "SELECT ?t WHERE { ?t rdfs:subClassOf panet:PaNET01124 }"  # 21 rows
    assert len(json.loads(execute(store, query, max_rows=21)[0])["results"]["bindings"]) == 21
    with pytest.raises(ResultTooLarge, match="more than 20 rows"):
        execute(store, query, max_rows=20)
    with pytest.raises(ResultTooLarge):
        execute(store, f"CONSTRUCT WHERE {{ ?t rdfs:subClassOf <{SAS}> }}", max_rows=5)


def test_graph_parameters(store):
    with pytest.raises(SparqlError, match="graph IRI"):
        execute(store, "ASK {}", default_graph=["not an iri"])
    body, _ = execute(store, "ASK { ?s ?p ?o }", "text/csv", default_graph=["http://example.org/empty"])
    assert body == b"false"


def test_bad_data_file_is_one_clear_error(onto, tmp_path):
    broken = tmp_path / "records.ttl"
    broken.write_text("@prefix ex: <http://e/> .\nex:a ex:b ")
    with pytest.raises(PanetError, match=r"records\.ttl: cannot be loaded as RDF"):
        build_store(onto, [broken])
    with pytest.raises(PanetError, match="no such file"):
        build_store(onto, [tmp_path / "missing.ttl"])


def test_persistent_store_is_reused_until_its_inputs_change(onto, records_ttl, tmp_path):
    data = tmp_path / "records.ttl"
    data.write_bytes(records_ttl.read_bytes())
    assert prepare_store(onto, [data], tmp_path / "store") is True
    assert prepare_store(onto, [data], tmp_path / "store") is False
    store = open_read_only(tmp_path / "store")
    assert bool(store.query("ASK { <https://data.example.org/dataset/xrd-3> ?p ?o }"))
    del store
    data.write_text(records_ttl.read_text().replace("xrd-3", "xrd-4"))
    assert prepare_store(onto, [data], tmp_path / "store") is True
    store = open_read_only(tmp_path / "store")
    assert bool(store.query("ASK { <https://data.example.org/dataset/xrd-4> ?p ?o }"))
    assert not bool(store.query("ASK { <https://data.example.org/dataset/xrd-3> ?p ?o }"))


def test_pool_kills_a_runaway_query_and_keeps_answering(onto):
    pool = QueryPool(onto.path, workers=1, timeout=1.0, max_rows=100)
    try:
        pool.wait_ready()
        with pytest.raises(QueryTimeout, match="longer than 1 s"):
            pool.run(CROSS_PRODUCT)
        body, media = pool.run(f"ASK {{ <{SAXS}> rdfs:subClassOf <{SAS}> }}", "text/csv")
        assert (body, media) == (b"true", "text/csv")
        with pytest.raises(ResultTooLarge):
            pool.run("SELECT * WHERE { ?s ?p ?o }")
        with pytest.raises(QueryRefused):
            pool.run("CLEAR DEFAULT")
    finally:
        pool.close()


def test_pool_replaces_a_worker_that_died(onto):
    pool = QueryPool(onto.path, workers=1, timeout=5.0)
    try:
        pool.wait_ready()
        (worker,) = list(pool._idle.queue)
        worker.process.kill()
        worker.process.join()
        with pytest.raises(WorkerLost, match="replaced"):
            pool.run("ASK {}")
        assert pool.run("ASK {}", "text/csv") == (b"true", "text/csv")
    finally:
        pool.close()


def test_pool_reports_a_dataset_it_cannot_load(onto, tmp_path):
    broken = tmp_path / "broken.nt"
    broken.write_text("<http://e/a> <http://e/b> .\n")
    pool = QueryPool(onto.path, [str(broken)], workers=1)
    try:
        with pytest.raises(PanetError, match=r"broken\.nt"):
            pool.wait_ready()
    finally:
        pool.close()


def test_records_exported_as_turtle_are_found_by_technique(onto, tmp_path):
    import panet.records
    from panet.remote import Endpoint

    records = tmp_path / "records.json"
    records.write_text(
        json.dumps(
            [
                {"pid": "https://doi.org/10.1/a", "title": "in-situ GISAXS of thin films", "techniques": []},
                {"pid": "https://doi.org/10.1/b", "title": "SANS of micelles", "techniques": []},
                {"pid": "https://doi.org/10.1/c", "title": "x-ray powder diffraction", "techniques": []},
            ]
        )
    )
    panet.records.annotate_file(records, tmp_path / "records.ttl", format="pan", to="ttl", ontology=onto)
    store = build_store(onto, [tmp_path / "records.ttl"])
    query = Endpoint("http://unused.example.org/sparql", onto).datasets_query("small angle scattering")
    body, _ = execute(store, query, "application/sparql-results+json")
    found = [b["dataset"]["value"] for b in json.loads(body)["results"]["bindings"]]
    assert len(found) == 2
    assert all(iri.endswith(("/a", "/b")) for iri in found)
