"""The W3C SPARQL 1.1 Protocol tests (tests/data/sparql-protocol/manifest.ttl) against the real
service: every request a test describes is sent as written, with the manifest's graphs loaded as
named graphs. The service is read-only: an update must be refused with a 4xx, and the queries that
follow it must show that nothing changed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import rdflib
from rdflib.collection import Collection

PROTOCOL = Path(__file__).resolve().parents[1] / "data" / "sparql-protocol"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
HTS = rdflib.Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
ENDPOINT = "/sparql"  # the manifest's paths start with /sparql/, "to be replaced by the endpoint's"

FORMATS = {  # mf:expectedFormat -> media types the protocol allows for it
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    },
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples", "application/ld+json"},
}


@dataclass(frozen=True)
class Exchange:
    """One ht:Request of a test and what its ht:Response must be."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[int]  # the hundreds allowed: {2, 3}, {4}
    expected_format: str | None
    expected_boolean: bool | None

    @property
    def is_update(self) -> bool:
        """An update operation: ``update=`` / ``using-…-uri`` parameters or a sparql-update body."""
        params = set(parse_qs(urlsplit(self.path).query))
        if self.headers.get("content-type", "").startswith("application/x-www-form-urlencoded") and self.body:
            params |= set(parse_qs(self.body.decode("utf-8", "replace")))
        if params & {"update", "using-graph-uri", "using-named-graph-uri"}:
            return True
        return self.headers.get("content-type", "").startswith("application/sparql-update")


def _manifest() -> rdflib.Graph:
    return rdflib.Graph().parse(PROTOCOL / "manifest.ttl", publicID="http://www.example/protocol/manifest.ttl")


def _exchanges(graph: rdflib.Graph, test: rdflib.term.Node) -> list[Exchange]:
    action = graph.value(test, MF.action)
    exchanges = []
    for request in Collection(graph, graph.value(action, HT.requests)):
        headers = {}
        header_list = graph.value(request, HT.headers)
        for header in Collection(graph, header_list) if header_list is not None else ():
            headers[str(graph.value(header, HT.fieldName)).lower()] = str(graph.value(header, HT.fieldValue))
        body_node = graph.value(request, HT.body)
        body = None
        if body_node is not None:
            encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
            body = str(graph.value(body_node, CNT.chars)).encode(encoding)
        response = graph.value(request, HT.resp)
        statuses = {
            int(str(code).removeprefix(str(HTS.StatusCode))[0]) for code in graph.objects(response, MF.expectedStatus)
        }
        boolean = graph.value(response, MF.expectedBoolean)
        expected_format = graph.value(response, MF.expectedFormat)
        path = str(graph.value(request, HT.absolutePath))
        exchanges.append(
            Exchange(
                method=str(graph.value(request, HT.methodName)),
                path=_endpoint_path(path),
                headers=headers,
                body=body,
                statuses=frozenset(statuses),
                expected_format=None if expected_format is None else str(expected_format),
                expected_boolean=None if boolean is None else boolean.toPython(),
            )
        )
    return exchanges


def _endpoint_path(path: str) -> str:
    """``/sparql/?query=…`` -> ``/sparql?query=…``: every path of the manifest is the endpoint's."""
    assert path.startswith("/sparql/") and path[len("/sparql/") :][:1] in ("", "?"), path
    return ENDPOINT + path.removeprefix("/sparql/")


def _cases() -> list[tuple[str, list[Exchange]]]:
    graph = _manifest()
    manifest = next(graph.subjects(rdflib.RDF.type, MF.Manifest))
    return [
        (str(test).rpartition("#")[2], _exchanges(graph, test))
        for test in Collection(graph, graph.value(manifest, MF.entries))
    ]


CASES = _cases()


@pytest.fixture(scope="module")
def protocol_server(tmp_path_factory):
    """The real service with every graph of the manifest's ``ut:graphData`` loaded as a named
    graph (one N-Quads file built from the test suite's N-Triples)."""
    from server import running_server

    graph = _manifest()
    quads = set()
    for data in graph.objects(None, UT.graphData):
        name = str(graph.value(data, rdflib.RDFS.label))
        source = PROTOCOL / Path(urlsplit(str(graph.value(data, UT.graph))).path).name
        for line in source.read_text().splitlines():
            if line.strip():
                quads.add(line.strip().removesuffix(".").rstrip() + f" <{name}> .\n")
    nquads = tmp_path_factory.mktemp("protocol") / "protocol-graphs.nq"
    nquads.write_text("".join(sorted(quads)))
    with running_server("--data", str(nquads)) as base:
        yield base


def test_the_manifest_has_every_case():
    """34 tests: 13 queries, 7 updates, 14 bad requests."""
    names = [name for name, _ in CASES]
    assert len(names) == 34
    assert sum(name.startswith("query_") for name in names) == 13
    assert sum(name.startswith("bad_") for name in names) == 14
    updates = {name for name, exchanges in CASES if any(e.is_update for e in exchanges)}
    assert {name for name in names if name.startswith("update_")} <= updates


@pytest.mark.parametrize(("name", "exchanges"), CASES, ids=[name for name, _ in CASES])
def test_w3c_protocol_case(protocol_server, name, exchanges):
    refused_update = False
    for exchange in exchanges:
        response = httpx.request(
            exchange.method, protocol_server + exchange.path, headers=exchange.headers, content=exchange.body
        )
        status = response.status_code
        media = response.headers.get("content-type", "").partition(";")[0].strip()
        assert status < 500, f"{name}: {status} {response.text}"
        if exchange.is_update:
            # read-only service: every update, valid or not, is a client error with a problem body
            assert 400 <= status < 500, f"{name}: an update got {status}"
            assert media == "application/problem+json"
            refused_update = True
            continue
        assert status // 100 in exchange.statuses, f"{name}: {status} {response.text}"
        if exchange.expected_format is not None:
            assert media in FORMATS[exchange.expected_format], f"{name}: {media}"
            if exchange.expected_format == "RDF":
                import pyoxigraph

                list(pyoxigraph.parse(response.content, format=pyoxigraph.RdfFormat.from_media_type(media)))
        if exchange.expected_boolean is not None:
            answer = _boolean(response.content, media)
            # after a refused update, the query that checks its effect must find none
            assert answer is (False if refused_update else exchange.expected_boolean), f"{name}: {answer}"


def _boolean(body: bytes, media: str) -> bool:
    if media == "application/sparql-results+json":
        return json.loads(body)["boolean"]
    import xml.etree.ElementTree as ET

    element = ET.fromstring(body).find("{http://www.w3.org/2005/sparql-results#}boolean")
    return element.text.strip() == "true"


# -- the dataset rules and corners the manifest does not pin down -----------------------------

DATA = "http://kasei.us/2009/09/sparql/data/data{}.rdf"


def _ask(base: str, query: str, **graphs: list[str]) -> bool:
    params = [("query", query)] + [(name.replace("_", "-"), iri) for name, iris in graphs.items() for iri in iris]
    response = httpx.get(base + ENDPOINT, params=params, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.json()["boolean"]


def test_named_graph_uri_alone_drops_the_querys_from_and_leaves_the_default_graph_empty(protocol_server):
    from_data3 = f"ASK FROM <{DATA.format(3)}> {{ <{DATA.format(3)}> a ?type }}"
    assert _ask(protocol_server, from_data3) is True  # the query's own dataset
    assert _ask(protocol_server, from_data3, named_graph_uri=[DATA.format(1)]) is False
    in_named = f"ASK {{ GRAPH <{DATA.format(1)}> {{ ?s a ?type }} }}"
    assert _ask(protocol_server, in_named, named_graph_uri=[DATA.format(1)]) is True
    assert _ask(protocol_server, "ASK { ?s ?p ?o }", named_graph_uri=[DATA.format(1)]) is False


def test_default_graph_uri_alone_exposes_no_named_graph(protocol_server):
    any_named = "ASK { GRAPH ?g { ?s ?p ?o } }"
    assert _ask(protocol_server, any_named) is True  # the served N-Quads graphs
    assert _ask(protocol_server, any_named, default_graph_uri=[DATA.format(1)]) is False
    from_named = f"ASK FROM NAMED <{DATA.format(2)}> {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert _ask(protocol_server, from_named, default_graph_uri=[DATA.format(1)]) is False
    assert _ask(protocol_server, f"ASK {{ <{DATA.format(1)}> a ?type }}", default_graph_uri=[DATA.format(1)]) is True


def test_without_protocol_graphs_the_default_graph_is_panet_and_the_data(protocol_server):
    assert _ask(protocol_server, "ASK { panet:PaNET01188 rdfs:subClassOf panet:PaNET01124 }") is True
    assert _ask(protocol_server, f"ASK {{ <{DATA.format(1)}> a ?type }}") is False  # N-Quads kept their graph
    # PaNET sits in the unnamed default graph: a protocol dataset replaces it
    panet_query = "ASK { panet:PaNET01188 rdfs:subClassOf panet:PaNET01124 }"
    assert _ask(protocol_server, panet_query, default_graph_uri=[DATA.format(1)]) is False


def test_relative_iris_resolve_against_the_endpoint(protocol_server):
    import pyoxigraph

    response = httpx.post(
        protocol_server + ENDPOINT,
        content="CONSTRUCT { <s> <p> <o> } WHERE {}",
        headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"},
    )
    assert response.status_code == 200, response.text
    (triple,) = pyoxigraph.parse(response.content, format=pyoxigraph.RdfFormat.N_TRIPLES)
    assert triple.subject.value == protocol_server + "/s"  # RFC 3986: <s> against .../sparql
    declared = "BASE <http://example.org/data/> CONSTRUCT { <s> <p> <o> } WHERE {}"
    response = httpx.get(protocol_server + ENDPOINT, params={"query": declared}, headers={"Accept": "text/plain"})
    (triple,) = pyoxigraph.parse(response.content, format=pyoxigraph.RdfFormat.N_TRIPLES)
    assert triple.subject.value == "http://example.org/data/s"  # the query's own BASE wins


@pytest.mark.parametrize(
    ("request_args", "status", "title"),
    [
        ({"params": [("query", "ASK {}"), ("query", "ASK {}")]}, 400, "Several queries"),
        ({"params": {"query": "ASK {}"}, "data": {"query": "ASK {}"}, "method": "POST"}, 400, "Several queries"),
        ({"params": {"query": "ASK {}", "using-graph-uri": "http://g"}}, 400, "Query refused"),
        (
            {
                "method": "POST",
                "content": "ASK {}".encode("utf-16-le"),
                "headers": {"Content-Type": "application/sparql-query; charset=UTF-16LE"},
            },
            415,
            "Unsupported charset",
        ),
        (
            {"method": "POST", "content": b"ASK { \xff }", "headers": {"Content-Type": "application/sparql-query"}},
            400,
            "Invalid request body",
        ),
        ({"params": {"query": "ASK {}", "default-graph-uri": "not an iri"}}, 400, "Bad SPARQL query"),
    ],
)
def test_protocol_misuse_is_one_clear_problem(protocol_server, request_args, status, title):
    args = {"method": "GET", **request_args}
    response = httpx.request(url=protocol_server + ENDPOINT, **args)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == title
    assert response.json()["detail"]


def test_query_workers_start_with_the_first_query(onto):
    from fastapi.testclient import TestClient

    from panet.api import create_app

    app = create_app(onto)
    with TestClient(app) as client:
        assert client.get("/terms/PaNET01188").status_code == 200
        assert app.state.sparql.started is False  # no worker process until SPARQL is asked
        response = client.get(ENDPOINT, params={"query": "ASK {}"})
        assert response.status_code == 200
        assert response.json()["boolean"] is True
        assert app.state.sparql.started is True
    assert app.state.sparql.started is False  # stopped with the app
