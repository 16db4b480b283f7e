"""NeXus / HDF5 files (read with h5py): one record per file, from every ``NXentry`` in it.

The technique comes from ``/entry/definition`` (the application definition: NXsas, NXtomo, NXmx,
…) through the shipped table ``nexus_definitions.csv`` (documented in its header), refined by
``/entry/instrument/source/probe`` (x-ray, neutron, …; guessed from the source ``type`` when
missing) and by the terms found in ``/entry/title``. Files are only read, never modified: the
output (``--to same``) is one JSON line per file::

    {"file": "run42.nxs", "entries": [{"entry": "/entry", "definition": "NXsas", "title": "…",
     "probe": "x-ray"}], "techniques": [{"pid": "http://purl.org/pan-science/PaNET/PaNET01188",
     "name": "small angle x-ray scattering"}]}

h5py is the optional extra ``panet[nexus]``.
"""

from __future__ import annotations

import csv
import functools
import os
from pathlib import Path

from panet.errors import BadRecord, RecordsError
from panet.records.base import Description, Format, Item, Reader, walk
from panet.records.formats import NEXUS_SUFFIXES
from panet.records.jsonl import dump_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, BinaryIO

    from panet.ontology import Ontology
    from panet.term import Term

__all__ = ["NexusFormat", "NexusReader", "definition_table"]

TABLE = Path(__file__).with_name("nexus_definitions.csv")
# NXsource/type values -> probe, for files that do not say their probe
_SOURCE_TYPES = (("neutron", "neutron"), ("muon", "muon"), ("x-ray", "x-ray"), ("synchrotron", "x-ray"),
                 ("free-electron laser", "x-ray"), ("uv", "ultraviolet"), ("positron", "positron"))  # fmt: skip


@functools.cache
def definition_table() -> dict[str, dict[str, tuple[str, ...]]]:
    """``{definition: {probe: (PaNET ID, …)}}`` from the shipped table ("" = any)."""
    table: dict[str, dict[str, tuple[str, ...]]] = {}
    with open(TABLE, encoding="utf-8", newline="") as file:
        rows = csv.DictReader(line for line in file if not line.startswith("#"))
        for row in rows:
            table.setdefault(row["definition"].strip(), {})[row["probe"].strip()] = tuple(row["panet"].split())
    return table


def _h5py():
    try:
        import h5py
    except ImportError:
        raise RecordsError("", "reading NeXus files needs h5py: pip install 'panet[nexus]'") from None
    return h5py


class NexusReader(Reader):
    """The NeXus files at ``path``: the file itself, or every NeXus/HDF5 file under a directory
    (by suffix: .nxs, .nx5, .h5, .hdf5, .hdf, .nx), in sorted order."""

    def __init__(self, path: Path, format: NexusFormat | None = None) -> None:
        _h5py()
        self.format = format or NexusFormat()
        if path.is_dir():
            self.files = sorted(p for p in path.rglob("*") if p.suffix.lower() in NEXUS_SUFFIXES and p.is_file())
        else:
            self.files = [path]
        self.size = len(self.files)
        self.done = 0

    def position(self) -> int:
        return self.done

    def separator(self) -> bytes:
        return b"\n"

    def items(self, skip: int = 0, resume: Any = None) -> Iterator[Item]:
        for number, path in enumerate(self.files[skip:], start=skip + 1):
            self.done = number
            yield Item(number, str(path))


class NexusFormat(Format):
    """NeXus files, one record each."""

    name = "nexus"
    default_fields = ("entries.title",)

    def reader(self, source: Path | BinaryIO) -> Reader:
        if not isinstance(source, (str, os.PathLike)):
            raise RecordsError("", "NeXus files are read from disk: pass their path")
        return NexusReader(Path(source), self)

    def parse(self, payload: Any) -> dict[str, Any]:
        h5py = _h5py()
        path = str(payload)
        try:
            with h5py.File(path, "r") as file:
                entries = [_entry(name, group) for name, group in file.items() if _is_entry(name, group)]
        except (OSError, KeyError, ValueError, RuntimeError) as err:
            raise BadRecord(f"unreadable HDF5: {err}") from None
        if not entries:
            raise BadRecord("no NXentry group: not a NeXus file")
        return {"file": path, "entries": entries, "techniques": []}

    def load(self, record: Any) -> dict[str, Any]:
        return self.parse(os.fspath(record))

    def texts(self, record: dict[str, Any], fields: tuple[tuple[str, ...], ...]) -> list[str]:
        return [text for path in fields for text in walk(record, path)]

    def implied(self, record: dict[str, Any], ontology: Ontology) -> list[Term]:
        table = definition_table()
        found: dict[str, Term] = {}
        for entry in record["entries"]:
            probe = entry.get("probe") or ""
            rows = table.get(entry.get("definition") or "") or table[""]
            ids = rows.get(probe, rows.get("", ()))
            if not ids and rows is not table[""]:  # listed definition, but not for this probe
                ids = table[""].get(probe, ())
            for key in ids:
                term = ontology.get(key, kind="any")
                if term is not None:
                    found.setdefault(term.iri, term)
        return list(found.values())

    def update(self, record: dict[str, Any], corrected: list, added: list[Term]) -> None:
        record["techniques"].extend({"pid": t.iri, "name": t.label} for t in added)

    def dump(self, record: dict[str, Any]) -> bytes:
        return dump_json(record)

    def describe(self, record: dict[str, Any]) -> Description:
        path = Path(record["file"]).resolve()
        title = next((e["title"] for e in record["entries"] if e.get("title")), None)
        return Description(path.as_uri(), str(path), title)


def _is_entry(name: str, group: Any) -> bool:
    nx_class = _text(group.attrs.get("NX_class"))
    return nx_class == "NXentry" or (nx_class is None and name.startswith("entry") and hasattr(group, "keys"))


def _entry(name: str, group: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"entry": "/" + name}
    for key in ("definition", "title", "experiment_description"):
        value = _dataset_text(group, key)
        if value:
            entry[key] = value
    source = _source(group)
    if source is not None:
        probe = (_dataset_text(source, "probe") or "").strip().lower()
        kind = (_dataset_text(source, "type") or "").strip().lower()
        if not probe and kind:
            probe = next((p for word, p in _SOURCE_TYPES if word in kind), "")
        if probe:
            entry["probe"] = probe
        if kind:
            entry["source_type"] = kind
    return entry


def _source(entry: Any) -> Any:
    """``instrument/source``, or else the first NXsource group in an NXinstrument."""
    instrument = entry.get("instrument")
    if instrument is None or not hasattr(instrument, "items"):
        return None
    source = instrument.get("source")
    if source is not None and hasattr(source, "items"):
        return source
    for group in instrument.values():
        if hasattr(group, "items") and _text(group.attrs.get("NX_class")) == "NXsource":
            return group
    return None


def _dataset_text(group: Any, key: str) -> str | None:
    node = group.get(key)
    if node is None or hasattr(node, "items"):
        return None
    return _text(node[()])


def _text(value: Any) -> str | None:
    """A NeXus string (str, bytes, a numpy scalar or a one-element array) as str."""
    if value is None:
        return None
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else " ".join(_text(v) or "" for v in value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return str(value).strip() if isinstance(value, (str, int, float)) else None
