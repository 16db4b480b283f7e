"""The catalogue store: PaN data model objects (`panet.catalogue.model`) in one SQLite file
(`SCHEMA`) or a PostgreSQL database (`POSTGRES_SCHEMA`), written by one code path through the
store's `panet.catalogue.dialect.Dialect`.

`Writer` puts PaN ``Dataset`` and ``Document`` objects (nested as the PaN search API returns them)
into the store and deletes datasets; objects are matched by their ``pid`` (``id`` for classes
without one), so putting an object again updates it. Datasets and documents are indexed for
free text (`panet.catalogue.text_index`, the same tables on both stores) with the names and
synonyms of their techniques, so a query "SAXS" finds a dataset annotated "small angle x-ray
scattering"; `Writer.finish` writes the index's lists.

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
from typing import Any, NamedTuple

import orjson

from panet.catalogue.dialect import Dialect, dialect_of
from panet.catalogue.model import MODELS
from panet.catalogue.text_index import SCHEMA as TEXT_SCHEMA
from panet.catalogue.text_index import Packer, TextWriter
from panet.catalogue.units import UnitError, to_si
from panet.errors import PanetError
from panet.term import NAMESPACE

__all__ = [
    "POSTGRES_SCHEMA",
    "QUERY_INDEXES",
    "SCHEMA",
    "SCHEMA_VERSION",
    "TALLIED",
    "Interned",
    "PreparedDataset",
    "Writer",
    "count_rows",
    "create",
    "create_query_indexes",
    "prepare_dataset",
]

SCHEMA_VERSION = "3"
"""1: free text in FTS5 (SQLite) or tsvector (PostgreSQL) tables; 2: `panet.catalogue.text_index`; 3: its lists
also in segments."""
KNOWN = 2_000
"""Shared objects (documents, techniques, …) a `Writer` remembers having written, to skip them
when they come again unchanged; a bound on its memory."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tally(tbl TEXT NOT NULL, property TEXT NOT NULL, value, rows INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS tally_by_value ON tally(tbl, property, value);
CREATE TABLE IF NOT EXISTS instrument(n INTEGER PRIMARY KEY, id NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dataset(
    n INTEGER PRIMARY KEY, id NOT NULL UNIQUE, doc TEXT NOT NULL, instrument INTEGER);
CREATE TABLE IF NOT EXISTS document(n INTEGER PRIMARY KEY, id NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS document_dataset(
    document INTEGER NOT NULL, dataset INTEGER NOT NULL, PRIMARY KEY(document, dataset)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS document_dataset_by_dataset ON document_dataset(dataset, document);
CREATE TABLE IF NOT EXISTS technique(n INTEGER PRIMARY KEY, id NOT NULL UNIQUE, doc TEXT NOT NULL, panet TEXT);
CREATE TABLE IF NOT EXISTS dataset_technique(
    technique INTEGER NOT NULL, dataset INTEGER NOT NULL, PRIMARY KEY(technique, dataset)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dataset_technique_by_dataset ON dataset_technique(dataset, technique);
CREATE TABLE IF NOT EXISTS parameter(
    n INTEGER PRIMARY KEY, id, doc TEXT NOT NULL, dataset INTEGER, document INTEGER,
    name TEXT, si REAL, si_unit TEXT);
CREATE INDEX IF NOT EXISTS parameter_by_dataset ON parameter(dataset);
CREATE INDEX IF NOT EXISTS parameter_by_document ON parameter(document);
CREATE TABLE IF NOT EXISTS file(n INTEGER PRIMARY KEY, id, doc TEXT NOT NULL, dataset INTEGER, name TEXT);
CREATE INDEX IF NOT EXISTS file_by_dataset ON file(dataset);
CREATE TABLE IF NOT EXISTS sample(n INTEGER PRIMARY KEY, id NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dataset_sample(
    dataset INTEGER NOT NULL, sample INTEGER NOT NULL, PRIMARY KEY(dataset, sample)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS person(n INTEGER PRIMARY KEY, id NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS affiliation(n INTEGER PRIMARY KEY, id NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS member(
    n INTEGER PRIMARY KEY, id, doc TEXT NOT NULL, document INTEGER, person INTEGER, affiliation INTEGER);
CREATE INDEX IF NOT EXISTS member_by_document ON member(document);
"""
QUERY_INDEXES = """
CREATE INDEX IF NOT EXISTS dataset_by_instrument ON dataset(instrument);
CREATE INDEX IF NOT EXISTS dataset_by_public ON dataset(json_extract(doc, '$.isPublic'));
CREATE INDEX IF NOT EXISTS dataset_by_date ON dataset(json_extract(doc, '$.creationDate'));
CREATE INDEX IF NOT EXISTS document_by_type ON document(json_extract(doc, '$.type'));
CREATE INDEX IF NOT EXISTS technique_by_panet ON technique(panet);
CREATE INDEX IF NOT EXISTS parameter_by_value ON parameter(name, si_unit, si);
CREATE INDEX IF NOT EXISTS parameter_of_dataset ON parameter(dataset, name, si_unit, si);
CREATE INDEX IF NOT EXISTS dataset_sample_by_sample ON dataset_sample(sample);
"""
"""Indexes only queries use (the writer looks nothing up through them): a new store gets them
after its rows are in, which sorts each once instead of updating it row by row.
``parameter_of_dataset`` answers "has this dataset a parameter with that name and value" from
the index alone (the probe of a parameter condition, once per dataset of a page)."""

_KEY = 'n bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, id text COLLATE "C"'
POSTGRES_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta(key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS tally(tbl text NOT NULL, property text NOT NULL, value jsonb, rows bigint NOT NULL);
CREATE TABLE IF NOT EXISTS instrument({_KEY} NOT NULL UNIQUE, doc jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS dataset({_KEY} NOT NULL UNIQUE, doc jsonb NOT NULL, instrument bigint);
CREATE INDEX IF NOT EXISTS dataset_by_instrument ON dataset(instrument);
CREATE INDEX IF NOT EXISTS dataset_by_public ON dataset((doc -> 'isPublic'));
CREATE INDEX IF NOT EXISTS dataset_by_date ON dataset((doc -> 'creationDate'));
CREATE TABLE IF NOT EXISTS document({_KEY} NOT NULL UNIQUE, doc jsonb NOT NULL);
CREATE INDEX IF NOT EXISTS document_by_type ON document((doc -> 'type'));
CREATE TABLE IF NOT EXISTS document_dataset(
    document bigint NOT NULL, dataset bigint NOT NULL, PRIMARY KEY(document, dataset));
CREATE INDEX IF NOT EXISTS document_dataset_by_dataset ON document_dataset(dataset, document);
CREATE TABLE IF NOT EXISTS technique({_KEY} NOT NULL UNIQUE, doc jsonb NOT NULL, panet text COLLATE "C");
CREATE INDEX IF NOT EXISTS technique_by_panet ON technique(panet);
CREATE TABLE IF NOT EXISTS dataset_technique(
    technique bigint NOT NULL, dataset bigint NOT NULL, PRIMARY KEY(technique, dataset));
CREATE INDEX IF NOT EXISTS dataset_technique_by_dataset ON dataset_technique(dataset, technique);
CREATE TABLE IF NOT EXISTS parameter(
    {_KEY}, doc jsonb NOT NULL, dataset bigint, document bigint, name text, si double precision, si_unit text);
CREATE INDEX IF NOT EXISTS parameter_by_dataset ON parameter(dataset);
CREATE INDEX IF NOT EXISTS parameter_by_document ON parameter(document);
CREATE INDEX IF NOT EXISTS parameter_by_value ON parameter(name, si_unit, si);
CREATE INDEX IF NOT EXISTS parameter_of_dataset ON parameter(dataset, name, si_unit, si);
CREATE TABLE IF NOT EXISTS file({_KEY}, doc jsonb NOT NULL, dataset bigint, name text);
CREATE INDEX IF NOT EXISTS file_by_dataset ON file(dataset);
CREATE TABLE IF NOT EXISTS sample({_KEY} NOT NULL UNIQUE, doc jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS dataset_sample(
    dataset bigint NOT NULL, sample bigint NOT NULL, PRIMARY KEY(dataset, sample));
CREATE INDEX IF NOT EXISTS dataset_sample_by_sample ON dataset_sample(sample);
CREATE TABLE IF NOT EXISTS person({_KEY} NOT NULL UNIQUE, doc jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS affiliation({_KEY} NOT NULL UNIQUE, doc jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS member({_KEY}, doc jsonb NOT NULL, document bigint, person bigint, affiliation bigint);
CREATE INDEX IF NOT EXISTS member_by_document ON member(document);
"""
"""The same tables in PostgreSQL: JSON as ``jsonb``.
Identifiers sort by code point (``COLLATE "C"``), as in SQLite."""


def create(db: Any, query_indexes: bool = True) -> None:
    """Create the tables of an empty store (nothing happens to an existing one); without
    ``query_indexes`` the `QUERY_INDEXES` of an SQLite store are left for `create_query_indexes`.

    >>> import sqlite3
    >>> db = sqlite3.connect(":memory:"); create(db)
    >>> db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()[0] == SCHEMA_VERSION
    True
    """
    dialect = dialect_of(db)
    dialect.script(db, (SCHEMA if dialect.name == "sqlite" else POSTGRES_SCHEMA) + TEXT_SCHEMA[dialect.name])
    if query_indexes and dialect.name == "sqlite":
        create_query_indexes(db)
    db.execute("INSERT INTO meta VALUES ('schema', ?) ON CONFLICT DO NOTHING", (SCHEMA_VERSION,))
    (version,) = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    if version != SCHEMA_VERSION:
        raise PanetError(f"the store was made by an older panet (schema {version}); rebuild it (--rebuild)")


TALLIED = {"dataset": ("isPublic",), "document": ("isPublic", "type")}
"""Properties of few values whose counts `count_rows` keeps: ``/datasets/count`` of a whole table
or with one such property's equality is then read, not counted (a million rows take ~100 ms)."""


def count_rows(db: Any) -> None:
    """Count the rows of every table, and of each value of the `TALLIED` properties, into
    ``tally`` (``property`` '' for the whole table; the value as the store's JSON functions give
    it), in either store; a build does it before it commits. An SQLite store also counts the
    datasets of each technique, which its query plans read (`Dialect.keeps_counts`).

    >>> db = sqlite3.connect(":memory:"); create(db); count_rows(db)
    >>> db.execute("SELECT rows FROM tally WHERE tbl = 'dataset' AND property = ''").fetchone()
    (0,)
    """
    dialect = dialect_of(db)
    db.execute("DELETE FROM tally")
    for table in [m.table for m in MODELS.values()] + ["dataset_technique"]:
        db.execute(f"INSERT INTO tally SELECT '{table}', '', NULL, count(*) FROM {table}")
    if dialect.keeps_counts:  # datasets per technique: how dense a technique condition is, without counting
        db.execute(
            "INSERT INTO tally SELECT 'dataset_technique', 'technique', technique, count(*) FROM dataset_technique "
            "GROUP BY technique"
        )
    for table, properties in TALLIED.items():
        for name in properties:
            value = dialect.property("t", name)
            db.execute(
                f"INSERT INTO tally SELECT '{table}', '{name}', {value}, count(*) FROM {table} t GROUP BY {value}"
            )


def create_query_indexes(db: sqlite3.Connection) -> None:
    """Create the `QUERY_INDEXES` (those missing), in the caller's transaction if one is open.

    >>> db = sqlite3.connect(":memory:"); create(db, query_indexes=False); create_query_indexes(db)
    >>> db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'parameter_by_value'").fetchone()[0]
    1
    """
    for statement in QUERY_INDEXES.split(";"):
        if statement.strip():
            db.execute(statement)


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
    "dataset_technique": "INSERT INTO dataset_technique VALUES (?, ?) ON CONFLICT DO NOTHING",
    "document_dataset": "INSERT INTO document_dataset VALUES (?, ?) ON CONFLICT DO NOTHING",
    "dataset_sample": "INSERT INTO dataset_sample VALUES (?, ?) ON CONFLICT DO NOTHING",
    "parameter": "INSERT INTO parameter(id, doc, dataset, document, name, si, si_unit) VALUES (?, ?, ?, ?, ?, ?, ?)",
    "file": "INSERT INTO file(id, doc, dataset, name) VALUES (?, ?, ?, ?)",
}
_DATASET_COLUMN = {
    "dataset_technique": 1, "document_dataset": 1, "dataset_sample": 0, "parameter": 2, "file": 2, "dataset_text": 0
}  # fmt: skip
"""Where the dataset's row number is in the batched rows of each table ("dataset_text": the rows
`Writer.flush` hands to the free-text index once their numbers are final)."""


def _own(obj: dict, fields: Iterable[str]) -> dict:
    return {k: obj[k] for k in fields if k in obj and obj[k] is not None}


def _keywords(document: dict) -> list[str]:
    return [k for k in document.get("keywords") or () if isinstance(k, str)]


def _document_texts(document: dict, keywords: list[str], terms: str) -> tuple[str, str, str, str]:
    """A document's free-text fields (`panet.catalogue.text_index.FIELDS`)."""
    return str(document.get("title") or ""), str(document.get("summary") or ""), " ".join(keywords), terms


class PreparedDataset(NamedTuple):
    """A dataset as `Writer.put_prepared` writes it: its rows, and the related objects to match
    by key, as JSON (cheap to send from a worker process, and compared as they are with what the
    writer put last): ``techniques`` ``(key, JSON, PaNET IRI or None)``, ``documents`` ``(key,
    JSON, free-text row ``(length, words)`` or None)``; ``samples`` ``(key, object)``; ``parameters``
    rows are ``(id, doc, name, si, si_unit)`` and ``files`` rows ``(id, doc, name)``; ``length`` and
    ``words``: its free-text row (`panet.catalogue.text_index.Packer`) from its title and ``terms``.
    A plain tuple: a worker's chunk of them is pickled with the entries many datasets share written
    once (`Interned`)."""

    pid: str
    doc: str
    instrument: dict | None
    instrument_id: str | None
    techniques: list[tuple[str, bytes, str | None]]
    documents: list[tuple[str, bytes, tuple[int, str] | None]]
    samples: list[tuple[str, dict]]
    parameters: list[tuple]
    files: list[tuple]
    length: int
    words: str
    terms: str


class Interned:
    """The prepared entries of the techniques and documents that datasets share, kept (at most
    `KNOWN`) so that each is serialised once and the same tuple object stands for it in every
    dataset: `prepare_dataset` skips the JSON work, and a pickled chunk of prepared datasets holds
    each shared entry once (pickle writes a repeated object as a reference).

    >>> interned = Interned()
    >>> a = interned.technique({"pid": "http://purl.org/pan-science/PaNET/PaNET01188", "name": "SAXS"})
    >>> a[0][2], a is interned.technique({"pid": "http://purl.org/pan-science/PaNET/PaNET01188", "name": "SAXS"})
    ('http://purl.org/pan-science/PaNET/PaNET01188', True)
    """

    def __init__(self, document_terms: Callable[[dict], str] | None = None) -> None:
        self.document_terms = document_terms
        self._techniques: dict[Any, tuple[tuple[str, bytes, str | None], str]] = {}
        self._documents: dict[bytes, tuple[tuple[str, bytes, tuple[int, str] | None], list[str]]] = {}
        self.pack_dataset = Packer("dataset", repeated=("terms",))
        self._pack_document = Packer("document")

    def technique(self, technique: dict) -> tuple[tuple[str, bytes, str | None], str]:
        """``((key, JSON, PaNET IRI), name)`` of a technique entry."""
        try:
            shape: Any = tuple(technique.items())
            found = self._techniques.get(shape)
        except TypeError:  # a value that is a list or an object: not remembered
            shape, found = None, None
        if found is None:
            key = str(technique.get("pid") or technique["name"])
            panet = technique.get("panetId") or (key if key.startswith(NAMESPACE) else None)
            found = (key, orjson.dumps(technique), panet), str(technique.get("name") or "")
            if shape is not None:
                if len(self._techniques) >= KNOWN:
                    self._techniques.clear()
                self._techniques[shape] = found
        return found

    def document(self, document: dict) -> tuple[tuple[str, bytes, tuple[int, str] | None], list[str]]:
        """``((key, JSON, free-text row or None), keywords)`` of a document; its free-text row
        ``(length, words)`` when ``document_terms`` gives its terms (else the writer works it out)."""
        given = orjson.dumps(document)
        found = self._documents.get(given)
        if found is None:
            keywords = _keywords(document)
            text = None
            if self.document_terms is not None:
                text = self._pack_document(_document_texts(document, keywords, self.document_terms(document)))
            found = (str(document["pid"]), given, text), keywords
            if len(self._documents) >= KNOWN:
                self._documents.clear()
            self._documents[given] = found
        return found


def prepare_dataset(
    dataset: dict,
    synonyms: Iterable[str] = (),
    document_terms: Callable[[dict], str] | None = None,
    interned: Interned | None = None,
) -> PreparedDataset:
    """What `Writer.put_dataset` writes for ``dataset``, worked out without the store: the part
    of a build that worker processes can share, the dataset's free-text row included (``length``,
    ``words``). ``document_terms`` gives the extra free-text words of each document, whose
    free-text row is then worked out here too (else the writer's own ``document_terms`` does,
    when it writes one); ``interned`` remembers the entries of techniques and documents across
    datasets (and then gives the documents' terms itself).

    >>> prepared = prepare_dataset({"pid": "d1", "title": "Casein", "techniques": [{"name": "SAXS"}]}, ["x"])
    >>> prepared.terms, prepared.length, prepared.words
    ('x SAXS', 4, '{"casein":33,"x":18,"saxs":18}')
    """
    shared = interned or Interned(document_terms)
    instrument = dataset.get("instrument")
    named = isinstance(instrument, dict) and bool(instrument.get("pid") or instrument.get("name"))
    instrument_id = dataset.get("instrumentId")
    terms: list[str] = list(synonyms)
    techniques = []
    for technique in dataset.get("techniques") or ():
        if isinstance(technique, dict) and (technique.get("pid") or technique.get("name")):
            entry, name = shared.technique(technique)
            techniques.append(entry)
            terms.append(name)
    documents = []
    for document in dataset.get("documents") or ():
        if isinstance(document, dict) and document.get("pid"):
            document_entry, keywords = shared.document(document)
            documents.append(document_entry)
            terms += keywords
    samples = []
    for sample in dataset.get("samples") or ():
        if isinstance(sample, dict) and (sample.get("pid") or sample.get("name")):
            samples.append((str(sample.get("pid") or sample["name"]), sample))
            terms.append(str(sample.get("name") or ""))
    files = [
        (file.get("id"), _dumps(_own(file, MODELS["File"].fields)), str(file["name"]))
        for file in dataset.get("files") or ()
        if isinstance(file, dict) and file.get("name")
    ]
    if isinstance(instrument, dict):
        terms += [str(instrument.get(k) or "") for k in ("name", "facility")]
    title = str(dataset.get("title") or "")
    joined = " ".join(filter(None, terms))
    return PreparedDataset(
        str(dataset["pid"]),
        _dumps(_own(dataset, MODELS["Dataset"].fields)),
        instrument if named else None,
        instrument_id if not named and isinstance(instrument_id, str) else None,
        techniques,
        documents,
        samples,
        [(r[0], r[1], r[4], r[5], r[6]) for r in _parameters(dataset.get("parameters"), None, None)],
        files,
        *shared.pack_dataset((title, joined)),
        joined,
    )


class Writer:
    """Puts PaN objects into an open store (``db``, created if empty); the caller calls `flush`
    and commits. ``document_terms`` gives the extra words of a document's free-text index (the
    names and synonyms of the techniques its text names).

    Datasets and the rows that hang off them (links, parameters, files, their text index) are
    written in batches of `BATCH` datasets, one ``executemany`` a table (one round trip each to a
    PostgreSQL server, not one a dataset), and objects that many datasets share (documents,
    techniques, instruments, samples) are written once per build unless they change. A new
    dataset gets the row number after the highest (`put_prepared` numbers it; what SQLite would
    give it too); a batch holding datasets already stored, or one dataset twice, is sorted out
    when it is written (`_put_again`), as if each had been put on its own."""

    BATCH = 2_000  # datasets whose rows are written together

    def __init__(
        self,
        db: Any,
        document_terms: Callable[[dict], Iterable[str]] = lambda d: (),
        *,
        query_indexes: bool = True,
    ) -> None:
        create(db, query_indexes)
        self.db = db
        self.dialect: Dialect = dialect_of(db)
        self._statements = dict(_BATCHED)
        self.text = TextWriter(db)  # the free-text index
        self.document_terms = document_terms
        # (table, key) -> (the object as given, serialised; the JSON written; its row)
        self._known: dict[tuple[str, Any], tuple[bytes | None, str, int]] = {}
        self._rows: dict[str, list[tuple]] = {name: [] for name in _DATASET_COLUMN}
        self._datasets: list[tuple[int, str, str, int | None]] = []  # (n, id, doc, instrument) to insert
        (self._next,) = db.execute("SELECT coalesce(max(n), 0) + 1 FROM dataset").fetchone()

    def put_instrument(self, instrument: dict) -> int:
        """Insert or update an instrument (matched by pid, else name)."""
        return self._upsert("instrument", str(instrument.get("pid") or instrument["name"]), instrument)

    # -- datasets -------------------------------------------------------------------------
    def put_dataset(self, dataset: dict, synonyms: Iterable[str] = ()) -> int:
        """Insert or replace the dataset with ``dataset["pid"]`` and everything nested in it
        (documents, techniques, instrument, parameters, files, samples); ``synonyms`` are extra
        words for its free-text index (the synonyms of its techniques). Returns its row number
        (for a dataset that is stored already, the number standing for its row until `flush`)."""
        return self.put_prepared(prepare_dataset(dataset, synonyms))

    def put_prepared(self, dataset: PreparedDataset) -> int:
        """`put_dataset` for a dataset `prepare_dataset` made ready (in a worker process, say);
        a plain tuple of the same fields will do (what a worker sends: 4× quicker to unpickle)."""
        if len(self._datasets) >= self.BATCH:
            self.flush()  # before, not after: the number returned stays in the batch, renumbered with it
        pid, doc, instrument, instrument_id, techniques, documents, samples, parameters, files, *own_text = dataset
        rows = self._rows
        instrument_n = None
        if instrument is not None:
            instrument_n = self.put_instrument(instrument)
        elif instrument_id is not None:
            instrument_n = self._upsert("instrument", instrument_id, {"pid": instrument_id})
        n = self._next  # its row if it is new (`_put_datasets` sees to the others)
        self._next += 1
        self._datasets.append((n, pid, doc, instrument_n))
        links = rows["dataset_technique"]
        known = self._known
        for key, given, panet in techniques:
            found = known.get(("technique", key))  # the same technique as last time: nothing to write
            same = found is not None and found[0] == given
            links.append((found[2] if same else self._upsert("technique", key, None, panet, given), n))  # type: ignore[index]
        links = rows["document_dataset"]
        for key, given, text in documents:
            found = known.get(("document", key))
            same = found is not None and found[0] == given
            links.append((found[2] if same else self.put_document(orjson.loads(given), False, text), n))  # type: ignore[index]
        links = rows["dataset_sample"]
        for key, sample in samples:
            links.append((n, self._upsert("sample", key, sample)))
        if parameters:
            rows["parameter"] += [(id, doc, n, None, name, si, base) for id, doc, name, si, base in parameters]
        if files:
            rows["file"] += [(id, doc, n, name) for id, doc, name in files]
        rows["dataset_text"].append((n, own_text[0], own_text[1]))  # its length and words
        return n

    def flush(self) -> None:
        """Write the batched rows."""
        if self._datasets:
            self._put_datasets()
        texts = self._rows["dataset_text"]
        self.text.put_packed("dataset", texts)  # numbered for good now
        texts.clear()
        for table, statement in self._statements.items():
            if self._rows[table]:
                self.db.executemany(statement, self._rows[table])
                self._rows[table].clear()
        self.text.flush()

    def _put_datasets(self) -> None:
        """Insert the batch's datasets; datasets already stored, or put twice, are `_put_again`."""
        batch, dialect = self._datasets, self.dialect
        pids = [pid for _, pid, _, _ in batch]
        stored = dict(
            self.db.execute(
                f"SELECT id, n FROM dataset WHERE {dialect.one_of('id', 'text')}", (dialect.values(pids, "text"),)
            ).fetchall()
        )
        if stored or len(set(pids)) < len(pids):
            self._put_again(stored)
        else:
            self.db.executemany("INSERT INTO dataset(n, id, doc, instrument) VALUES (?, ?, ?, ?)", batch)
        batch.clear()

    def _put_again(self, stored: dict[str, int]) -> None:
        """Write a batch some of whose datasets are ``stored`` (pid -> row) or put more than once:
        each such dataset keeps its row and takes the object and rows its last put gave (its
        document links add up), as when each put is written on its own."""
        last: dict[str, tuple[int, str, str, int | None]] = {}
        replaced: set[int] = set()  # the numbers of puts a later put of the same dataset replaces
        row_of: dict[int, int] = {}  # the number each put was given -> the dataset's row
        row_of_pid = dict(stored)  # pid -> its row: stored, or the next free one for a new dataset
        self._next = self._datasets[0][0]  # new datasets numbered in turn, as SQLite numbers rows
        for put in self._datasets:
            n, pid = put[0], put[1]
            if pid in last:
                replaced.add(last[pid][0])
            last[pid] = put
            if pid not in row_of_pid:
                row_of_pid[pid] = self._next
                self._next += 1
            row_of[n] = row_of_pid[pid]
        new = []
        for pid, (n, _, doc, instrument) in last.items():
            if pid in stored:
                update = "UPDATE dataset SET doc = ?, instrument = ? WHERE n = ?"
                self.db.execute(update, (doc, instrument, stored[pid]))
                self._clear_dataset(stored[pid])
            else:
                new.append((row_of[n], pid, doc, instrument))
        self.db.executemany("INSERT INTO dataset(n, id, doc, instrument) VALUES (?, ?, ?, ?)", new)
        for table, rows in self._rows.items():
            at = _DATASET_COLUMN[table]
            kept = rows if table == "document_dataset" else [row for row in rows if row[at] not in replaced]
            rows[:] = [(*row[:at], row_of.get(row[at], row[at]), *row[at + 1 :]) for row in kept]

    def finish(self) -> None:
        """Write the batched rows and the free-text index's lists (`TextWriter.finish`): the
        last call before the store is committed."""
        self.flush()
        self.text.finish()

    def delete_dataset(self, pid: str) -> bool:
        """Remove the dataset ``pid`` (an OAI-PMH deletion); True if it was there."""
        self.flush()  # the dataset may be in the batch
        row = self.db.execute("DELETE FROM dataset WHERE id = ? RETURNING n", (pid,)).fetchone()
        if row is None:
            return False
        (self._next,) = self.db.execute("SELECT coalesce(max(n), 0) + 1 FROM dataset").fetchone()
        self._clear_dataset(row[0])
        self.db.execute("DELETE FROM document_dataset WHERE dataset = ?", (row[0],))
        return True

    def _clear_dataset(self, n: int) -> None:
        db = self.db
        for table in ("dataset_technique", "dataset_sample", "parameter", "file"):
            db.execute(f"DELETE FROM {table} WHERE dataset = ?", (n,))
        self.text.remove("dataset", n)

    # -- documents ------------------------------------------------------------------------
    def put_document(self, document: dict, link: bool = True, text: tuple[int, str] | None = None) -> int:
        """Insert or update the document ``document["pid"]`` with its members and parameters; with
        ``link``, nested ``datasets`` (objects) are put too and pids of stored datasets linked.
        ``text``: its free-text row ``(length, words)``, if worked out already (`Interned.document`)."""
        db = self.db
        key = str(document["pid"])
        known = self._known.get(("document", key))
        n = self._upsert("document", key, document)
        if known is not None and known[1:] == self._known[("document", key)][1:] and not link:
            return n  # a document many datasets share, written already in this build
        if document.get("members") is not None:
            db.execute("DELETE FROM member WHERE document = ?", (n,))
            for member in document["members"]:
                if isinstance(member, dict):
                    self._put_member(member, n)
        if document.get("parameters") is not None:
            db.execute("DELETE FROM parameter WHERE document = ?", (n,))
            db.executemany(_BATCHED["parameter"], _parameters(document["parameters"], None, n))
        self.text.remove("document", n)
        if text is None:
            terms = " ".join(self.document_terms(document))
            self.text.put("document", n, _document_texts(document, _keywords(document), terms))
        else:
            self.text.put_packed("document", [(n, *text)])
        if link:
            for dataset in document.get("datasets") or ():
                if isinstance(dataset, dict) and dataset.get("pid"):
                    d = self.put_dataset(dataset)
                elif isinstance(dataset, str):
                    self.flush()  # the dataset may be in the batch
                    row = db.execute("SELECT n FROM dataset WHERE id = ?", (dataset,)).fetchone()
                    if row is None:
                        continue
                    d = row[0]
                else:
                    continue
                self._rows["document_dataset"].append((n, d))  # ``d`` may be renumbered by `_put_again`
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
    def _upsert(
        self, table: str, key: str | int, obj: dict | None, panet: str | None = None, given: bytes | None = None
    ) -> int:
        """The row of ``key`` in ``table``, its JSON merged with ``obj``'s properties (new values
        win); ``given``: ``obj`` as orjson writes it, which is enough when ``obj`` is None."""
        if given is None:
            try:  # one C call: objects many datasets share come again unchanged
                given = orjson.dumps(obj)
            except orjson.JSONEncodeError:  # a property orjson cannot write (an integer past 64 bits)
                given = None
        known = self._known.get((table, key))
        if known is not None and given is not None and known[0] == given:
            return known[2]
        if obj is None:
            obj = orjson.loads(given)  # type: ignore[arg-type]
        doc = _dumps(_own(obj, _FIELDS[table]))
        if known is not None and known[1] == doc:
            self._known[(table, key)] = (given, doc, known[2])
            return known[2]
        extra = ", panet = coalesce(excluded.panet, technique.panet)" if table == "technique" else ""
        columns, values = ("id, doc, panet", (key, doc, panet)) if table == "technique" else ("id, doc", (key, doc))
        marks = ", ".join("?" * len(values))
        (n,) = self.db.execute(
            f"INSERT INTO {table}({columns}) VALUES ({marks}) ON CONFLICT(id) DO UPDATE "
            f"SET doc = {self.dialect.merge(table)}{extra} RETURNING n",
            values,
        ).fetchone()
        if len(self._known) >= KNOWN:  # memory stays bounded however long the build
            self._known.clear()
        self._known[(table, key)] = (given, doc, n)
        return n

    def set_meta(self, key: str, value: str) -> None:
        """Remember ``value`` under ``key`` (the ontology checksum, an OAI-PMH datestamp)."""
        self.db.execute(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value)
        )
