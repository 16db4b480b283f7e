"""``/techniques…`` over the real ``panet serve`` on 127.0.0.1 (conftest's ``live_server``),
queried the way the PaN search API does (``GET /techniques/pan-ontology`` with ``where`` as a
JSON query parameter).

Expected expansions come from the reasoned hierarchy; the library side is in tests/capabilities/test_loopback.py.
"""

from __future__ import annotations

import http.client
import json
from urllib.parse import quote

import httpx
import pytest
from loopback_cases import ORIGINAL_CASES, SMALL_ANGLE_SCATTERING, XES, family

PANET = "http://purl.org/pan-science/PaNET/"


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=30) as session:
        yield session


def pan_ontology(client, where, **params):
    """What panosc-search-api's panet-service.js sends: where=JSON.stringify(where)."""
    return client.get("/techniques/pan-ontology", params={"where": json.dumps(where), **params})


def get_raw(base_url, target):
    """GET with a request target sent as is (httpx refuses queries over 64 kB)."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        return httpx.Response(response.status, headers=response.getheaders(), content=response.read())
    finally:
        connection.close()


def assert_problem(response, status=400, *words):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    for word in words:
        assert word in body["detail"], body
    return body


@pytest.mark.parametrize(("where", "expected"), ORIGINAL_CASES, ids=[json.dumps(c[0]) for c in ORIGINAL_CASES])
def test_original_test_inputs_over_http(onto, client, where, expected):
    response = pan_ontology(client, where)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == expected(lambda key: family(onto, key))


def test_raw_json_in_the_url_like_the_original_acceptance_test(live_server):
    response = get_raw(live_server, '/techniques/pan-ontology?where={"name":"small%20angle%20scattering"}')
    assert response.status_code == 200
    assert response.json() == {"pid": {"inq": SMALL_ANGLE_SCATTERING}}


def test_former_label_and_filter_form(onto, client):
    expected = {"pid": {"inq": family(onto, "PaNET01012")}}
    assert pan_ontology(client, {"name": "x-ray probe"}).json() == expected
    response = client.get("/techniques/pan-ontology", params={"filter": json.dumps({"where": {"name": "x-ray probe"}})})
    assert response.json() == expected


def test_regular_expressions_over_http(onto, client):
    assert pan_ontology(client, {"name": {"ilike": "^xes$"}}).json() == {"pid": {"inq": [XES]}}
    expected = sorted({*family(onto, "GISAXS"), *family(onto, "GISANS")})
    assert pan_ontology(client, {"name": {"nlike": "^GISA[XN]S$"}}).json() == {"pid": {"nin": expected}}


def test_unknown_technique_gives_empty_inq(client):
    assert pan_ontology(client, {"name": "no such technique"}).json() == {"pid": {"inq": []}}
    assert pan_ontology(client, {"pid": PANET + "PaNET2020072"}).json() == {"pid": {"inq": []}}  # a specifier


def test_equivalent_classes_over_http(onto, client):
    imaging = pan_ontology(client, {"name": "imaging"}).json()
    assert imaging == pan_ontology(client, {"name": "obtain spatial map"}).json()
    assert onto.term("obtain spatial map").iri in imaging["pid"]["inq"]


def test_no_where_selects_every_technique(client):
    everything = client.get("/techniques/pan-ontology").json()["pid"]["inq"]
    assert len(everything) == 380


@pytest.mark.parametrize(
    ("where_text", "words"),
    [
        ("{bad", ["not valid JSON"]),
        ("[1, 2]", ["must be a JSON object"]),
        ('{"name": 5}', ["where.name", "must be a string"]),
        ('{"pid": {"inq": "XES"}}', ["where.pid.inq", "list of strings"]),
        ('{"name": {"foo": "XES"}}', ["where.name.foo", "unknown operator"]),
        ('{"label": "XES"}', ["where.label", "unknown property"]),
        ('{"and": {"name": "XES"}}', ["where.and", "non-empty list"]),
        ('{"name": {"like": "("}}', ["not a valid regular expression"]),
        ('{"and": [' * 9 + '{"name": "XES"}' + "]}" * 9, ["nested more than 8 levels"]),
        ("[" * 60_000, ["nested too deeply"]),
        ('{"name": "' + "x" * 100_000 + '"}', ["100,012 characters of JSON"]),
    ],
    ids=lambda v: str(v)[:30],
)
def test_bad_where_is_a_400_problem(live_server, where_text, words):
    response = get_raw(live_server, "/techniques/pan-ontology?where=" + quote(where_text))
    body = assert_problem(response, 400, *words)
    assert body["parameter"] == "where"
    assert body["instance"] == "/techniques/pan-ontology"


def test_a_100_kb_where_of_many_pids_is_a_400_problem(live_server):
    where = json.dumps({"pid": {"inq": [f"{PANET}PaNET{n:05d}" for n in range(2500)]}})
    assert len(where) > 100_000
    response = get_raw(live_server, "/techniques/pan-ontology?where=" + quote(where))
    assert_problem(response, 400, f"{len(where):,} characters of JSON")


def test_where_and_filter_together_is_a_400_problem(client):
    params = {"where": '{"name": "XES"}', "filter": '{"where": {"name": "XES"}}'}
    assert_problem(client.get("/techniques/pan-ontology", params=params), 400, "either where or filter")
    body = assert_problem(client.get("/techniques/pan-ontology", params={"filter": '{"where": {"name": 1}}'}), 400)
    assert body["parameter"] == "filter"
    assert body["detail"].startswith("filter.where.name: must be a string")
    bad = {"filter": '{"where": {"name": "XES"}, "limit": 1}'}
    assert_problem(
        client.get("/techniques/pan-ontology", params=bad), 400, "filter.limit: unknown filter key; use where"
    )


def test_count(onto, client):
    assert client.get("/techniques/count").json() == {"count": 380}
    where = json.dumps({"name": {"like": "small angle"}})
    expected = sum(any("small angle" in name for name in t.names) for t in onto.terms("technique"))
    assert client.get("/techniques/count", params={"where": where}).json() == {"count": expected}
    assert_problem(client.get("/techniques/count", params={"where": "{"}), 400, "not valid JSON")


def test_find(client):
    records = client.get("/techniques").json()
    assert len(records) == 380
    assert all(list(r) == ["pid", "name", "synonym", "parents", "children", "relatives"] for r in records)
    assert [r["pid"] for r in records] == sorted(r["pid"] for r in records)
    page = {"where": {"name": {"ilike": "^xes$"}}, "fields": ["pid", "name"]}
    response = client.get("/techniques", params={"filter": json.dumps(page)})
    assert response.json() == [{"pid": XES, "name": "x-ray emission spectroscopy"}]
    assert_problem(client.get("/techniques", params={"filter": '{"limit": -1}'}), 400, "filter.limit")


def test_find_by_url_encoded_pid(onto, client):
    response = client.get("/techniques/" + quote(XES, safe=""))
    assert response.status_code == 200
    record = response.json()
    assert record["pid"] == XES
    assert record["name"] == "x-ray emission spectroscopy"
    assert record["synonym"] == ["XES"]
    assert record["children"] == []
    assert record["relatives"] == [XES]
    assert record["parents"] == sorted(t.iri for t in onto.parents(XES))
    fields = {"filter": json.dumps({"fields": {"pid": True}})}
    assert client.get("/techniques/panet:PaNET01200", params=fields).json() == {"pid": XES}


def test_find_by_pid_of_a_specifier_or_unknown_is_a_404_problem(client):
    assert_problem(client.get("/techniques/" + quote(PANET + "PaNET2020072", safe="")), 404, "is a specifier")
    assert_problem(client.get("/techniques/" + quote(PANET + "PaNET99999", safe="")), 404, "PaNET99999")


@pytest.mark.parametrize(
    "target",
    [
        "/techniques/pan-ontology?where[name]=XES",
        "/techniques/count?where[name][neq]=XES",
        "/techniques?filter[limit]=1",
    ],
)
def test_bracket_style_parameters_are_refused_not_ignored(client, target):
    body = assert_problem(client.get(target), 400, "send the", "as JSON instead")
    assert body["parameter"] in ("where", "filter")


def test_answer_memory_is_bounded_in_bytes():
    from panet.api.techniques import _Answers

    answers = _Answers(max_bytes=1000)
    for i in range(50):
        answers[("onto", f"where {i:02d}", None)] = b"x" * 92  # 100 bytes with its where
        if i == 45:
            assert answers.get(("onto", "where 41", None))  # used: kept over older ones
    assert answers.size == 1000
    kept = [40, 42, 43, 44, 45, 41, 46, 47, 48, 49]  # least recently used first
    assert [key[1] for key in answers] == [f"where {i}" for i in kept]
    answers[("onto", "huge", None)] = b"x" * 200  # more than an eighth of the budget: not kept
    assert answers.get(("onto", "huge", None)) is None
