"""POST /validate against the real server: reports as the library makes them, bad input."""

from __future__ import annotations

import json

import httpx
import pytest
import rdflib

import panet

SPECIFIER_RECORD = """
@prefix schema: <http://schema.org/> .
<https://data.example.org/d/1> a schema:Dataset ; schema:name "SAXS of vesicles" ; schema:identifier "d1" ;
    schema:license <https://creativecommons.org/licenses/by/4.0/> ;
    schema:measurementTechnique <http://purl.org/pan-science/PaNET/PaNET2020072> .
"""
GOOD_RECORD = SPECIFIER_RECORD.replace("PaNET2020072", "PaNET01188")
TURTLE = {"Content-Type": "text/turtle"}


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as client:
        yield client


def test_report_matches_the_library(client, onto):
    body = client.post("/validate", content=SPECIFIER_RECORD, headers=TURTLE).json()
    expected = panet.validate(rdflib.Graph().parse(data=SPECIFIER_RECORD, format="turtle"), ontology=onto)
    assert body == json.loads(expected.to_json())
    assert body["conforms"] is False
    assert "is a specifier; did you mean the technique PaNET01124" in body["results"][0]["message"]


def test_conforming_record(client):
    body = client.post("/validate", content=GOOD_RECORD, headers=TURTLE).json()
    assert body["conforms"] is True
    assert body["results"] == []


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_https_schema_org_records_are_checked_too(client, engine):
    https = SPECIFIER_RECORD.replace("<http://schema.org/>", "<https://schema.org/>")
    body = client.post("/validate", params={"engine": engine}, content=https, headers=TURTLE).json()
    assert body["conforms"] is False
    assert "is a specifier; did you mean the technique PaNET01124" in body["results"][0]["message"]


def test_engines_agree(client):
    fast = client.post("/validate", content=SPECIFIER_RECORD, headers=TURTLE).json()
    reference = client.post("/validate", params={"engine": "pyshacl"}, content=SPECIFIER_RECORD, headers=TURTLE).json()
    assert reference["engine"] == "pyshacl"
    assert sorted(r["message"] for r in fast["results"]) == sorted(r["message"] for r in reference["results"])


def test_technique_under_a_term(client):
    inside = client.post("/validate", params={"under": "small angle scattering"}, content=GOOD_RECORD, headers=TURTLE)
    assert inside.json()["conforms"] is True
    outside = client.post("/validate", params={"under": "x-ray diffraction"}, content=GOOD_RECORD, headers=TURTLE)
    assert "not under 'x-ray diffraction'" in outside.json()["results"][0]["message"]
    unknown = client.post("/validate", params={"under": "no such technique"}, content=GOOD_RECORD, headers=TURTLE)
    assert unknown.status_code == 404


def test_report_as_turtle(client):
    response = client.post("/validate", content=SPECIFIER_RECORD, headers={**TURTLE, "Accept": "text/turtle"})
    assert response.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert (None, sh.conforms, rdflib.Literal(False)) in graph


def test_plain_json_records_with_a_shipped_context(client):
    records = [{"pid": "d1", "title": "t", "techniques": [{"pid": "http://purl.org/pan-science/PaNET/PaNET01188"}]}]
    body = client.post("/validate", params={"context": "pan-search"}, json=records).json()
    assert body["counts"]["Violation"] == 0
    without = client.post("/validate", json=records)
    assert without.status_code == 400
    assert "context" in without.json()["detail"]


@pytest.mark.parametrize(
    ("content", "headers", "status", "detail"),
    [
        ("<https://e/a> <https://e/b> ", TURTLE, 400, "request body, line 1"),
        ('{"@id": ', {"Content-Type": "application/ld+json"}, 400, "not valid JSON"),
        ("", TURTLE, 400, "empty"),
        (GOOD_RECORD, {"Content-Type": "text/csv"}, 415, "text/turtle"),
        (GOOD_RECORD, {**TURTLE, "Accept": "image/png"}, 406, "application/json"),
    ],
)
def test_bad_input_is_a_problem(client, content, headers, status, detail):
    response = client.post("/validate", content=content, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]


def test_no_server_file_is_read(client):
    # a context is a shipped name, never a path; a remote JSON-LD context is never fetched
    assert client.post("/validate", params={"context": "/etc/passwd"}, json=[{}]).status_code == 422
    document = {"@context": "http://127.0.0.1:9/context.jsonld", "@id": "https://e/a"}
    response = client.post("/validate", json=document, headers={"Content-Type": "application/ld+json"})
    assert response.status_code == 400
    assert "never fetches" in response.json()["detail"]


def test_body_cap(limited_server):
    response = httpx.post(limited_server + "/validate", content=GOOD_RECORD * 20, headers=TURTLE)
    assert response.status_code == 413
