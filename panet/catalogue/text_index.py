"""The free-text index of a catalogue store: BM25 over word counts the build keeps, with each
word's list of rows ordered by its part of the score (impact-ordered), so that a query reads the
heads of its words' lists only — the same tables and SQL on SQLite and PostgreSQL.

The score (the spec the tests check against a brute force):

* **Words.** A text is case-folded, stripped of diacritics (`panet.text.fold_accents`, as SQLite's
  ``unicode61 remove_diacritics 2``) and cut into runs of letters and digits (``_`` and ``-``
  separate words). A query's distinct words count once each; at most `MAX_WORDS`; words no row
  holds add nothing and are left out.
* **Fields.** A dataset's text is its title and its ``terms`` (names and synonyms of its
  techniques, its documents' keywords, sample and instrument names); a document's its title,
  summary, keywords and terms. A word's count in a row is the sum over fields of its occurrences
  times the field's weight (`FIELDS`: a title counts twice), and a row's length the same sum over
  all its words — as if the title were written twice.
* **BM25** with k1 = `K1`, b = `B`, in integers so that ties are exact: a word's impact in a row is
  ``floor(IMPACT_SCALE · tf · (k1 + 1) / (tf + k1 · (1 − b + b · length / avgdl))) + 1`` and its
  weight ``floor(IDF_SCALE · ln(1 + (N − df + 0.5) / (df + 0.5))) + 1`` (N rows, df rows holding
  the word; Lucene's idf, positive even for a word every row holds); a row's score is the sum of
  weight × impact over the query's words. Rows are ranked by score, highest first, then by row
  (the order the rows were stored in). The API's ``score`` is s / (1 + s) with s = score /
  (IMPACT_SCALE · IDF_SCALE), in (0, 1) for every row found.
* **avgdl** is a parameter of the index (meta ``text:TABLE:avgdl``): the average length when the
  lists were last ordered. A new store's build sets it; a later build that adds, changes or
  deletes rows keeps it — and the order of the lists, updating only the rows it touched — while
  the true average stays within `DRIFT` of it, and else re-orders every list with the new average.
  So rankings are exactly this BM25 with an avgdl within 10 % of the true one; N and df are always
  exact.

Tables (per text model, ``dataset`` and ``document``; `SCHEMA`): ``T_words(word, rows)`` (df),
``T_postings(word, rank, n)`` (rank = −impact: each word's rows by impact, highest first, then
by row), ``T_segments(word, start, rank, size, rows)`` (the same lists by groups: each word's rows
of one impact as one row, their numbers as comma-separated text, ``start`` the entries of the
list before them), ``T_forward(n, length, words)`` (each row's length and counts, a JSON object
word → count × 16 + the bits of the fields holding it: the score of a candidate row, the ``text``
operator, and what to take out of the lists when the row changes), ``T_pending(n)`` (rows of an
update not yet in the lists). A new store's lists are written once at the end of its build,
sorted in one pass, and grouped into segments; an update writes the lists of the rows it touched,
and the segments of the words it touched (those of the rows it wrote and the words whose df
changed).

A query without a ``where`` (`search`) reads each word's segments from the head, every list one
group of one impact at a time, about twice as deep every round (k = limit + skip, at least 64
entries, first), and works on whole groups: a row met in one list only scores at most its impact
there plus the other lists' frontiers (weight × (the last impact read − 1): no row further down
scores more there, groups being whole); the rows met in two lists or more are found with set
operations (each list but the longest looked up by row, the longest intersected group by group)
and scored from what was read. It stops once the k-th best known score beats the sum of the
frontiers — no row not met can enter the page, nor tie with it, whatever its number — and no row
met but not scored may enter it: those left are scored from ``T_forward`` when they cost less
than reading on (a row scored costs about `_SEGMENT_COST` entries read), else the lists they
were not met in are read on, no further than where the last of them would be met. So two common
words whose best rows are deep in one list read that list's groups as text, tens of rows from the
store, where reading entry by entry fetched tens of thousands.

A query with a ``where`` reads ``T_postings`` in batches from the heads (64 or k entries, doubling
up to 16 384) and adds up each row's impacts as it meets them (Fagin's threshold and
no-random-access algorithms combined): a row met in every list not read to the end has its
score known; the others are scored in full from ``T_forward`` only when the page is not full yet
(those that may score most) or at the end (those that may still reach the page). It stops once
the k-th best score beats the sum over the open lists of weight × the impact at the list's
frontier: no row not met can score more; a row scoring as much would hold every list's frontier
impact and come after its frontier row, so with the k-th row before the last frontier row the
page is final too. When the rows left to score outnumber what the next round would read (a row
scored costs about `_SCORE_COST` entries read), the next round is read first: it settles or rules
out most of them. A condition that selects at most k rows (one probe, ``LIMIT k + 1``, quick when
an index answers it) has those rows ranked; otherwise the rows met are tested against it in
batches, and once more than √(k · N) rows were tested (as
`panet.catalogue.query.dense_threshold`) the condition is taken as selective and all the rows it
selects are scored instead.
"""

from __future__ import annotations

import heapq
import itertools
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence, Set
from contextlib import contextmanager
from typing import Any

import orjson

from panet.catalogue.dialect import Dialect, dialect_of
from panet.text import fold_accents

__all__ = [
    "DRIFT",
    "FIELDS",
    "IDF_SCALE",
    "IMPACT_SCALE",
    "K1",
    "MAX_WORDS",
    "SCHEMA",
    "B",
    "Packer",
    "TextWriter",
    "counts",
    "impact",
    "search",
    "weight",
    "words",
]

K1 = 1.2
B = 0.75
IMPACT_SCALE = 1 << 16
IDF_SCALE = 1 << 16
DRIFT = 0.1
"""How far (relative) the true average length may move from the index's avgdl before a build re-orders the lists."""
MAX_WORDS = 32
"""Query words used at most (the rest of a longer text is ignored)."""
FIELDS: dict[str, tuple[tuple[str, int], ...]] = {
    "dataset": (("title", 2), ("terms", 1)),
    "document": (("title", 2), ("summary", 1), ("keywords", 1), ("terms", 1)),
}
"""The fields of each text model's text, in order, with the weight of a word found there."""
FIELD_BITS = 4
SORT_KIB = 4 * 1024
"""SQLite's page cache (KiB) while the lists are sorted (`_sort_memory`)."""
_TOKEN = re.compile(r"[^\W_]+")
_ASCII_GAPS = bytes(c if chr(c).isascii() and chr(c).isalnum() else ord(" ") for c in range(256))
"""Each ASCII letter and digit kept, every other byte a space: `words` of an ASCII text."""
_FIRST = (-(1 << 62), -(1 << 62))  # before every (rank, n) of a list
_BATCH = 16384  # list entries read at most per list and round
_SCORE_COST = 2  # a row scored costs about as much as this many list entries read
_SEGMENT_COST = 16  # ... as this many list entries read in segments


def _tables(integer: str, text: str, json: str, without_rowid: str) -> str:
    return "".join(
        f"""
CREATE TABLE IF NOT EXISTS {t}_words(word {text} PRIMARY KEY, rows {integer} NOT NULL){without_rowid};
CREATE TABLE IF NOT EXISTS {t}_postings(
    word {text} NOT NULL, rank {integer} NOT NULL, n {integer} NOT NULL, PRIMARY KEY(word, rank, n)){without_rowid};
CREATE TABLE IF NOT EXISTS {t}_segments(word {text} NOT NULL, start {integer} NOT NULL, rank {integer} NOT NULL,
    size {integer} NOT NULL, rows {text} NOT NULL, PRIMARY KEY(word, start)){without_rowid};
CREATE TABLE IF NOT EXISTS {t}_forward(n {integer} PRIMARY KEY, length {integer} NOT NULL, words {json} NOT NULL);
CREATE TABLE IF NOT EXISTS {t}_pending(n {integer} PRIMARY KEY);"""
        for t in FIELDS
    )


SCHEMA = {
    "sqlite": _tables("INTEGER", "TEXT", "TEXT", " WITHOUT ROWID"),
    "postgresql": _tables("bigint", 'text COLLATE "C"', "jsonb", "").replace('rows text COLLATE "C"', "rows text"),
}
"""The text index's tables, by dialect name (`panet.catalogue.store.create` makes them)."""


def words(text: str) -> list[str]:
    """The words of ``text`` as the index keeps them: case-folded, without diacritics, runs of
    letters and digits. An ASCII text is cut by a table of bytes (the same runs, a few times quicker).

    >>> words("Small-angle X-ray scattering of Ångström films_2")
    ['small', 'angle', 'x', 'ray', 'scattering', 'of', 'angstrom', 'films', '2']
    >>> words("SAXS_of (x-ray), #44;Ab-c")
    ['saxs', 'of', 'x', 'ray', '44', 'ab', 'c']
    """
    if text.isascii():
        return text.lower().encode().translate(_ASCII_GAPS).decode().split()
    return _TOKEN.findall(fold_accents(text.casefold()))


def counts(table: str, texts: Sequence[str]) -> tuple[dict[str, int], int]:
    """A row's words (weighted count × 16 + field bits) and length, from its fields' texts in
    `FIELDS` order: "saxs" once in the title (weight 2) and once in the terms counts 3, in fields
    0 and 1: 3 × 16 + 0b11 = 51.

    >>> counts("dataset", ["SAXS of casein", "small angle x-ray scattering SAXS"])
    ({'saxs': 51, 'of': 33, 'casein': 33, 'small': 18, 'angle': 18, 'x': 18, 'ray': 18, 'scattering': 18}, 12)
    """
    found: dict[str, int] = {}
    length = 0
    for bit, ((_, weight), text) in enumerate(zip(FIELDS[table], texts, strict=True)):
        part, part_length = _field_counts(text, bit, weight)
        found = _add(found, part)
        length += part_length
    return found, length


def _field_counts(text: str, bit: int, weight: int) -> tuple[dict[str, int], int]:
    """`counts` of one field: its words with their packed counts, and its part of the length."""
    found = words(text)
    step = weight << FIELD_BITS
    packed = dict.fromkeys(found, 1 << bit)
    for word in found:
        packed[word] += step
    return packed, weight * len(found)


def _add(found: dict[str, int], part: dict[str, int]) -> dict[str, int]:
    """A row's packed counts with a field's added (fields have bits of their own: packed values
    add up); the words in the order first met, as `counts` meets them.

    >>> _add({"saxs": 33, "of": 33}, {"small": 18, "saxs": 18})
    {'saxs': 51, 'of': 33, 'small': 18}
    """
    if not found:
        return dict(part)
    merged = {**found, **part}  # found's words first, then part's new ones
    fewer, more = (found, part) if len(found) <= len(part) else (part, found)
    for word, value in fewer.items():
        other = more.get(word)
        if other is not None:
            merged[word] = value + other
    return merged


class Packer:
    """A row of ``table`` as ``T_forward`` keeps it, ``(length, words as JSON)``, from its fields'
    texts (`counts`): what a build's worker processes work out, so that the writing process only
    writes. The texts of the ``repeated`` fields (a dataset's terms: the names and synonyms of its
    techniques and its documents' keywords, the same for every dataset of a proposal) are counted
    once each (the last `REMEMBERED` of them kept).

    >>> pack = Packer("dataset", repeated=("terms",))
    >>> pack(["SAXS of casein", "small angle x-ray scattering SAXS"])
    (12, '{"saxs":51,"of":33,"casein":33,"small":18,"angle":18,"x":18,"ray":18,"scattering":18}')
    """

    REMEMBERED = 2_000

    def __init__(self, table: str, repeated: Sequence[str] = ()) -> None:
        self.fields = [(bit, weight, name in repeated) for bit, (name, weight) in enumerate(FIELDS[table])]
        self._known: dict[tuple[int, str], tuple[dict[str, int], int]] = {}

    def __call__(self, texts: Sequence[str]) -> tuple[int, str]:
        found: dict[str, int] = {}
        length = 0
        for (bit, weight, repeated), text in zip(self.fields, texts, strict=True):
            part = self._known.get((bit, text)) if repeated else None
            if part is None:
                part = _field_counts(text, bit, weight)
                if repeated:
                    if len(self._known) >= self.REMEMBERED:
                        self._known.clear()
                    self._known[(bit, text)] = part
            found = _add(found, part[0])
            length += part[1]
        return length, orjson.dumps(found).decode()


def _factors(avgdl: float) -> tuple[float, float, float]:
    """The constants of `impact`'s expression for one avgdl, as SQL binds them."""
    return IMPACT_SCALE * (K1 + 1), K1 * (1 - B), K1 * B / avgdl


def impact(tf: int, length: int, avgdl: float) -> int:
    """A word's part of a row's score (before its weight), as the SQL of the lists computes it.

    >>> impact(2, 10, 10.0), impact(1, 10, 10.0), impact(1, 40, 10.0)
    (90113, 65537, 29425)
    """
    return _impact(tf, length, *_factors(avgdl))


def _impact(tf: int, length: int, c1: float, k0: float, kl: float) -> int:
    return int(c1 * tf / (tf + (k0 + kl * length))) + 1


def weight(rows: int, df: int) -> int:
    """A word's weight (its idf, scaled) in a store of ``rows`` rows, ``df`` of which hold it.

    >>> weight(1_000_000, 10), weight(1_000_000, 1_000_000)
    (751314, 1)
    """
    return int(IDF_SCALE * math.log(1 + (rows - df + 0.5) / (df + 0.5))) + 1


def _impact_sql(dialect: Dialect, tf: str, length: str) -> str:
    """`impact` in SQL (the same operations in the same order, so the same doubles), taking
    the three `_factors` as values."""
    real = dialect.param("real")
    return f"{dialect.integer_part(f'{real} * {tf} / ({tf} + ({real} + {real} * {length}))')} + 1"


class TextWriter:
    """The build's side of the index: `put` a row's texts, `remove` a row, `flush` batched rows,
    `finish` (write the lists) before the build commits. Memory: one batch of rows."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.dialect: Dialect = dialect_of(db)
        self._fresh = {t: _meta(db, f"text:{t}:avgdl") is None for t in FIELDS}  # no lists written yet
        self._rows: dict[str, list[tuple[int, int, str]]] = {t: [] for t in FIELDS}
        self._batched: dict[str, set[int]] = {t: set() for t in FIELDS}

    def put(self, table: str, n: int, texts: Sequence[str]) -> None:
        """Index row ``n`` of ``table`` (which holds no text yet: `remove` it first) with its fields' texts."""
        found, length = counts(table, texts)
        self.put_packed(table, [(n, length, orjson.dumps(found).decode())])

    def put_packed(self, table: str, rows: Iterable[tuple[int, int, str]]) -> None:
        """`put` rows ``(n, length, words)`` a `Packer` made."""
        batch, batched = self._rows[table], self._batched[table]
        for row in rows:
            batch.append(row)
            batched.add(row[0])

    def remove(self, table: str, n: int) -> None:
        """Take row ``n`` out of the index (its lists and counts), if it is there."""
        if n in self._batched[table]:
            self.flush()
        db, t = self.db, table
        if (
            not self._fresh[t]
            and db.execute(f"DELETE FROM {t}_pending WHERE n = ? RETURNING n", (n,)).fetchone() is None
        ):
            avgdl = _meta(db, f"text:{t}:avgdl")
            entries, key, value = self.dialect.entries("f.words", "e")
            listed = f"SELECT {key}, -({_impact_sql(self.dialect, f'({value} >> {FIELD_BITS})', 'f.length')}), f.n"
            db.execute(
                f"DELETE FROM {t}_postings WHERE (word, rank, n) IN ({listed} FROM {t}_forward f, {entries} "
                "WHERE f.n = ?)",
                (*_factors(float(avgdl)), n),  # type: ignore[arg-type]
            )
            db.execute(
                f"UPDATE {t}_words SET rows = rows - 1 WHERE word IN (SELECT {key} FROM {t}_forward f, {entries} "
                "WHERE f.n = ?)",
                (n,),
            )
        db.execute(f"DELETE FROM {t}_forward WHERE n = ?", (n,))

    def flush(self) -> None:
        """Write the batched rows."""
        json = self.dialect.param("json")
        for t, rows in self._rows.items():
            if rows:
                self.db.executemany(f"INSERT INTO {t}_forward(n, length, words) VALUES (?, ?, {json})", rows)
                if not self._fresh[t]:
                    self.db.executemany(
                        f"INSERT INTO {t}_pending(n) VALUES (?) ON CONFLICT DO NOTHING", [(r[0],) for r in rows]
                    )
                rows.clear()
                self._batched[t].clear()

    def finish(self) -> None:
        """Write the lists of the rows put since the last `finish` (all of them, ordered anew,
        when the store had none or the average length moved past `DRIFT`), and N and avgdl."""
        self.flush()
        db = self.db
        for t in FIELDS:
            rows, total = db.execute(f"SELECT count(*), sum(length) FROM {t}_forward").fetchone()
            rows, total = int(rows), float(total or 0)  # PostgreSQL sums to a Decimal
            avgdl = None if self._fresh[t] else float(_meta(db, f"text:{t}:avgdl"))  # type: ignore[arg-type]
            if rows and total:
                average = total / rows
                if avgdl is None or abs(average / avgdl - 1) > DRIFT:
                    avgdl = average
                    self._write_lists(t, avgdl, everything=True)
                else:
                    self._write_lists(t, avgdl, everything=False)
            else:
                avgdl = None
                for part in ("postings", "segments", "words", "pending"):
                    db.execute(f"DELETE FROM {t}_{part}")
            _set_meta(db, f"text:{t}:rows", str(rows))
            if avgdl is None:
                db.execute("DELETE FROM meta WHERE key = ?", (f"text:{t}:avgdl",))
            else:
                _set_meta(db, f"text:{t}:avgdl", repr(avgdl))
            self._fresh[t] = avgdl is None

    def _write_lists(self, t: str, avgdl: float, everything: bool) -> None:
        db, dialect = self.db, self.dialect
        entries, key, value = dialect.entries("f.words", "e")
        listed = (
            f"SELECT {key} AS word, -({_impact_sql(dialect, f'({value} >> {FIELD_BITS})', 'f.length')}) AS rank, f.n "
            f"FROM {t}_forward f, {entries}"
        )
        if everything:  # one sort: each list is written in order
            for part in ("postings", "segments", "words", "pending"):
                db.execute(f"DELETE FROM {t}_{part}")
            with _sort_memory(db, dialect):
                db.execute(f"INSERT INTO {t}_postings(word, rank, n) {listed} ORDER BY 1, 2, 3", _factors(avgdl))
            db.execute(f"INSERT INTO {t}_words(word, rows) SELECT word, count(*) FROM {t}_postings GROUP BY word")
            _write_segments(db, dialect, t, None)
            return
        pending = f"f.n IN (SELECT n FROM {t}_pending)"
        db.execute(f"INSERT INTO {t}_postings(word, rank, n) {listed} WHERE {pending}", _factors(avgdl))
        db.execute(
            f"INSERT INTO {t}_words(word, rows) SELECT {key}, count(*) FROM {t}_forward f, {entries} "
            f"WHERE {pending} GROUP BY {key} ON CONFLICT(word) DO UPDATE SET rows = {t}_words.rows + excluded.rows"
        )
        db.execute(f"DELETE FROM {t}_words WHERE rows <= 0")
        touched = f"SELECT DISTINCT {key} FROM {t}_forward f, {entries} WHERE {pending}"
        _write_segments(db, dialect, t, [word for (word,) in db.execute(touched).fetchall()])
        db.execute(f"DELETE FROM {t}_pending")


@contextmanager
def _sort_memory(db: Any, dialect: Dialect) -> Iterator[None]:
    """SQLite's page cache set to `SORT_KIB` for a statement that sorts every list: its sorter
    sorts runs of that size in memory, then merges them; smaller runs sort a little faster than the
    build's larger cache (~5 % less CPU time than with 16 MiB for 2.25 million entries)."""
    if dialect.name != "sqlite":
        yield
        return
    (kept,) = db.execute("PRAGMA cache_size").fetchone()
    db.execute(f"PRAGMA cache_size = -{SORT_KIB}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA cache_size = {kept}")


def _write_segments(db: Any, dialect: Dialect, t: str, written: list[str] | None) -> None:
    """Write the segments of the lists (`search` reads them): of every word (``written`` None), or
    of the words of ``written`` (the rows an update wrote) and of the words whose lists changed
    size since (rows removed)."""
    segments = (
        f"SELECT word, sum(size) OVER (PARTITION BY word ORDER BY rank ROWS UNBOUNDED PRECEDING) - size, rank, size, "
        f"rows FROM (SELECT word, rank, count(*) AS size, {dialect.joined('n')} AS rows FROM {t}_postings"
    )
    insert = f"INSERT INTO {t}_segments(word, start, rank, size, rows) "
    if written is None:
        db.execute(f"DELETE FROM {t}_segments")
        db.execute(f"{insert}{segments} GROUP BY word, rank) g ORDER BY 1, 2")
        return
    resized = (
        f"SELECT g.word FROM (SELECT word, max(start + size) AS total FROM {t}_segments GROUP BY word) g "
        f"LEFT JOIN {t}_words w ON w.word = g.word WHERE w.rows IS NULL OR w.rows <> g.total"
    )
    words = sorted({*written, *(word for (word,) in db.execute(resized).fetchall())})
    if words:
        chosen = dialect.one_of("word", "text")
        listed = dialect.values(words, "text")
        db.execute(f"DELETE FROM {t}_segments WHERE {chosen}", (listed,))
        db.execute(f"{insert}{segments} WHERE {chosen} GROUP BY word, rank) g ORDER BY 1, 2", (listed,))


def _meta(db: Any, key: str) -> str | None:
    found = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if found is None else found[0]


def _set_meta(db: Any, key: str, value: str) -> None:
    db.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))


Run = Callable[[str, list[Any]], list[tuple]]


class _List:
    """One query word's list as far as it was read: the frontier ``(rank, n)`` and whether it is done."""

    __slots__ = ("done", "frontier", "weight", "word")

    def __init__(self, word: str, weight: int) -> None:
        self.word = word
        self.weight = weight
        self.frontier = _FIRST
        self.done = False


def search(
    run: Run,
    dialect: Dialect,
    table: str,
    query: str,
    page: tuple[int, int],
    condition: tuple[str, list[Any]] | None = None,
    deadline: float = math.inf,
) -> list[tuple[int, float]]:
    """``(row, score in (0, 1))`` of one page (``page`` = limit, skip) of the rows of ``table``
    ranked for ``query`` (module docstring), among those ``condition`` (SQL on alias ``o``, its
    values) selects; `TimeoutError` past ``deadline`` (`time.monotonic`). ``run`` runs one statement.

    >>> import sqlite3
    >>> from panet.catalogue.store import create
    >>> db = sqlite3.connect(":memory:"); create(db); index = TextWriter(db)
    >>> index.put("dataset", 1, ["Casein", ""]); index.put("dataset", 2, ["SAXS of casein", ""]); index.finish()
    >>> run = lambda sql, values: db.execute(sql, values).fetchall()
    >>> [n for n, score in search(run, dialect_of(db), "dataset", "casein saxs", (10, 0))]
    [2, 1]
    """
    limit, skip = page
    k = limit + skip
    wanted = list(dict.fromkeys(words(query)))[:MAX_WORDS]
    meta = dict(run(f"SELECT key, value FROM meta WHERE {dialect.one_of('key', 'text')}", [
        dialect.values([f"text:{table}:rows", f"text:{table}:avgdl"], "text")]))  # fmt: skip
    if not wanted or k == 0 or f"text:{table}:avgdl" not in meta:
        return []
    rows, avgdl = int(meta[f"text:{table}:rows"]), float(meta[f"text:{table}:avgdl"])
    found = run(f"SELECT word, rows FROM {table}_words WHERE {dialect.one_of('word', 'text')}", [
        dialect.values(wanted, "text")])  # fmt: skip
    weights = {word: weight(rows, df) for word, df in found if df > 0}
    if not weights:
        return []
    scorer = _Scorer(run, dialect, table, [w for w in wanted if w in weights], weights, avgdl)
    if condition is None:
        segmented = [_Segments(word, weights[word], df) for word, df in found if word in weights]
        return _page(_rank_segments(run, table, segmented, scorer, k, deadline), skip)
    best: list[tuple[int, int]] = []  # a min-heap of (score, -row): the k best, the worst first
    few = _rank_selected(run, table, condition, scorer, (k, skip), k, deadline)  # a condition selecting at most
    if few is not None:  # a page: its rows ranked (cheap to find when indexed)
        return few
    lists = [_List(word, weights[word]) for word in scorer.words]
    read = f"SELECT rank, n FROM {table}_postings WHERE word = ? AND (rank, n) > (?, ?) ORDER BY rank, n LIMIT ?"
    test = f"SELECT o.n FROM {table} o WHERE {dialect.one_of('o.n', 'integer')} AND "
    budget = max(k, math.isqrt(k * rows))  # rows tested against the condition before ranking all it selects
    settled: set[int] = set()  # rows ranked, out of reach or not selected: met again, ignored
    met: dict[int, list[int]] = {}  # the other rows met: [their part in the lists they were met in, those lists]
    size = max(k, 64)
    while True:
        new: list[int] = []
        touched: list[int] = []
        ended = False
        for index, entry in enumerate(lists):
            if entry.done:
                continue
            got = run(read, [entry.word, *entry.frontier, size])
            entry.done = len(got) < size
            ended |= entry.done
            if got:
                entry.frontier = got[-1]
            word_weight, bit, lookup = entry.weight, 1 << index, met.get  # the loop over every entry read
            for rank, n in got:
                if n in settled:
                    continue
                known = lookup(n)
                if known is None:
                    met[n] = [word_weight * -rank, bit]
                    new.append(n)
                else:
                    known[0] += word_weight * -rank
                    known[1] |= bit
            touched += [n for _, n in got]
        if new:
            budget -= len(new)
            if budget < 0:  # a selective condition: rank the rows it selects instead
                return _rank_selected(run, table, condition, scorer, (k, skip), rows, deadline) or []
            selected = {n for (n,) in run(test + condition[0], [dialect.values(new, "integer"), *condition[1]])}
            for n in new:
                if n not in selected:
                    del met[n]
                    settled.add(n)
        open_ = sum(1 << index for index, entry in enumerate(lists) if not entry.done)
        for n in list(met) if ended else touched:
            known = met.get(n)
            if known is not None and open_ & ~known[1] == 0:  # met in every list still open: its score is known
                _keep(best, [(known[0], -n)], k)
                del met[n]
                settled.add(n)
        rest = _Rest(lists, open_)
        if len(best) < k and met:  # the page is not full: score the rows that may score most
            most = sorted(met, key=lambda n: -rest.most(met[n]))[: k - len(best)]
            _settle(best, most, met, settled, scorer, k)
        if not open_ or (len(best) == k and _final(best[0], rest.missing(open_), lists)):
            # no row not met can enter the page; the rows met that may: scored, unless reading on
            # (a list entry costs a few times less than scoring a row) settles most of them
            reach = list(met) if len(best) < k else rest.within(met, best[0])
            if not open_ or len(reach) * _SCORE_COST <= min(size * 2, _BATCH) * open_.bit_count():
                for start in range(0, len(reach), _BATCH):
                    _settle(best, reach[start : start + _BATCH], met, settled, scorer, k)
                    _check(deadline)
                break
        _check(deadline)
        size = min(size * 2, _BATCH)
    return _page(best, skip)


class _Segments:
    """One query word's list as far as it was read from ``T_segments``: its groups of rows of one
    impact, the highest first."""

    __slots__ = ("depth", "groups", "impacts", "indexed", "read", "rows", "weight", "word")

    def __init__(self, word: str, weight: int, rows: int) -> None:
        self.word, self.weight, self.rows = word, weight, rows
        self.groups: list[tuple[int, list[int]]] = []  # (impact, rows)
        self.read = 0  # entries read
        self.depth = 0  # entries to read by the next round
        self.impacts: dict[int, int] = {}  # row -> impact, of the first `indexed` groups
        self.indexed = 0

    @property
    def done(self) -> bool:
        return self.read >= self.rows

    def frontier(self) -> int:
        """The most a row not read yet scores in this list: weight × (the last impact read − 1)."""
        return 0 if self.done else self.weight * (self.groups[-1][0] - 1)

    def extend(self, run: Run, table: str) -> None:
        """Read the groups that start before `depth`."""
        if self.depth <= self.read:
            return
        got = run(
            f"SELECT rank, rows FROM {table}_segments WHERE word = ? AND start >= ? AND start < ? ORDER BY start",
            [self.word, self.read, self.depth],
        )
        for rank, rows in got:
            found = orjson.loads(f"[{rows}]")
            self.groups.append((-rank, found))
            self.read += len(found)
        if not got:  # no segment where the list's count says there are (not in a consistent store)
            self.read = self.rows

    def end(self, run: Run, table: str, least: int) -> int:
        """How deep the list must be read for its frontier to fall below ``least``: to the end of
        its first group of a lower impact."""
        found = run(
            f"SELECT start + size FROM {table}_segments WHERE word = ? AND start >= ? AND rank > ? ORDER BY start "
            "LIMIT 1",
            [self.word, self.read, -least],
        )
        return int(found[0][0]) if found else self.rows

    def lookup(self) -> dict[int, int]:
        """The impact of each row read."""
        self.impacts.update({n: impact for impact, rows in self.groups[self.indexed :] for n in rows})
        self.indexed = len(self.groups)
        return self.impacts


def _rank_segments(
    run: Run, table: str, lists: list[_Segments], scorer: _Scorer, k: int, deadline: float
) -> list[tuple[int, int]]:
    """The k best ``(score, -row)`` (a heap) for the words of ``lists``: their segments read group
    by group, each list deeper every round, until no row may enter the page that is not ranked
    (module docstring)."""
    advance = (1 << len(lists)) - 1
    memo = _Met()
    for entry in lists:
        entry.depth = max(k, 64)
    while True:
        for index, entry in enumerate(lists):
            if advance >> index & 1 and not entry.done:
                entry.extend(run, table)
                entry.depth = max(entry.depth * 2, entry.read + 64)
        _check(deadline)
        best, unresolved, known = _rank_read(lists, k, memo)
        unseen = sum(entry.frontier() for entry in lists)
        closed = all(entry.done for entry in lists) or (len(best) == k and best[0][0] > unseen)
        if closed and not unresolved:  # no row not met, nor any met but not scored, may enter the page
            return best
        advance = (1 << len(lists)) - 1
        if closed:  # only rows met are left to rank: read on in the lists where that costs less than scoring
            advance = 0  # the rows not met there (each costs about _SEGMENT_COST entries read), and no
            for index, entry in enumerate(lists):  # further than where the last of those rows would be met
                lacking = [(bound, len(rows)) for bound, rows, bits in unresolved if bits >> index & 1]
                if lacking:
                    least = -((max(lacking)[0] - entry.frontier() - best[0][0]) // entry.weight)  # impact, ceiled
                    end, cost = entry.end(run, table, least), sum(size for _, size in lacking) * _SEGMENT_COST
                    entry.depth = end if end - entry.read <= cost else min(entry.depth, end)  # at once when worth it
                    if cost > entry.depth - entry.read:
                        advance |= 1 << index
        if not advance:
            rows = list({n for _, group, _ in unresolved for n in group if n not in known})
            for start in range(0, len(rows), _BATCH):
                _keep(best, scorer.scores(rows[start : start + _BATCH]), k)
                _check(deadline)
            return best


Unresolved = list[tuple[int, list[int], int]]
"""Rows met that may enter the page, not ranked: ``(the most they score, rows, the open lists (bits) they were
not met in)``."""


class _Met:
    """The rows met in two lists or more as a round found them, for the next round: when only
    the longest list was read on, only its new groups are met with the others."""

    __slots__ = ("best", "groups", "key", "scored", "several")

    def __init__(self) -> None:
        self.key: tuple[int, ...] = ()  # the longest list, and the groups looked up in each other
        self.groups = 0  # the longest list's groups met
        self.several: dict[int, int] = {}
        self.scored = 0  # (two lists) the rows of `several` scored, first
        self.best: list[tuple[int, int]] = []  # (two lists) the k best of them, a heap


def _rank_read(lists: list[_Segments], k: int, memo: _Met) -> tuple[list[tuple[int, int]], Unresolved, Set[int]]:
    """The k best ``(score, -row)`` among the rows whose score the groups read tell (a heap); the
    other rows met that may enter it (some of their rows may be among the first); the rows met in
    several lists whose score is known.

    A row met in one list only scores at most its part there and the frontiers of the others; the
    rows met in two lists or more are found with set operations: each list but the longest read
    is looked up row by row, the longest group by group."""
    fronts = [entry.frontier() for entry in lists]
    unseen = sum(fronts)
    opened = sum(1 << index for index, entry in enumerate(lists) if not entry.done)
    order = sorted(range(len(lists)), key=lambda index: lists[index].read)
    longest, others = order[-1], order[:-1]
    tables = [lists[index].lookup() for index in others]
    key = (longest, *(lists[index].indexed for index in others))
    if key != memo.key:
        memo.key, memo.groups, memo.several, memo.scored, memo.best = key, 0, {}, 0, []
        for first, table in enumerate(tables):
            for second in tables[first + 1 :]:
                memo.several.update(dict.fromkeys(table.keys() & second.keys(), 0))
    several = memo.several  # rows met in two lists or more -> their impact in the longest (0: not met)
    if tables:
        meet = tables[0].keys().__and__ if len(tables) == 1 else set().union(*tables).intersection
        for impact, rows in lists[longest].groups[memo.groups :]:
            several.update(dict.fromkeys(meet(rows), impact))
    memo.groups = len(lists[longest].groups)
    unresolved: Unresolved = []
    top = lists[longest]
    ranked: Set[int] = several.keys()
    if len(others) == 1:  # two lists: the rows met in both have their score known (those not met before scored)
        table, part = tables[0], lists[others[0]].weight
        met = itertools.islice(several.items(), memo.scored, None)
        _keep(memo.best, [(top.weight * impact + part * table[n], -n) for n, impact in met], k)
        memo.scored = len(several)
        best = list(memo.best)
    else:
        best, exact = [], []
        for n, impact in several.items():
            known, missing, lacking = top.weight * impact, 0, 0
            if not impact:
                missing, lacking = fronts[longest], 1 << longest
            for index, table in zip(others, tables, strict=True):
                found = table.get(n)
                if found is None:
                    missing += fronts[index]
                    lacking |= 1 << index
                else:
                    known += lists[index].weight * found
            if missing:
                unresolved.append((known + missing, [n], lacking & opened))
            else:
                exact.append((known, -n))
        _keep(best, exact, k)
        ranked = {-n for _, n in exact}
    for index, entry in enumerate(lists):  # the rows met in one list
        rest = unseen - fronts[index]  # the most they score in the others
        for impact, rows in entry.groups:
            bound = entry.weight * impact + rest
            if len(best) == k and bound < best[0][0]:
                break
            if not rest:  # their score is known: the k first rows at most may enter the page
                alone = [n for n in rows if n not in several]
                _keep(best, [(bound, -n) for n in heapq.nsmallest(k, alone)], k)
            else:
                unresolved.append((bound, rows, opened & ~(1 << index)))
    if len(best) == k:
        unresolved = [entry for entry in unresolved if entry[0] >= best[0][0]]
    return best, unresolved, ranked


def _final(kth: tuple[int, int], bound: int, lists: list[_List]) -> bool:
    """Whether no row not met yet can rank before ``kth`` (``(score, -row)``), all of them scoring
    at most ``bound``; one scoring as much would come after each open list's frontier row."""
    score, row = kth[0], -kth[1]
    return score > bound or (score == bound and row <= max(entry.frontier[1] for entry in lists if not entry.done))


class _Rest:
    """What rows may still score in the lists still open (bits ``open_``), beyond what was met."""

    def __init__(self, lists: list[_List], open_: int) -> None:
        self.lists, self.open = lists, open_
        self._sums: dict[int, int] = {}

    def missing(self, lists: int) -> int:
        """The most a row may score in ``lists`` (bits) it was not met in: their frontiers' impacts."""
        found = self._sums.get(lists)
        if found is None:
            found = self._sums[lists] = sum(
                entry.weight * -entry.frontier[0] for index, entry in enumerate(self.lists) if lists >> index & 1
            )
        return found

    def within(self, met: dict[int, list[int]], kth: tuple[int, int]) -> list[int]:
        """The rows of ``met`` that may rank before ``kth`` (``(score, -row)``)."""
        score, row = kth[0], -kth[1]
        needed: dict[int, int] = {}  # lists met in -> the part a row must have there
        found = []
        for n, (part, lists) in met.items():
            need = needed.get(lists)
            if need is None:
                need = needed[lists] = score - self.missing(self.open & ~lists)
            if part > need or (part == need and n < row):
                found.append(n)
        return found

    def most(self, known: list[int]) -> int:
        """The highest score a row met may have: its part in the lists it was met in, and the
        frontiers' in the other lists still open."""
        return known[0] + self.missing(self.open & ~known[1])


def _settle(
    best: list[tuple[int, int]], rows: list[int], met: dict, settled: set[int], scorer: _Scorer, k: int
) -> None:
    """Score ``rows`` in full and rank them."""
    _keep(best, scorer.scores(rows), k)
    for n in rows:
        met.pop(n, None)
    settled.update(rows)


def _rank_selected(
    run: Run,
    table: str,
    condition: tuple[str, list[Any]],
    scorer: _Scorer,
    page: tuple[int, int],
    most: int,
    deadline: float,
) -> list[tuple[int, float]] | None:
    """The page (``(k, skip)``) among every row ``condition`` selects, each scored; None when it
    selects more than ``most`` rows."""
    best: list[tuple[int, int]] = []
    k, skip = page
    selected = run(f"SELECT o.n FROM {table} o WHERE {condition[0]} LIMIT ?", [*condition[1], most + 1])
    if len(selected) > most:
        return None
    for start in range(0, len(selected), _BATCH):
        _keep(best, scorer.scores([n for (n,) in selected[start : start + _BATCH]]), k)
        _check(deadline)
    return _page(best, skip)


class _Scorer:
    """Scores rows in full from ``T_forward``."""

    def __init__(
        self, run: Run, dialect: Dialect, table: str, words: list[str], weights: dict[str, int], avgdl: float
    ) -> None:
        self.run, self.words, self.factors = run, words, _factors(avgdl)
        self.keys = [(f'"{word}":', weights[word]) for word in words]
        self.sql = f"SELECT n, length, words FROM {table}_forward WHERE {dialect.one_of('n', 'integer')}"
        self.dialect = dialect

    def scores(self, rows: list[int]) -> list[tuple[int, int]]:
        """``(score, -row)`` of the rows holding a query word."""
        scored = []
        c1, k0, kl = self.factors
        for n, length, packed in self.run(self.sql, [self.dialect.values(rows, "integer")]):
            score = 0
            for key, weight in self.keys:
                value = _member(packed, key)
                if value is not None:
                    score += weight * _impact(value >> FIELD_BITS, length, c1, k0, kl)
            if score:
                scored.append((score, -n))
        return scored


def _member(packed: str | dict, key: str) -> int | None:
    """The count under ``key`` (``"word":``) in a row's packed words: found in the JSON text as
    orjson wrote it (words are letters and digits, counts digits: no escapes, no spaces), which
    costs less than parsing it; PostgreSQL gives jsonb parsed.

    >>> _member('{"saxs":33,"of":18}', '"saxs":'), _member('{"saxs":33,"of":18}', '"of":'), _member("{}", '"x":')
    (33, 18, None)
    """
    if isinstance(packed, dict):
        return packed.get(key[1:-2])
    at = packed.find(key)
    if at < 0:
        return None
    start = at + len(key)
    end = packed.find(",", start)
    return int(packed[start : end if end >= 0 else -1])


def _keep(best: list[tuple[int, int]], scored: list[tuple[int, int]], k: int) -> None:
    for item in scored:
        if len(best) < k:
            heapq.heappush(best, item)
        elif item > best[0]:
            heapq.heapreplace(best, item)


def _page(best: list[tuple[int, int]], skip: int) -> list[tuple[int, float]]:
    ranked = sorted(best, reverse=True)[skip:]
    scale = IMPACT_SCALE * IDF_SCALE
    return [(-row, (score / scale) / (1 + score / scale)) for score, row in ranked]


def _check(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise TimeoutError("the free-text search ran past its time limit")
