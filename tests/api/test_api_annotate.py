"""POST /annotate against the real server: the library's results and options, and bad input."""

from __future__ import annotations

import httpx
import pytest

TEXT = "in-situ GISAXS and x ray diffraction of thin films"


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=30) as client:
        yield client


def test_annotate_matches_the_library(client, onto):
    body = client.post("/annotate", json={"text": TEXT}).json()
    assert body["annotations"] == [a.to_dict() for a in onto.annotate(TEXT)]
    assert [(a["text"], a["id"]) for a in body["annotations"]] == [
        ("GISAXS", "PaNET01162"),
        ("x ray diffraction", "PaNET01216"),
    ]
    assert TEXT[8:14] == "GISAXS"


@pytest.mark.parametrize(
    "options",
    [
        {"kinds": ["specifier"]},
        {"expand": "ancestors"},
        {"include_synonyms": False},
        {"longest_only": False},
        {"stop_words": ["GISAXS"]},
        {"fuzzy": True},
    ],
)
def test_options_are_the_librarys(client, onto, options):
    body = client.post("/annotate", json={"text": TEXT, **options}).json()
    assert body["annotations"] == [a.to_dict() for a in onto.annotate(TEXT, **options)]


def test_batch_keeps_order(client, onto):
    texts = ["SAXS of proteins", "", "no technique here", "neutron reflectometry"]
    body = client.post("/annotate", json={"texts": texts}).json()
    assert body["results"] == [[a.to_dict() for a in onto.annotate(t)] for t in texts]


def test_batch_cap_is_413(limited_server):
    # limited_server keeps the default PANET_MAX_BATCH (10 000) but caps bodies at 2 000 bytes
    response = httpx.post(limited_server + "/annotate", json={"texts": ["x"] * 1000})
    assert response.status_code == 413


def test_batch_over_max_batch(live_server):
    response = httpx.post(live_server + "/annotate", json={"texts": ["x"] * 10_001}, timeout=30)
    assert response.status_code == 413
    assert "PANET_MAX_BATCH" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"text": "SAXS"', "application/json"),  # truncated JSON
        (b"text=SAXS", "application/x-www-form-urlencoded"),
        (b'{"text": 3}', "application/json"),
        (b'{"text": "SAXS", "kinds": ["probe"]}', "application/json"),
        (b'{"text": "SAXS", "expand": "everything"}', "application/json"),
        (b'{"text": "a", "texts": ["b"]}', "application/json"),
        (b"{}", "application/json"),
    ],
)
def test_bad_input_is_a_422_problem(client, body, content_type):
    response = client.post("/annotate", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"]
