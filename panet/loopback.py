"""The LoopBack filters of the PaN search API, answered over PaNET techniques.

PaN search API implementations (SciCat's panosc-search-api) expand a user's technique
condition into "this technique and everything under it" by calling
``GET {PANET_BASE_URL}/techniques/pan-ontology?where=<LoopBack where JSON>``, the protocol of
ExPaNDS' pan-ontologies-api. `expand_where` is that expansion; `find_techniques`,
`count_techniques` and `technique_record` answer the rest of that service
(``/techniques``, ``/techniques/count``, ``/techniques/{pid}``) with its Technique model:
pid, name, synonym, parents, children, relatives.

Rules (docs/pan-search-api.md has the long form):

* Techniques only: a specifier is never selected, never in an expansion.
* A condition on ``name`` matches the label, a synonym or a former label (case and spacing
  ignored); ``pid`` (and ``parents``, ``children``, ``relatives``) take an IRI, CURIE or ID.
* ``like``/``ilike`` are regular expressions searched anywhere in the value (LoopBack's ``%``
  and ``_`` wildcards work too); ``ilike`` ignores case; the ``n…`` forms negate.
* The expansion of a technique ("relatives") is the technique, its equivalent classes
  (``owl:equivalentClass`` between named classes, e.g. 'imaging' ≡ 'obtain spatial map') and
  all their descendants in the reasoned hierarchy, as IRIs in sorted order. A retired
  (deprecated) technique stays selectable: it expands like its replacement and is in the
  expansion of its replacement.
* A negated condition (``neq``, ``nin``, ``nlike``, ``nilike``) becomes ``nin`` over the
  expansion of its positive form; ``and``/``or`` keep their operator over the expanded parts;
  an unknown technique gives ``{"pid": {"inq": []}}``. Bad input raises `FilterError`.

>>> import panet
>>> onto = panet.load()
>>> expand_where(onto, {"name": "XES"})
{'pid': {'inq': ['http://purl.org/pan-science/PaNET/PaNET01200']}}
>>> expand_where(onto, '{"pid": {"neq": "panet:PaNET01200"}}')
{'pid': {'nin': ['http://purl.org/pan-science/PaNET/PaNET01200']}}
>>> len(expand_where(onto, {"name": "x-ray probe"})["pid"]["inq"])   # a former label
95
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping

from panet.errors import PanetError, TermNotFound
from panet.term import local_id
from panet.text import normalize

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from panet.ontology import Ontology
    from panet.term import Term

__all__ = [
    "FIELDS",
    "MAX_CONDITIONS",
    "MAX_DEPTH",
    "MAX_JSON_CHARS",
    "OPERATORS",
    "FilterError",
    "count_techniques",
    "expand_where",
    "filter_where",
    "find_techniques",
    "loads",
    "pan_search_filter",
    "select",
    "technique_record",
]

FIELDS = ("pid", "name", "synonym", "parents", "children", "relatives")
"""The Technique model's properties (pan-ontologies-api), in the order records list them."""

# operator -> (positive operator, negated?)
OPERATORS: dict[str, tuple[str, bool]] = {
    "eq": ("eq", False),
    "neq": ("eq", True),
    "inq": ("inq", False),
    "nin": ("inq", True),
    "like": ("like", False),
    "nlike": ("like", True),
    "ilike": ("ilike", False),
    "nilike": ("ilike", True),
}
MAX_JSON_CHARS = 65_536
"""Longest ``where``/``filter`` JSON text accepted (a where naming every technique is ~20 kB)."""
MAX_DEPTH = 8
"""Deepest nesting of ``and``/``or``."""
MAX_CONDITIONS = 64
"""Most property conditions in one where (each may expand to hundreds of IRIs)."""
DEFAULT_TIMEOUT = 1.0
"""Seconds one filter may spend matching ``like`` patterns."""

_FILTER_KEYS = ("where", "fields", "order", "limit", "skip", "offset")
_ORDER_FIELDS = ("pid", "name")


class FilterError(PanetError, ValueError):
    """A LoopBack filter panet cannot answer: says where in the filter and what to do.

    >>> str(FilterError("where.name", "unknown operator 'foo'"))
    "where.name: unknown operator 'foo'"
    """

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}")


def loads(text: str, name: str = "where") -> Any:
    """Parse the JSON text of a query parameter, bounded in size and nesting.

    >>> loads('{"name": "XES"}')
    {'name': 'XES'}
    """
    if len(text) > MAX_JSON_CHARS:
        raise FilterError(name, f"{len(text):,} characters of JSON; at most {MAX_JSON_CHARS:,} are accepted")
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise FilterError(name, f"not valid JSON ({err.msg} at line {err.lineno}, column {err.colno})") from None
    except RecursionError:
        raise FilterError(name, "JSON nested too deeply") from None


def expand_where(
    onto: Ontology, where: Mapping[str, Any] | str | None, *, timeout: float = DEFAULT_TIMEOUT
) -> dict[str, Any]:
    """The where on technique pids that ``GET /techniques/pan-ontology`` answers for ``where``.

    ``where`` is a LoopBack where on the Technique model (a mapping, or its JSON text); an
    empty or missing where selects every technique, as in pan-ontologies-api.

    >>> import panet
    >>> out = expand_where(panet.load(), {"or": [{"name": "SAXS"}, {"name": {"nin": ["SANS"]}}]})
    >>> [list(part["pid"]) for part in out["or"]]
    [['inq'], ['nin']]
    """
    return _Query(onto, timeout).expand(_where(where), "where", 0)


def filter_where(filter: Mapping[str, Any] | str) -> Any:
    """The where of a LoopBack filter that may hold nothing else (``/pan-ontology?filter=``).

    >>> filter_where('{"where": {"name": "XES"}}')
    {'name': 'XES'}
    """
    return _filter(filter, ("where",)).get("where")


def select(onto: Ontology, where: Mapping[str, Any] | str | None, *, timeout: float = DEFAULT_TIMEOUT) -> list[Term]:
    """The techniques a LoopBack where matches, each judged on its own record, in IRI order.

    Unlike `expand_where`, descendants are not added and ``and``/``or``/negations combine the
    matching techniques (what LoopBack does on ``/techniques``).

    >>> import panet
    >>> [t.id for t in select(panet.load(), {"name": {"like": "^small angle .*neutron"}})]
    ['PaNET01189']
    """
    return sorted(_Query(onto, timeout).select(_where(where), "where", 0))


def count_techniques(
    onto: Ontology, where: Mapping[str, Any] | str | None = None, *, timeout: float = DEFAULT_TIMEOUT
) -> int:
    """``GET /techniques/count``: how many techniques ``where`` matches.

    >>> import panet
    >>> count_techniques(panet.load())
    380
    """
    return len(select(onto, where, timeout=timeout))


def find_techniques(
    onto: Ontology, filter: Mapping[str, Any] | str | None = None, *, timeout: float = DEFAULT_TIMEOUT
) -> list[dict[str, Any]]:
    """``GET /techniques?filter=``: records for a LoopBack filter (where, fields, order, limit, skip).

    >>> import panet
    >>> find_techniques(panet.load(), {"where": {"name": "XES"}, "fields": ["pid", "name"]})
    [{'pid': 'http://purl.org/pan-science/PaNET/PaNET01200', 'name': 'x-ray emission spectroscopy'}]
    """
    spec = _filter(filter, _FILTER_KEYS)
    where = spec.get("where")
    terms = sorted(_Query(onto, timeout).select({} if where is None else where, "filter.where", 0))
    records = [_records(onto)[t.iri] for t in terms]
    for field, descending in reversed(_order(spec.get("order"))):
        records.sort(key=lambda r, f=field: r[f], reverse=descending)  # type: ignore[misc]
    skip = _count(spec, "skip") or _count(spec, "offset") or 0
    limit = _count(spec, "limit")
    records = records[skip : None if limit is None else skip + limit]
    return _project(records, spec.get("fields"))


def technique_record(onto: Ontology, key: Term | str, filter: Mapping[str, Any] | str | None = None) -> dict[str, Any]:
    """``GET /techniques/{pid}``: the Technique record of one technique (`TermNotFound` if none).

    >>> import panet
    >>> record = technique_record(panet.load(), "http://purl.org/pan-science/PaNET/PaNET01200")
    >>> record["name"], record["synonym"], record["relatives"] == [record["pid"]]
    ('x-ray emission spectroscopy', ['XES'], True)
    """
    spec = _filter(filter, ("fields",))
    term = _technique(onto, key)
    return _project([_records(onto)[term.iri]], spec.get("fields"))[0]


def pan_search_filter(onto: Ontology, key: Term | str, descendants: bool = True) -> dict[str, Any]:
    """The PaN search API filter (``GET /datasets?filter=``) for datasets whose technique is
    ``key`` or, with ``descendants``, any technique under it (its relatives).

    >>> import panet
    >>> pan_search_filter(panet.load(), "XES")["include"][0]
    {'relation': 'techniques', 'scope': {'where': {'pid': {'inq': ['http://purl.org/pan-science/PaNET/PaNET01200']}}}}
    """
    term = _technique(onto, key)
    pids = list(_records(onto)[term.iri]["relatives"]) if descendants else [term.iri]
    return {"include": [{"relation": "techniques", "scope": {"where": {"pid": {"inq": pids}}}}]}


# -- internals --------------------------------------------------------------------------------
def _technique(onto: Ontology, key: Term | str) -> Term:
    term = onto.term(key)
    if term.kind != "technique":
        raise TermNotFound(key, hint=f"{term.id} '{term.label}' is a {term.kind}; a specifier is never a technique")
    return term


def _where(where: Mapping[str, Any] | str | None) -> Mapping[str, Any]:
    if where is None:
        return {}
    return loads(where) if isinstance(where, str) else where


def _filter(filter: Mapping[str, Any] | str | None, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    spec = loads(filter, "filter") if isinstance(filter, str) else filter or {}
    if not isinstance(spec, Mapping):
        raise FilterError("filter", f"must be a JSON object, not {_kind(spec)}")
    for key in spec:
        if key not in allowed:
            raise FilterError(f"filter.{key}", f"unknown filter key; use {_choices(allowed)}")
    return spec


def _count(spec: Mapping[str, Any], key: str) -> int | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise FilterError(f"filter.{key}", f"must be a non-negative integer, not {value!r}")
    return value


def _order(order: Any) -> list[tuple[str, bool]]:
    """LoopBack ``order``: "name DESC" or a list of such; (field, descending) pairs."""
    if order is None:
        return []
    items = [order] if isinstance(order, str) else order
    if not isinstance(items, list):
        raise FilterError("filter.order", f'must be "<property> [ASC|DESC]" or a list of them, not {_kind(order)}')
    keys = []
    for i, item in enumerate(items):
        words = item.split() if isinstance(item, str) else []
        direction = words[1].upper() if len(words) == 2 else "ASC"
        if not 1 <= len(words) <= 2 or words[0] not in _ORDER_FIELDS or direction not in ("ASC", "DESC"):
            raise FilterError(f"filter.order[{i}]", f"{item!r}: use '<{'|'.join(_ORDER_FIELDS)}> [ASC|DESC]'")
        keys.append((words[0], direction == "DESC"))
    return keys


def _project(records: list[dict[str, Any]], fields: Any) -> list[dict[str, Any]]:
    """Copies of the records with LoopBack ``fields``: {"pid": true, …} keeps those,
    {"relatives": false} drops those; a list keeps those."""
    if fields is None:
        fields = {}
    if isinstance(fields, list):
        fields = dict.fromkeys(fields, True)
    if not isinstance(fields, Mapping):
        raise FilterError("filter.fields", f"must be an object or a list of property names, not {_kind(fields)}")
    for name, value in fields.items():
        if name not in FIELDS:
            raise FilterError(f"filter.fields.{name}", f"unknown property; use {_choices(FIELDS)}")
        if not isinstance(value, bool):
            raise FilterError(f"filter.fields.{name}", f"must be true or false, not {value!r}")
    keep = [f for f in FIELDS if fields.get(f)] or [f for f in FIELDS if fields.get(f, True)]
    return [{f: r[f] if f in ("pid", "name") else list(r[f]) for f in keep} for r in records]


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def _choices(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(names)


class _Index:
    """Per-ontology tables: technique records, identifiers, synonyms (built once, shared)."""

    def __init__(self, onto: Ontology) -> None:
        # a retired (deprecated) technique stays a technique: datasets may still carry it
        techniques = onto.terms("technique", include_obsolete=True)
        self.all: frozenset[Term] = frozenset(techniques)
        self.ids: dict[str, Term] = {t.id.casefold(): t for t in onto}
        self.synonyms: dict[str, set[Term]] = {}
        retired: dict[str, list[Term]] = {}  # replacement IRI -> the retired techniques it replaces
        for t in techniques:
            for synonym in t.synonyms:
                self.synonyms.setdefault(normalize(synonym), set()).add(t)
            if t.replaced_by:
                retired.setdefault(t.replaced_by, []).append(t)
        self.relatives: dict[Term, tuple[str, ...]] = {}
        for t in techniques:
            replacement = self.ids.get(local_id(t.replaced_by or ""))
            members = {t} if replacement is None else {t, replacement}
            members |= {e for m in members for e in onto.equivalents(m)}
            found = members.union(*(onto.descendants(m) for m in members))
            found |= {old for r in list(found) for old in retired.get(r.iri, ())}
            self.relatives[t] = tuple(sorted(r.iri for r in found if r.kind == "technique"))
        self.records: dict[str, dict[str, Any]] = {
            t.iri: {
                "pid": t.iri,
                "name": t.label,
                "synonym": list(t.synonyms),
                "parents": sorted(p.iri for p in onto.parents(t) if p.kind == "technique"),
                "children": sorted(c.iri for c in onto.children(t) if c.kind == "technique"),
                "relatives": list(self.relatives[t]),
            }
            for t in techniques
        }
        # the values `like` searches, per technique and property
        self.texts: dict[str, tuple[tuple[Term, tuple[str, ...]], ...]] = {
            field: tuple((t, self._texts(field, self.records[t.iri])) for t in techniques) for field in FIELDS
        }

    @staticmethod
    def _texts(field: str, record: dict[str, Any]) -> tuple[str, ...]:
        if field == "name":  # a name condition also tries the synonyms, as in pan-ontologies-api
            return (record["name"], *record["synonym"])
        value = record[field]
        return (value,) if isinstance(value, str) else tuple(value)


def _index(onto: Ontology) -> _Index:
    return onto.memo(("panet.loopback", "index"), _Index)


def _records(onto: Ontology) -> dict[str, dict[str, Any]]:
    return _index(onto).records


class _Query:
    """One evaluation of a where: the ontology's tables, a time budget, a condition count."""

    def __init__(self, onto: Ontology, timeout: float) -> None:
        self.onto = onto
        self.index = _index(onto)
        self.deadline = time.monotonic() + timeout
        self.conditions = 0

    # dataset level: the pan-ontology answer
    def expand(self, where: Any, path: str, depth: int) -> dict[str, Any]:
        clauses: list[dict[str, Any]] = []
        positives: list[frozenset[Term]] = []
        for key, value in self._object(where, path, depth).items():
            at = f"{path}.{key}"
            if key in ("and", "or"):
                parts = self._list(value, at)
                clauses.append({key: [self.expand(part, f"{at}[{i}]", depth + 1) for i, part in enumerate(parts)]})
                continue
            matched, negated = self._condition(key, value, at)
            if negated:
                clauses.append({"pid": {"nin": self._relatives(matched)}})
            else:
                positives.append(matched)
        if positives or not clauses:  # property conditions of one object hold for one technique
            chosen = frozenset.intersection(self.index.all, *positives)
            clauses.insert(0, {"pid": {"inq": self._relatives(chosen)}})
        return clauses[0] if len(clauses) == 1 else {"and": clauses}

    # technique level: LoopBack on the Technique records
    def select(self, where: Any, path: str, depth: int) -> frozenset[Term]:
        chosen = self.index.all
        for key, value in self._object(where, path, depth).items():
            at = f"{path}.{key}"
            if key in ("and", "or"):
                parts = [self.select(part, f"{at}[{i}]", depth + 1) for i, part in enumerate(self._list(value, at))]
                chosen &= frozenset.intersection(*parts) if key == "and" else frozenset.union(*parts)
            else:
                matched, negated = self._condition(key, value, at)
                chosen &= self.index.all - matched if negated else matched
        return chosen

    def _relatives(self, terms: frozenset[Term]) -> list[str]:
        relatives = self.index.relatives
        if len(terms) == 1:
            return list(relatives[next(iter(terms))])
        return sorted({iri for t in terms for iri in relatives[t]})

    def _object(self, where: Any, path: str, depth: int) -> Mapping[str, Any]:
        if not isinstance(where, Mapping):
            raise FilterError(path, f'must be a JSON object such as {{"name": "XES"}}, not {_kind(where)}')
        if depth > MAX_DEPTH:
            raise FilterError(path, f"and/or nested more than {MAX_DEPTH} levels deep; flatten the condition")
        return where

    @staticmethod
    def _list(value: Any, path: str) -> list[Any]:
        if not isinstance(value, list) or not value:
            raise FilterError(path, f"must be a non-empty list of conditions, not {_kind(value)}")
        return value

    def _condition(self, field: str, value: Any, path: str) -> tuple[frozenset[Term], bool]:
        """The techniques whose ``field`` satisfies the positive form of ``value``; negated?"""
        if field not in FIELDS:
            raise FilterError(path, f"unknown property; use {_choices(FIELDS)} (or and/or)")
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise FilterError(path, f"more than {MAX_CONDITIONS} conditions in one filter; split the query")
        if isinstance(value, Mapping):
            if len(value) != 1:
                raise FilterError(path, f"give exactly one operator ({_choices(list(OPERATORS))}), not {len(value)}")
            ((operator, operand),) = value.items()
            if operator not in OPERATORS:
                raise FilterError(f"{path}.{operator}", f"unknown operator; use {_choices(list(OPERATORS))}")
            path = f"{path}.{operator}"
        else:
            operator, operand = "eq", value
        positive, negated = OPERATORS[operator]
        if positive == "inq":
            if not isinstance(operand, list) or not all(isinstance(v, str) for v in operand):
                raise FilterError(path, f"must be a list of strings, not {_kind(operand)}")
            values = operand
        elif isinstance(operand, str):
            values = [operand]
        else:
            raise FilterError(path, f"must be a string, not {_kind(operand)}")
        if positive in ("like", "ilike"):
            return self._like(field, operand, positive == "ilike", path), negated
        return frozenset().union(*(self._equal(field, v) for v in values)), negated

    def _equal(self, field: str, value: str) -> frozenset[Term] | set[Term]:
        index = self.index
        if field == "name":
            found = {t for t in self.onto.terms_by_label(value) if t.kind == "technique"}
            if not found:
                former = self.onto.former_labels().get(normalize(value))
                if former is not None and former[0].kind == "technique":
                    found = {former[0]}
            return found
        if field == "synonym":
            return index.synonyms.get(normalize(value), set())
        term = index.ids.get(local_id(value))
        if term is None:
            return set()
        if field == "pid":
            return {term} & index.all
        return {t for t in index.all if term.iri in index.records[t.iri][field]}

    def _like(self, field: str, pattern: str, ignore_case: bool, path: str) -> frozenset[Term]:
        import regex  # backtracking bounded by a timeout, unlike re

        try:
            compiled = regex.compile(_like_regex(pattern), regex.IGNORECASE if ignore_case else 0)
        except regex.error as err:
            raise FilterError(path, f"not a valid regular expression: {err}") from None
        found = set()
        try:
            for term, texts in self.index.texts[field]:
                for text in texts:
                    remaining = max(self.deadline - time.monotonic(), 1e-6)  # concurrent: without the GIL
                    if compiled.search(text, timeout=remaining, concurrent=True):
                        found.add(term)
                        break
        except TimeoutError:
            raise FilterError(path, "the pattern took too long to match; simplify it") from None
        return frozenset(found)


def _like_regex(pattern: str) -> str:
    """LoopBack's memory connector reads ``like`` as a regular expression in which ``%`` and
    ``_`` are also the SQL wildcards (``.*`` and ``.``).

    >>> _like_regex("x_ray%scattering")
    'x.ray.*scattering'
    """
    return pattern.replace("%", ".*").replace("_", ".")
