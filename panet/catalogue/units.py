"""Parameter units, as the PaN search API specifies them: a quantity is compared in SI base
units and answered in the unit the client asked for (``doc/query.md``). Conversions come from
`pint`; each unit's conversion to SI is worked out once and kept as ``si = a·value + b`` (affine:
°C and °F have an offset), so converting a million stored parameters costs no pint call each.

>>> to_si(930, "eV")
(1.49002...e-16, 'kilogram * meter ** 2 / second ** 2')
>>> from_si(*to_si(20, "celsius"), "celsius")
20.0...
>>> to_si(1, "parsecs per fortnight of beer")
Traceback (most recent call last):
panet.catalogue.units.UnitError: unknown unit 'parsecs per fortnight of beer'
"""

from __future__ import annotations

from functools import cache

from panet.errors import PanetError

__all__ = ["UnitError", "from_si", "si_unit", "to_si"]


class UnitError(PanetError, ValueError):
    """A unit pint does not know, or two units of different dimensions."""


@cache
def _registry():
    import pint

    return pint.UnitRegistry(autoconvert_offset_to_baseunit=True)


@cache
def _affine(unit: str) -> tuple[float, float, str]:
    """``(a, b, base)``: ``value`` in ``unit`` is ``a·value + b`` in SI ``base`` units."""
    registry = _registry()
    try:
        zero = registry.Quantity(0.0, unit).to_base_units()
        one = registry.Quantity(1.0, unit).to_base_units()
    except Exception:  # pint raises many kinds (UndefinedUnitError, DefinitionSyntaxError, ValueError…)
        raise UnitError(f"unknown unit {unit!r}") from None
    return float(one.magnitude - zero.magnitude), float(zero.magnitude), str(zero.units)


def si_unit(unit: str) -> str:
    """The SI base units a quantity in ``unit`` is stored in (its dimension, in effect).

    >>> si_unit("keV") == si_unit("J")
    True
    """
    return _affine(unit)[2]


def to_si(value: float, unit: str) -> tuple[float, str]:
    """``value`` in ``unit`` as ``(magnitude, base units)`` in SI."""
    a, b, base = _affine(unit)
    return a * value + b, base


def from_si(value: float, base: str, unit: str) -> float:
    """An SI magnitude in ``base`` units expressed in ``unit`` (`UnitError` if the dimensions differ).

    >>> from_si(1.0e-9, "meter", "nm")
    1.0
    """
    a, b, target = _affine(unit)
    if target != base:
        raise UnitError(f"a quantity in {base} cannot be expressed in {unit!r}")
    return (value - b) / a
