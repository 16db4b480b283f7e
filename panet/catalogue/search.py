"""`Catalogue`: the PaN search API's ``/datasets``, ``/documents`` and ``/instruments`` answered
from a catalogue store, read-only.

>>> import panet
>>> from panet.catalogue import build, Catalogue
>>> import tempfile, pathlib, json
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> records = folder / "datasets.jsonl"
>>> rows = [{"pid": "d1", "title": "SAXS of casein micelles", "isPublic": True, "creationDate": "2023-01-05"},
...         {"pid": "d2", "title": "Casein powder", "isPublic": True, "creationDate": "2023-01-06"},
...         {"pid": "d3", "title": "Lysozyme crystals", "isPublic": True, "creationDate": "2023-01-07"}]
>>> _ = records.write_text("".join(json.dumps(r) + "\\n" for r in rows))
>>> _ = build([records], folder / "catalogue.sqlite")
>>> catalogue = Catalogue(folder / "catalogue.sqlite")
>>> hits = catalogue.find("Dataset", {"include": [{"relation": "techniques",
...                                               "scope": {"where": {"name": "small angle scattering"}}}]})
>>> [(d["pid"], [t["name"] for t in d["techniques"]]) for d in hits]
[('d1', ['small angle x-ray scattering'])]
>>> catalogue.count("Dataset", {"title": {"like": "%casein%"}})
2
>>> [d["pid"] for d in catalogue.find("Dataset", query="small angle scattering of casein")]
['d1', 'd2']
"""

from __future__ import annotations

import os
import queue
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from panet import loopback
from panet.catalogue import text_index
from panet.catalogue.dialect import Dialect, dialect_for, redacted
from panet.catalogue.model import MODELS, Model
from panet.catalogue.parameters import unit_asked
from panet.catalogue.query import (
    DENSE,
    Compiler,
    FilterError,
    Include,
    dense_threshold,
    parse_includes,
    relation_of,
)
from panet.catalogue.store import SCHEMA_VERSION, TALLIED
from panet.catalogue.units import UnitError, from_si, to_si
from panet.errors import PanetError

__all__ = ["Catalogue", "NotFound", "QueryTimeout", "StoreError", "free_text"]

FILTER_KEYS = ("where", "include", "fields", "order", "limit", "skip", "offset")


class StoreError(PanetError):
    """The store is missing, cannot be reached, or is not a panet catalogue."""


class NotFound(PanetError, KeyError):
    """No object with that id."""

    def __str__(self) -> str:
        return str(self.args[0])


class QueryTimeout(PanetError):
    """A query ran past the catalogue's time limit and was stopped."""


class Catalogue:
    """A catalogue store opened read-only: an SQLite file, or a PostgreSQL database named by a
    ``postgresql://`` URL (read-only transactions). Each query borrows an open connection, so a
    catalogue holds as many as queries ran at once (the service runs at most 4 per worker).

    ``timeout``: seconds one query may run; ``max_limit``: most objects one page returns (also
    the page size when a filter gives no ``limit``).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        ontology: Any = None,
        *,
        timeout: float = 5.0,
        max_limit: int = 1000,
    ) -> None:
        self.dialect: Dialect = dialect_for(path)
        self.path = path if self.dialect.name == "postgresql" else Path(path)
        if ontology is None:
            import panet

            ontology = panet.load()
        self.ontology = ontology
        self.timeout = timeout
        self.max_limit = max_limit
        self._idle: queue.LifoQueue[Any] = queue.LifoQueue()  # open connections no query holds
        self._counted: bool | None = None  # whether the store keeps counts (`_tallied`), once known
        try:
            version = self._run("SELECT value FROM meta WHERE key = 'schema'", [])
        except (StoreError, QueryTimeout):
            raise
        except Exception:  # any driver's "no such table", "not a database"
            kind = "a PostgreSQL database" if self.dialect.name == "postgresql" else "an SQLite file"
            raise StoreError(
                f"{redacted(str(self.path))}: not a panet catalogue ({kind} made by `panet catalogue build`)"
            ) from None
        if version != [(SCHEMA_VERSION,)]:
            raise StoreError(
                f"{redacted(str(self.path))}: made by an older panet; rebuild it (`panet catalogue build --rebuild`)"
            )

    # -- the API's operations -------------------------------------------------------------
    def find(self, model: str, filter: Mapping[str, Any] | str | None = None, query: str | None = None) -> list[dict]:
        """``GET /datasets?filter=…&query=…``: the objects a LoopBack filter selects; with
        ``query``, ranked by a free-text score (BM25 over titles, summaries, keywords and the
        names and synonyms of techniques: `panet.catalogue.text_index`), else in the filter's
        order with score 0. The free text may also
        be the filter's ``query`` (the PaN search API's place for it; `free_text`)."""
        spec, query = free_text(_spec(filter, (*FILTER_KEYS, "query"), "filter"), query)
        kind = _model(model)
        limit, skip = self._page(spec, "filter")
        dialect = self.dialect
        size = self._tallied(kind, None)
        dense = DENSE if size is None else dense_threshold(limit + skip, size)
        compiler = Compiler(self.ontology, None if query else self._run, dialect=dialect, dense=dense)
        condition = compiler.selects(kind, spec, "o", "filter")
        order = _order(dialect, kind, spec.get("order"), "filter.order", "o")
        columns = _columns(dialect, kind, "o")
        if query and text_index.words(query) and kind.table in text_index.FIELDS:
            ranked = self._ranked(kind, query, condition, compiler.values, limit, skip)
            rows = self._rows(kind, [n for n, _ in ranked], columns)
            objects = [_object(kind, row, score=score) for row, (_, score) in zip(rows, ranked, strict=True)]
        else:
            rows = self._run(_paged(kind, condition, order, columns), [*compiler.values, limit, skip])
            objects = [_object(kind, row, score=0) for row in rows]
        self._include(kind, [row[0] for row in rows], objects, parse_includes(spec, "filter"))
        return _project(objects, spec.get("fields"), "filter.fields")

    def count(self, model: str, where: Mapping[str, Any] | str | None = None) -> int:
        """``GET /datasets/count?where=…``: how many objects ``where`` selects."""
        kind = _model(model)
        spec = {"where": loopback.loads(where, "where") if isinstance(where, str) else where}
        compiler = Compiler(self.ontology, dialect=self.dialect)
        condition = compiler.where(kind, spec["where"], "o", "where")
        tallied = self._tallied(kind, spec["where"])
        if tallied is not None:
            return tallied
        return self._run(f"SELECT count(*) FROM {kind.table} o WHERE {condition}", compiler.values)[0][0]

    def _tallied(self, kind: Model, where: Any) -> int | None:
        """The count of a whole table, or of one `TALLIED` property's equality, as the build
        counted it (`panet.catalogue.store.count_rows`); None for any other where, or a store
        built before counts were kept."""
        if not where:
            property, value = "", None
        elif len(where) == 1 and next(iter(where)) in TALLIED.get(kind.table, ()):
            ((property, value),) = where.items()
            if isinstance(value, dict):
                if list(value) != ["eq"]:
                    return None
                value = value["eq"]
            if not isinstance(value, str | int | float | None):
                return None
        else:
            return None
        dialect = self.dialect
        # the equality as the where compiles it (`panet.catalogue.query`): null is the property's absence
        equal = "value IS NULL" if value is None else f"NOT ({dialect.distinct('value', dialect.param('json'))})"
        sql = (
            "SELECT (SELECT rows FROM tally WHERE tbl = ? AND property = ''), "
            f"(SELECT sum(rows) FROM tally WHERE tbl = ? AND property = ? AND {equal})"
        )
        values = [kind.table, kind.table, property] + ([] if value is None else [dialect.value(value, "json")])
        if self._counted is None:  # is there a tally table? (a store built before counts were kept has none)
            try:
                self._run("SELECT count(*) FROM tally WHERE tbl = ''", [])
                self._counted = True
            except (StoreError, QueryTimeout):
                raise
            except Exception:  # any driver's "no such table"
                self._counted = False
        if not self._counted:
            return None
        whole, rows = self._run(sql, values)[0]
        if whole is None:
            return None
        return int(whole) if property == "" else int(rows or 0)

    def get(self, model: str, id: str, filter: Mapping[str, Any] | str | None = None) -> dict:
        """``GET /datasets/{id}``: one object with the filter's ``include`` and ``fields``."""
        kind = _model(model)
        spec = _spec(filter, ("include", "fields"), "filter")
        rows = self._run(f"SELECT {_columns(self.dialect, kind, 'o')}, 0 FROM {kind.table} o WHERE o.id = ?", [id])
        if not rows:
            raise NotFound(f"no {kind.name.lower()} with id {id!r}")
        objects = [_object(kind, rows[0], score=None)]
        self._include(kind, [rows[0][0]], objects, parse_includes(spec, "filter"))
        return _project(objects, spec.get("fields"), "filter.fields")[0]

    def related(self, model: str, id: str, relation: str, filter: Mapping[str, Any] | str | None = None) -> list[dict]:
        """``GET /datasets/{id}/files``: the related objects of one object, filtered and paged."""
        kind = _model(model)
        rows = self._run(f"SELECT o.n FROM {kind.table} o WHERE o.id = ?", [id])
        if not rows:
            raise NotFound(f"no {kind.name.lower()} with id {id!r}")
        spec = _spec(filter, FILTER_KEYS, "filter")
        holder: list[dict] = [{}]
        self._include(kind, [rows[0][0]], holder, [Include(relation, dict(spec), "filter")])
        found = holder[0].get(relation) or []
        return found if isinstance(found, list) else [found]

    # -- internals ------------------------------------------------------------------------
    def _include(self, kind: Model, numbers: list[int], objects: list[dict], includes: list[Include]) -> None:
        """Add each include's related objects to ``objects`` (rows ``numbers`` of ``kind``); two
        includes of one relation add the objects either selects, each once."""
        shown: dict[tuple[int, str], set[int]] = {}  # (object, relation) -> related rows included
        for include in includes:
            relation = relation_of(kind, include.relation, include.path)
            target = MODELS[relation.target]
            join, owner = relation.sql("src", "t")
            dialect = self.dialect
            compiler = Compiler(self.ontology, dialect=dialect)
            condition = compiler.selects(target, include.scope, "t", include.path)
            order = _order(dialect, target, include.scope.get("order"), f"{include.path}.order", "t", by_index=False)
            # CROSS JOIN: the owners (a page) come first, then each one's related rows by its index;
            # the owner column restricted too, so that PostgreSQL reads the link table by its index
            pages = [dialect.one_of(column, "integer") for column in ("src.n", owner) if column]
            sql = (
                f"SELECT src.n, {_columns(dialect, target, 't')} FROM {kind.table} src "
                f"CROSS JOIN {join.removeprefix('FROM ')} "
                f"AND {condition} AND {' AND '.join(pages)} ORDER BY {order}"
            )
            rows = self._run(sql, [*compiler.values, *[dialect.values(numbers, "integer")] * len(pages)])
            unit = unit_asked(include.scope) if target.name == "Parameter" else None
            found: dict[int, list[tuple[int, dict]]] = {}
            for row in rows:
                found.setdefault(row[0], []).append((row[1], _object(target, row[1:], score=None, unit=unit)))
            nested = parse_includes(include.scope, include.path)
            limit = _count(include.scope.get("limit"), f"{include.path}.limit")
            skip = _count(include.scope.get("skip"), f"{include.path}.skip") or 0
            for index, (number, obj) in enumerate(zip(numbers, objects, strict=True)):
                pairs = found.get(number, [])[skip : skip + limit if limit else None]
                if nested:
                    self._include(target, [n for n, _ in pairs], [o for _, o in pairs], nested)
                seen = shown.setdefault((index, include.relation), set())
                pairs = [(n, o) for n, o in pairs if n not in seen]
                seen.update(n for n, _ in pairs)
                related = _project([o for _, o in pairs], include.scope.get("fields"), f"{include.path}.fields")
                if relation.many:
                    obj[include.relation] = (obj.get(include.relation) or []) + related
                elif related:
                    obj[include.relation] = related[0]

    def _ranked(
        self, kind: Model, query: str, condition: str, bound: list[Any], limit: int, skip: int
    ) -> list[tuple[int, float]]:
        """``(row, score)`` of one page of the rows of ``kind`` that ``condition`` selects, ranked
        by the text index's BM25 for ``query`` (`panet.catalogue.text_index.search`: only the heads
        of the words' lists are read), within the catalogue's time limit."""
        where = None if condition == "TRUE" else (condition, bound)
        deadline = time.monotonic() + self.timeout
        try:
            return text_index.search(self._run, self.dialect, kind.table, query, (limit, skip), where, deadline)
        except TimeoutError:
            raise QueryTimeout(f"the query ran longer than {self.timeout:g} s and was stopped; narrow it") from None

    def _rows(self, kind: Model, numbers: list[int], columns: str) -> list[tuple]:
        """The rows ``numbers`` of ``kind`` (``columns``), in that order."""
        if not numbers:
            return []
        dialect = self.dialect
        sql = f"SELECT {columns} FROM {kind.table} o WHERE {dialect.one_of('o.n', 'integer')}"
        found = {row[0]: row for row in self._run(sql, [dialect.values(numbers, "integer")])}
        return [found[n] for n in numbers]

    def _page(self, spec: Mapping[str, Any], path: str) -> tuple[int, int]:
        limit = _count(spec.get("limit"), f"{path}.limit") or self.max_limit
        if limit > self.max_limit:
            raise FilterError(
                f"{path}.limit", f"{limit} is more than the {self.max_limit} objects one page returns; page with skip"
            )
        skip = _count(spec.get("skip"), f"{path}.skip") or _count(spec.get("offset"), f"{path}.offset") or 0
        return limit, skip

    def _borrow(self) -> Any:
        """An idle open connection, or a new one (a lost one is dropped)."""
        while True:
            try:
                db = self._idle.get_nowait()
            except queue.Empty:
                return self.dialect.reader(self.path, self.timeout)
            if not getattr(db, "broken", False):
                return db
            db.close()

    def _run(self, sql: str, values: list[Any]) -> list[tuple]:
        for attempt in range(2):  # a lost connection (the server restarted) is opened anew once
            try:
                db = self._borrow()
                try:
                    return self.dialect.run(db, sql, values, self.timeout)
                finally:
                    self._idle.put(db)
            except TimeoutError:
                raise QueryTimeout(f"the query ran longer than {self.timeout:g} s and was stopped; narrow it") from None
            except LookupError as err:  # no such file; no server there
                raise StoreError(str(err)) from None
            except ConnectionError as err:
                if attempt:
                    raise StoreError(f"the catalogue store cannot be reached ({err}); try again later") from None
        raise AssertionError("unreachable")


def _model(name: str) -> Model:
    kind = MODELS.get(name)
    if kind is None:
        raise FilterError("model", f"no model {name!r}; models: {', '.join(MODELS)}")
    return kind


def _spec(filter: Mapping[str, Any] | str | None, allowed: tuple[str, ...], path: str) -> dict:
    spec = loopback.loads(filter, path) if isinstance(filter, str) else filter or {}
    if not isinstance(spec, Mapping):
        raise FilterError(path, "must be a JSON object")
    unknown = sorted(set(spec) - set(allowed))
    if unknown:
        raise FilterError(path, f"unknown key {unknown[0]!r}; a filter here has {', '.join(allowed)}")
    return dict(spec)


def free_text(spec: Mapping[str, Any], query: str | None) -> tuple[dict, str | None]:
    """``(filter, free text)``: the free text of a search, which the PaN search API puts in the
    filter (``{"query": "data beam"}``, as the federated search service sends it) and panet also
    takes on its own (the ``query`` parameter); both, differing, is an error.

    >>> free_text({"limit": 10, "query": "data beam"}, None)
    ({'limit': 10}, 'data beam')
    >>> free_text({"limit": 10}, "SAXS")
    ({'limit': 10}, 'SAXS')
    >>> free_text({"query": "SAXS"}, "SANS")
    Traceback (most recent call last):
    panet.loopback.FilterError: query: two different free texts, in the filter and as the query parameter; send one
    """
    spec = dict(spec)
    text = spec.pop("query", None)
    if text is None:
        return spec, query
    if not isinstance(text, str):
        raise FilterError("filter.query", 'free text is a string, e.g. "casein SAXS"')
    if query is not None and query != text:
        raise FilterError("query", "two different free texts, in the filter and as the query parameter; send one")
    return spec, text


def _count(value: Any, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FilterError(path, "must be a whole number ≥ 0")
    return value


def _order(dialect: Dialect, kind: Model, order: Any, path: str, alias: str, by_index: bool = True) -> str:
    """``ORDER BY`` for LoopBack's ``order``: ``"title DESC"`` or a list of such; ``by_index``
    False for rows found by other means (an include's), which are sorted, not read in an index's order."""
    key = (lambda expression: expression) if by_index else dialect.unindexed
    if order is None:  # LoopBack's default: by id
        return f"{key(f'{alias}.id')}, {alias}.n"
    items = order if isinstance(order, list) else [order]
    parts = []
    for item in items:
        field, _, direction = str(item).strip().partition(" ")
        direction = direction.strip().upper() or "ASC"
        if field not in kind.fields or direction not in ("ASC", "DESC"):
            raise FilterError(path, f"{item!r}: order by one of {', '.join(kind.fields)}, then ASC or DESC")
        parts.append(dialect.order(key(dialect.property(alias, field)), direction))
    return ", ".join([*parts, f"{alias}.n"])


def _paged(kind: Model, condition: str, order: str, columns: str) -> str:
    """SQL for one page of the rows ``condition`` selects: the page's row numbers are found first,
    sorted with their order keys only, then just those rows are read (a condition matching
    thousands of rows would otherwise carry each row's JSON through the sort)."""
    page = f"SELECT o.n FROM {kind.table} o WHERE {condition} ORDER BY {order} LIMIT ? OFFSET ?"
    return f"SELECT {columns}, 0 FROM {kind.table} o WHERE o.n IN ({page}) ORDER BY {order}"


def _columns(dialect: Dialect, kind: Model, alias: str) -> str:
    keys = [dialect.reference(table, alias, column) for _, column, table in kind.foreign_keys]
    return ", ".join([f"{alias}.n", dialect.document(alias), *keys])


def _object(kind: Model, row: tuple, score: float | None, unit: str | None = None) -> dict:
    """The API object of one row: its own properties, foreign keys, and ``score`` for the models
    the API scores."""
    obj = orjson.loads(row[1])
    if kind.id_field == "id" and "id" not in obj:
        obj = {"id": row[0], **obj}
    for (name, _, _), value in zip(kind.foreign_keys, row[2:], strict=False):
        if value is not None:
            obj[name] = value
    if score is not None and kind.name in ("Dataset", "Document", "Instrument"):
        obj["score"] = score
    if unit:
        obj = _in_unit(obj, unit)
    return obj


def _in_unit(parameter: dict, unit: str) -> dict:
    value, stored = parameter.get("value"), parameter.get("unit")
    if not stored or stored == unit or isinstance(value, bool) or not isinstance(value, int | float):
        return parameter
    try:
        si, base = to_si(value, stored)
        return {**parameter, "value": float(f"{from_si(si, base, unit):.12g}"), "unit": unit}
    except UnitError:
        return parameter


def _project(objects: list[dict], fields: Any, path: str) -> list[dict]:
    """LoopBack ``fields``: a list of property names, or ``{name: true|false}``."""
    if fields is None:
        return objects
    if isinstance(fields, list) and all(isinstance(f, str) for f in fields):
        keep = set(fields)
        return [{k: v for k, v in o.items() if k in keep} for o in objects]
    if isinstance(fields, dict) and all(isinstance(v, bool) for v in fields.values()):
        shown = {k for k, v in fields.items() if v}
        hidden = {k for k, v in fields.items() if not v}
        return [{k: v for k, v in o.items() if (k in shown if shown else k not in hidden)} for o in objects]
    raise FilterError(path, 'fields is a list of names or {"name": true, …}')
