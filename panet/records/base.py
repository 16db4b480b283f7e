"""What every record format provides: a streaming reader, and parse / texts / entries / update /
dump / describe for one record. The formats hold no annotation logic (`panet.records.core` has it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path
    from typing import Any

    from panet.term import Term

__all__ = ["Description", "Entry", "Item", "Reader", "RecordFormat", "walk"]


@dataclass(slots=True)
class Item:
    """One record as read from the input: where it was, and the picklable ``payload`` a worker
    parses. ``end`` is the byte offset just after the record when the reader can seek back there."""

    number: int
    payload: Any
    line: int | None = None
    offset: int | None = None
    end: int | None = None

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
    the format's own object (a dict, an XML element) that `RecordFormat.update` rewrites.

    A ``loose`` entry (a Dublin Core subject) is a technique entry only when its name is a current
    or former technique label; any other value is the record's own keyword, left alone."""

    pid: str | None
    name: str | None
    source: Any = None
    loose: bool = False


@dataclass(slots=True)
class Description:
    """What the schema.org / DCAT export says about a record."""

    iri: str | None = None
    identifier: str | None = None
    name: str | None = None
    description: str | None = None
    created: str | None = None
    techniques: list[Term] = field(default_factory=list)


class Reader:
    """Streams the records of one input and knows the container around them.

    ``header``/``separator``/``footer`` are what a ``--to same`` output writes around the records
    (``[``, ``,`` and ``]`` for a JSON array; nothing for JSON Lines).
    """

    size: int | None = None  # bytes, for progress and ETA; None when unknown

    def items(self, skip: int = 0, offset: int | None = None) -> Iterator[Item]:
        """The records after the first ``skip`` ones; a seekable reader starts at byte ``offset``."""
        raise NotImplementedError

    def position(self) -> int:
        """Bytes of the input consumed so far (for progress)."""
        return 0

    def header(self) -> bytes:
        return b""

    def separator(self) -> bytes:
        return b""

    def footer(self) -> bytes:
        return b""

    def close(self) -> None:
        """Release the input."""


class RecordFormat:
    """One catalogue record format. Subclasses say how to read and rewrite one record."""

    name: str = ""
    default_fields: tuple[str, ...] = ()
    needs_fields = False  # generic formats: the caller names the text fields

    def reader(self, path: Path) -> Reader:
        """A streaming reader over the records in ``path``."""
        raise NotImplementedError

    def parse(self, payload: Any) -> Any:
        """The record in ``payload``; `panet.errors.BadRecord` when it is not one."""
        raise NotImplementedError

    def load(self, record: Any) -> Any:
        """A record given in memory (to `panet.records.annotate`) as `parse` would return it."""
        return self.parse(record)

    def texts(self, record: Any, fields: tuple[str, ...]) -> Iterable[str]:
        """The text to annotate: the values of ``fields`` (dotted paths) or the format's defaults."""
        raise NotImplementedError

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

    def update(self, record: Any, corrected: list[tuple[Entry, Term]], added: list[Term]) -> None:
        """Rewrite ``corrected`` entries to their terms and append ``added`` terms, in place."""
        raise NotImplementedError

    def dump(self, record: Any) -> bytes:
        """The record serialised in this format (``--to same``), without separator."""
        raise NotImplementedError

    def result(self, record: Any) -> Any:
        """The record as `panet.records.annotate` hands it back."""
        return record

    def describe(self, record: Any) -> Description:
        """Identifier, title and description of the record, for the schema.org / DCAT export."""
        raise NotImplementedError


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
        if kind is not dict:
            return
        if depth == len(path):
            for element in value.values():
                _walk(element, path, depth, found)
            return
        value = value.get(path[depth])
        depth += 1
