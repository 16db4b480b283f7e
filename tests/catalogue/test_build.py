"""A build writes the same store however it is run: with 1, 2 or 3 worker processes, and in
batches of datasets (`Writer.BATCH`) or one dataset at a time — with datasets put again within a
batch and across batches, documents nesting datasets (by object and by pid), instruments, samples,
files and facility technique entries, plus the specification's LoopBack file."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from panet.catalogue import build, text_index
from panet.catalogue.store import Writer

SPEC = Path(__file__).parents[1] / "data" / "pan-search-api" / "db.json"
PANET = "http://purl.org/pan-science/PaNET/"
NAMED = ("dataset", "document", "instrument", "technique", "sample", "person", "affiliation")
REFERENCES = {
    "dataset": {"instrument": "instrument"},
    "document_dataset": {"document": "document", "dataset": "dataset"},
    "dataset_technique": {"technique": "technique", "dataset": "dataset"},
    "dataset_sample": {"dataset": "dataset", "sample": "sample"},
    "parameter": {"dataset": "dataset", "document": "document"},
    "file": {"dataset": "dataset"},
    "member": {"document": "document", "person": "person", "affiliation": "affiliation"},
}
"""The columns naming another table's row (by its number ``n``): compared by that row's id."""


def _records(path: Path, count: int) -> Path:
    """Records 25 to a proposal, every 11th a dataset put again (``dup-…``), documents nesting datasets."""
    with path.open("w") as out:
        for i in range(count):
            proposal = i // 25
            documents = [
                {"pid": f"prop-{proposal}", "type": "proposal", "isPublic": True, "title": f"SAXS of casein {proposal}",
                 "summary": "Small-angle neutron scattering and x-ray diffraction.", "keywords": ["XAS", "micelles"]},
                {"pid": f"pub-{proposal % 7}", "type": "publication", "isPublic": True, "title": "Tomography"},
            ]  # fmt: skip
            record: dict = {
                "pid": f"dup-{i % 37}" if i % 11 == 0 else f"d{i}",
                "title": f"GISAXS of film {i}" if i % 2 else f"scan {i}",
                "isPublic": i % 3 != 0,
                "creationDate": "2023-05-04",
                "size": i,
                "documents": documents,
                "parameters": [{"name": "sample_temperature", "value": i % 300, "unit": "K"}],
                "techniques": [{"pid": PANET + "PaNET01188", "name": "small angle x-ray scattering"}] if i % 3 else [],
            }
            if i % 5 == 0:
                record["instrument"] = {"pid": f"beamline-{i % 4}", "name": f"BL{i % 4}", "facility": "ESRF"}
            if i % 6 == 0:
                record["samples"] = [{"pid": f"s{i % 9}", "name": "lysozyme"}]
            if i % 4 == 0:
                record["files"] = [{"id": f"f{i}", "name": f"scan{i}.h5", "size": i}]
            if i % 13 == 0:
                record["techniques"] = [{"pid": "https://facility.example/t/7", "name": "SAXS"}]
            out.write(json.dumps(record) + "\n")
            if i % 500 == 3:
                nested = {"pid": f"nested-{i}", "title": "SANS nested", "isPublic": True, "creationDate": "2023"}
                document = {"pid": f"doc-{i}", "type": "proposal", "isPublic": True, "title": "XAS of iron",
                            "datasets": [f"dup-{i % 37}", f"d{i}", nested]}  # fmt: skip
                out.write(json.dumps(document) + "\n")
    return path


def contents(store: Path) -> dict[str, list]:
    """Every table's rows, sorted, with row numbers replaced by the ids of the rows they name."""
    db = sqlite3.connect(store)
    ids = {table: dict(db.execute(f"SELECT n, id FROM {table}").fetchall()) for table in NAMED}
    found: dict[str, list] = {}
    for table in (*NAMED, *REFERENCES.keys() - NAMED, "meta", "tally"):
        cursor = db.execute(f"SELECT * FROM {table}")
        columns = [c[0] for c in cursor.description]
        rows = []
        for values in cursor:
            row = dict(zip(columns, values, strict=True))
            row.pop("n", None)
            for column, named in REFERENCES.get(table, {}).items():
                if row[column] is not None:
                    row[column] = ids[named][row[column]]
            if row.get("key") != "ontology":
                rows.append(repr(sorted(row.items())))
        found[table] = sorted(rows)
    for named in ("dataset", "document"):  # the free-text index (panet.catalogue.text_index)
        forward = db.execute(f"SELECT n, length, words FROM {named}_forward")
        found[f"{named}_forward"] = sorted(repr((ids[named][n], *rest)) for n, *rest in forward)
        postings = db.execute(f"SELECT word, rank, n FROM {named}_postings")
        found[f"{named}_postings"] = sorted(repr((word, rank, ids[named][n])) for word, rank, n in postings)
        found[f"{named}_words"] = sorted(db.execute(f"SELECT word, rows FROM {named}_words"))
    found["dataset numbers"] = db.execute("SELECT n, id FROM dataset ORDER BY n").fetchall()
    return found


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[Path]:
    return [_records(tmp_path_factory.mktemp("build") / "records.jsonl", 2_600), SPEC]


@pytest.fixture(scope="module")
def one_at_a_time(inputs: list[Path], tmp_path_factory, onto) -> dict[str, list]:
    """The store written one dataset at a time (a batch of one), in this process."""
    store = tmp_path_factory.mktemp("one") / "c.sqlite"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Writer, "BATCH", 1)
        build(inputs, store, ontology=onto)
    return contents(store)


@pytest.mark.parametrize("processes", [1, 2, 3])
def test_batches_and_worker_processes_write_the_same_store(inputs, one_at_a_time, tmp_path: Path, onto, processes):
    store = tmp_path / "c.sqlite"
    summary = build(inputs, store, ontology=onto, processes=processes)
    assert (summary.datasets, summary.documents) == (2_600 + 4, 6 + 2)  # records and the LoopBack file's
    found = contents(store)
    assert found.keys() == one_at_a_time.keys()
    for table, rows in one_at_a_time.items():
        assert found[table] == rows, table
    assert len(found["dataset"]) == 2_600 - 2_600 // 11 - 1 + 37 + 6 + 4  # each pid once
    assert found["document_dataset"]  # the links of datasets put again add up, as one at a time
    _check_titles_indexed(store)


def _check_titles_indexed(store: Path) -> None:
    """Each dataset's and document's free-text row holds the words of its own title, in the title
    field (bit 0), and its length counts them (weight 2): the row is that object's, wherever it
    was counted (a worker, the writer)."""
    db = sqlite3.connect(store)
    for table in ("dataset", "document"):
        rows = db.execute(
            f"SELECT json_extract(o.doc, '$.title'), f.length, f.words FROM {table} o JOIN {table}_forward f USING (n)"
        ).fetchall()
        assert len(rows) == db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for title, length, packed in rows:
            title_words = text_index.words(title or "")
            counted = json.loads(packed)
            assert all(counted.get(word, 0) & 1 for word in title_words), (table, title, packed)
            assert length >= 2 * len(title_words), (table, title, length)


def test_an_update_puts_stored_datasets_again_as_one_at_a_time(inputs, tmp_path: Path, onto):
    first = tmp_path / "c.sqlite"
    build(inputs, first, ontology=onto, processes=2)
    one = tmp_path / "one.sqlite"
    one.write_bytes(first.read_bytes())
    build(inputs[:1], first, ontology=onto, processes=2)  # every dataset is stored already: `_put_again`
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Writer, "BATCH", 1)
        build(inputs[:1], one, ontology=onto)
    assert contents(first) == contents(one)


def test_ctrl_c_stops_a_build_with_workers_at_once_and_keeps_the_previous_store(tmp_path: Path, onto):
    """Ctrl-C while two workers annotate: exit 130 with one error line within a few seconds (a busy
    worker used to block on sending its result until its 5 s join timed out), no worker left
    behind, the previous store as it was and no ``.part`` file."""
    store = tmp_path / "c.sqlite"
    small = tmp_path / "small.jsonl"
    small.write_text(json.dumps({"pid": "keep", "title": "SAXS", "isPublic": True, "creationDate": "2023"}) + "\n")
    build([small], store, ontology=onto)
    big = tmp_path / "big.jsonl"
    filler = " ".join(f"w{k}" for k in range(300))  # a worker's result for a chunk more than a pipe holds
    with big.open("w") as out:
        for i in range(100_000):
            title = f"SAXS run {i} {filler}"
            out.write(json.dumps({"pid": f"n{i}", "title": title, "isPublic": True, "creationDate": "2023"}) + "\n")
    command = [sys.executable, "-m", "panet", "catalogue", "build", str(big), "-o", str(store), "--processes", "2",
               "--rebuild"]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    time.sleep(5)
    assert process.poll() is None, "the build ended before it could be interrupted; make the input bigger"
    process.send_signal(signal.SIGINT)
    started = time.monotonic()
    _, errors = process.communicate(timeout=60)
    assert (process.returncode, errors.strip().splitlines()) == (130, ["panet: error: interrupted"])
    assert time.monotonic() - started < 4
    left = [p for p in Path("/proc").glob("[0-9]*/cmdline") if str(big).encode() in _read(p)]
    assert not left, "a build worker outlived the build"
    assert sqlite3.connect(store).execute("SELECT id FROM dataset").fetchall() == [("keep",)]
    assert not store.with_name(store.name + ".part").exists()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:  # the process ended meanwhile
        return b""
