"""The record formats by name, and telling them apart from the content of a file.

>>> from panet.records import formats
>>> formats.NAMES
('pan', 'scicat', 'datacite', 'jsonl', 'csv', 'nexus')
>>> formats.get("pan").default_fields[:2]
('title', 'documents.title')
"""

from __future__ import annotations

import importlib
import json

from panet.errors import RecordsError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from panet.records.base import RecordFormat

__all__ = ["NAMES", "detect", "get"]

_CLASSES = {
    "pan": ("panet.records.pan", "PanFormat"),
    "scicat": ("panet.records.scicat", "ScicatFormat"),
    "datacite": ("panet.records.datacite", "DataciteFormat"),
    "jsonl": ("panet.records.jsonl", "JsonlFormat"),
    "csv": ("panet.records.csv", "CsvFormat"),
    "nexus": ("panet.records.nexus", "NexusFormat"),
}
NAMES = tuple(_CLASSES)

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
NEXUS_SUFFIXES = (".nxs", ".nx5", ".h5", ".hdf5", ".hdf", ".nx", ".nexus")
# keys only SciCat datasets have / keys of a PaN search API Dataset
_SCICAT_KEYS = frozenset(("datasetName", "scientificMetadata", "sourceFolder", "ownerGroup", "creationTime"))
_PAN_KEYS = frozenset(("isPublic", "creationDate", "documents", "techniques", "parameters", "instrument"))


def get(name: str) -> RecordFormat:
    """The format called ``name`` (one of `NAMES`)."""
    try:
        module, cls = _CLASSES[name]
    except KeyError:
        raise RecordsError("", f"unknown record format {name!r}; choose one of: {', '.join(NAMES)}") from None
    return getattr(importlib.import_module(module), cls)()


def detect(path: Path) -> str:
    """The format of the records at ``path``, from its content: HDF5 -> nexus, XML -> datacite,
    JSON -> pan, scicat or jsonl (from the keys of the first record), else CSV.
    A directory holds NeXus files."""
    if path.is_dir():
        return "nexus"
    try:
        with open(path, "rb") as file:
            head = file.read(1 << 16)
    except OSError as err:
        raise RecordsError(path, f"cannot read the file: {err.strerror}") from None
    if head.startswith(HDF5_SIGNATURE) or path.suffix.lower() in NEXUS_SUFFIXES:
        return "nexus"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        return "datacite"
    if text[:1] in (b"{", b"["):
        return _json_kind(path)
    if path.suffix.lower() in (".csv", ".tsv") or b"," in text.partition(b"\n")[0]:
        return "csv"
    raise RecordsError(path, f"cannot tell the record format from the content; pass --format ({', '.join(NAMES)})")


def _json_kind(path: Path) -> str:
    from panet.records.jsonl import JsonReader

    reader = JsonReader(path)
    try:
        first = next(reader.items(), None)
    finally:
        reader.close()
    try:
        record = json.loads(first.payload) if first is not None and isinstance(first.payload, bytes) else None
    except json.JSONDecodeError:
        record = None
    if not isinstance(record, dict):
        return "jsonl"
    keys = set(record)
    if keys & _SCICAT_KEYS:
        return "scicat"
    if "title" in keys and keys & (_PAN_KEYS | {"pid"}):
        return "pan"
    return "jsonl"
