"""POST /annotate/records against the real server: every record comes back annotated or
rejected with its reason, in order; counts add up; bad batches are problems."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest

import panet.records

PAN_RECORDS = [
    {"pid": "d1", "title": "GISAXS of thin films", "techniques": []},
    {"pid": "d2", "title": "powder diffraction", "techniques": [{"pid": "x", "name": "x-ray probe"}]},
    42,
    {"pid": "d4", "title": "nothing to see here", "techniques": []},
]


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as client:
        yield client


def test_pan_records_annotated_and_rejected(client, onto):
    body = client.post("/annotate/records", json=PAN_RECORDS).json()
    assert body["format"] == "pan"
    summary = body["summary"]
    assert summary["read"] == 4
    assert summary["read"] == summary["annotated"] + summary["unchanged"] + summary["rejected"]
    assert summary["rejected"] == 1
    expected = [panet.records.annotate(r, format="pan", ontology=onto).record for r in PAN_RECORDS if r != 42]
    assert body["records"] == expected
    (reject,) = body["rejects"]
    assert reject["record"] == 3
    assert "JSON object" in reject["reason"]
    corrected = body["records"][1]["techniques"][0]
    assert corrected == {"pid": "http://purl.org/pan-science/PaNET/PaNET01012", "name": "x-ray probe technique"}


def test_json_lines_with_a_broken_line(client):
    lines = [json.dumps(PAN_RECORDS[0]), '{"pid": "broken", "title": ', json.dumps(PAN_RECORDS[3])]
    response = client.post(
        "/annotate/records", content="\n".join(lines) + "\n", headers={"Content-Type": "application/x-ndjson"}
    )
    body = response.json()
    assert [r["pid"] for r in body["records"]] == ["d1", "d4"]
    assert [(r["record"], r["line"]) for r in body["rejects"]] == [(2, 2)]


def test_generic_jsonl_needs_fields(client):
    records = [{"id": 1, "meta": {"abstract": "We measured SAXS and SANS."}}]
    missing = client.post("/annotate/records", params={"format": "jsonl"}, json=records)
    assert missing.status_code == 400
    assert "fields" in missing.json()["detail"]
    assert "panet-records" not in missing.json()["detail"]  # no temporary path leaks out
    body = client.post("/annotate/records", params={"format": "jsonl", "fields": "meta.abstract"}, json=records).json()
    labels = [t["name"] for t in body["records"][0]["panet_techniques"]]
    assert labels == ["small angle x-ray scattering", "small angle neutron scattering"]


def test_scicat_is_detected(client):
    record = {"pid": "s1", "datasetName": "SAXS run", "scientificMetadata": {}, "techniques": []}
    body = client.post("/annotate/records", json=[record]).json()
    assert body["format"] == "scicat"
    assert body["records"][0]["techniques"][0]["name"] == "small angle x-ray scattering"


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        ("pid,title\nd1,SAXS\n", {"Content-Type": "text/csv"}, 415),
        ("<record/>", {"Content-Type": "application/json"}, 415),
        ("", {"Content-Type": "application/json"}, 400),
        (gzip.compress(b'{"pid": "a", "title": "SAXS"}'), {"Content-Type": "application/json"}, 415),
    ],
)
def test_bad_batches_are_problems(client, content, headers, status):
    response = client.post("/annotate/records", content=content, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_batch_cap(live_server):
    lines = "\n".join('{"title": "x"}' for _ in range(10_001))
    response = httpx.post(
        live_server + "/annotate/records", content=lines, headers={"Content-Type": "application/x-ndjson"}, timeout=60
    )
    assert response.status_code == 413
    assert "PANET_MAX_BATCH" in response.json()["detail"]


def test_pretty_printed_json_is_whole_records(client):
    body = json.dumps({"pid": "d1", "title": "GISAXS of thin films", "techniques": []}, indent=2)
    response = client.post("/annotate/records", content=body, headers={"Content-Type": "application/json"})
    (record,) = response.json()["records"]
    assert record["pid"] == "d1" and record["techniques"][0]["name"].startswith("grazing incidence")


def test_datacite_json_as_the_rest_api_serves_it(client):
    doi = {
        "data": {
            "id": "10.1/x",
            "type": "dois",
            "attributes": {"doi": "10.1/x", "titles": [{"title": "SAXS of casein"}]},
        }
    }
    body = client.post("/annotate/records", json=doi).json()
    assert body["format"] == "datacite"
    (record,) = body["records"]
    assert {s["valueUri"] for s in record["data"]["attributes"]["subjects"]} == {
        "http://purl.org/pan-science/PaNET/PaNET01188"
    }
    xml = client.post("/annotate/records", params={"format": "datacite"}, content="<resource/>")
    assert xml.status_code == 415, xml.text
