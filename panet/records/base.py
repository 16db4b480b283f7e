"""The contracts of the record platform, one signature each: a `Format` (parse / texts / entries /
update / dump / describe one record, and a streaming `Reader` over a file), the `Framing` a
writer puts around records, and an `Exporter` (``--to jsonld|ttl``). The formats hold no
annotation logic (`panet.records.core` has it).

>>> from panet.records import formats
>>> isinstance(formats.get("pan"), Format)
True
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Protocol, runtime_checkable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

    from panet.term import Term

__all__ = ["Description", "Entry", "Exporter", "Format", "Framing", "Item", "Reader", "walk"]


@dataclass(slots=True)
class Item:
    """One record as read from the input: where it was, and the picklable ``payload`` a worker
    parses. ``end`` is the reader's position just after the record when it can seek back there."""

    number: int
    payload: Any
    line: int | None = None
    offset: int | None = None
    end: Any = None  # where to resume after this record (`Reader.items`); JSON-serialisable

    def where(self) -> dict[str, int]:
        """``{"record": n, "line": l, "offset": o}`` with the parts the reader knows."""
        found = {"record": self.number}
        if self.line is not None:
            found["line"] = self.line
        if self.offset is not None:
            found["offset"] = self.offset
        return found


@dataclass(slots=True)
class Entry:
    """An existing technique entry of a record: its ``pid`` and ``name`` as written, and ``source``,
    the format's own object (a dict, an XML element) that `Format.update` rewrites.

    A ``loose`` entry (a Dublin Core subject) is a technique entry only when its name is a current
    or former technique label; any other value is the record's own keyword, left alone."""

    pid: str | None
    name: str | None
    source: Any = None
    loose: bool = False


@dataclass(slots=True)
class Description:
    """What the schema.org / DCAT export says about a record. ``deleted``: an OAI-PMH deleted
    record (exported as a tombstone, not a dataset), ``datestamp`` its header datestamp;
    ``license`` the dataset's licence as written (a URL or a name)."""

    iri: str | None = None
    identifier: str | None = None
    name: str | None = None
    description: str | None = None
    created: str | None = None
    techniques: list[Term] = field(default_factory=list)
    deleted: bool = False
    datestamp: str | None = None
    license: str | None = None


class Framing(Protocol):
    """The bytes a writer puts around the records of one output: ``header`` before the first,
    ``separator`` between two, ``footer(written)`` after the last (``written``: records written).
    ``[``, ``,`` and ``]`` for a JSON array; nothing, a newline and a final newline for JSON Lines."""

    def header(self) -> bytes:
        return b""

    def separator(self) -> bytes:
        return b""

    def footer(self, written: int) -> bytes:
        return b"\n" if written else b""

    def empty(self) -> bytes:
        """The whole output when no record is written (all rejected, or none in the input)."""
        return self.header() + self.footer(0)


@runtime_checkable
class Reader(Framing, Protocol):
    """Streams the records of one input and knows the container around them (its `Framing` is
    what a ``--to same`` output writes around the records).

    The contract, one signature each:

    * ``items(skip, resume)``: the records after the first ``skip`` ones. ``resume`` is the
      ``end`` of the last record handled (an `Item` says it, JSON-serialisable) or None; a reader
      that can seek starts there, any other reads from the start and skips.
    * ``format``: the `Format` that parses this reader's payloads (a CSV reader's knows the
      header it read); the reader owns its state, nobody sets it from outside.
    * ``position()`` and ``size``: progress in the unit the reader counts (bytes, files, pages).
    * ``digest(upto)``: a content hash of the input's first ``upto`` units, which ``--resume``
      compares with the checkpoint's to refuse a changed input; None when the reader cannot tell.
    * ``close()``: release the input.
    """

    format: Format
    size: int | None  # for progress and ETA, and to notice an input truncated while read; None: unknown

    def items(self, skip: int = 0, resume: Any = None) -> Iterator[Item]: ...

    def position(self) -> int:
        return 0

    def digest(self, upto: int) -> str | None:
        return None

    def close(self) -> None:
        return None


@runtime_checkable
class Exporter(Framing, Protocol):
    """Writes records in another vocabulary (``--to jsonld|ttl``): its `Framing` plus one record.
    ``number`` (from 1) names the blank nodes of the record."""

    def record(self, about: Description, techniques: list[Term], number: int) -> bytes: ...


class Format(ABC):
    """One catalogue record format: how to read and rewrite one record. A subclass implements the
    abstract methods; the others have defaults. Formats are registered by name in
    `panet.records.formats` (the enum `panet.records.formats.RecordFormat`)."""

    name: str = ""
    default_fields: tuple[str, ...] = ()
    needs_fields = False  # generic formats: the caller names the text fields

    @abstractmethod
    def reader(self, source: Path | BinaryIO) -> Reader:
        """A streaming reader over the records in ``source`` (a path, or a binary file object)."""

    @abstractmethod
    def parse(self, payload: Any) -> Any:
        """The record in ``payload`` (what a `Reader` yields, or a record given in memory);
        `panet.errors.BadRecord` when it is not one."""

    def load(self, record: Any) -> Any:
        """A record given in memory (to `panet.records.annotate`) as `parse` would return it; the
        caller's object is never modified."""
        return self.parse(record)

    @abstractmethod
    def texts(self, record: Any, fields: tuple[tuple[str, ...], ...]) -> Iterable[str]:
        """The text to annotate: the values of ``fields`` (split dotted paths) or the format's defaults."""

    def entries(self, record: Any) -> list[Entry]:
        """The technique entries the record already carries."""
        return []

    def implied(self, record: Any, ontology: Any) -> list[Term]:
        """Terms the record's structured metadata implies (a NeXus application definition)."""
        return []

    def instrument_names(self, record: Any) -> list[str]:
        """The names the record gives its instrument and facility (`panet.records.instruments`)."""
        return []

    def probes(self, record: Any) -> set[str]:
        """The probes the record's structured metadata states (NeXus ``source/probe``)."""
        return set()

    def note_evidence(self, record: Any, evidence: dict[str, list[str]]) -> None:
        """Write the evidence of each technique (by IRI) into the record, where its format has a place."""
        return None

    @abstractmethod
    def update(self, record: Any, corrected: list[tuple[Entry, Term]], added: list[Term]) -> None:
        """Rewrite ``corrected`` entries to their terms and append ``added`` terms, in place."""

    @abstractmethod
    def dump(self, record: Any) -> bytes:
        """The record serialised in this format (``--to same``), without separator."""

    def result(self, record: Any) -> Any:
        """The record as `panet.records.annotate` hands it back."""
        return record

    @abstractmethod
    def describe(self, record: Any) -> Description:
        """Identifier, title and description of the record, for the schema.org / DCAT export."""


RecordFormat = Format  # the former name of `Format` (kept for subclasses written against it)


def walk(value: Any, path: tuple[str, ...]) -> list[str]:
    """Every string reached by the dotted ``path`` in JSON ``value``: lists are walked element by
    element, and a dict or list at the end of the path gives all the strings inside it.

    >>> record = {"title": "SAXS", "documents": [{"keywords": ["GISAXS", "thin films"]}, {"keywords": None}]}
    >>> walk(record, ("documents", "keywords"))
    ['GISAXS', 'thin films']
    >>> walk({"meta": {"a": "XRD", "b": {"value": "SANS", "unit": ""}}}, ("meta",))
    ['XRD', 'SANS', '']
    """
    found: list[str] = []
    _walk(value, path, 0, found)
    return found


def _walk(value: Any, path: tuple[str, ...], depth: int, found: list[str]) -> None:
    while True:  # a loop down dicts, recursion only into lists and whole subtrees: this runs per field
        kind = type(value)
        if kind is str:
            if depth == len(path):
                found.append(value)
            return
        if kind is list:
            for element in value:
                _walk(element, path, depth, found)
            return
        if kind is not dict and not isinstance(value, dict):  # a record only the standard library reads
            return
        if depth == len(path):
            for element in value.values():
                _walk(element, path, depth, found)
            return
        value = value.get(path[depth])
        depth += 1
