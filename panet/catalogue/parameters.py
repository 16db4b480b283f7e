"""Parameter queries as clients write them, rewritten into the LoopBack where form the catalogue
answers (`panet.catalogue.query`).

The PaN search API's query syntax (panosc-eu/search-api ``doc/query.md``, first version) writes
a condition on a parameter as one object::

    {"variable": "photon_energy", "operator": "gt", "value": 10, "unit": "keV"}

joined with ``and``/``or`` and optionally wrapped in ``{"query": …}``; ``name`` may stand for
``variable``. Two places take it:

* the ``where`` of a ``parameters`` include's scope: each condition becomes
  ``{"and": [{"name": …}, {"value": {"gt": 10}}, {"unit": "keV"}]}``, the form the
  specification's example queries use;
* the ``where`` of a Dataset or Document: "has a parameter such that …". Conditions joined by
  ``and`` each become a condition on the related parameters (those on one variable on the same
  parameter, so a range is one value in the range); an ``or`` of conditions is one.

A scope is compared in one unit, the first one it names, as the catalogue answers it (the
matching parameters are returned in that unit); values given in another unit of the same quantity
are converted with pint. An unknown operator or unit, or a condition that cannot be answered that
way (an ``or`` mixing parameter conditions with other conditions), is a `FilterError` naming
where it is.

>>> parameter_where({"variable": "photon_energy", "operator": "gt", "value": 10, "unit": "keV"}, "where")
{'and': [{'name': 'photon_energy'}, {'value': {'gt': 10}}, {'unit': 'keV'}]}
>>> rest, wanted = split({"and": [{"title": {"like": "%Cu%"}},
...                               {"variable": "temperature", "operator": "lt", "value": 80, "unit": "celsius"}]}, "w")
>>> rest
{'and': [{'title': {'like': '%Cu%'}}]}
>>> wanted
[{'and': [{'name': 'temperature'}, {'value': {'lt': 80}}, {'unit': 'celsius'}]}]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from panet.catalogue.model import MODELS, OPERATORS, Model
from panet.catalogue.units import UnitError, from_si, si_unit, to_si
from panet.loopback import FilterError

__all__ = ["KEYS", "is_condition", "normalise", "parameter_where", "split", "unit_asked", "unit_of"]

KEYS = ("variable", "name", "operator", "value", "unit")
"""The keys of a parameter condition in the client form."""
_JOINS = ("and", "or")


def is_condition(where: Any) -> bool:
    """Whether ``where`` is a parameter condition in the client form (it names a ``variable``, or
    an ``operator`` next to a ``name``).

    >>> is_condition({"variable": "temperature", "operator": "lt", "value": 80}), is_condition({"name": "x"})
    (True, False)
    """
    return isinstance(where, dict) and ("variable" in where or ("operator" in where and "name" in where))


def normalise(model: Model, where: Any, path: str) -> tuple[Any, list[dict]]:
    """``(where, wanted)``: a where on ``model`` in the form the catalogue answers, and wheres on
    related parameters that a selected object must each match (for Datasets and Documents).

    >>> from panet.catalogue.model import MODELS
    >>> normalise(MODELS["Parameter"], {"variable": "temperature", "operator": "lt", "value": 80}, "where")
    ({'and': [{'name': 'temperature'}, {'value': {'lt': 80}}]}, [])
    >>> normalise(MODELS["Instrument"], {"name": "LoKI"}, "where")
    ({'name': 'LoKI'}, [])
    """
    if model.name == "Parameter":
        return parameter_where(where, path), []
    if "parameters" in model.relations:
        return split(where, path)
    return where, []


def parameter_where(where: Any, path: str) -> Any:
    """The where of a ``parameters`` scope with each client-form condition (anywhere under
    ``and``/``or``/``query``) in the LoopBack form, in one unit; other wheres unchanged.

    >>> parameter_where({"or": [{"variable": "photon_energy", "operator": "lt", "value": 900, "unit": "eV"},
    ...                         {"variable": "photon_energy", "operator": "gt", "value": 1, "unit": "keV"}]}, "w")
    {'and': [{'unit': 'eV'}, {'or': [{'and': [{'name': 'photon_energy'}, {'value': {'lt': 900}}, {'unit': 'eV'}]}, \
{'and': [{'name': 'photon_energy'}, {'value': {'gt': 1000.0}}, {'unit': 'eV'}]}]}]}
    """
    if not _mentions(where):
        return where
    units: list[str] = []
    _units(where, path, units)
    unit = units[0] if units else None
    rewritten = _rewrite(where, path, unit)

    if unit and unit_asked({"where": rewritten}) != unit:  # the catalogue reads a scope's unit from its top
        rewritten = {"and": [{"unit": unit}, rewritten]}
    return rewritten


def split(where: Any, path: str) -> tuple[Any, list[dict]]:
    """A Dataset's or Document's where without its parameter conditions, and the wheres on
    related parameters that a selected object must each match (LoopBack form).

    >>> rest, wanted = split({"and": [{"variable": "sample_state", "operator": "eq", "value": "solid"},
    ...                               {"variable": "chemical_formula", "operator": "eq", "value": "Cu"}]}, "where")
    >>> rest, [w["and"] for w in wanted]
    ({}, [[{'name': 'sample_state'}, {'value': 'solid'}], [{'name': 'chemical_formula'}, {'value': 'Cu'}]])
    >>> split({"or": [{"title": "x"}, {"variable": "temperature", "operator": "lt", "value": 80}]}, "where")
    Traceback (most recent call last):
    panet.loopback.FilterError: where.or: an or that mixes parameter conditions ... in its own request
    """
    if not _mentions(where):
        return where, []
    if _only_parameters(where):
        return {}, [parameter_where(group, path) for group in _groups(where, path)]
    rest: dict[str, Any] = {}
    wanted: list[dict] = []
    for key, value in where.items():
        here = f"{path}.{key}"
        if key in ("and", "query"):  # parts that must all hold: parameter ones become includes
            parts = value if key == "and" and isinstance(value, list) else [value]
            mine = [part for part in parts if _only_parameters(part)]
            if mine:
                wanted.extend(parameter_where(group, here) for group in _groups({"and": mine}, here))
            kept = []
            for index, part in enumerate(parts):
                if not _only_parameters(part):
                    part_rest, part_wanted = split(part, f"{here}[{index}]" if key == "and" else here)
                    wanted.extend(part_wanted)
                    kept.append(part_rest)
            if kept:
                rest.setdefault("and", []).extend(kept)
        elif _mentions(value):
            raise FilterError(
                here,
                f"an {key} that mixes parameter conditions with other conditions cannot be answered; "
                "join parameter conditions to the rest with and, or send each alternative in its own request",
            )
        else:
            rest[key] = value
    return rest, wanted


# -- internals ------------------------------------------------------------------------------
def _mentions(where: Any) -> bool:
    """Whether a client-form condition is anywhere in ``where``."""
    if is_condition(where):
        return True
    if isinstance(where, list):
        return any(map(_mentions, where))
    if isinstance(where, dict):
        return any(_mentions(value) for key, value in where.items() if key == "query" or key in _JOINS)
    return False


def _only_parameters(where: Any) -> bool:
    """Whether ``where`` is made of client-form conditions only (joined by and/or/query)."""
    if is_condition(where):
        return True
    if not isinstance(where, dict) or not where:
        return False
    return all(
        (key == "query" and _only_parameters(value))
        or (key in _JOINS and isinstance(value, list) and bool(value) and all(map(_only_parameters, value)))
        for key, value in where.items()
    )


def _groups(where: Any, path: str) -> list[Any]:
    """``where`` (client-form conditions only) as wheres each one parameter must match, all of
    which an object needs: and-ed conditions on one variable stay together."""
    if is_condition(where):
        return [where]
    groups: list[Any] = []
    for key, value in where.items():
        here = f"{path}.{key}"
        if key == "query":
            groups.extend(_groups(value, here))
        elif key == "and":
            for index, part in enumerate(value):
                groups.extend(_groups(part, f"{here}[{index}]"))
        else:  # or: one parameter matches one of the alternatives
            alternatives = []
            for index, part in enumerate(value):
                found = _groups(part, f"{here}[{index}]")
                if len(found) != 1:
                    raise FilterError(
                        f"{here}[{index}]",
                        "an alternative of an or must be met by one parameter (conditions on one variable); "
                        "ask for the others in separate requests",
                    )
                alternatives.append(found[0])
            groups.append({"or": alternatives})
    merged: dict[Any, list[Any]] = {}
    for group in groups:  # conditions on one variable: one parameter holds them all (a range)
        merged.setdefault(_variable(group) or id(group), []).append(group)
    return [items[0] if len(items) == 1 else {"and": items} for items in merged.values()]


def _variable(group: Any) -> str | None:
    if is_condition(group):
        name = group.get("variable", group.get("name"))
        return name if isinstance(name, str) else None
    return None


def _units(where: Any, path: str, found: list[str]) -> None:
    """The units the conditions of ``where`` name, in the order the catalogue looks for one."""
    if is_condition(where):
        unit = where.get("unit")
        if unit not in (None, "") and not isinstance(unit, str):
            raise FilterError(f"{path}.unit", "a unit is a string, e.g. eV, keV, nm, K, celsius")
        if unit:
            try:
                si_unit(unit)
            except UnitError as err:
                raise FilterError(
                    f"{path}.unit", f"{err}; write units as pint reads them, e.g. eV, keV, nm, K, celsius"
                ) from None
            found.append(unit)
        return
    if isinstance(where, dict):
        for key, value in where.items():
            if key == "query":
                _units(value, f"{path}.query", found)
            elif key in _JOINS and isinstance(value, list):
                for index, part in enumerate(value):
                    _units(part, f"{path}.{key}[{index}]", found)
            elif key == "unit" and isinstance(value, str) and value:
                found.append(value)


def _rewrite(where: Any, path: str, unit: str | None) -> Any:
    if is_condition(where):
        return _condition(where, path, unit)
    if not isinstance(where, dict):
        return where
    rewritten: dict[str, Any] = {}
    parts: list[Any] = []
    for key, value in where.items():
        if key == "query":
            parts.append(_rewrite(value, f"{path}.query", unit))
        elif key in _JOINS and isinstance(value, list):
            rewritten[key] = [_rewrite(part, f"{path}.{key}[{index}]", unit) for index, part in enumerate(value)]
        else:
            rewritten[key] = value
    if parts:  # {"query": …} next to other keys: all must hold
        return parts[0] if not rewritten and len(parts) == 1 else {"and": [*parts, *([rewritten] if rewritten else [])]}
    return rewritten


def _condition(condition: dict, path: str, unit: str | None) -> dict:
    """One client-form condition in the LoopBack form, its value in ``unit``."""
    unknown = sorted(set(condition) - set(KEYS))
    if unknown:
        raise FilterError(f"{path}.{unknown[0]}", f"unknown key in a parameter condition; it has {', '.join(KEYS)}")
    if "variable" in condition and "name" in condition:
        raise FilterError(path, "a parameter condition names its parameter once: variable or name")
    name = condition.get("variable", condition.get("name"))
    if not isinstance(name, str) or not name:
        raise FilterError(path, 'a parameter condition names its parameter: "variable": "photon_energy"')

    operator = condition.get("operator", "eq")
    if operator not in OPERATORS:
        raise FilterError(f"{path}.operator", f"unknown operator {operator!r}; use one of {', '.join(OPERATORS)}")
    if "value" not in condition:
        raise FilterError(path, 'a parameter condition has a value: "value": 10')
    value = condition["value"]
    own = condition.get("unit") or None
    if own and unit and own != unit:
        value = _convert(value, own, unit, path)
    parts: list[dict] = [{"name": name}, {"value": value if operator == "eq" else {operator: value}}]
    if own:
        parts.append({"unit": unit})
    return {"and": parts}


def _convert(value: Any, unit: str, target: str, path: str) -> Any:
    """``value`` (a number or a list of them) in ``unit`` expressed in ``target``."""
    if isinstance(value, list):
        return [_convert(v, unit, target, path) for v in value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value  # the catalogue says why a quantity must be a number
    si, base = to_si(value, unit)
    try:
        return float(f"{from_si(si, base, target):.12g}")
    except UnitError:
        raise FilterError(
            f"{path}.unit",
            f"one request compares parameters in one unit ({target!r}, the first it names); {unit!r} measures "
            "another quantity: ask for it in a separate include",
        ) from None


def unit_asked(spec: Mapping[str, Any]) -> str | None:
    """The unit a parameter scope asks for (see `unit_of`).

    >>> unit_asked({"where": {"and": [{"name": "photon_energy"}, {"unit": "keV"}]}})
    'keV'
    """
    where = normalise(MODELS["Parameter"], spec.get("where"), "where")[0]
    return unit_of(where) if isinstance(where, dict) else None


def unit_of(where: dict) -> str | None:
    """A ``unit`` condition with a plain non-empty value, anywhere among ``and`` parts."""
    unit = where.get("unit")
    if isinstance(unit, str) and unit:
        return unit
    for part in where.get("and") or ():
        if isinstance(part, dict) and (found := unit_of(part)):
            return found
    return None
