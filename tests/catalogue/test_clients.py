"""The PaN search API as its real clients call it: the requests the federated search service
(panosc-eu/panosc-federated-search-service, captured with benchmarks/check_federated.py) sends
to a facility, replayed byte for byte against the real server; and parameter queries in the
clients' form ``{"variable": …, "operator": …, "value": …, "unit": …}``. Data: the
specification's fixture (tests/data/pan-search-api, BSD-2-Clause)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from panet.catalogue import Catalogue, build
from panet.loopback import FilterError
from tests.server import running_server

SPEC = Path(__file__).parents[1] / "data" / "pan-search-api"
DATASET2 = "20.500.12269/panosc-dataset2"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("clients")
    extra = folder / "extra.jsonl"  # a dataset whose title the free-text requests find
    extra.write_text(
        json.dumps({"pid": "t/1", "title": "Beam damage at low temperature", "isPublic": True, "creationDate": "2024"})
        + "\n"
    )
    build([SPEC / "db.json", extra], folder / "c.sqlite")
    return folder / "c.sqlite"


@pytest.fixture(scope="module")
def server(store: Path):
    with running_server(env={"PANET_CATALOGUE": str(store)}) as base:
        yield base


@pytest.fixture(scope="module")
def catalogue(store: Path, onto) -> Catalogue:
    return Catalogue(store, onto)


# -- the federated search service's requests, as it sent them (strong-remoting: LoopBack's model
# plural in the path, the filter as compact JSON with the DEFAULT_LIMIT it adds, %-encoded) ------
TECHNIQUE = (
    "/Datasets?filter=%7B%22include%22%3A%5B%7B%22relation%22%3A%22techniques%22%2C%22scope%22%3A%7B%22where"
    "%22%3A%7B%22name%22%3A%22x-ray%20absorption%22%7D%7D%7D%5D%2C%22limit%22%3A100%7D"
)
FREE_TEXT = "/Datasets?filter=%7B%22limit%22%3A10%2C%22query%22%3A%22temperature%20beam%22%7D"
PAGE = "/Instruments?filter=%7B%22where%22%3A%7B%22facility%22%3A%22ESS%22%7D%2C%22skip%22%3A0%2C%22limit%22%3A3%7D"
NESTED = (
    "/Documents?filter=%7B%22include%22%3A%5B%7B%22relation%22%3A%22datasets%22%2C%22scope%22%3A%7B%22include"
    "%22%3A%5B%7B%22relation%22%3A%22parameters%22%2C%22scope%22%3A%7B%22where%22%3A%7B%22and%22%3A%5B%7B%22name"
    "%22%3A%22wavelength%22%7D%2C%7B%22value%22%3A%7B%22between%22%3A%5B1000%2C1100%5D%7D%7D%2C%7B%22unit%22%3A"
    "%22nm%22%7D%5D%7D%7D%7D%5D%7D%7D%5D%2C%22limit%22%3A100%7D"
)


def _get(base: str, raw: str) -> httpx.Response:
    return httpx.get(base + raw, headers={"Accept": "application/json"}, timeout=30)


def test_the_federated_services_paths_are_answered(server: str):
    """strong-remoting asks for /Datasets, /Documents, /Instruments (LoopBack's model plurals;
    LoopBack routes ignore case): these were 404s."""
    found = _get(server, TECHNIQUE)
    assert found.status_code == 200
    assert found.headers["content-type"] == "application/json"
    datasets = found.json()
    assert [d["pid"] for d in datasets] == ["20.500.12269/panosc-dataset3", "20.500.12269/panosc-dataset4"]
    assert all(d["techniques"] == [{"pid": "20.500.12269/panosc-tech2", "name": "x-ray absorption"}] for d in datasets)
    assert {"pid", "title", "isPublic", "creationDate", "score"} <= set(datasets[0])
    assert [i["name"] for i in _get(server, PAGE).json()] == ["ESTIA", "LoKI", "ODIN"]
    documents = _get(server, NESTED).json()
    assert [d["pid"] for d in documents] == ["10.5072/panosc-document2"]
    assert [p["value"] for d in documents[0]["datasets"] for p in d["parameters"]] == [1064]
    assert _get(server, "/Datasets/count").json() == {"count": 5}
    where = "/Documents/count?where=%7B%22type%22%3A%22proposal%22%7D"
    assert _get(server, where).json() == {"count": 1}
    one = _get(server, "/Datasets/20.500.12269%2Fpanosc-dataset1")  # encodeURIComponent(pid)
    assert one.json()["pid"] == "20.500.12269/panosc-dataset1"
    assert _get(server, "/Datasets/nope").status_code == 404  # the service reads a 404 as "not here"


def test_a_datasets_files_are_counted_as_the_specification_says(server: str):
    """``GET /datasets/{pid}/files/count?where=`` (the specification's "count dataset files") was
    read as the dataset with pid ".../files/count": a 404."""
    base = f"{server}/datasets/20.500.12269%2Fpanosc-dataset1/files"
    assert httpx.get(f"{base}/count").json() == {"count": 1}
    assert httpx.get(f"{base}/count", params={"where": '{"name": {"like": "%.hdf"}}'}).json() == {"count": 1}
    assert httpx.get(f"{base}/count", params={"where": '{"name": "other.hdf"}'}).json() == {"count": 0}
    assert [f["name"] for f in httpx.get(base).json()] == ["panosc-file1.hdf"]
    bad = httpx.get(f"{base}/count", params={"where": '{"colour": 1}'})
    assert (bad.status_code, bad.headers["content-type"]) == (400, "application/problem+json")
    assert httpx.get(f"{server}/datasets/nope/files/count").status_code == 404


def test_free_text_in_the_filter_is_scored_as_the_federated_service_keeps_it(server: str):
    """The PaN search API puts free text in the filter (``{"query": …}``); panet refused the key
    (400), so the portal's text searches found nothing here. The federated service drops every
    result whose score is not in (0, 1) (FILTER_INVALID_SCORES, on in production)."""
    found = _get(server, FREE_TEXT)
    assert found.status_code == 200
    hits = found.json()
    assert [h["pid"] for h in hits] == ["t/1"]
    assert all(0 < h["score"] < 1 for h in hits)
    same = httpx.get(f"{server}/datasets", params={"query": "temperature beam", "filter": '{"limit": 10}'}).json()
    assert same == hits
    for filter_, problem in [
        ('{"query": 5}', "filter.query: free text is a string"),
        ('{"query": "beam", "where": {"colour": 1}}', "no property 'colour'"),
    ]:
        bad = httpx.get(f"{server}/Datasets", params={"filter": filter_})
        assert (bad.status_code, bad.headers["content-type"]) == (400, "application/problem+json")
        assert problem in bad.json()["detail"]
    twice = httpx.get(f"{server}/datasets", params={"filter": '{"query": "beam"}', "query": "casein"})
    assert twice.status_code == 400 and "two different free texts" in twice.json()["detail"]


# -- parameter queries in the clients' form --------------------------------------------------------
def _pids(found: list[dict]) -> list[str]:
    return [d["pid"] for d in found]


def test_client_form_parameter_conditions_in_a_parameters_scope(catalogue: Catalogue):
    def scope(where):
        return catalogue.find("Dataset", {"include": [{"relation": "parameters", "scope": {"where": where}}]})

    found = scope({"variable": "photon_energy", "operator": "gt", "value": 0.9, "unit": "keV"})
    assert _pids(found) == [DATASET2]
    assert found[0]["parameters"][0]["value"] == pytest.approx(0.93)  # answered in the asked unit
    assert found[0]["parameters"][0]["unit"] == "keV"
    ranged = scope(
        {
            "and": [
                {"variable": "photon_energy", "operator": "gt", "value": 880, "unit": "eV"},
                {"variable": "photon_energy", "operator": "lt", "value": 0.99, "unit": "keV"},  # converted to eV
            ]
        }
    )
    assert _pids(ranged) == [DATASET2]
    assert ranged[0]["parameters"][0]["value"] == pytest.approx(930)
    assert scope({"variable": "photon_energy", "operator": "lt", "value": 0.9, "unit": "keV"}) == []
    either = {"or": [{"name": "temperature", "operator": "lt", "value": 300, "unit": "K"}]}
    assert _pids(scope(either)) == ["20.500.12269/panosc-dataset3"]  # "name" for "variable" works too
    assert _pids(scope({"query": {"variable": "sample_state", "value": "solid"}})) == ["20.500.12269/panosc-dataset1"]


def test_client_form_parameter_conditions_on_datasets_and_documents(catalogue: Catalogue):
    """A where on a Dataset or Document: objects with parameters that meet the conditions (the
    specification's first query syntax)."""
    copper = {
        "and": [
            {"variable": "sample_state", "operator": "eq", "value": "solid"},
            {"variable": "chemical_formula", "operator": "eq", "value": "Cu"},
        ]
    }
    assert _pids(catalogue.find("Dataset", {"where": copper})) == ["20.500.12269/panosc-dataset1"]
    gas = {"and": [*copper["and"][1:], {"variable": "sample_state", "operator": "eq", "value": "gas"}]}
    assert catalogue.find("Dataset", {"where": gas}) == []  # every condition must hold
    cold = {"query": {"variable": "temperature", "operator": "lt", "value": 80, "unit": "celsius"}}
    assert _pids(catalogue.find("Dataset", {"where": cold})) == ["20.500.12269/panosc-dataset3"]
    assert catalogue.count("Dataset", cold) == 1
    titled = {
        "and": [{"title": {"like": "%Dataset 2"}}, {"variable": "photon_energy", "operator": "gte", "value": 930}]
    }
    assert _pids(catalogue.find("Dataset", {"where": titled})) == [DATASET2]
    wavelength = {"name": "wavelength", "operator": "between", "value": [1, 1.1], "unit": "um"}
    assert _pids(catalogue.find("Document", {"where": wavelength})) == ["10.5072/panosc-document1"]
    nested = {"include": [{"relation": "datasets", "scope": {"where": wavelength}}]}
    assert _pids(catalogue.find("Document", nested)) == ["10.5072/panosc-document2"]


@pytest.mark.parametrize(
    ("where", "place", "problem"),
    [
        ({"variable": "t", "operator": "near", "value": 1}, "filter.where.operator", "unknown operator 'near'"),
        (
            {"variable": "t", "operator": "lt", "value": 1, "unit": "furlong per cubit"},
            "filter.where.unit",
            "unknown unit",
        ),
        ({"variable": "t", "value": 1, "colour": "red"}, "filter.where.colour", "unknown key"),
        ({"variable": "t", "operator": "lt"}, "filter.where", "has a value"),
        ({"or": [{"title": "x"}, {"variable": "t", "value": 1}]}, "filter.where.or", "mixes parameter conditions"),
        (
            {
                "and": [
                    {"variable": "e", "operator": "lt", "value": 1, "unit": "eV"},
                    {"variable": "e", "operator": "gt", "value": 1, "unit": "K"},
                ]
            },
            "filter.where.and",
            "measures another quantity",
        ),
    ],
)
def test_bad_client_form_parameter_conditions_say_what_and_where(catalogue: Catalogue, where, place, problem):
    with pytest.raises(FilterError, match=re.escape(problem)) as raised:
        catalogue.find("Dataset", {"where": where})
    assert raised.value.where.startswith(place)


def test_bad_client_form_parameter_conditions_are_400_problems(server: str):
    filter_ = {"where": {"variable": "photon_energy", "operator": "near", "value": 1, "unit": "eV"}}
    bad = httpx.get(f"{server}/Datasets", params={"filter": json.dumps(filter_)})
    assert (bad.status_code, bad.headers["content-type"]) == (400, "application/problem+json")
    assert "filter.where.operator: unknown operator 'near'" in bad.json()["detail"]
    unit = {
        "include": [{"relation": "parameters", "scope": {"where": {"variable": "e", "value": 1, "unit": "parsec"}}}]
    }
    assert httpx.get(f"{server}/datasets", params={"filter": json.dumps(unit)}).status_code == 200  # a length: fine
    unit["include"][0]["scope"]["where"]["unit"] = "parsecs per beer"
    bad = httpx.get(f"{server}/datasets", params={"filter": json.dumps(unit)})
    assert bad.status_code == 400 and "unknown unit 'parsecs per beer'" in bad.json()["detail"]
