"""XSD literal values for the fast engine: is a lexical form well-formed for its datatype, and
how two literals compare (``sh:minInclusive`` … ``sh:lessThan``), as SPARQL's ``<`` does.

>>> from pyoxigraph import Literal, NamedNode
>>> well_formed(Literal("2024-13-45", datatype=NamedNode(XSD + "date")))
False
>>> less_than(Literal("2", datatype=NamedNode(XSD + "integer")), Literal("10.5", datatype=NamedNode(XSD + "decimal")))
True
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from pyoxigraph import Literal

__all__ = ["LEXICAL_CHECKED", "XSD", "comparable", "less_than", "well_formed"]

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_RANGES: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-128, 127),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 255),
}
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_FLOAT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?INF|NaN")
_TZ = r"(Z|[+-]\d\d:\d\d)?"
_DATE = re.compile(r"(-?\d{4,})-(\d\d)-(\d\d)" + _TZ)
_TIME = re.compile(r"(\d\d):(\d\d):(\d\d(?:\.\d+)?)" + _TZ)
_DATETIME = re.compile(r"(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d(?:\.\d+)?)" + _TZ)
_BOOLEAN = {"true": True, "1": True, "false": False, "0": False}
#: The datatypes whose lexical forms `well_formed` checks (any string is an xsd:string).
LEXICAL_CHECKED = frozenset(
    XSD + name for name in (*_INTEGER_RANGES, "decimal", "float", "double", "boolean", "date", "time", "dateTime")
)


def _zone(text: str | None) -> timezone | None:
    if not text:
        return None
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    return timezone(sign * timedelta(hours=int(text[1:3]), minutes=int(text[4:6])))


def _seconds(text: str) -> tuple[int, int]:
    whole, _, fraction = text.partition(".")
    return int(whole), int((fraction + "000000")[:6])


def _value(datatype: str, text: str) -> Any:
    """The value of a lexical form of an XSD datatype panet knows; ValueError when ill-formed,
    NotImplemented for a datatype it does not know."""
    if not datatype.startswith(XSD):
        return NotImplemented
    name = datatype[len(XSD) :]
    if name == "string":
        return text
    if name in _INTEGER_RANGES:
        if not _INTEGER.fullmatch(text):
            raise ValueError(text)
        number = int(text)
        low, high = _INTEGER_RANGES[name]
        if (low is not None and number < low) or (high is not None and number > high):
            raise ValueError(text)
        return number
    if name == "decimal":
        if not _DECIMAL.fullmatch(text):
            raise ValueError(text)
        return Decimal(text)
    if name in ("float", "double"):
        if not _FLOAT.fullmatch(text):
            raise ValueError(text)
        return float(text.replace("INF", "inf"))
    if name == "boolean":
        return _BOOLEAN[text]  # KeyError is a LookupError, not ValueError: normalised below
    if name == "date":
        m = _DATE.fullmatch(text)
        if not m:
            raise ValueError(text)
        return (date(int(m[1]), int(m[2]), int(m[3])), _zone(m[4]))
    if name == "time":
        m = _TIME.fullmatch(text)
        if not m:
            raise ValueError(text)
        second, micro = _seconds(m[3])
        return datetime(1972, 12, 31, int(m[1]), int(m[2]), second, micro, tzinfo=_zone(m[4]))
    if name == "dateTime":
        m = _DATETIME.fullmatch(text)
        if not m:
            raise ValueError(text)
        second, micro = _seconds(m[6])
        hour, extra = int(m[4]), timedelta()
        if hour == 24 and m[5] == "00" and second == 0 and micro == 0:  # 24:00:00 is the next midnight
            hour, extra = 0, timedelta(days=1)
        return datetime(int(m[1]), int(m[2]), int(m[3]), hour, int(m[5]), second, micro, tzinfo=_zone(m[7])) + extra
    return NotImplemented


def parsed(literal: Literal) -> Any:
    """The value of ``literal``: None when ill-formed, NotImplemented for a datatype not known."""
    try:
        return _value(literal.datatype.value, literal.value)
    except (ValueError, KeyError, OverflowError, InvalidOperation):
        return None


def well_formed(literal: Literal) -> bool:
    """False only for a lexical form that is not in its (known) XSD datatype's lexical space."""
    return parsed(literal) is not None


_NUMERIC = frozenset(XSD + name for name in (*_INTEGER_RANGES, "decimal", "float", "double"))


def comparable(literal: Any) -> tuple[str, Any] | None:
    """``(kind, value)`` for ordering literals of one kind (numbers, strings, booleans, dates,
    times, date-times), or None for a term SPARQL's ``<`` does not order."""
    if not isinstance(literal, Literal) or literal.language:
        return None
    datatype = literal.datatype.value
    value = parsed(literal)
    if value is None or value is NotImplemented:
        return None
    if datatype in _NUMERIC:
        if isinstance(value, Decimal):
            value = float(value) if not value.is_finite() else value
        return ("number", value)
    kind = datatype[len(XSD) :]
    if kind == "date":
        day, zone = value
        return ("date", (day, zone))
    return (kind, value)


def less_than(a: Any, b: Any, or_equal: bool = False) -> bool | None:
    """``a < b`` (or ``<=``) as SPARQL orders literals; None when they are not comparable."""
    left, right = comparable(a), comparable(b)
    if left is None or right is None or left[0] != right[0]:
        return None
    x, y = left[1], right[1]
    if left[0] == "date":
        (day_x, zone_x), (day_y, zone_y) = x, y
        if (zone_x is None) != (zone_y is None):
            return None
        x = datetime(day_x.year, day_x.month, day_x.day, tzinfo=zone_x)
        y = datetime(day_y.year, day_y.month, day_y.day, tzinfo=zone_y)
    elif left[0] in ("dateTime", "time") and (x.tzinfo is None) != (y.tzinfo is None):
        return None
    try:
        return x <= y if or_equal else x < y
    except TypeError:
        return None
