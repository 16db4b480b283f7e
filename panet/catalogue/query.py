"""LoopBack filters of the PaN search API answered over a catalogue store, in SQL.

A filter is ``{"where": …, "include": [{"relation": …, "scope": {"where": …, "include": …}}],
"fields": …, "order": …, "limit": n, "skip": n}`` (``doc/query.md`` of panosc-eu/search-api).
The rules, as the PaN search API implementations answer them:

* ``where`` takes the model's own properties with the LoopBack operators (``eq`` by default,
  ``neq``, ``gt``, ``gte``, ``lt``, ``lte``, ``between``, ``inq``, ``nin``, ``like``, ``nlike``,
  ``ilike``, ``nilike``; ``like`` patterns use ``%`` and ``_`` and, as in SQL connectors, ignore
  case), ``and``/``or`` lists and the ``text`` operator (every word in one of the fields
  ``doc/query.md`` lists). An unknown property, relation or operator is a `FilterError`.
* An ``include`` with a ``scope.where`` selects the objects that have at least one related object
  matching it, and includes only the matching ones; several includes must all match.
* A condition on techniques is PaNET-aware: names, synonyms and former labels of a technique
  select it and everything under it (`panet.loopback.expand_where`; specifiers never); a stored
  technique that is not a PaNET term is matched on its own pid and name.
* A parameter condition with a ``unit`` compares in SI units (`panet.catalogue.units`) and the
  included parameters are answered in the asked unit; a unit pint does not know is a `FilterError`.
  Conditions in the clients' form ``{"variable": …, "operator": …, "value": …, "unit": …}`` are
  rewritten into this one first (`panet.catalogue.parameters`).

SQL is built from the data model's names only; every value a client sends is a bound parameter.
What differs between SQLite and PostgreSQL (JSON properties, placeholders, free text) comes from
the store's `panet.catalogue.dialect.Dialect`.

>>> import panet
>>> q = Compiler(panet.load())
>>> q.where(MODELS["Dataset"], {"title": {"like": "%casein%"}}, "o", "where")
"json_extract(o.doc, '$.title') LIKE ? ESCAPE '\\\\'"
>>> q.values
['%casein%']

The same for a PostgreSQL store (`panet.catalogue.dialect`):

>>> from panet.catalogue.dialect import POSTGRESQL
>>> q = Compiler(panet.load(), dialect=POSTGRESQL)
>>> q.where(MODELS["Dataset"], {"and": [{"title": {"like": "%casein%"}}, {"isPublic": True}]}, "o", "where")
"((o.doc ->> 'title') ILIKE ? ESCAPE '\\\\' AND (o.doc -> 'isPublic') = CAST(? AS jsonb))"
>>> q.values
['%casein%', 'true']
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from panet import loopback
from panet.catalogue import parameters, text_index
from panet.catalogue.dialect import SQLITE, Dialect, Kind
from panet.catalogue.model import MODELS, OPERATORS, Model
from panet.catalogue.units import UnitError, si_unit, to_si
from panet.loopback import FilterError

__all__ = ["MAX_DEPTH", "Compiler", "FilterError", "Include", "dense_threshold", "parse_includes"]

MAX_DEPTH = 4
"""Deepest nesting of includes in scopes."""
DENSE = 5_000
"""Related rows from which a page of results is found faster by probing objects in page order
than by collecting every matching owner first, when the store's size is not known (else
`dense_threshold`)."""
SCOPE_KEYS = ("where", "include", "fields", "order", "limit", "skip", "offset")
_COMPARE = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_WORD = re.compile(r"\w+")


class Include:
    """One ``include`` item: the ``relation``, its ``scope`` and where it is in the filter."""

    __slots__ = ("path", "relation", "scope")

    def __init__(self, relation: str, scope: dict, path: str) -> None:
        self.relation = relation
        self.scope = scope
        self.path = path

    @property
    def filters(self) -> bool:
        """Whether it selects (a scope with a where, or with includes that select)."""
        return self.scope.get("where") is not None or any(i.filters for i in parse_includes(self.scope, self.path))


def parse_includes(spec: Mapping[str, Any], path: str) -> list[Include]:
    """The ``include`` of a filter or scope as `Include` items; a relation name or a list of
    names works too.

    >>> [i.relation for i in parse_includes({"include": ["files", {"relation": "techniques"}]}, "filter")]
    ['files', 'techniques']
    """
    include = spec.get("include")
    if include is None:
        return []
    if path.count(".scope") >= MAX_DEPTH:
        raise FilterError(path, f"includes nested more than {MAX_DEPTH} deep")
    items = include if isinstance(include, list) else [include]
    found = []
    for index, item in enumerate(items):
        where = f"{path}.include[{index}]"
        if isinstance(item, str):
            found.append(Include(item, {}, where))
            continue
        if not isinstance(item, dict) or not isinstance(item.get("relation"), str):
            raise FilterError(where, 'an include is {"relation": "<name>", "scope": {…}} or a relation name')
        unknown = sorted(set(item) - {"relation", "scope"})
        if unknown:
            raise FilterError(where, f"unknown key {unknown[0]!r}; an include has relation and scope")
        scope = item.get("scope") or {}
        if not isinstance(scope, dict):
            raise FilterError(f"{where}.scope", "must be a JSON object")
        bad = sorted(set(scope) - set(SCOPE_KEYS))
        if bad:
            raise FilterError(f"{where}.scope", f"unknown key {bad[0]!r}; a scope has {', '.join(SCOPE_KEYS)}")
        found.append(Include(item["relation"], scope, f"{where}.scope"))
    return found


class Compiler:
    """Builds SQL conditions for one request; the values to bind collect in ``values``."""

    def __init__(
        self,
        ontology: Any,
        run: Callable[[str, list[Any]], list[tuple]] | None = None,
        *,
        dialect: Dialect = SQLITE,
        dense: int = DENSE,
    ) -> None:
        self.ontology = ontology
        self.dialect = dialect
        self.values: list[Any] = []
        self._aliases = 0
        self._run = run  # the store, to plan by what it holds; None: plain SQL, no look at the data
        self.dense = dense  # related rows from which probing objects in page order is cheaper
        self._scans = 0  # conditions compiled that no index can answer (a substring anywhere in a text)

    def selects(self, model: Model, spec: Mapping[str, Any], alias: str, path: str) -> str:
        """The condition a filter (or scope) puts on rows ``alias`` of ``model``: its where, and
        an existence test for each include that selects."""
        conditions = [self.where(model, spec.get("where"), alias, f"{path}.where")]
        for include in parse_includes(spec, path):
            if include.filters:
                conditions.append(self.related(model, include, alias))
        return _all(conditions)

    def related(self, model: Model, include: Include, alias: str) -> str:
        """Rows ``alias`` of ``model`` with at least one related object that the include's scope selects."""
        relation = relation_of(model, include.relation, include.path)
        target = MODELS[relation.target]
        self._aliases += 1
        inner = f"r{self._aliases}"
        join, owner = relation.sql(alias, inner)
        start, scans = len(self.values), self._scans
        condition = self.selects(target, include.scope, inner, include.path)
        if owner is None:  # belongsTo: the owner row names the target
            return f"EXISTS (SELECT 1 {join} AND {condition})"
        source = join.split(" WHERE ")[0]
        linked = None  # link rows of the techniques selected, as the build counted them
        if self._run is not None and target.name == "Technique":  # few rows: resolve them first, then
            values = self.values[start:]  # the link table's (technique, dataset) index does the rest
            del self.values[start:]
            rows = self._run(f"SELECT {inner}.n FROM technique {inner} WHERE {condition}", values)
            link = f"{inner}_link"
            source, owner = f"FROM dataset_technique {link}", f"{link}.dataset"
            join = f"{source} WHERE {link}.dataset = {alias}.n"
            numbers = [row[0] for row in rows]
            if self.dialect.keeps_counts:
                linked = self._linked(json.dumps(numbers))
            self.values.append(self.dialect.values(numbers, "integer"))
            condition = self.dialect.one_of(f"{link}.technique", "integer")
        if self._scans > scans:  # the related rows are read all through anyway: once, collecting, not counting first
            return f"{alias}.n IN (SELECT {owner} {source} WHERE {condition})"
        if self._run is not None and (
            linked >= self.dense if linked is not None else self._dense(source, condition, self.values[start:])
        ):
            return f"EXISTS (SELECT 1 {join} AND {condition})"  # many owners match: probe them in page order
        return f"{alias}.n IN (SELECT {owner} {source} WHERE {condition})"  # few: collect them from the index

    def _linked(self, techniques: str) -> int | None:
        """How many datasets the techniques numbered in the JSON list ``techniques`` have, from
        the counts the build keeps (`panet.catalogue.store.count_rows`); None without them."""
        assert self._run is not None
        counted = "SELECT 1 FROM tally WHERE tbl = 'dataset_technique' AND property = ''"
        sql = (
            f"SELECT coalesce(sum(rows), 0), EXISTS ({counted}) FROM tally WHERE tbl = 'dataset_technique' "
            "AND property = 'technique' AND value IN (SELECT value FROM json_each(?))"
        )
        try:
            found, kept = self._run(sql, [techniques])[0]
        except Exception as err:  # a store built before counts were kept has no tally table
            if "no such table" not in str(err):
                raise
            return None
        return found if kept else None

    def _dense(self, source: str, condition: str, values: list[Any]) -> bool:
        """Whether at least ``dense`` related rows match (counted no further than that)."""
        assert self._run is not None
        found = self._run(
            f"SELECT count(*) FROM (SELECT 1 {source} WHERE {condition} LIMIT {self.dense}) dense", values
        )
        return found[0][0] >= self.dense

    # -- where ----------------------------------------------------------------------------
    def where(self, model: Model, where: Any, alias: str, path: str, unit: str | None = None) -> str:
        """A SQL condition for a LoopBack where on rows ``alias`` of ``model``."""
        if where is None:
            return "TRUE"
        if not isinstance(where, dict):
            raise FilterError(path, f"a where is a JSON object, not {_json_kind(where)}")
        if model.name == "Technique":
            return self.techniques(where, alias, path)
        where, wanted = parameters.normalise(model, where, path)  # the clients' {"variable": …} form
        condition = self._where(
            model, where, alias, path, parameters.unit_of(where) if model.name == "Parameter" else unit
        )
        return _all(
            [condition, *(self.related(model, Include("parameters", {"where": w}, path), alias) for w in wanted)]
        )

    def _where(self, model: Model, where: dict, alias: str, path: str, unit: str | None) -> str:
        parts = []
        for key, condition in where.items():
            here = f"{path}.{key}"
            if key in ("and", "or"):
                if not isinstance(condition, list) or not condition:
                    raise FilterError(here, f"{key} takes a non-empty list of wheres")
                subs = []
                for i, sub in enumerate(condition):
                    if not isinstance(sub, dict):
                        raise FilterError(f"{here}[{i}]", f"a where is a JSON object, not {_json_kind(sub)}")
                    subs.append(self._where(model, sub, alias, f"{here}[{i}]", unit))
                parts.append("(" + f" {key.upper()} ".join(subs) + ")")
            elif key == "text":
                parts.append(self.text(model, condition, alias, here))
            elif unit and key in ("value", "unit"):
                parts.append(self.quantity(key, condition, unit, alias, here))
            else:
                parts.append(self.condition(model, key, condition, alias, here))
        return _all(parts)

    def condition(self, model: Model, field: str, condition: Any, alias: str, path: str) -> str:
        """One property condition: ``value`` or ``{operator: value}``."""
        if field not in model.fields:
            raise FilterError(path, f"{model.name} has no property {field!r}; it has {', '.join(model.fields)}")
        if field == model.id_field or field in model.columns:
            column = f"{alias}.{'id' if field == model.id_field else field}"
            return self.compare(column, condition, path, "text")
        dialect = self.dialect
        return self.compare(
            dialect.property(alias, field), condition, path, "json", dialect.property_text(alias, field)
        )

    def compare(self, column: str, condition: Any, path: str, kind: Kind = "json", as_text: str | None = None) -> str:
        """``column`` (a value of ``kind``; ``as_text``: the same as text, for ``like``) against a
        value or ``{operator: operand}``."""
        if not isinstance(condition, dict):
            return self._eq(column, condition, path, kind)
        if len(condition) != 1:
            raise FilterError(path, 'a condition has exactly one operator, e.g. {"gt": 10}')
        ((operator, value),) = condition.items()
        here = f"{path}.{operator}"
        if operator == "eq":
            return self._eq(column, value, here, kind)
        if operator == "neq":  # a missing property is not equal to anything
            if value is None:
                return f"{column} IS NOT NULL"
            return self.dialect.distinct(column, self.bind(_scalar(value, here), kind))
        if operator in _COMPARE:
            return f"{column} {_COMPARE[operator]} {self.bind(_scalar(value, here), kind)}"
        if operator == "between":
            if not isinstance(value, list) or len(value) != 2:
                raise FilterError(here, "between takes a list of two values, e.g. [880, 990]")
            low, high = (_scalar(v, here) for v in value)
            return f"{column} BETWEEN {self.bind(low, kind)} AND {self.bind(high, kind)}"
        if operator in ("inq", "nin"):
            if not isinstance(value, list):
                raise FilterError(here, f"{operator} takes a list of values")
            self.values.append(self.dialect.values([_scalar(v, here) for v in value], kind))
            listed = self.dialect.one_of(column, kind)
            return listed if operator == "inq" else f"({column} IS NULL OR NOT {listed})"
        if operator in ("like", "ilike", "nlike", "nilike"):
            if not isinstance(value, str):
                raise FilterError(here, f"{operator} takes a text pattern with % and _ wildcards")
            text = as_text or column
            self.values.append(value)
            match = self.dialect.like(text)
            return match if operator in ("like", "ilike") else f"({text} IS NULL OR NOT {match})"
        raise FilterError(here, f"unknown operator {operator!r}; use one of {', '.join(OPERATORS)}")

    def _eq(self, column: str, value: Any, path: str, kind: Kind) -> str:
        if value is None:
            return f"{column} IS NULL"
        return f"{column} = {self.bind(_scalar(value, path), kind)}"

    def text(self, model: Model, words: Any, alias: str, path: str) -> str:
        """The ``text`` operator: every word of ``words`` in one of the model's text fields."""
        if not isinstance(words, str):
            raise FilterError(path, "text takes a string")
        if not model.text_fields:
            raise FilterError(path, f"{model.name} has no text fields")
        dialect = self.dialect
        if model.table in text_index.FIELDS:  # the text index: the word in one of the fields
            fields = [name for name, _ in text_index.FIELDS[model.table]]
            mask = sum(1 << fields.index(field) for field in model.text_fields)
            t = model.table
            parts = []
            for token in text_index.words(words):
                self.values += [token, token]
                parts.append(
                    f"{alias}.n IN (SELECT p.n FROM {t}_postings p JOIN {t}_forward f ON f.n = p.n "
                    f"WHERE p.word = ? AND ({dialect.member('f.words')} & {mask}) != 0)"
                )
            return _all(parts) if parts else "TRUE"
        tokens = _WORD.findall(words)
        if not tokens:
            return "TRUE"
        parts = []
        self._scans += 1
        for token in tokens:
            fields = []
            pattern = "%" + token.replace("_", "\\_") + "%"  # "_" is part of a word here, not a wildcard
            for field in model.text_fields:
                self.values.append(pattern)
                column = f"{alias}.{field}" if field in model.columns else dialect.property_text(alias, field)
                fields.append(dialect.like(column))
            parts.append("(" + " OR ".join(fields) + ")")
        return _all(parts)

    def techniques(self, where: dict, alias: str, path: str) -> str:
        """PaNET techniques by their place in the hierarchy; other techniques as written."""
        try:
            expanded = loopback.expand_where(self.ontology, where)
        except FilterError as err:
            raise FilterError(path + err.where.removeprefix("where"), err.problem) from None
        in_panet = self._pids(expanded, alias, path)  # bound before as_written: the order of the SQL text
        try:
            as_written = self._where(MODELS["Technique"], where, alias, path, None)
        except FilterError:  # a condition on a property only PaNET terms have (synonym, parents…)
            as_written = "FALSE"
        return f"(CASE WHEN {alias}.panet IS NOT NULL THEN {in_panet} ELSE {as_written} END)"

    def _pids(self, expanded: dict, alias: str, path: str) -> str:
        parts = []
        for key, condition in expanded.items():
            if key in ("and", "or"):
                subs = [self._pids(sub, alias, path) for sub in condition]
                parts.append("(" + f" {key.upper()} ".join(subs) + ")")
            else:  # {"pid": {"inq" | "nin": [IRI, …]}}
                parts.append(self.compare(f"{alias}.panet", condition, path, "text"))
        return _all(parts)

    def quantity(self, key: str, condition: Any, unit: str, alias: str, path: str) -> str:
        """``value``/``unit`` of a parameter where that names a unit: compared in SI units."""
        try:
            base = si_unit(unit)
        except UnitError as err:
            raise FilterError(path, f"{err}; write units as pint reads them, e.g. eV, keV, nm, K, celsius") from None
        if key == "unit":
            return f"{alias}.si_unit = {self.bind(base, 'text')}"

        def convert(value: Any) -> float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise FilterError(path, f"a value compared in {unit!r} must be a number, not {json.dumps(value)}")
            return to_si(value, unit)[0]

        if not isinstance(condition, dict):
            return f"{alias}.si = {self.bind(convert(condition), 'real')}"
        if len(condition) != 1:
            raise FilterError(path, 'a condition has exactly one operator, e.g. {"gt": 10}')
        ((operator, value),) = condition.items()
        if isinstance(value, list):
            converted: Any = [convert(v) for v in value]
        else:
            converted = convert(value)
        return self.compare(f"{alias}.si", {operator: converted}, path, "real")

    def bind(self, value: Any, kind: Kind | None = None) -> str:
        """A placeholder for ``value``, which is appended to ``values``; with ``kind``, as the
        dialect binds a value compared with a column of that kind."""
        if kind is None:
            self.values.append(value)
            return "?"
        self.values.append(self.dialect.value(value, kind))
        return self.dialect.param(kind)


def dense_threshold(page: int, rows: int) -> int:
    """Matching related rows from which a page (``page`` = limit + skip objects of a table of
    ``rows``) is found faster by probing objects in page order than by collecting the matches:
    probing reads about page × rows / matches objects, collecting reads the matches, so probing
    wins past √(page × rows).

    >>> dense_threshold(100, 1_000_000), dense_threshold(100, 20_000), dense_threshold(1000, 10)
    (10000, 1414, 1000)
    """
    return max(page, math.isqrt(page * rows))


def relation_of(model: Model, relation: str, path: str):
    """The relation ``relation`` of ``model``, or a `FilterError` listing its relations."""
    found = model.relations.get(relation)
    if found is None:
        raise FilterError(
            path, f"{model.name} has no relation {relation!r}; it has {', '.join(sorted(model.relations))}"
        )
    return found


def _all(conditions: list[str]) -> str:
    kept = [c for c in conditions if c != "TRUE"]
    if not kept:
        return "TRUE"
    return kept[0] if len(kept) == 1 else "(" + " AND ".join(kept) + ")"


def _scalar(value: Any, path: str) -> Any:
    if isinstance(value, str | int | float):  # booleans too: the dialect binds them
        return value
    raise FilterError(path, f"compares with a string, number or boolean, not {_json_kind(value)}")


def _json_kind(value: Any) -> str:
    return {dict: "an object", list: "a list", type(None): "null"}.get(type(value), type(value).__name__)
