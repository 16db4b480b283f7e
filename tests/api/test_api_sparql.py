"""/sparql against the real server with real clients: SPARQLWrapper, rdflib's SPARQLStore,
httpx for the protocol's corners, panet.remote.Endpoint and `panet sparql --endpoint`."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
import rdflib
from SPARQLWrapper import CSV, JSON, N3, POST, TSV, TURTLE, URLENCODED, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from panet.remote import Endpoint, RemoteError

SAS = "http://purl.org/pan-science/PaNET/PaNET01124"
SAXS = "http://purl.org/pan-science/PaNET/PaNET01188"
UNDER_SAS = f"SELECT ?t WHERE {{ ?t rdfs:subClassOf <{SAS}> }}"
DATASETS_UNDER_SAS = """
PREFIX schema: <http://schema.org/>
SELECT ?dataset WHERE { ?dataset schema:measurementTechnique ?t . ?t rdfs:subClassOf* panet:PaNET01124 }
ORDER BY ?dataset"""
PROBLEM = "application/problem+json"


def wrapper(base: str, query: str, fmt: str = JSON, method: str = "GET") -> SPARQLWrapper:
    sparql = SPARQLWrapper(base + "/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    sparql.setMethod(method)
    return sparql


@pytest.mark.parametrize("method", ["GET", POST])
def test_sparqlwrapper_select_json(live_server, onto, method):
    result = wrapper(live_server, UNDER_SAS, JSON, method).queryAndConvert()
    found = {row["t"]["value"] for row in result["results"]["bindings"]}
    assert found == {t.iri for t in onto.descendants(SAS)}


def test_sparqlwrapper_post_urlencoded(live_server):
    sparql = wrapper(live_server, DATASETS_UNDER_SAS, JSON, POST)
    sparql.setRequestMethod(URLENCODED)
    rows = sparql.queryAndConvert()["results"]["bindings"]
    assert [r["dataset"]["value"] for r in rows] == [
        "https://data.example.org/dataset/gisaxs-2",
        "https://data.example.org/dataset/saxs-1",
    ]


def test_sparqlwrapper_select_xml_csv_tsv(live_server):
    xml = wrapper(live_server, UNDER_SAS, XML).queryAndConvert()
    assert len(xml.getElementsByTagName("result")) == 21
    csv = wrapper(live_server, UNDER_SAS, CSV).queryAndConvert().decode()
    assert csv.splitlines()[0] == "t"
    assert SAXS in csv
    tsv = wrapper(live_server, UNDER_SAS, TSV).queryAndConvert().decode()
    assert tsv.splitlines()[0] == "?t"
    assert f"<{SAXS}>" in tsv


def test_sparqlwrapper_ask(live_server):
    assert wrapper(live_server, f"ASK {{ <{SAXS}> rdfs:subClassOf <{SAS}> }}").queryAndConvert()["boolean"] is True


@pytest.mark.parametrize("fmt", [XML, TURTLE, N3])
def test_sparqlwrapper_construct_gives_a_graph(live_server, fmt):
    query = f"CONSTRUCT {{ ?t rdfs:subClassOf <{SAS}> }} WHERE {{ ?t rdfs:subClassOf <{SAS}> }}"
    result = wrapper(live_server, query, fmt).queryAndConvert()
    graph = result if isinstance(result, rdflib.Graph) else rdflib.Graph().parse(data=result, format="turtle")
    assert len(graph) == 21
    assert (rdflib.URIRef(SAXS), rdflib.RDFS.subClassOf, rdflib.URIRef(SAS)) in graph


def test_sparqlwrapper_describe(live_server):
    graph = wrapper(live_server, f"DESCRIBE <{SAXS}>", XML).queryAndConvert()
    assert (rdflib.URIRef(SAXS), rdflib.RDFS.label, rdflib.Literal("small angle x-ray scattering")) in graph


def test_sparqlwrapper_update_is_refused(live_server):
    sparql = SPARQLWrapper(live_server + "/sparql", updateEndpoint=live_server + "/sparql")
    sparql.setMethod(POST)
    sparql.setQuery("INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }")
    with pytest.raises(QueryBadFormed, match="read-only"):
        sparql.query()
    assert not wrapper(live_server, "ASK { <http://e/a> ?p ?o }").queryAndConvert()["boolean"]


def test_rdflib_sparqlstore(live_server):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = rdflib.Graph(store=SPARQLStore(live_server + "/sparql"))
    children = set(graph.subjects(rdflib.RDFS.subClassOf, rdflib.URIRef(SAS)))
    assert rdflib.URIRef(SAXS) in children
    assert len(children) == 21
    rows = list(graph.query("SELECT ?l WHERE { <%s> rdfs:label ?l }" % SAXS))  # noqa: UP031
    assert [str(r[0]) for r in rows] == ["small angle x-ray scattering"]
    assert graph.query(f"ASK {{ <{SAXS}> rdfs:subClassOf <{SAS}> }}").askAnswer is True


@pytest.mark.parametrize(
    ("query", "refused"),
    [
        ("INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }", "read-only"),
        ("LOAD <http://127.0.0.1:9/data.ttl>", "read-only"),
        ("CLEAR ALL", "read-only"),
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "SERVICE"),
    ],
)
@pytest.mark.parametrize("how", ["get", "form", "body"])
def test_writes_and_federation_are_400_problems(live_server, query, refused, how):
    url = live_server + "/sparql"
    if how == "get":
        response = httpx.get(url, params={"query": query})
    elif how == "form":
        response = httpx.post(url, data={"query": query})
    else:
        response = httpx.post(url, content=query, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert refused in response.json()["detail"]


@pytest.mark.parametrize(
    "request_args",
    [
        {"method": "POST", "data": {"update": "CLEAR ALL"}},
        {"method": "POST", "content": "CLEAR ALL", "headers": {"Content-Type": "application/sparql-update"}},
        {"method": "GET", "params": {"update": "CLEAR ALL"}},
    ],
)
def test_update_operation_is_refused(live_server, request_args):
    response = httpx.request(url=live_server + "/sparql", **request_args)
    assert response.status_code == 400
    assert response.json()["title"] == "Query refused"


@pytest.mark.parametrize(
    ("request_args", "status"),
    [
        ({"method": "GET"}, 400),
        ({"method": "GET", "params": {"query": "SELECT ?x WHERE {"}}, 400),
        ({"method": "POST", "content": b"\xff\xfe", "headers": {"Content-Type": "application/sparql-query"}}, 400),
        ({"method": "POST", "content": "ASK {}", "headers": {"Content-Type": "text/plain"}}, 415),
        ({"method": "POST", "data": {"query": ["ASK {}", "ASK {}"]}}, 400),
        ({"method": "GET", "params": {"query": "ASK {}"}, "headers": {"Accept": "image/png"}}, 406),
        ({"method": "GET", "params": {"query": "DESCRIBE <x:y>"}, "headers": {"Accept": "text/csv"}}, 406),
    ],
)
def test_bad_requests_are_problems(live_server, request_args, status):
    response = httpx.request(url=live_server + "/sparql", **request_args)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["detail"]


def test_timeout_stops_the_query_and_the_service_goes_on(limited_server):
    url = limited_server + "/sparql"
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    response = httpx.get(url, params={"query": runaway}, timeout=30)
    assert response.status_code == 503
    assert response.json()["title"] == "Query timeout"
    assert "1 s" in response.json()["detail"]
    again = httpx.get(url, params={"query": f"ASK {{ <{SAXS}> rdfs:subClassOf <{SAS}> }}"}, timeout=30)
    assert again.json()["boolean"] is True


def test_row_cap_is_configurable(limited_server, live_server):
    query = "SELECT ?t WHERE { ?t rdfs:subClassOf panet:PaNET00200 }"  # scattering technique: 126 descendants
    capped = httpx.get(limited_server + "/sparql", params={"query": query})
    assert capped.status_code == 400
    assert "more than 50 rows" in capped.json()["detail"]
    full = httpx.get(live_server + "/sparql", params={"query": query})
    assert len(full.json()["results"]["bindings"]) == 126


def test_persistent_store_serves_the_same_dataset(limited_server, live_server):
    query = f"SELECT ?t WHERE {{ ?t rdfs:subClassOf <{SAS}> }} ORDER BY ?t"
    on_disk = httpx.get(limited_server + "/sparql", params={"query": query}).json()
    in_memory = httpx.get(live_server + "/sparql", params={"query": query}).json()
    assert on_disk["results"] == in_memory["results"]


def test_endpoint_expands_techniques_with_values(live_server, onto):
    endpoint = Endpoint(live_server + "/sparql", onto)
    values = endpoint.technique_values("small angle scattering")
    assert values.count("<http://purl.org/pan-science/PaNET/") == len(onto.descendants(SAS)) + 1
    assert endpoint.datasets_with_technique("small angle scattering") == [
        "https://data.example.org/dataset/gisaxs-2",
        "https://data.example.org/dataset/saxs-1",
    ]
    assert endpoint.datasets_with_technique("SAS", descendants=False) == []
    assert endpoint.datasets_with_technique("x-ray diffraction") == ["https://data.example.org/dataset/xrd-3"]
    rows = endpoint.select(f"SELECT ?l WHERE {{ <{SAXS}> rdfs:label ?l }}")
    assert rows == [{"l": "small angle x-ray scattering"}]


def test_endpoint_errors_are_remote_errors(live_server):
    with pytest.raises(RemoteError, match="read-only"):
        Endpoint(live_server + "/sparql").select("CLEAR ALL")
    with pytest.raises(RemoteError, match="cannot reach"):
        Endpoint("http://127.0.0.1:9/sparql", timeout=2).select("ASK {}")


def test_cli_sparql_local_and_remote_agree(live_server):
    query = f"SELECT ?t WHERE {{ ?t rdfs:subClassOf <{SAS}> }} ORDER BY ?t"
    run = [sys.executable, "-m", "panet", "sparql", query, "--format", "csv"]
    local = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    remote = subprocess.run([*run, "--endpoint", live_server + "/sparql"], capture_output=True, text=True, check=True)
    assert local == remote.stdout
    assert len(local.splitlines()) == 22


def test_cli_sparql_refuses_updates(live_server):
    command = [sys.executable, "-m", "panet", "sparql", "CLEAR ALL"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "read-only" in done.stderr
