"""The catalogue store: one SQLite file holding PaN data model objects (`panet.catalogue.model`).

`Writer` puts PaN ``Dataset`` and ``Document`` objects (nested as the PaN search API returns them)
into the store and deletes datasets; objects are matched by their ``pid`` (``id`` for classes
without one), so putting an object again updates it. Datasets and documents are indexed for
free text in FTS5 tables (``dataset_text``, ``document_text``) with the names and synonyms of
their techniques, so a query "SAXS" finds a dataset annotated "small angle x-ray scattering".

>>> import sqlite3
>>> db = sqlite3.connect(":memory:")
>>> writer = Writer(db)
>>> n = writer.put_dataset({"pid": "d1", "title": "Casein micelles", "isPublic": True,
...                     "creationDate": "2023-01-05", "instrument": {"pid": "i1", "name": "LoKI", "facility": "ESS"},
...                     "techniques": [{"pid": "http://purl.org/pan-science/PaNET/PaNET01189",
...                                     "name": "small angle neutron scattering"}],
...                     "parameters": [{"name": "temperature", "value": 20, "unit": "celsius"}]}, ["SANS"])
>>> writer.flush()  # rows hanging off datasets are written in batches
>>> db.execute("SELECT count(*) FROM dataset_technique").fetchone()[0]
1
>>> db.execute("SELECT round(si, 2), si_unit FROM parameter").fetchone()
(293.15, 'kelvin')
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from contextlib import suppress
from typing import Any

import orjson

from panet.catalogue.model import MODELS
from panet.catalogue.units import UnitError, to_si
from panet.term import NAMESPACE

__all__ = ["SCHEMA", "SCHEMA_VERSION", "Writer", "create"]

SCHEMA_VERSION = "1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS instrument(n INTEGER PRIMARY KEY, id NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dataset(
    n INTEGER PRIMARY KEY, id NOT NULL UNIQUE, doc TEXT NOT NULL, instrument INTEGER);
CREATE INDEX IF NOT EXISTS dataset_by_instrument ON dataset(instrument);
CREATE INDEX IF NOT EXISTS dataset_by_public ON dataset(json_extract(doc, '$.isPublic'));
CREATE INDEX IF NOT EXISTS dataset_by_date ON dataset(json_extract(doc, '$.creationDate'));
CREATE TABLE IF NOT EXISTS document(n INTEGER PRIMARY KEY, id NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS document_by_type ON document(json_extract(doc, '$.type'));
CREATE TABLE IF NOT EXISTS document_dataset(
    document INTEGER NOT NULL, dataset INTEGER NOT NULL, PRIMARY KEY(document, dataset)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS document_dataset_by_dataset ON document_dataset(dataset, document);
CREATE TABLE IF NOT EXISTS technique(n INTEGER PRIMARY KEY, id NOT NULL UNIQUE, doc TEXT NOT NULL, panet TEXT);
CREATE INDEX IF NOT EXISTS technique_by_panet ON technique(panet);
CREATE TABLE IF NOT EXISTS dataset_technique(
    technique INTEGER NOT NULL, dataset INTEGER NOT NULL, PRIMARY KEY(technique, dataset)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dataset_technique_by_dataset ON dataset_technique(dataset, technique);
CREATE TABLE IF NOT EXISTS parameter(
    n INTEGER PRIMARY KEY, id, doc TEXT NOT NULL, dataset INTEGER, document INTEGER,
    name TEXT, si REAL, si_unit TEXT);
CREATE INDEX IF NOT EXISTS parameter_by_dataset ON parameter(dataset);
CREATE INDEX IF NOT EXISTS parameter_by_document ON parameter(document);
CREATE INDEX IF NOT EXISTS parameter_by_value ON parameter(name, si_unit, si);
CREATE TABLE IF NOT EXISTS file(n INTEGER PRIMARY KEY, id, doc TEXT NOT NULL, dataset INTEGER);
CREATE INDEX IF NOT EXISTS file_by_dataset ON file(dataset);
CREATE TABLE IF NOT EXISTS sample(n INTEGER PRIMARY KEY, id NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dataset_sample(
    dataset INTEGER NOT NULL, sample INTEGER NOT NULL, PRIMARY KEY(dataset, sample)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dataset_sample_by_sample ON dataset_sample(sample);
CREATE TABLE IF NOT EXISTS person(n INTEGER PRIMARY KEY, id NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS affiliation(n INTEGER PRIMARY KEY, id NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS member(
    n INTEGER PRIMARY KEY, id, doc TEXT NOT NULL, document INTEGER, person INTEGER, affiliation INTEGER);
CREATE INDEX IF NOT EXISTS member_by_document ON member(document);
CREATE VIRTUAL TABLE IF NOT EXISTS dataset_text USING fts5(title, terms, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE IF NOT EXISTS document_text
    USING fts5(title, summary, keywords, terms, tokenize = 'unicode61 remove_diacritics 2');
"""


def create(db: sqlite3.Connection) -> None:
    """Create the tables of an empty store (nothing happens to an existing one).

    >>> db = sqlite3.connect(":memory:"); create(db)
    >>> db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()[0] == SCHEMA_VERSION
    True
    """
    db.executescript(SCHEMA)
    db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _parameters(parameters: Any, dataset: int | None, document: int | None) -> list[tuple]:
    """Rows of the parameter table; numbers with a unit pint knows are also kept in SI units."""
    rows = []
    for parameter in parameters or ():
        if not isinstance(parameter, dict) or not isinstance(parameter.get("name"), str):
            continue
        value, unit = parameter.get("value"), parameter.get("unit") or ""
        si = base = None
        if isinstance(value, int | float) and not isinstance(value, bool) and unit:
            with suppress(UnitError):  # kept and shown as written; a query with a unit does not match it
                si, base = to_si(value, unit)
        doc = _dumps(_own(parameter, MODELS["Parameter"].fields))
        rows.append((parameter.get("id"), doc, dataset, document, parameter["name"], si, base))
    return rows


_FIELDS = {m.table: m.fields for m in MODELS.values()}
_BATCHED = {
    "dataset_technique": "INSERT OR IGNORE INTO dataset_technique VALUES (?, ?)",
    "document_dataset": "INSERT OR IGNORE INTO document_dataset VALUES (?, ?)",
    "dataset_sample": "INSERT OR IGNORE INTO dataset_sample VALUES (?, ?)",
    "parameter": "INSERT INTO parameter(id, doc, dataset, document, name, si, si_unit) VALUES (?, ?, ?, ?, ?, ?, ?)",
    "file": "INSERT INTO file(id, doc, dataset) VALUES (?, ?, ?)",
    "dataset_text": "INSERT INTO dataset_text(rowid, title, terms) VALUES (?, ?, ?)",
}


def _own(obj: dict, fields: Iterable[str]) -> dict:
    return {k: obj[k] for k in fields if k in obj and obj[k] is not None}


class Writer:
    """Puts PaN objects into an open store (``db``, created if empty); the caller calls `flush`
    and commits. ``document_terms`` gives the extra words of a document's free-text index (the
    names and synonyms of the techniques its text names).

    Rows that hang off a dataset (links, parameters, files, its text index) are written in
    batches, and objects that many datasets share (documents, techniques, instruments, samples)
    are written once per build unless they change."""

    BATCH = 2_000  # datasets whose rows are written together

    def __init__(self, db: sqlite3.Connection, document_terms: Callable[[dict], Iterable[str]] = lambda d: ()) -> None:
        create(db)
        self.db = db
        self.document_terms = document_terms
        self._known: dict[tuple[str, Any], tuple[str, int]] = {}  # (table, key) -> (JSON written, row)
        self._rows: dict[str, list[tuple]] = {name: [] for name in _BATCHED}
        self._pending = 0

    def put_instrument(self, instrument: dict) -> int:
        """Insert or update an instrument (matched by pid, else name)."""
        return self._upsert("instrument", str(instrument.get("pid") or instrument["name"]), instrument)

    # -- datasets -------------------------------------------------------------------------
    def put_dataset(self, dataset: dict, synonyms: Iterable[str] = ()) -> int:
        """Insert or replace the dataset with ``dataset["pid"]`` and everything nested in it
        (documents, techniques, instrument, parameters, files, samples); ``synonyms`` are extra
        words for its free-text index (the synonyms of its techniques). Returns its row number."""
        db, rows = self.db, self._rows
        pid = str(dataset["pid"])
        instrument = dataset.get("instrument")
        instrument_n = None
        if isinstance(instrument, dict) and (instrument.get("pid") or instrument.get("name")):
            instrument_n = self.put_instrument(instrument)
        elif isinstance(dataset.get("instrumentId"), str):
            instrument_n = self._upsert("instrument", dataset["instrumentId"], {"pid": dataset["instrumentId"]})
        doc = _dumps(_own(dataset, MODELS["Dataset"].fields))
        found = db.execute("SELECT n FROM dataset WHERE id = ?", (pid,)).fetchone()
        n: int
        if found is None:
            insert = "INSERT INTO dataset(id, doc, instrument) VALUES (?, ?, ?) RETURNING n"
            (n,) = db.execute(insert, (pid, doc, instrument_n)).fetchone()
        else:
            (n,) = found
            self.flush()  # its earlier rows may still be in the batch
            db.execute("UPDATE dataset SET doc = ?, instrument = ? WHERE n = ?", (doc, instrument_n, n))
            self._clear_dataset(n)
        terms: list[str] = list(synonyms)
        for technique in dataset.get("techniques") or ():
            if isinstance(technique, dict) and (technique.get("pid") or technique.get("name")):
                key = str(technique.get("pid") or technique["name"])
                panet = technique.get("panetId") or (key if key.startswith(NAMESPACE) else None)
                rows["dataset_technique"].append((self._upsert("technique", key, technique, panet=panet), n))
                terms.append(str(technique.get("name") or ""))
        for document in dataset.get("documents") or ():
            if isinstance(document, dict) and document.get("pid"):
                rows["document_dataset"].append((self.put_document(document, link=False), n))
                terms += [k for k in document.get("keywords") or () if isinstance(k, str)]
        for sample in dataset.get("samples") or ():
            if isinstance(sample, dict) and (sample.get("pid") or sample.get("name")):
                rows["dataset_sample"].append(
                    (n, self._upsert("sample", str(sample.get("pid") or sample["name"]), sample))
                )
                terms.append(str(sample.get("name") or ""))
        rows["parameter"] += _parameters(dataset.get("parameters"), n, None)
        for file in dataset.get("files") or ():
            if isinstance(file, dict) and file.get("name"):
                rows["file"].append((file.get("id"), _dumps(_own(file, MODELS["File"].fields)), n))
        if isinstance(instrument, dict):
            terms += [str(instrument.get(k) or "") for k in ("name", "facility")]
        rows["dataset_text"].append((n, str(dataset.get("title") or ""), " ".join(t for t in terms if t)))
        self._pending += 1
        if self._pending >= self.BATCH:
            self.flush()
        return n

    def flush(self) -> None:
        """Write the batched rows."""
        for table, statement in _BATCHED.items():
            if self._rows[table]:
                self.db.executemany(statement, self._rows[table])
                self._rows[table].clear()
        self._pending = 0

    def delete_dataset(self, pid: str) -> bool:
        """Remove the dataset ``pid`` (an OAI-PMH deletion); True if it was there."""
        self.flush()
        row = self.db.execute("DELETE FROM dataset WHERE id = ? RETURNING n", (pid,)).fetchone()
        if row is None:
            return False
        self._clear_dataset(row[0])
        self.db.execute("DELETE FROM document_dataset WHERE dataset = ?", (row[0],))
        return True

    def _clear_dataset(self, n: int) -> None:
        db = self.db
        for table in ("dataset_technique", "dataset_sample", "parameter", "file"):
            db.execute(f"DELETE FROM {table} WHERE dataset = ?", (n,))
        db.execute("DELETE FROM dataset_text WHERE rowid = ?", (n,))

    # -- documents ------------------------------------------------------------------------
    def put_document(self, document: dict, link: bool = True) -> int:
        """Insert or update the document ``document["pid"]`` with its members and parameters; with
        ``link``, nested ``datasets`` (objects) are put too and pids of stored datasets linked."""
        db = self.db
        key = str(document["pid"])
        known = self._known.get(("document", key))
        n = self._upsert("document", key, document)
        if known is not None and known == self._known[("document", key)] and not link:
            return n  # a document many datasets share, written already in this build
        if document.get("members") is not None:
            db.execute("DELETE FROM member WHERE document = ?", (n,))
            for member in document["members"]:
                if isinstance(member, dict):
                    self._put_member(member, n)
        if document.get("parameters") is not None:
            db.execute("DELETE FROM parameter WHERE document = ?", (n,))
            db.executemany(_BATCHED["parameter"], _parameters(document["parameters"], None, n))
        keywords = [k for k in document.get("keywords") or () if isinstance(k, str)]
        db.execute("DELETE FROM document_text WHERE rowid = ?", (n,))
        db.execute(
            "INSERT INTO document_text(rowid, title, summary, keywords, terms) VALUES (?, ?, ?, ?, ?)",
            (
                n,
                str(document.get("title") or ""),
                str(document.get("summary") or ""),
                " ".join(keywords),
                " ".join(self.document_terms(document)),
            ),
        )
        if link:
            for dataset in document.get("datasets") or ():
                if isinstance(dataset, dict) and dataset.get("pid"):
                    d = self.put_dataset(dataset)
                elif isinstance(dataset, str):
                    row = db.execute("SELECT n FROM dataset WHERE id = ?", (dataset,)).fetchone()
                    if row is None:
                        continue
                    d = row[0]
                else:
                    continue
                db.execute("INSERT OR IGNORE INTO document_dataset VALUES (?, ?)", (n, d))
        return n

    def _put_member(self, member: dict, document: int) -> None:
        person = member.get("person")
        person_n = affiliation_n = None
        if isinstance(person, dict) and (person.get("id") or person.get("fullName")):
            person_n = self._upsert("person", person.get("id") or person["fullName"], person)
        affiliation = member.get("affiliation")
        if isinstance(affiliation, dict) and (affiliation.get("id") or affiliation.get("name")):
            affiliation_n = self._upsert("affiliation", affiliation.get("id") or affiliation["name"], affiliation)
        self.db.execute(
            "INSERT INTO member(id, doc, document, person, affiliation) VALUES (?, ?, ?, ?, ?)",
            (member.get("id"), _dumps(_own(member, ("id", "role"))), document, person_n, affiliation_n),
        )

    # -- shared ---------------------------------------------------------------------------
    def _upsert(self, table: str, key: str | int, obj: dict, panet: str | None = None) -> int:
        """The row of ``key`` in ``table``, its JSON merged with ``obj``'s properties (new values win)."""
        doc = _dumps(_own(obj, _FIELDS[table]))
        known = self._known.get((table, key))
        if known is not None and known[0] == doc:
            return known[1]
        extra = ", panet = coalesce(excluded.panet, panet)" if table == "technique" else ""
        columns, values = ("id, doc, panet", (key, doc, panet)) if table == "technique" else ("id, doc", (key, doc))
        marks = ", ".join("?" * len(values))
        (n,) = self.db.execute(
            f"INSERT INTO {table}({columns}) VALUES ({marks}) ON CONFLICT(id) DO UPDATE "
            f"SET doc = json_patch(doc, excluded.doc){extra} RETURNING n",
            values,
        ).fetchone()
        if len(self._known) >= 200_000:  # memory stays bounded however long the build
            self._known.clear()
        self._known[(table, key)] = (doc, n)
        return n

    def set_meta(self, key: str, value: str) -> None:
        """Remember ``value`` under ``key`` (the ontology checksum, an OAI-PMH datestamp)."""
        self.db.execute(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value)
        )
