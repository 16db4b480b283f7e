"""The native REST API, its limits and its errors, against the real server (httpx)."""

from __future__ import annotations

import httpx
import pytest

import panet

SAXS = "http://purl.org/pan-science/PaNET/PaNET01188"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=30) as client:
        yield client


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    return body


def test_version_reports_ontology_and_package(client, onto):
    body = client.get("/version").json()
    assert body["panet"] == panet.__version__
    assert body["ontology"]["checksum"] == onto.checksum
    assert body["ontology"]["version"] == onto.version


@pytest.mark.parametrize(
    "key", ["PaNET01188", "panet:PaNET01188", "PaNET:PaNET01188", SAXS, "SAXS", "small angle x-ray scattering"]
)
def test_term_by_any_key(client, key):
    body = client.get(f"/terms/{key}").json()
    assert body["iri"] == SAXS
    assert body["label"] == "small angle x-ray scattering"
    assert {p["id"] for p in body["parents"]} == {"PaNET01124", "PaNET01184"}


def test_term_iri_url_encoded(client):
    assert client.get("/terms/http%3A%2F%2Fpurl.org%2Fpan-science%2FPaNET%2FPaNET01188").json()["iri"] == SAXS


def test_shared_label_is_the_technique_unless_kind_says_otherwise(client):
    assert client.get("/terms/small angle scattering").json()["id"] == "PaNET01124"
    assert client.get("/terms/small angle scattering", params={"kind": "specifier"}).json()["id"] == "PaNET2020072"


def test_former_label_resolves_to_todays_term(client):
    body = client.get("/terms/x-ray probe").json()
    assert body["id"] == "PaNET01012"
    assert body["match"] == "former label"


def test_unknown_term_is_a_404_problem_with_suggestions(client):
    body = assert_problem(client.get("/terms/small angle x-ray scatering"), 404)
    assert "small angle x-ray scattering" in body["suggestions"]
    assert "small angle x-ray scatering" in body["detail"]


def test_term_as_jsonld_is_rdf(client):
    import rdflib

    response = client.get("/terms/PaNET01188", headers={"Accept": "application/ld+json"})
    assert response.headers["content-type"] == "application/ld+json"
    graph = rdflib.Graph().parse(data=response.text, format="json-ld")
    saxs, sas = rdflib.URIRef(SAXS), rdflib.URIRef("http://purl.org/pan-science/PaNET/PaNET01124")
    assert (saxs, rdflib.RDFS.label, rdflib.Literal("small angle x-ray scattering")) in graph
    assert (saxs, rdflib.RDFS.subClassOf, sas) in graph
    assert (saxs, rdflib.SKOS.altLabel, rdflib.Literal("SAXS")) in graph
    assert (sas, rdflib.RDFS.label, rdflib.Literal("small angle scattering")) in graph
    children = set(graph.subjects(rdflib.RDFS.subClassOf, saxs))
    assert len(children) == len(client.get("/terms/PaNET01188").json()["children"]) > 0


def test_json_is_the_default(client):
    assert client.get("/terms/SAXS", headers={"Accept": "*/*"}).headers["content-type"] == "application/json"


@pytest.mark.parametrize("relation", ["parents", "children", "ancestors", "descendants"])
def test_hierarchy_matches_the_library(client, onto, relation):
    body = client.get(f"/terms/PaNET01124/{relation}").json()
    expected = getattr(onto, relation)("PaNET01124")
    assert {t["iri"] for t in body["terms"]} == {t.iri for t in expected}
    labels = [t["label"].casefold() for t in body["terms"]]
    assert labels == sorted(labels)


def test_terms_by_label_and_kind(client):
    both = client.get("/terms", params={"label": "small angle scattering"}).json()
    assert [t["id"] for t in both["terms"]] == ["PaNET01124", "PaNET2020072"]
    specifiers = client.get("/terms", params={"label": "small angle scattering", "kind": "specifier"}).json()
    assert [t["id"] for t in specifiers["terms"]] == ["PaNET2020072"]


def test_terms_listing_pages_through_everything(client, onto):
    seen = []
    for offset in range(0, 600, 250):
        seen += client.get("/terms", params={"limit": 250, "offset": offset, "kind": "technique"}).json()["terms"]
    assert [t["iri"] for t in seen] == [t.iri for t in onto.terms("technique")]


def test_search_ranks_and_pages(client, onto):
    first = client.get("/search", params={"q": "scattering", "limit": 3}).json()
    assert [h["label"] for h in first["hits"]] == [h.term.label for h in onto.search("scattering", limit=3)]
    second = client.get("/search", params={"q": "scattering", "limit": 3, "offset": 3}).json()
    assert [h["label"] for h in second["hits"]] == [h.term.label for h in onto.search("scattering", limit=6)[3:]]
    assert first["total"] == second["total"] == len(onto.search("scattering", limit=None))
    specifiers = client.get("/search", params={"q": "scattering", "kind": "specifier"}).json()["hits"]
    assert {h["kind"] for h in specifiers} == {"specifier"}


def test_search_typo_gets_fuzzy_hits(client):
    hits = client.get("/search", params={"q": "difraction"}).json()["hits"]
    assert hits[0]["match"] == "fuzzy"
    assert "diffraction" in hits[0]["label"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/search", {}),
        ("/search", {"q": "x", "limit": 0}),
        ("/search", {"q": "x", "limit": "many"}),
        ("/terms", {"kind": "probe"}),
        ("/terms/SAXS", {"kind": "probe"}),
        ("/terms", {"offset": -1}),
    ],
)
def test_bad_parameters_are_422_problems(client, path, params):
    body = assert_problem(client.get(path, params=params), 422)
    assert body["errors"]


def test_unknown_route_is_a_404_problem(client):
    assert_problem(client.get("/no/such/route"), 404)


def test_cors_is_off_by_default(client):
    response = client.get("/terms/SAXS", headers={"Origin": "https://catalogue.example.org"})
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options(
        "/sparql", headers={"Origin": "https://catalogue.example.org", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_when_configured(limited_server):
    origin = "https://catalogue.example.org"
    response = httpx.get(limited_server + "/terms/SAXS", headers={"Origin": origin})
    assert response.headers["access-control-allow-origin"] == origin
    other = httpx.get(limited_server + "/terms/SAXS", headers={"Origin": "https://elsewhere.example.com"})
    assert "access-control-allow-origin" not in other.headers
    preflight = httpx.options(
        limited_server + "/annotate",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == origin


def test_body_over_the_cap_is_413_before_it_is_read(limited_server):
    response = httpx.post(
        limited_server + "/sparql",
        content="ASK {} " + "#" * 5000,
        headers={"Content-Type": "application/sparql-query"},
    )
    body = assert_problem(response, 413)
    assert "2000 bytes" in body["detail"]


def test_chunked_body_over_the_cap_is_413(limited_server):
    def chunks():
        yield b"ASK {} "
        for _ in range(10):
            yield b"#" * 500

    response = httpx.post(
        limited_server + "/sparql", content=chunks(), headers={"Content-Type": "application/sparql-query"}
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413)


def test_body_under_the_cap_is_served(limited_server):
    response = httpx.post(
        limited_server + "/sparql",
        content="ASK {} " + "#" * 1000,
        headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"},
    )
    assert response.text == "true"


def test_no_endpoint_takes_a_server_path(live_server):
    spec = httpx.get(live_server + "/openapi.json").json()
    names = {
        p["name"].lower() for path in spec["paths"].values() for op in path.values() for p in op.get("parameters", [])
    }
    assert not names & {"path", "file", "filename", "dir", "directory", "store", "data"}
    # graph names are never fetched: a file: IRI is only a name
    response = httpx.get(
        live_server + "/sparql",
        params={"query": "ASK { ?s ?p ?o }", "default-graph-uri": "file:///etc/passwd"},
        headers={"Accept": "text/csv"},
    )
    assert response.text == "false"


def test_openapi_documents_every_route(live_server):
    paths = set(httpx.get(live_server + "/openapi.json").json()["paths"])
    assert {"/terms/{key}", "/search", "/sparql", "/ols/api/search", "/ols/api/ontologies/{ontology}/terms"} <= paths
    assert httpx.get(live_server + "/docs").status_code == 200


def test_history(client, onto):
    body = client.get("/terms/x-ray probe technique/history").json()
    assert body["term"]["id"] == "PaNET01012"
    assert [(c["version"], c["label"]) for c in body["history"]] == list(onto.history("PaNET01012"))
    assert body["history"][0] == {"version": "1.0.0", "label": "x-ray probe"}
    assert_problem(client.get("/terms/no such technique/history"), 404)


def test_mappings(client, onto):
    body = client.get("/terms/SAXS/mappings").json()
    assert body["term"]["id"] == "PaNET01188"
    assert body["mappings"] == [m.to_dict() for m in onto.mappings_for("SAXS")]
    assert [(m["object_id"], m["predicate_id"]) for m in body["mappings"]] == [("wfl:1425", "skos:exactMatch")]
    assert client.get("/terms/PaNET2020072/mappings").json()["mappings"] == []
    assert_problem(client.get("/terms/no such technique/mappings"), 404)


def test_facets(client, onto):
    body = client.get("/terms/SAXS/facets").json()
    assert body == onto.facets("SAXS").to_dict()
    assert [t["label"] for t in body["axes"]["probe"]] == ["x-ray"]
    assert_problem(client.get("/terms/no such technique/facets"), 404)


def test_serve_a_shipped_release(records_ttl):
    from server import running_server

    # v1.2.0 ships as a ROBOT CSV: the SPARQL dataset is then built from the index alone
    with running_server("--version", "1.2.0", env={"PANET_SPARQL_WORKERS": "1"}) as base:
        assert httpx.get(base + "/version").json()["ontology"]["version"] == "1.2.0"
        assert httpx.get(base + "/terms/PaNET01012").json()["label"] == "x-ray probe"
        query = "SELECT ?l WHERE { panet:PaNET01012 rdfs:label ?l }"
        rows = httpx.get(base + "/sparql", params={"query": query}).json()["results"]["bindings"]
        assert [r["l"]["value"] for r in rows] == ["x-ray probe"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "/nonexistent/records.ttl"], "no such file"),
        (["--ontology", "/nonexistent/PaNET.owl"], "no such file"),
        (["--version", "0.9.9"], "0.9.9"),
        (["--version", "1.1.0", "--ontology", "x.owl"], "not both"),
    ],
)
def test_serve_bad_input_is_one_line_and_exit_2(args, message):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "panet", "serve", "--port", "0", *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_api_docs_work_offline(client, page):
    import re

    html = client.get(page)
    assert html.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', html.text)
    assert assets, html.text
    assert all(not a.startswith(("http://", "https://", "//")) for a in assets), assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
