"""The SQL dialects of a catalogue store: `SQLite` (one file, the default) and `PostgreSQL` (a
server, ``postgresql://user@host/db``). The store, the filter compiler and the search are one code
path written once; a `Dialect` supplies the few points where the two differ: placeholders and
value types, JSON properties, free text, the upsert merge, the schema, connections and
transactions.

>>> dialect_for("catalogue.sqlite").name, dialect_for("postgresql://panet@db.example.org/pan").name
('sqlite', 'postgresql')
>>> SQLITE.property("o", "title"), POSTGRESQL.property("o", "title")
("json_extract(o.doc, '$.title')", "(o.doc -> 'title')")

Free text is one index in plain tables on both (`panet.catalogue.text_index`): BM25 over word
counts the build keeps, the same ranking and scores on either store.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol

__all__ = ["POSTGRESQL", "SQLITE", "Dialect", "Kind", "PostgreSQL", "SQLite", "dialect_for", "is_server"]

Kind = Literal["json", "text", "real", "integer"]
"""What a value is compared with: a property inside ``doc`` (JSON), or a column of that SQL type."""

CACHE_KIB = 16 * 1024
"""SQLite page cache while building (a bound, whatever the input's size)."""
MMAP_BYTES = 1 << 36
"""How much of an SQLite store a reader maps into memory (SQLite caps it at its build's limit)."""
SCHEMA_NAME = "panet_catalogue"
"""The PostgreSQL schema holding a catalogue's tables (one catalogue per database)."""


def is_server(store: str | os.PathLike[str]) -> bool:
    """Whether ``store`` names a PostgreSQL database rather than an SQLite file.

    >>> is_server("postgresql://localhost/pan"), is_server("c.sqlite")
    (True, False)
    """
    return isinstance(store, str) and store.startswith(("postgresql://", "postgres://"))


def dialect_for(store: str | os.PathLike[str]) -> Dialect:
    """The dialect of a store named by a path (SQLite) or a ``postgresql://`` URL."""
    return POSTGRESQL if is_server(store) else SQLITE


def dialect_of(db: Any) -> Dialect:
    """The dialect of an open connection (an `sqlite3.Connection` or a `PostgresConnection`).

    >>> dialect_of(sqlite3.connect(":memory:")).name
    'sqlite'
    """
    return POSTGRESQL if isinstance(db, PostgresConnection) else SQLITE


class Dialect(Protocol):
    """What differs between the SQL of two stores. SQL is written with ``?`` placeholders."""

    name: str
    keeps_counts: bool
    """Whether a build keeps row counts (`panet.catalogue.store.count_rows`) that counts and query
    plans read instead of counting (SQLite's; PostgreSQL counts from its indexes)."""

    def property(self, alias: str, field: str) -> str:
        """A JSON property of rows ``alias``, comparable with values bound as `Kind` ``json``."""
        ...

    def property_text(self, alias: str, field: str) -> str:
        """A JSON property of rows ``alias`` as text (for ``LIKE``)."""
        ...

    def document(self, alias: str) -> str:
        """The ``doc`` of rows ``alias`` as JSON text."""
        ...

    def reference(self, table: str, alias: str, column: str) -> str:
        """The identifier of the ``table`` row that ``alias.column`` names, as its object shows it."""
        ...

    def param(self, kind: Kind) -> str:
        """The placeholder for a value compared with a column of ``kind``."""
        ...

    def value(self, value: Any, kind: Kind) -> Any:
        """``value`` as bound for a column of ``kind``."""
        ...

    def one_of(self, column: str, kind: Kind) -> str:
        """``column`` is one of a list bound at one placeholder (see `values`)."""
        ...

    def values(self, values: list[Any], kind: Kind) -> Any:
        """A list of values as bound for `one_of`."""
        ...

    def like(self, column: str) -> str:
        """``column`` matches a LIKE pattern bound at one placeholder (``\\`` escapes), ignoring case."""
        ...

    def distinct(self, column: str, placeholder: str) -> str:
        """``column`` differs from a value, NULL included."""
        ...

    def order(self, expression: str, direction: str) -> str:
        """``ORDER BY`` one term; missing values first when ascending, as SQLite sorts them."""
        ...

    def unindexed(self, expression: str) -> str:
        """``expression`` such that no index on it drives a plan: to sort rows found by other
        means (a page's related rows) rather than walk a whole table in its order."""
        ...

    def integer_part(self, expression: str) -> str:
        """The integer part of a number ≥ 0, as a whole number."""
        ...

    def joined(self, column: str) -> str:
        """The aggregate of an integer column's values as text, comma-separated (any order)."""
        ...

    def entries(self, column: str, alias: str) -> tuple[str, str, str]:
        """The members of the JSON objects in ``column`` (whole numbers) as rows: the FROM item
        (after the table holding ``column``, comma-joined), the key and the value."""
        ...

    def member(self, column: str) -> str:
        """The whole number a JSON object in ``column`` holds under the key bound at one placeholder."""
        ...

    def merge(self, table: str) -> str:
        """The upsert's new ``doc``: the stored one with the ``excluded`` one's properties over it."""
        ...

    def script(self, db: Any, statements: str) -> None:
        """Run several statements without parameters."""
        ...

    def reader(self, store: str | os.PathLike[str], timeout: float) -> Any:
        """A read-only connection, used by one query at a time from any thread; raises
        `LookupError` when there is no store."""
        ...

    def run(self, db: Any, sql: str, values: list[Any], timeout: float) -> list[tuple[Any, ...]]:
        """The rows of a query; `TimeoutError` past ``timeout`` seconds, `ConnectionError` when
        the store went away (the next `reader` connects anew)."""
        ...

    def building(self, store: str | os.PathLike[str], rebuild: bool) -> Any:
        """A context manager yielding a connection to write the store in one transaction:
        committed when the block ends, nothing kept when it fails or the process is killed;
        `LookupError` when the store cannot be reached or refuses the build (no right to)."""
        ...


class SQLite:
    """An SQLite file: ``json_extract`` for properties.

    >>> SQLITE.param("json"), SQLITE.value(True, "json"), SQLITE.one_of("o.id", "text")
    ('?', 1, 'o.id IN (SELECT value FROM json_each(?))')
    >>> SQLITE.entries("f.words", "e")
    ('json_each(f.words) e', 'e.key', 'e.value')
    """

    name = "sqlite"
    keeps_counts = True

    def property(self, alias: str, field: str) -> str:
        return f"json_extract({alias}.doc, '$.{field}')"

    property_text = property

    def document(self, alias: str) -> str:
        return f"{alias}.doc"

    def reference(self, table: str, alias: str, column: str) -> str:
        return f"(SELECT id FROM {table} WHERE n = {alias}.{column})"

    def param(self, kind: Kind) -> str:
        return "?"

    def value(self, value: Any, kind: Kind) -> Any:
        return int(value) if isinstance(value, bool) else value

    def one_of(self, column: str, kind: Kind) -> str:
        return f"{column} IN (SELECT value FROM json_each(?))"

    def values(self, values: list[Any], kind: Kind) -> Any:
        import json

        return json.dumps(values)

    def like(self, column: str) -> str:
        return f"{column} LIKE ? ESCAPE '\\'"

    def distinct(self, column: str, placeholder: str) -> str:
        return f"{column} IS NOT {placeholder}"

    def order(self, expression: str, direction: str) -> str:
        return f"{expression} {direction}"

    def unindexed(self, expression: str) -> str:
        return f"+{expression}"  # SQLite's unary plus: the same value, no index

    def integer_part(self, expression: str) -> str:
        return f"CAST({expression} AS INTEGER)"

    def joined(self, column: str) -> str:
        return f"group_concat({column})"

    def entries(self, column: str, alias: str) -> tuple[str, str, str]:
        return f"json_each({column}) {alias}", f"{alias}.key", f"{alias}.value"

    def member(self, column: str) -> str:
        return f"""json_extract({column}, '$."' || ? || '"')"""

    def merge(self, table: str) -> str:
        return f"json_patch({table}.doc, excluded.doc)"

    def script(self, db: Any, statements: str) -> None:
        for statement in statements.split(";"):  # not executescript: it would commit the build's transaction
            if statement.strip():
                db.execute(statement)

    def reader(self, store: str | os.PathLike[str], timeout: float) -> sqlite3.Connection:
        path = Path(store)
        if not path.is_file():
            raise LookupError(f"{path}: no such catalogue; make one with `panet catalogue build`")
        if Path(f"{path}-journal").exists() and os.access(path, os.W_OK):
            sqlite3.connect(path).execute("SELECT count(*) FROM sqlite_master").fetchone()  # rolls back
            # the hot journal a killed build left; a read-only connection could not
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)  # one
        # query at a time uses it, from whichever thread borrowed it (`Catalogue`)
        db.execute("PRAGMA query_only = ON")
        db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")  # pages read in place, not copied: random reads
        # (a free-text query scoring rows, lists read) cost about a third less
        return db

    def run(self, db: Any, sql: str, values: list[Any], timeout: float) -> list[tuple[Any, ...]]:
        end = time.monotonic() + timeout
        db.set_progress_handler(lambda: time.monotonic() > end, 10_000)
        try:
            return list(db.execute(sql, values).fetchall())
        except sqlite3.OperationalError as err:
            if "interrupted" in str(err):
                raise TimeoutError(str(err)) from None
            raise
        finally:
            db.set_progress_handler(None, 0)

    @contextmanager
    def building(self, store: str | os.PathLike[str], rebuild: bool) -> Iterator[sqlite3.Connection]:
        """A new store is written as ``STORE.part`` and renamed at the end; an existing one is
        updated in one transaction (its journal rolls a killed build back)."""
        target = Path(store)
        fresh = rebuild or not target.exists()
        work = target.with_name(target.name + ".part") if fresh else target
        if fresh:
            work.unlink(missing_ok=True)
        db = sqlite3.connect(work, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode = " + ("OFF" if fresh else "DELETE"))
            db.execute("PRAGMA synchronous = OFF" if fresh else "PRAGMA synchronous = NORMAL")
            db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            db.execute("BEGIN")
            yield db
            db.execute("COMMIT")
            analyze(db)  # index statistics, so that SQLite plans queries by selectivity
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            db.close()
            if fresh:
                work.unlink(missing_ok=True)
            raise
        db.close()
        if fresh:
            _sync(work)  # the rename never publishes a torn file
            os.replace(work, target)


FEW_ROWS = {"parameter_by_value": 10, "parameter_by_document": 10}
"""Indexes whose key `analyze` takes to select at most that many rows when SQLite plans a query."""


def analyze(db: sqlite3.Connection) -> None:
    """Index statistics for the query planner (``ANALYZE``), with two corrections (`FEW_ROWS`).
    ANALYZE keeps averages only: in a store whose parameters mostly share a name, every name
    looks unselective, and a query for a name the store lacks (``sample_state``) would scan all
    parameters instead of finding none in the index; parameters of datasets have no document, so
    the million NULLs make a document's parameters look like a million. (Where a name does select
    many rows, a page is found by probing datasets in order: `panet.catalogue.query.dense_threshold`.)

    >>> from panet.catalogue.store import create
    >>> db = sqlite3.connect(":memory:"); create(db)
    >>> _ = db.executemany("INSERT INTO parameter(doc, name) VALUES ('{}', 'a')", [()] * 50); analyze(db)
    >>> db.execute("SELECT stat FROM sqlite_stat1 WHERE idx = 'parameter_by_value'").fetchone()
    ('50 10 10 10',)
    """
    db.execute("ANALYZE")
    for index, few in FEW_ROWS.items():
        found = db.execute("SELECT stat FROM sqlite_stat1 WHERE idx = ?", (index,)).fetchone()
        if found is not None:
            rows, *per_key = found[0].split()
            stat = " ".join([rows, *(str(min(int(n), few)) if n.isdigit() else n for n in per_key)])
            db.execute("UPDATE sqlite_stat1 SET stat = ? WHERE idx = ?", (stat, index))
    db.execute("ANALYZE sqlite_schema")  # this connection, too, plans with the corrected figures


def _sync(path: Path) -> None:
    """Flush ``path`` to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


_INSERT = re.compile(r"(INSERT INTO .+? VALUES )(\(.*\))( ON CONFLICT .*)?", re.S)
"""An ``INSERT`` of one row of values: the head, the row, what follows."""
_ROWS_AT_ONCE = 1_000
"""Rows a `PostgresConnection.executemany` inserts with one statement."""


class PostgresConnection:
    """A psycopg connection taking SQL with ``?`` placeholders, as `sqlite3.Connection` does
    (the subset the store uses: `execute`, `executemany`); made by `PostgreSQL.reader` and
    `PostgreSQL.building`.

    >>> PostgresConnection(None)._sql("SELECT n FROM dataset WHERE id = ? AND title LIKE '%x'")
    "SELECT n FROM dataset WHERE id = %s AND title LIKE '%%x'"
    """

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self._translated: dict[str, str] = {}

    def _sql(self, sql: str) -> str:
        found = self._translated.get(sql)
        if found is None:
            found = sql.replace("%", "%%").replace("?", "%s")
            if len(self._translated) < 10_000:
                self._translated[sql] = found
        return found

    def execute(self, sql: str, values: Any = ()) -> Any:
        return self.connection.execute(self._sql(sql), values or None)

    def executemany(self, sql: str, rows: Any) -> None:
        """Run ``sql`` for each of ``rows``; an ``INSERT … VALUES (…)`` as few statements of many
        rows each (`_ROWS_AT_ONCE`): a build's batches cost a round trip and one statement's work
        each, not one per row. Those statements are written with PostgreSQL's own ``$n``
        placeholders and sent through a `psycopg.RawCursor`, which does not parse them (psycopg
        parses a long query with ``%s`` placeholders anew each time: most of a build's time).

        >>> PostgresConnection(None)._many("INSERT INTO t(a, b) VALUES (?, ?) ON CONFLICT DO NOTHING", 2)
        'INSERT INTO t(a, b) VALUES ($1, $2), ($3, $4) ON CONFLICT DO NOTHING'
        """
        import psycopg

        rows = list(rows)
        if _INSERT.fullmatch(sql) is None or not rows:
            with self.connection.cursor() as cursor:
                cursor.executemany(self._sql(sql), rows)
            return
        at_once = max(1, min(_ROWS_AT_ONCE, 65_535 // max(1, len(rows[0]))))  # PostgreSQL takes ≤ 65 535 values
        with psycopg.RawCursor(self.connection) as cursor:
            for start in range(0, len(rows), at_once):
                part = rows[start : start + at_once]
                cursor.execute(self._many(sql, len(part)), [value for row in part for value in row])

    def _many(self, sql: str, count: int) -> str:
        """``sql`` (an ``INSERT … VALUES (…)`` with ``?`` placeholders) inserting ``count`` rows."""
        key = f"{count}:{sql}"
        found = self._translated.get(key)
        if found is None:
            head, values, tail = _INSERT.fullmatch(sql).groups()  # type: ignore[union-attr]
            parts = values.split("?")
            width = len(parts) - 1
            rows = ("".join(f"{part}${r * width + i + 1}" for i, part in enumerate(parts[:-1])) + parts[-1]
                    for r in range(count))  # fmt: skip
            found = f"{head}{', '.join(rows)}{tail or ''}"
            if len(self._translated) < 10_000:
                self._translated[key] = found
        return found

    @property
    def broken(self) -> bool:
        """Whether the connection is lost (the server restarted): open a new one."""
        return bool(self.connection.broken or self.connection.closed)

    def close(self) -> None:
        self.connection.close()


class PostgreSQL:
    """A PostgreSQL database: ``jsonb`` properties, the tables in the schema `SCHEMA_NAME`.
    Needs psycopg 3 (``pip install 'panet[postgres]'``).

    >>> POSTGRESQL.param("json"), POSTGRESQL.value(True, "json"), POSTGRESQL.one_of("o.id", "text")
    ('CAST(? AS jsonb)', 'true', 'o.id = ANY(CAST(? AS text[]))')
    >>> POSTGRESQL.entries("f.words", "e")
    ('jsonb_each_text(f.words) e', 'e.key', 'CAST(e.value AS bigint)')
    """

    name = "postgresql"
    keeps_counts = False
    _TYPES: ClassVar[dict[str, str]] = {
        "json": "jsonb",
        "text": "text",
        "real": "double precision",
        "integer": "bigint",
    }

    def property(self, alias: str, field: str) -> str:
        return f"({alias}.doc -> '{field}')"

    def property_text(self, alias: str, field: str) -> str:
        return f"({alias}.doc ->> '{field}')"

    def document(self, alias: str) -> str:
        return f"{alias}.doc::text"

    def reference(self, table: str, alias: str, column: str) -> str:
        # the id column is text; the object's own id keeps its JSON type (a number stays a number)
        return f"(SELECT coalesce(doc -> 'id', to_jsonb(id)) FROM {table} WHERE n = {alias}.{column})"

    def param(self, kind: Kind) -> str:
        return f"CAST(? AS {self._TYPES[kind]})"

    def value(self, value: Any, kind: Kind) -> Any:
        import json

        if kind == "json":
            return json.dumps(value)
        if kind == "text" and value is not None and not isinstance(value, str):
            return json.dumps(value)
        return value

    def one_of(self, column: str, kind: Kind) -> str:
        if kind == "json":
            return f"{column} IN (SELECT value FROM jsonb_array_elements(CAST(? AS jsonb)))"
        return f"{column} = ANY(CAST(? AS {self._TYPES[kind]}[]))"

    def values(self, values: list[Any], kind: Kind) -> Any:
        import json

        return json.dumps(values) if kind == "json" else [self.value(v, kind) for v in values]

    def like(self, column: str) -> str:
        return f"{column} ILIKE ? ESCAPE '\\'"

    def distinct(self, column: str, placeholder: str) -> str:
        return f"{column} IS DISTINCT FROM {placeholder}"

    def order(self, expression: str, direction: str) -> str:
        return f"{expression} {direction} NULLS {'FIRST' if direction == 'ASC' else 'LAST'}"

    def unindexed(self, expression: str) -> str:
        return expression  # PostgreSQL's planner weighs the sort against the index walk itself

    def integer_part(self, expression: str) -> str:
        return f"CAST(floor({expression}) AS bigint)"

    def joined(self, column: str) -> str:
        return f"string_agg({column}::text, ',')"

    def entries(self, column: str, alias: str) -> tuple[str, str, str]:
        return f"jsonb_each_text({column}) {alias}", f"{alias}.key", f"CAST({alias}.value AS bigint)"

    def member(self, column: str) -> str:
        return f"CAST(({column} ->> ?) AS bigint)"

    def merge(self, table: str) -> str:
        return f"{table}.doc || excluded.doc"

    def script(self, db: Any, statements: str) -> None:
        db.connection.execute(statements)

    def _connect(self, store: str | os.PathLike[str]) -> PostgresConnection:
        try:
            import psycopg
        except ImportError:
            raise LookupError(
                "a PostgreSQL store needs psycopg: pip install 'panet[postgres]' (or psycopg[binary])"
            ) from None
        try:
            connection = psycopg.connect(str(store), autocommit=True, connect_timeout=10)
        except psycopg.Error as err:
            reason = " ".join(str(err).split())  # libpq's lines as one
            raise LookupError(f"{redacted(str(store))}: cannot connect ({reason})") from None
        return PostgresConnection(connection)

    def reader(self, store: str | os.PathLike[str], timeout: float) -> PostgresConnection:
        """Read-only transactions, each statement stopped after ``timeout`` seconds."""
        db = self._connect(store)
        db.execute("SET default_transaction_read_only = on")
        db.execute(f"SET statement_timeout = {max(1, int(timeout * 1000))}")
        db.execute(f"SET search_path TO {SCHEMA_NAME}")
        return db

    def run(self, db: Any, sql: str, values: list[Any], timeout: float) -> list[tuple[Any, ...]]:
        import psycopg

        try:
            return list(db.execute(sql, values).fetchall())
        except psycopg.errors.QueryCanceled as err:
            raise TimeoutError(str(err)) from None
        except psycopg.OperationalError as err:
            raise ConnectionError(str(err).strip()) from None

    @contextmanager
    def building(self, store: str | os.PathLike[str], rebuild: bool) -> Iterator[PostgresConnection]:
        """One transaction. A new store (or a rebuild) is written into a schema of its own that
        replaces the old one at the end, so readers keep the old tables until the commit; builds
        of one database wait for each other."""
        import psycopg

        db = self._connect(store)
        connection = db.connection
        try:
            connection.autocommit = False
            db.execute("SELECT pg_advisory_xact_lock(7061636174)")  # one build at a time
            exists = db.execute("SELECT 1 FROM pg_namespace WHERE nspname = ?", (SCHEMA_NAME,)).fetchone()
            fresh = rebuild or exists is None
            work = f"{SCHEMA_NAME}_new" if fresh else SCHEMA_NAME
            if fresh:
                db.execute(f"DROP SCHEMA IF EXISTS {work} CASCADE")
                db.execute(f"CREATE SCHEMA {work}")
            db.execute(f"SET LOCAL search_path TO {work}")
            yield db
            if fresh:
                db.execute(f"DROP SCHEMA IF EXISTS {SCHEMA_NAME} CASCADE")
                db.execute(f"ALTER SCHEMA {work} RENAME TO {SCHEMA_NAME}")
            connection.commit()
            connection.autocommit = True
            tables = db.execute("SELECT tablename FROM pg_tables WHERE schemaname = ?", (SCHEMA_NAME,)).fetchall()
            for (table,) in tables:  # statistics of the store's tables, for the planner
                db.execute(f"ANALYZE {SCHEMA_NAME}.{table}")
        except psycopg.Error as err:  # the server refused (no right to create a schema, disk full…)
            if not connection.closed:
                connection.rollback()
            message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise LookupError(f"{redacted(str(store))}: the build was refused and nothing kept ({message})") from None
        except BaseException:
            if not connection.closed:
                connection.rollback()
            raise
        finally:
            connection.close()


def redacted(url: str) -> str:
    """A URL without its password.

    >>> redacted("postgresql://panet:secret@db/pan")
    'postgresql://panet:***@db/pan'
    """
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


SQLITE: Dialect = SQLite()
POSTGRESQL: Dialect = PostgreSQL()
