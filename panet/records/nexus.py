"""NeXus / HDF5 files (read with h5py): one record per file, from every ``NXentry`` in it.

The technique comes from ``/entry/definition`` (the application definition: NXsas, NXtomo, NXmx,
…) through the shipped table ``nexus_definitions.csv`` (documented in its header), refined by
``/entry/instrument/source/probe`` (x-ray, neutron, …; guessed from the source ``type`` when
missing) and by the terms found in ``/entry/title``. Files are only read, never modified: the
output (``--to same``) is one JSON line per file::

    {"file": "run42.nxs", "entries": [{"entry": "/entry", "definition": "NXsas", "title": "…",
     "instrument": ["SANS-I", "SINQ"], "probe": "neutron"}], "techniques": [{"pid":
     "http://purl.org/pan-science/PaNET/PaNET01189", "name": "small angle neutron scattering",
     "evidence": ["NeXus definition", "instrument"]}]}

Each NXentry is read whole: its ``definition`` and those of its NXsubentry groups (NXmx inside an
NXsubentry), ``title``, every NXinstrument group whatever its name (``DMC``, ``FOCUS``) with its
``name`` and its source's name, and the file's ``instrument`` attribute. The instrument names are
annotated as text and looked up in the instrument table (`panet.records.instruments`).

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
_SOURCE_TYPES = (("neutron", "neutron"), ("spallation", "neutron"), ("reactor", "neutron"), ("muon", "muon"),
                 ("x-ray", "x-ray"), ("synchrotron", "x-ray"), ("free-electron laser", "x-ray"), ("uv", "ultraviolet"),
                 ("positron", "positron"))  # fmt: skip


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
    (by suffix: .nxs, .nx5, .h5, .hdf5, .hdf, .nx, .nexus), in sorted order."""

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
    default_fields = ("entries.title", "entries.instrument")

    def reader(self, source: Path | BinaryIO) -> Reader:
        if not isinstance(source, (str, os.PathLike)):
            raise RecordsError("", "NeXus files are read from disk: pass their path")
        return NexusReader(Path(source), self)

    def parse(self, payload: Any) -> dict[str, Any]:
        h5py = _h5py()
        path = str(payload)
        _check_container(path)
        try:
            with h5py.File(path, "r") as file:
                root_names = [_text(file.attrs.get(key)) or "" for key in ("instrument", "facility")]
                entries = [_entry(name, group, root_names) for name, group in file.items() if _is_entry(name, group)]
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
            for definition in entry.get("definitions") or [entry.get("definition") or ""]:
                rows = table.get(definition) or {}  # not listed: no technique (the probe alone says none)
                ids = rows.get(probe, rows.get("", ()))
                for key in ids:
                    term = ontology.get(key, kind="any")
                    if term is not None:
                        found.setdefault(term.iri, term)
        return list(found.values())

    def instrument_names(self, record: dict[str, Any]) -> list[str]:
        return [name for entry in record["entries"] for name in entry.get("instrument", ())]

    def probes(self, record: dict[str, Any]) -> set[str]:
        return {entry["probe"] for entry in record["entries"] if entry.get("probe")}

    def update(self, record: dict[str, Any], corrected: list, added: list[Term]) -> None:
        record["techniques"].extend({"pid": t.iri, "name": t.label} for t in added)

    def note_evidence(self, record: dict[str, Any], evidence: dict[str, list[str]]) -> None:
        for technique in record["techniques"]:
            technique["evidence"] = evidence.get(technique["pid"], [])

    def dump(self, record: dict[str, Any]) -> bytes:
        return dump_json(record)

    def describe(self, record: dict[str, Any]) -> Description:
        path = Path(record["file"]).resolve()
        title = next((e["title"] for e in record["entries"] if e.get("title")), None)
        return Description(path.as_uri(), str(path), title)


_HDF4_MAGIC = b"\x0e\x03\x13\x01"


def _check_container(path: str) -> None:
    """`BadRecord` naming the format of a NeXus file that is not HDF5: HDF4 or XML."""
    try:
        with open(path, "rb") as file:
            head = file.read(256)
    except OSError as err:
        raise BadRecord(f"unreadable file: {err.strerror or err}") from None
    if head.startswith(_HDF4_MAGIC):
        raise BadRecord("NeXus HDF4 file: not supported (convert it to HDF5, e.g. with h4toh5 or nxconvert)")
    if head.lstrip().startswith(b"<"):
        raise BadRecord("NeXus XML file: not supported (convert it to HDF5, e.g. with nxconvert)")


def _is_entry(name: str, group: Any) -> bool:
    nx_class = _text(group.attrs.get("NX_class"))
    return nx_class == "NXentry" or (nx_class is None and name.startswith("entry") and hasattr(group, "keys"))


def _entry(name: str, group: Any, root_names: list[str]) -> dict[str, Any]:
    """What an NXentry says: its definition and those of its NXsubentry groups, title, probe, and
    the names of its instruments (``instrument/name``, every NXinstrument group's own name, the
    source's name, the file's ``instrument`` attribute)."""
    entry: dict[str, Any] = {"entry": "/" + name}
    for key in ("definition", "title", "experiment_description"):
        value = _dataset_text(group, key)
        if value:
            entry[key] = value
    definitions = [entry["definition"]] if entry.get("definition") else []
    instruments = list(root_names)
    sources = []
    for part_name, part in _groups(group):
        nx_class = _class(part)
        if nx_class == "NXsubentry":
            definition = _dataset_text(part, "definition")
            if definition and definition not in definitions:
                definitions.append(definition)
            title = _dataset_text(part, "title")
            if title and not entry.get("title"):
                entry["title"] = title
            for sub_name, sub in _groups(part):
                if _class(sub) == "NXinstrument":
                    instruments += _instrument_names(sub_name, sub, sources)
                elif _class(sub) == "NXsource":
                    sources.append(sub)
        elif nx_class == "NXinstrument" or (part_name == "instrument" and nx_class is None):
            instruments += _instrument_names(part_name, part, sources)
    if definitions:
        entry["definition"] = definitions[0]
        if len(definitions) > 1:
            entry["definitions"] = definitions
    names = list(dict.fromkeys(n for n in instruments if n and n.lower() not in ("instrument", "unknown")))
    if names:
        entry["instrument"] = names
    source = sources[0] if sources else None
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


def _instrument_names(name: str, instrument: Any, sources: list) -> list[str]:
    """An NXinstrument group's name, its ``name`` field, and its NXsource groups' names (the
    facility: "SINQ", "Swiss Light Source"); the sources are collected into ``sources``."""
    names = [name, _dataset_text(instrument, "name") or ""]
    for part_name, part in _groups(instrument):
        if _class(part) == "NXsource" or (part_name == "source" and _class(part) is None):
            sources.append(part)
            names.append(_dataset_text(part, "name") or "")
    return names


def _groups(group: Any) -> list[tuple[str, Any]]:
    """The subgroups of ``group`` (links that cannot be followed are skipped)."""
    found = []
    for key in group:
        try:
            node = group.get(key)
        except (KeyError, OSError, RuntimeError):  # a dangling external or soft link
            continue
        if node is not None and hasattr(node, "items"):
            found.append((key, node))
    return found


def _class(group: Any) -> str | None:
    return _text(group.attrs.get("NX_class"))


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
