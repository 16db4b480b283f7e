"""The record formats by name (the enum `RecordFormat`, from which the CLI's and the API's option
lists derive), and telling the formats apart from the content (inputs are opened by
`panet.records.inputs`: gzip read transparently, zip and binary files refused, naming the file).

>>> from panet.records import formats
>>> [f.value for f in formats.RecordFormat]
['pan', 'scicat', 'datacite', 'jsonl', 'csv', 'nexus', 'icat']
>>> formats.get("pan").default_fields[:2]
('title', 'documents.title')
>>> formats.detect_bytes(b'{"pid": "d1", "title": "SAXS"}')
'pan'
"""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path

from panet.errors import RecordsError
from panet.options import RecordFormat, RecordOutput
from panet.records.inputs import (
    _HEAD,
    HDF5_SIGNATURE,
    UTF16_BOMS,
    InputFile,
    open_input,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from panet.records.base import Format

__all__ = [
    "NAMES",
    "InputFile",
    "RecordFormat",
    "RecordOutput",
    "detect",
    "detect_bytes",
    "detect_input",
    "get",
    "is_text",
    "open_input",
]


def is_text(name: str | RecordFormat) -> bool:
    """True for the formats read as text (JSON, XML, CSV), which may come gzipped or in memory.

    >>> is_text("pan"), is_text(RecordFormat.nexus)
    (True, False)
    """
    return RecordFormat.parse(name) is not RecordFormat.nexus


_CLASSES = {
    "pan": ("panet.records.pan", "PanFormat"),
    "scicat": ("panet.records.scicat", "ScicatFormat"),
    "datacite": ("panet.records.datacite", "DataciteFormat"),
    "jsonl": ("panet.records.jsonl", "JsonlFormat"),
    "csv": ("panet.records.csv", "CsvFormat"),
    "nexus": ("panet.records.nexus", "NexusFormat"),
    "icat": ("panet.records.icat", "IcatFormat"),
}
NAMES = tuple(f.value for f in RecordFormat)  # kept for callers of the former tuple

NEXUS_SUFFIXES = (".nxs", ".nx5", ".h5", ".hdf5", ".hdf", ".nx", ".nexus")
# keys only SciCat datasets have / keys of a PaN search API Dataset
_SCICAT_KEYS = frozenset(("datasetName", "scientificMetadata", "sourceFolder", "ownerGroup", "creationTime"))
_PAN_KEYS = frozenset(("isPublic", "creationDate", "documents", "techniques", "parameters", "instrument"))


def get(name: str | RecordFormat) -> Format:
    """The format called ``name`` (a `RecordFormat` or its value); one message lists the valid ones."""
    try:
        module, cls = _CLASSES[RecordFormat.parse(name).value]
    except ValueError:
        raise RecordsError("", f"unknown record format {name!r}; choose one of: {', '.join(NAMES)}") from None
    return getattr(importlib.import_module(module), cls)()


def detect(path: str | os.PathLike[str]) -> str:
    """The format of the records at ``path``, from its content (gzip looked into): HDF5 -> nexus,
    an ICAT dump (XML root ``icatdata``, or YAML chunks of ICAT entity types) -> icat, other XML ->
    datacite, JSON -> datacite (a DataCite REST API response), pan, scicat or jsonl (from the keys
    of the first record), text with commas -> csv. A directory holds NeXus files. An unknown or
    binary content is a `RecordsError` naming the file."""
    path = Path(path)
    if path.is_dir():
        return "nexus"
    try:
        with open(path, "rb") as file:
            head = file.read(len(HDF5_SIGNATURE))
    except OSError as err:
        raise RecordsError(path, f"cannot read the file: {err.strerror}") from None
    if head.startswith(HDF5_SIGNATURE) or (path.suffix.lower() in NEXUS_SUFFIXES and not head.startswith(b"\x1f")):
        return "nexus"
    source = InputFile(path)
    try:
        return detect_input(source, path.name)
    finally:
        source.close()


def detect_bytes(data: bytes, name: str = "<records>") -> str:
    """`detect` for records in memory (``name`` only for messages)."""
    if data.startswith(HDF5_SIGNATURE):
        raise RecordsError(name, "an HDF5 file: NeXus files are read from disk, not from memory")
    source = InputFile(data, name)
    try:
        return detect_input(source, name)
    finally:
        source.close()


def detect_input(source: InputFile, filename: str) -> str:
    """The format of an open text input (left at its start); ``filename`` for its suffix."""
    head = source.file.read(_HEAD)
    source.file.seek(0)
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    from panet.records.icat import sniff

    if sniff(head):  # python-icat's dump files, XML (root <icatdata>) or YAML
        return "icat"
    if text.startswith(b"<") or head.startswith(UTF16_BOMS):
        return "datacite"
    if text[:1] in (b"{", b"["):
        return _json_kind(source)
    stem = filename.lower().removesuffix(".gz")
    if stem.endswith((".csv", ".tsv")) or b"," in text.partition(b"\n")[0]:
        return "csv"
    raise RecordsError(
        source.name, f"cannot tell the record format from the content; pass format=FORMAT ({', '.join(NAMES)})"
    )


def _json_kind(source: InputFile) -> str:
    import re

    from panet.records.datacite import DataciteJsonFormat, is_datacite_json
    from panet.records.jsonl import JsonReader, opens_envelope

    head = source.file.read(_HEAD)
    source.file.seek(0)
    if opens_envelope(head, DataciteJsonFormat.envelope) and re.search(rb'"type"\s*:\s*"dois"', head):
        return "datacite"  # a DataCite REST API list, whatever its size
    reader = JsonReader(source)
    first = next(reader.items(), None)
    source.file.seek(0)
    try:
        record = json.loads(first.payload) if first is not None and isinstance(first.payload, bytes) else None
    except (ValueError, UnicodeDecodeError):
        record = None
    if not isinstance(record, dict):
        return "jsonl"
    keys = set(record)
    if is_datacite_json(record):
        return "datacite"
    if keys & _SCICAT_KEYS:
        return "scicat"
    if "title" in keys and keys & (_PAN_KEYS | {"pid"}):
        return "pan"
    return "jsonl"
