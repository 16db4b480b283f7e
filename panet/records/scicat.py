"""SciCat ``Dataset`` records (JSON array or JSON Lines, as exported by SciCat's backend):
https://scicatproject.github.io/documentation/ (Datasets: raw and derived).

Text read by default: ``datasetName``, ``description``, ``keywords`` and every string inside
``scientificMetadata`` (free, nested keys; SciCat stores values as ``{"value", "unit"}``). The
instrument is ``creationLocation`` ("/PSI/SLS/TOMCAT", "/DESY/PETRA III/P08"), ``instrumentId(s)``
or an embedded ``instrument``, looked up in the instrument table (`panet.records.instruments`).
MongoDB extended JSON (``mongoexport``) is read: ``_id`` as ``{"$oid": …}`` and dates as ``{"$date": …}``.
Techniques are written to ``techniques`` as ``{"pid": <PaNET IRI>, "name": <current label>}``.
The dataset's ``license`` goes to the RDF exports (`panet.records.export`).
"""

from __future__ import annotations

from panet.records.base import Description
from panet.records.jsonl import JsonFormat, handle_iri

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["ScicatFormat"]


class ScicatFormat(JsonFormat):
    """SciCat dataset objects."""

    name = "scicat"
    default_fields = ("datasetName", "description", "keywords", "scientificMetadata")
    required_strings = ("pid", "datasetName", "description")

    def instrument_names(self, record: Any) -> list[str]:
        """``creationLocation`` ("/PSI/SLS/TOMCAT", "/DESY/PETRA III/P08"), ``instrumentId`` and
        ``instrumentIds`` (SciCat 4), and an embedded ``instrument`` object's ``name``."""
        names = [record.get(key) for key in ("creationLocation", "instrumentId")]
        ids = record.get("instrumentIds")
        if isinstance(ids, list):
            names += ids
        instrument = record.get("instrument")
        if isinstance(instrument, dict):
            names += [instrument.get("name"), instrument.get("uniqueName"), instrument.get("facility")]
        return [name for name in names if isinstance(name, str) and name]

    def describe(self, record: Any) -> Description:
        pid = record.get("pid") or _mongo_id(record.get("_id"))  # exports from before SciCat's pid field
        created = _mongo_date(record.get("creationTime"))
        licence = record.get("license")
        return Description(
            handle_iri(pid),
            pid,
            record.get("datasetName"),
            record.get("description"),
            created,
            license=licence.strip() or None if isinstance(licence, str) else None,
        )


def _mongo_id(value: Any) -> str | None:
    """A MongoDB ``_id`` as text: a string, or MongoDB extended JSON ``{"$oid": "…"}``.

    >>> _mongo_id({"$oid": "5f1e0b0c9d3e2a0012345678"}), _mongo_id(7)
    ('5f1e0b0c9d3e2a0012345678', None)
    """
    if isinstance(value, dict) and len(value) == 1:
        value = value.get("$oid")
    return value if isinstance(value, str) and value.strip() else None


def _mongo_date(value: Any) -> str | None:
    """A date as text: a string, or MongoDB extended JSON ``{"$date": "…"}`` or
    ``{"$date": {"$numberLong": "<milliseconds since 1970>"}}`` (as ``mongoexport`` writes them).

    >>> _mongo_date({"$date": "2023-01-05T10:00:00Z"}), _mongo_date({"$date": {"$numberLong": "1672912800000"}})
    ('2023-01-05T10:00:00Z', '2023-01-05T10:00:00.000Z')
    """
    if isinstance(value, dict) and len(value) == 1:
        value = value.get("$date")
    if isinstance(value, dict) and len(value) == 1 and isinstance(value.get("$numberLong"), (str, int)):
        from datetime import UTC, datetime

        try:
            moment = datetime.fromtimestamp(int(value["$numberLong"]) / 1000, UTC)
        except (ValueError, OverflowError, OSError):
            return None
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return value if isinstance(value, str) and value.strip() else None
