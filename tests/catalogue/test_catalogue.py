"""The PaN search API over a catalogue store: the specification's own example queries on its
own fixture data (tests/data/pan-search-api, BSD-2-Clause, see its README), PaNET-aware
technique conditions, units, free text, incremental builds, bad filters, and the real server —
each against an SQLite store and a PostgreSQL one (conftest.py), with the same answers."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from panet.catalogue import Catalogue, NotFound, build
from panet.loopback import FilterError
from tests.server import running_server

SPEC = Path(__file__).parents[1] / "data" / "pan-search-api"
SAXS = "http://purl.org/pan-science/PaNET/PaNET01188"


def examples(name: str) -> list[tuple[str, dict, list]]:
    """(title, filter, response) of each example in the specification's example-queries page."""
    text = (SPEC / f"{name}-example-queries.md").read_text()
    found = []
    for section in re.split(r"\n### ", text)[1:]:
        title = section.splitlines()[0]
        blocks = re.findall(r"```json\n(.*?)```", section, re.S)
        if len(blocks) == 2:
            found.append((title, json.loads(blocks[0]), json.loads(blocks[1])))
    return found


@pytest.fixture(scope="module")
def spec_store(module_store) -> Path | str:
    store = module_store("spec")
    summary = build([SPEC / "db.json"], store)
    assert (summary.datasets, summary.documents, summary.rejected) == (4, 2, [])
    return store


@pytest.fixture(scope="module")
def spec(spec_store: Path | str, onto) -> Catalogue:
    return Catalogue(spec_store, onto)


def _comparable(obj, expected):
    """``obj`` cut to the keys the documented answer shows."""
    if isinstance(expected, list):
        return [_comparable(o, e) for o, e in zip(obj, expected, strict=False)]
    if isinstance(expected, dict):
        return {k: _comparable(obj.get(k), v) for k, v in expected.items()}
    return obj


def _current_model(expected):
    """The documented answers show a dataset's ``documentId``, a property of the data model
    before a dataset could belong to several documents; today's model has the ``documents``
    relation instead (README: Join the PaN data portal), so it is left out of the comparison."""
    if isinstance(expected, list):
        return [_current_model(e) for e in expected]
    if isinstance(expected, dict):
        dataset = "creationDate" in expected or "instrumentId" in expected
        return {k: _current_model(v) for k, v in expected.items() if not (dataset and k == "documentId")}
    return expected


@pytest.mark.parametrize("model", ["dataset", "document", "instrument"])
def test_the_specifications_example_queries_give_its_answers(spec: Catalogue, model: str):
    cases = examples(model)
    assert len(cases) >= 2
    for title, filter_, documented in cases:
        found = spec.find(model.capitalize(), filter_)
        assert len(found) == len(documented), title
        expected = _current_model(documented)
        assert _comparable(found, expected) == expected, title


def test_technique_conditions_follow_the_panet_hierarchy(tmp_path: Path, new_store, onto):
    records = tmp_path / "datasets.jsonl"
    rows = [
        {"pid": "d1", "title": "SAXS of casein micelles", "isPublic": True, "creationDate": "2023-01-05"},
        {"pid": "d2", "title": "X-ray powder diffraction of NaCl", "isPublic": True, "creationDate": "2023-01-06"},
        {
            "pid": "d3",
            "title": "Sample holder",
            "isPublic": True,
            "creationDate": "2023-01-07",
            "techniques": [{"pid": "local:1", "name": "my own method"}],
        },
    ]
    records.write_text("".join(json.dumps(r) + "\n" for r in rows))
    store = new_store("c")
    build([records], store, ontology=onto)
    catalogue = Catalogue(store, onto)

    def pids(where):
        return [
            d["pid"]
            for d in catalogue.find("Dataset", {"include": [{"relation": "techniques", "scope": {"where": where}}]})
        ]

    assert pids({"name": "small angle scattering"}) == ["d1"]  # a broader technique finds SAXS
    assert pids({"pid": SAXS}) == ["d1"]
    assert pids({"name": "SAXS"}) == ["d1"]  # a synonym
    assert pids({"name": "x-ray probe"}) == ["d1", "d2"]  # a former label of x-ray probe technique
    assert pids({"name": "x-ray"}) == []  # a specifier is never a technique
    assert pids({"name": "my own method"}) == ["d3"]  # a technique that is no PaNET term: as written
    assert pids({"name": {"neq": "small angle x-ray scattering"}}) == ["d2", "d3"]


def test_parameters_compare_across_units_and_answer_in_the_asked_unit(spec: Catalogue):
    def query(where):
        return spec.find("Dataset", {"include": [{"relation": "parameters", "scope": {"where": where}}]})

    found = query({"and": [{"name": "photon_energy"}, {"value": {"between": [0.88, 0.99]}}, {"unit": "keV"}]})
    assert [d["pid"] for d in found] == ["20.500.12269/panosc-dataset2"]
    assert found[0]["parameters"][0]["value"] == pytest.approx(0.93)
    assert found[0]["parameters"][0]["unit"] == "keV"
    assert [d["pid"] for d in query({"and": [{"name": "temperature"}, {"value": {"lt": 300}}, {"unit": "K"}]})] == [
        "20.500.12269/panosc-dataset3"
    ]
    assert query({"and": [{"name": "temperature"}, {"value": {"lt": 250}}, {"unit": "K"}]}) == []
    assert query({"and": [{"name": "photon_energy"}, {"value": {"gt": 1}}, {"unit": "nm"}]}) == []  # not an energy
    with pytest.raises(FilterError, match="unknown unit 'furlong per cubit'"):
        query({"and": [{"name": "photon_energy"}, {"value": 1}, {"unit": "furlong per cubit"}]})


def test_free_text_is_ranked_and_finds_techniques_by_synonym(tmp_path: Path, new_store, onto):
    records = tmp_path / "d.jsonl"
    rows = [
        {
            "pid": "a",
            "title": "Casein micelles by small angle x-ray scattering",
            "isPublic": True,
            "creationDate": "2023",
        },
        {"pid": "b", "title": "Crystal structure of lysozyme", "isPublic": True, "creationDate": "2023"},
        {"pid": "c", "title": "Casein", "isPublic": True, "creationDate": "2023"},
    ]
    records.write_text("".join(json.dumps(r) + "\n" for r in rows))
    store = new_store("c")
    build([records], store, ontology=onto)
    catalogue = Catalogue(store, onto)
    hits = catalogue.find("Dataset", query="SAXS")
    assert [h["pid"] for h in hits] == ["a"]
    assert 0 < hits[0]["score"] < 1
    ranked = catalogue.find("Dataset", query="casein SAXS")
    assert [h["pid"] for h in ranked] == ["a", "c"]
    assert ranked[0]["score"] > ranked[1]["score"]
    assert all(d["score"] == 0 for d in catalogue.find("Dataset"))


def test_documents_instruments_ids_files_and_counts(spec: Catalogue):
    document = spec.get(
        "Document",
        "10.5072/panosc-document1",
        {
            "include": [
                {"relation": "members", "scope": {"include": [{"relation": "person"}, {"relation": "affiliation"}]}}
            ]
        },
    )
    assert [m["person"]["fullName"] for m in document["members"]] == ["John Smith", "James Chadwick"]
    assert document["members"][0]["affiliation"]["name"] == "ESS"
    assert spec.count("Dataset") == 4
    assert spec.count("Dataset", '{"title": {"like": "%Dataset 1"}}') == 1
    assert spec.count("Instrument", {"facility": "ESS"}) == 15
    assert [f["name"] for f in spec.related("Dataset", "20.500.12269/panosc-dataset1", "files")] == ["panosc-file1.hdf"]
    assert spec.get("Instrument", "20.500.12269/0f98fcf2-7bd7-430e-ad20-d47031ca8f71")["name"] == "LoKI"
    with pytest.raises(NotFound):
        spec.get("Dataset", "nope")
    page = spec.find("Instrument", {"order": "name DESC", "limit": 2, "skip": 1, "fields": ["name"]})
    assert page == [{"name": "T-REX"}, {"name": "SKADI"}]
    # the text operator on a model without a free-text index: every word in one of its text fields
    assert [i["name"] for i in spec.find("Instrument", {"where": {"text": "loki ESS"}})] == ["LoKI"]


@pytest.mark.parametrize(
    ("filter_", "problem"),
    [
        ('{"where": {"colour": "red"}}', "Dataset has no property 'colour'"),
        ('{"where": {"title": {"near": 3}}}', "unknown operator 'near'"),
        ('{"include": [{"relation": "friends"}]}', "Dataset has no relation 'friends'"),
        ('{"limit": 100000}', "page with skip"),
        ('{"where": {"title": {"between": [1]}}}', "between takes a list of two values"),
        ('{"whence": 1}', "unknown key 'whence'"),
        ("[1", "not valid JSON"),
    ],
)
def test_bad_filters_say_what_and_where(spec: Catalogue, filter_: str, problem: str):
    with pytest.raises(FilterError, match=re.escape(problem)):
        spec.find("Dataset", filter_)


def test_incremental_build_updates_and_deletes(tmp_path: Path, new_store, onto):
    store = new_store("c")
    first = tmp_path / "1.jsonl"
    first.write_text(
        json.dumps({"pid": "d1", "title": "SAXS of casein", "isPublic": True, "creationDate": "2023"})
        + "\n"
        + json.dumps({"pid": "d2", "title": "XRD of salt", "isPublic": True, "creationDate": "2023"})
        + "\n"
    )
    build([first], store, ontology=onto)
    second = tmp_path / "2.xml"  # an OAI-PMH page: d1 deleted
    second.write_text(
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2024-01-01T00:00:00Z</responseDate>'
        '<request verb="ListRecords">http://example.org/oai</request><ListRecords><record>'
        '<header status="deleted"><identifier>d1</identifier><datestamp>2024-01-01</datestamp></header>'
        "</record></ListRecords></OAI-PMH>"
    )
    third = tmp_path / "3.jsonl"
    third.write_text(
        json.dumps({"pid": "d2", "title": "SANS of salt", "isPublic": True, "creationDate": "2024"}) + "\n"
    )
    summary = build([second, third], store, ontology=onto)
    assert summary.deleted == 1
    catalogue = Catalogue(store, onto)
    found = catalogue.find("Dataset", {"include": ["techniques"]})
    assert [(d["pid"], d["title"], [t["name"] for t in d["techniques"]]) for d in found] == [
        ("d2", "SANS of salt", ["small angle neutron scattering"])
    ]


@pytest.mark.parametrize("rebuild", [False, True], ids=["update", "rebuild"])
def test_a_build_killed_midway_leaves_the_previous_store(tmp_path: Path, new_store, onto, rebuild: bool):
    store = new_store("c")
    small = tmp_path / "small.jsonl"
    small.write_text(json.dumps({"pid": "keep", "title": "SAXS", "isPublic": True, "creationDate": "2023"}) + "\n")
    build([small], store, ontology=onto)
    big = tmp_path / "big.jsonl"
    with big.open("w") as out:
        for i in range(400_000):
            out.write(
                json.dumps({"pid": f"n{i}", "title": f"XRD run {i}", "isPublic": True, "creationDate": "2023"}) + "\n"
            )
    code = f"from panet.catalogue import build; build([{str(big)!r}], {str(store)!r}, rebuild={rebuild})"
    process = subprocess.Popen([sys.executable, "-c", code])
    time.sleep(6)
    assert process.poll() is None, "the build ended before it could be killed; make the input bigger"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert [d["pid"] for d in Catalogue(store, onto).find("Dataset")] == ["keep"]
    if isinstance(store, Path):
        assert sqlite3.connect(store).execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_the_real_server_answers_the_pan_search_api(spec_store: Path | str):
    with running_server(env={"PANET_CATALOGUE": str(spec_store)}) as base:
        filter_ = json.dumps(
            {"include": [{"relation": "techniques", "scope": {"where": {"name": "x-ray absorption"}}}]}
        )
        answer = httpx.get(f"{base}/datasets", params={"filter": filter_})
        assert answer.status_code == 200
        assert [d["pid"] for d in answer.json()] == ["20.500.12269/panosc-dataset3", "20.500.12269/panosc-dataset4"]
        assert httpx.get(f"{base}/datasets/count").json() == {"count": 4}
        one = httpx.get(f"{base}/datasets/20.500.12269%2Fpanosc-dataset1")
        assert one.json()["title"] == "PaNOSC Test Dataset 1"
        files = httpx.get(f"{base}/datasets/20.500.12269/panosc-dataset1/files").json()
        assert [f["name"] for f in files] == ["panosc-file1.hdf"]
        assert httpx.get(f"{base}/instruments/count", params={"where": '{"name": "LoKI"}'}).json() == {"count": 1}
        bad = httpx.get(f"{base}/datasets", params={"filter": '{"where": {"colour": 1}}'})
        assert bad.status_code == 400
        assert bad.headers["content-type"] == "application/problem+json"
        assert "no property 'colour'" in bad.json()["detail"]
        missing = httpx.get(f"{base}/documents/nope")
        assert (missing.status_code, missing.headers["content-type"]) == (404, "application/problem+json")
        assert httpx.get(f"{base}/health").status_code == 200


def test_without_a_catalogue_the_routes_are_absent(live_server: str):
    assert httpx.get(f"{live_server}/datasets").status_code == 404


def test_fixture_provenance_is_recorded():
    readme = (SPEC / "README.md").read_text()
    assert "f7732f55a65e4ca60cdc54e5203ee47aaa120984" in readme
    assert "BSD 2-Clause" in (SPEC / "LICENSE").read_text()
    assert os.path.getsize(SPEC / "db.json") < 20_000


def test_an_oai_pmh_feed_is_harvested_and_later_builds_ask_only_for_changes(tmp_path: Path, new_store, onto):
    from oai_server import Repository, serving

    records = Path(__file__).parents[1] / "data" / "records"
    repository = Repository({"oai_datacite": records / "oai_datacite_records.xml"}, page_size=3)
    store = new_store("c")
    with serving(repository) as url:
        first = build([url], store, ontology=onto)
        assert (first.datasets, len(first.rejected)) == (7, 1)  # 9 records: 1 deleted, 1 in MODS
        assert "from" not in repository.requests[0]
        repository.requests.clear()
        build([url], store, ontology=onto)
        assert repository.requests[0]["from"] == time.strftime("%Y-%m-%d", time.gmtime())
    catalogue = Catalogue(store, onto)
    assert catalogue.count("Dataset") == 7
    assert catalogue.find(
        "Dataset", {"include": [{"relation": "techniques", "scope": {"where": {"name": "small angle scattering"}}}]}
    )


def test_two_includes_of_one_relation_must_both_match_and_show_each_object_once(spec: Catalogue):
    def parameter(name, value):
        return {"relation": "parameters", "scope": {"where": {"and": [{"name": name}, {"value": value}]}}}

    both = spec.find("Dataset", {"include": [parameter("chemical_formula", "Cu"), parameter("sample_state", "solid")]})
    assert [(d["pid"], [p["name"] for p in d["parameters"]]) for d in both] == [
        ("20.500.12269/panosc-dataset1", ["chemical_formula", "sample_state"])
    ]
    again = spec.find(
        "Dataset", {"include": [parameter("chemical_formula", "Cu"), parameter("chemical_formula", "Cu")]}
    )
    assert [p["name"] for p in again[0]["parameters"]] == ["chemical_formula"]
    assert (
        spec.find("Dataset", {"include": [parameter("chemical_formula", "Cu"), parameter("sample_state", "gas")]}) == []
    )


def test_the_command_builds_updates_and_says_what_went_wrong(tmp_path: Path, capsys):
    from panet.cli import main

    records = tmp_path / "d.jsonl"
    records.write_text(json.dumps({"pid": "d1", "title": "SAXS", "isPublic": True, "creationDate": "2023"}) + "\n")
    store = tmp_path / "c.sqlite"
    assert main(["catalogue", "build", str(records), "-o", str(store), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["datasets"] == 1
    assert main(["catalogue", "build", str(tmp_path / "nope.jsonl"), "-o", str(store)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("panet: error: ") and "nope.jsonl: no such file" in err
    assert main(["catalogue", "build", str(records), "-o", str(tmp_path / "no" / "c.sqlite")]) == 2
    assert "folder does not exist" in capsys.readouterr().err
    assert main(["catalogue", "build", str(records), "-o", str(store), "--format", "xls"]) == 2
    assert "pan, scicat" in capsys.readouterr().err
    assert main(["serve", "--catalogue", str(records), "--port", "0"]) == 2
    assert "not a panet catalogue" in capsys.readouterr().err


def test_catalogue_queries_send_nothing_out_are_bounded_and_never_block_health(tmp_path: Path, new_store, onto):
    from concurrent.futures import ThreadPoolExecutor

    from server import Canary

    records = tmp_path / "many.jsonl"
    with records.open("w") as out:
        for i in range(30_000):
            title = f"sample {i} casein micelles SAXS scan {i % 97} of a long series"
            out.write(json.dumps({"pid": f"p{i}", "title": title, "isPublic": True, "creationDate": "2023"}) + "\n")
    store = new_store("many")
    build([records], store, ontology=onto)
    canary = Canary()
    hostile = [  # IRIs of the canary in every place a value goes: they are compared, never fetched
        {"where": {"title": canary.url}},
        {"where": {"pid": {"inq": [canary.url, f"{canary.url}/x"]}}},
        {"include": [{"relation": "techniques", "scope": {"where": {"pid": canary.url}}}]},
        {"include": [{"relation": "instrument", "scope": {"where": {"name": {"like": f"{canary.url}%"}}}}]},
    ]
    # 400 patterns for every row: seconds of work, stopped at the time limit (PANET_QUERY_TIMEOUT)
    slow = {"where": {"or": [{"title": {"like": f"%a%e%i%o%u%{i}z%"}} for i in range(400)]}}
    try:
        with running_server(env={"PANET_CATALOGUE": str(store), "PANET_QUERY_TIMEOUT": "1"}) as base:
            for spec in hostile:
                answer = httpx.get(f"{base}/datasets", params={"filter": json.dumps(spec)}, timeout=30)
                assert (answer.status_code, answer.json()) == (200, [])

            # clients made beforehand: making one (its TLS context) costs the test process tens of
            # milliseconds of CPU, which would be timed as the server's latency
            heavy_client = httpx.Client(timeout=60, limits=httpx.Limits(max_connections=12))
            health = httpx.Client(base_url=base, timeout=30)

            def heavy(_: int) -> int:
                return heavy_client.get(f"{base}/datasets", params={"filter": json.dumps(slow)}).status_code

            with heavy_client, health, ThreadPoolExecutor(12) as pool:
                statuses = pool.map(heavy, range(12))
                latencies = []
                deadline = time.perf_counter() + 2
                while time.perf_counter() < deadline:
                    started = time.perf_counter()
                    assert health.get("/health").status_code == 200
                    latencies.append(time.perf_counter() - started)
                    time.sleep(0.05)
                assert set(statuses) == {503}  # stopped at the time limit, with a problem body
            assert max(latencies) < 0.5, f"/health took up to {max(latencies):.2f} s under catalogue load"
    finally:
        canary.close()
    assert canary.hits == [], f"the service made outbound requests: {canary.hits}"
