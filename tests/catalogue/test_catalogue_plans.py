"""What the catalogue's speed-ups must not change: a store built with worker processes is the
store built without; counts kept by the build are the counts; free text ranks the same with words
no row holds; a page is the same whichever way it is found."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest

from panet.catalogue import Catalogue, build
from panet.catalogue.query import DENSE

TABLES = ("dataset", "document", "technique", "dataset_technique", "document_dataset", "parameter", "tally", "meta",
          "dataset_forward", "dataset_postings", "dataset_words", "document_forward", "document_postings")  # fmt: skip
TITLES = ("SAXS of {s}", "x-ray diffraction of {s}", "{s} tomography", "Dark current {n}", "GISAXS of {s} film")


def _records(path: Path, count: int, seed: int = 7) -> Path:
    rng = random.Random(seed)
    with path.open("w") as out:
        for i in range(count):
            sample = rng.choice(("casein", "lysozyme", "LaB6", "silica"))
            proposal = {"pid": f"prop{i // 10}", "type": "proposal", "isPublic": True,
                        "title": f"Proposal {i // 10} on {sample}", "keywords": ["SAXS", sample]}  # fmt: skip
            record = {
                "pid": f"d{i:05d}",
                "title": rng.choice(TITLES).format(s=sample, n=i),
                "isPublic": rng.random() < 0.8,
                "creationDate": f"2023-01-{i % 28 + 1:02d}",
                "documents": [proposal],
                "parameters": [{"name": "sample_temperature", "value": rng.randrange(300), "unit": "K"}],
            }
            out.write(json.dumps(record) + "\n")
    return path


def _rows(store: Path) -> dict[str, list]:
    db = sqlite3.connect(store)
    found = {t: db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in TABLES}
    return found


def test_worker_processes_build_the_same_store(tmp_path: Path, onto):
    source = _records(tmp_path / "r.jsonl", 1200)  # more than two chunks per worker
    build([source], tmp_path / "one.sqlite", ontology=onto)
    build([source], tmp_path / "two.sqlite", ontology=onto, processes=2)
    assert _rows(tmp_path / "one.sqlite") == _rows(tmp_path / "two.sqlite")


def test_kept_counts_are_the_counts_after_updates_and_deletions(tmp_path: Path, onto, new_store):
    """In both stores: counts read from the build's tally equal the counts the where itself
    finds (the same where inside an "and", which no tally answers), after an update, an addition
    and a deletion; and they are read, not counted."""
    store = new_store("counts")
    build([_records(tmp_path / "a.jsonl", 300)], store, ontology=onto)
    changed = tmp_path / "b.jsonl"  # the first 100 datasets made private, one new, one without isPublic
    private = [{"pid": f"d{i:05d}", "title": "gone", "isPublic": False, "creationDate": "2024"} for i in range(100)]
    new = [{"pid": "new", "title": "new", "isPublic": True, "creationDate": "2024"}, {"pid": "unsaid", "title": "x"}]
    changed.write_text("".join(json.dumps(r) + "\n" for r in [*private, *new]))
    deleted = tmp_path / "c.xml"
    deleted.write_text(
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2024-01-01T00:00:00Z</responseDate>'
        '<request verb="ListRecords">http://example.org/oai</request><ListRecords><record>'
        '<header status="deleted"><identifier>d00200</identifier><datestamp>2024-01-01</datestamp></header>'
        "</record></ListRecords></OAI-PMH>"
    )
    build([changed, deleted], store, ontology=onto)
    catalogue = Catalogue(store, onto)
    statements: list[str] = []
    run = catalogue._run
    catalogue._run = lambda sql, values: statements.append(sql) or run(sql, values)
    for model, where in [
        ("Dataset", {"isPublic": True}),
        ("Dataset", {"isPublic": {"eq": False}}),
        ("Dataset", {"isPublic": None}),
        ("Document", {"type": "proposal"}),
        ("Document", {"type": "nothing"}),
    ]:
        statements.clear()
        kept = catalogue.count(model, where)
        assert statements and all("FROM tally" in sql for sql in statements), statements  # read, not counted
        assert kept == catalogue.count(model, {"and": [where]}), (model, where)
    assert catalogue.count("Dataset") == 301  # 300 - 1 deleted + 2 new
    assert catalogue.count("Dataset", {"isPublic": True}) + catalogue.count("Dataset", {"isPublic": False}) == 300


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory, onto) -> Catalogue:
    folder = tmp_path_factory.mktemp("plans")
    store = folder / "c.sqlite"
    build([_records(folder / "r.jsonl", 2000)], store, ontology=onto)
    return Catalogue(store, onto)


def test_words_no_row_holds_change_no_rank_or_score(catalogue: Catalogue):
    plain = catalogue.find("Dataset", {"limit": 50, "skip": 3}, query="casein SAXS")
    padded = catalogue.find("Dataset", {"limit": 50, "skip": 3}, query="casein zzzunheard SAXS qqqnever")
    assert plain == padded and len(plain) == 50
    assert catalogue.find("Dataset", {"limit": 5}, query="zzzunheard qqqnever") == []
    filtered = catalogue.find("Dataset", {"limit": 20, "where": {"isPublic": False}}, query="casein zzzunheard")
    assert filtered and all(d["isPublic"] is False for d in filtered)


@pytest.mark.parametrize("threshold", [1, DENSE, 10**9])
def test_a_page_is_the_same_whichever_way_it_is_found(catalogue: Catalogue, threshold: int, monkeypatch):
    """Probing datasets in page order (dense conditions) or collecting the matches first."""
    from panet.catalogue import search

    spec = {
        "include": [
            {"relation": "techniques", "scope": {"where": {"name": "small angle scattering"}}},
            {"relation": "parameters", "scope": {"where": {"and": [
                {"name": "sample_temperature"}, {"value": {"lt": 0}}, {"unit": "celsius"}]}}},
        ],
        "limit": 40,
        "skip": 5,
    }  # fmt: skip
    expected = catalogue.find("Dataset", spec)
    monkeypatch.setattr(search, "dense_threshold", lambda page, rows: threshold)
    assert catalogue.find("Dataset", spec) == expected and len(expected) == 40


def test_file_text_reads_the_name_column_and_finds_what_the_json_holds(tmp_path: Path, onto):
    """``text`` and ``like`` on files compare the ``name`` column the build keeps (a LIKE over each
    file's JSON took 8× longer: ILL's "file matches text" requests), with the same answers."""
    records = tmp_path / "f.jsonl"
    names = ["file1.nxs", "FILE10.h5", "other.nxs", "scan_file1_b.nxs", "scanXfile1_b.nxs"]
    files = [[{"id": f"f{i}", "name": name, "path": "/data", "size": i}] for i, name in enumerate(names)]
    rows = [{"pid": f"d{i}", "title": "x", "isPublic": True, "files": f} for i, f in enumerate(files)]
    records.write_text("".join(json.dumps(r) + "\n" for r in rows))
    store = tmp_path / "f.sqlite"
    build([records], store, ontology=onto)
    db = sqlite3.connect(store)
    assert db.execute("SELECT name FROM file ORDER BY n").fetchall() == [(name,) for name in names]
    catalogue = Catalogue(store, onto)
    spec = {"where": {"text": "file1"}}
    found = catalogue.find("Dataset", {"include": [{"relation": "files", "scope": spec}]})
    assert [d["pid"] for d in found] == ["d0", "d1", "d3", "d4"]  # substring, any case, as ILL's ILIKE
    underscore = {"include": [{"relation": "files", "scope": {"where": {"text": "scan_file1"}}}]}
    assert [d["pid"] for d in catalogue.find("Dataset", underscore)] == ["d3"]  # "_" is a letter here, no wildcard
    statements: list[str] = []
    run = catalogue._run
    catalogue._run = lambda sql, values: statements.append(sql) or run(sql, values)
    catalogue.count("File", {"name": {"like": "%.nxs"}})
    catalogue.find("Dataset", {"include": [{"relation": "files", "scope": spec}]})
    assert statements and not any("'$.name'" in sql for sql in statements), statements
    assert not any(") dense" in sql for sql in statements), "no counting pass: the files are read all through anyway"


def test_an_include_reads_the_page_links_not_the_whole_table(tmp_path: Path, onto):
    """A document with many datasets next to one with two: including the small one's datasets
    reads its links and sorts them (ILL's principal-investigator request took 28 ms at 20 000
    datasets, SQLite walking every dataset in id order to skip the sort), not the dataset table."""
    records = tmp_path / "i.jsonl"
    big = {"pid": "big", "type": "proposal", "isPublic": True, "title": "big"}
    small = {"pid": "small", "type": "proposal", "isPublic": True, "title": "small"}
    rows = [{"pid": f"d{i:05d}", "title": "x", "isPublic": True, "documents": [big]} for i in range(3000)]
    rows += [{"pid": f"s{i}", "title": "y", "isPublic": True, "documents": [small]} for i in range(2)]
    records.write_text("".join(json.dumps(r) + "\n" for r in rows))
    store = tmp_path / "i.sqlite"
    build([records], store, ontology=onto)
    catalogue = Catalogue(store, onto)
    statements: list[tuple[str, list]] = []
    run = catalogue._run
    catalogue._run = lambda sql, values: statements.append((sql, values)) or run(sql, values)
    (found,) = catalogue.find("Document", {"where": {"pid": "small"}, "include": ["datasets"]})
    assert [d["pid"] for d in found["datasets"]] == ["s0", "s1"]
    sql, values = next((sql, values) for sql, values in statements if "CROSS JOIN" in sql)
    plan = [row[3] for row in sqlite3.connect(store).execute(f"EXPLAIN QUERY PLAN {sql}", values)]
    assert not any(step.startswith("SCAN t ") for step in plan), plan
