"""JSON records: JSON Lines or one JSON array, read as a stream; the generic JSONL format.

`JsonFormat` is the base of the PaN search API and SciCat formats too: a record is a JSON
object, its technique entries a list of ``{"pid", "name"}`` objects under one key. The generic
format reads the text of ``--fields`` (dotted paths) and writes ``panet_techniques``.
"""

from __future__ import annotations

import copy
import json
import os

import orjson

from panet.errors import BadRecord, RecordsError
from panet.records.base import Entry, Item, Reader, RecordFormat, walk

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from typing import Any

    from panet.term import Term

__all__ = ["JsonFormat", "JsonReader", "JsonlFormat", "Unreadable", "dump_json", "handle_iri"]

_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 20
_WHITESPACE = " \t\r\n"


class Unreadable:
    """A payload standing for input that could not be split into records; always rejected."""

    __slots__ = ("reason", "text")

    def __init__(self, reason: str, text: str) -> None:
        self.reason = reason
        self.text = text

    def __reduce__(self) -> tuple[Any, ...]:
        return (Unreadable, (self.reason, self.text))


class JsonReader(Reader):
    """Records of a JSON Lines file (one object per line; blank lines skipped) or of a file holding
    one JSON array, streamed: memory does not grow with the number of records.

    ``resume`` of each item is ``[byte offset, line]`` just after the record.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.file = open(path, "rb")  # noqa: SIM115  (closed by close())
            self.size = os.fstat(self.file.fileno()).st_size
        except OSError as err:
            raise RecordsError(path, f"cannot read the file: {err.strerror}") from None
        head = self.file.read(4096)
        self.array = head.removeprefix(_BOM).lstrip()[:1] == b"["
        self.file.seek(0)

    def position(self) -> int:
        return self.file.tell()

    def close(self) -> None:
        self.file.close()

    def header(self) -> bytes:
        return b"[\n" if self.array else b""

    def separator(self) -> bytes:
        return b",\n" if self.array else b"\n"

    def footer(self, written: int) -> bytes:
        if self.array:
            return b"\n]\n" if written else b"]\n"
        return b"\n" if written else b""

    def items(self, skip: int = 0, resume: Any = None) -> Iterator[Item]:
        return self._array_items(skip, resume) if self.array else self._line_items(skip, resume)

    def _line_items(self, skip: int, resume: Any) -> Iterator[Item]:
        offset, line = resume if resume else (0, 0)
        number = skip if resume else 0  # without a position, read from the start and skip
        file = self.file
        file.seek(offset)
        for raw in file:
            line += 1
            start = offset
            offset += len(raw)
            payload = raw.rstrip(b"\r\n")
            if start == 0:
                payload = payload.removeprefix(_BOM)
            if not payload.strip():
                continue
            number += 1
            if number > skip:
                yield Item(number, payload, line, start, (offset, line))

    def _array_items(self, skip: int, resume: Any) -> Iterator[Item]:
        """Elements of the top-level array, each handed on as its own bytes."""
        stream = _TextStream(self.file, *(resume or (0, 1)))
        number = skip if resume else 0
        if not resume:
            stream.text = stream.text.removeprefix("\ufeff")
            if stream.peek() != "[":
                yield stream.unreadable(number + 1, "expected a JSON array")
                return
            stream.pos += 1
            if stream.peek() == "]":
                stream.pos += 1
                yield from stream.trailing(number + 1)
                return
            expect_comma = False
        else:
            expect_comma = True
        while True:
            char = stream.peek()
            if expect_comma:
                if char == "]":
                    stream.pos += 1
                    yield from stream.trailing(number + 1)
                    return
                if char != ",":
                    problem = "the JSON array is not closed (truncated file?)" if not char else f"found {char!r}"
                    yield stream.unreadable(number + 1, f"expected ',' or ']' after an array element: {problem}")
                    return
                stream.pos += 1
            try:
                element, at, line = stream.element()
            except ValueError as err:
                yield stream.unreadable(number + 1, f"invalid JSON ({err})")
                return
            number += 1
            expect_comma = True
            if number > skip:
                payload = element.encode("utf-8", errors="surrogateescape")
                yield Item(number, payload, line, at, (stream.byte_offset(), stream.line))


class _TextStream:
    """Decoded text of a binary file, read in chunks, with the byte offset and line of ``pos``."""

    _MAX_ELEMENT = 64 << 20  # an array element larger than this is refused as unreadable

    def __init__(self, file: Any, offset: int, line: int) -> None:
        import codecs

        file.seek(offset)
        self.file = file
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
        self.text = ""
        self.pos = 0
        self.line = line
        self.eof = False
        self._mark = (0, offset)  # (position in text, its byte offset); both only move forward
        self._refill()

    def _refill(self) -> None:
        base = self.byte_offset()
        chunk = self.file.read(_CHUNK)
        self.eof = not chunk
        self.text = self.text[self.pos :] + self.decoder.decode(chunk, final=self.eof)
        self.pos = 0
        self._mark = (0, base)

    def byte_offset(self) -> int:
        """Byte offset in the file of ``text[pos]``."""
        at, offset = self._mark
        offset += len(self.text[at : self.pos].encode("utf-8", errors="surrogateescape"))
        self._mark = (self.pos, offset)
        return offset

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end of the file)."""
        while True:
            text, pos = self.text, self.pos
            while pos < len(text) and text[pos] in _WHITESPACE:
                self.line += text[pos] == "\n"
                pos += 1
            self.pos = pos
            if pos < len(text) or self.eof:
                return text[pos] if pos < len(text) else ""
            self._refill()

    def element(self) -> tuple[str, int, int]:
        """The next JSON value: its text, byte offset and line; ValueError when it is not JSON."""
        decoder = json.JSONDecoder()
        self.peek()
        while True:
            try:
                _, end = decoder.raw_decode(self.text, self.pos)
                break
            except json.JSONDecodeError as err:
                if self.eof or len(self.text) - self.pos > self._MAX_ELEMENT:
                    line = self.line + self.text.count("\n", self.pos, err.pos)
                    raise ValueError(f"{err.msg}, line {line}") from None
                self._refill()
        at, line = self.byte_offset(), self.line
        element = self.text[self.pos : end]
        self.line += element.count("\n")
        self.pos = end
        return element, at, line

    def unreadable(self, number: int, problem: str) -> Item:
        at = self.byte_offset()
        reason = f"{problem}; the rest of the file from byte {at} (line {self.line}) cannot be split into records"
        return Item(number, Unreadable(reason, self.text[self.pos : self.pos + 1000]), self.line, at, None)

    def trailing(self, number: int) -> Iterator[Item]:
        """Nothing, or an unreadable item when more than whitespace follows the array."""
        char = self.peek()
        if char:
            yield self.unreadable(number, f"unexpected {char!r} after the end of the JSON array")


class JsonFormat(RecordFormat):
    """A JSON object per record; technique entries are ``{"pid", "name"}`` objects under
    `techniques_key`. Subclasses add the text fields and the checks of their schema."""

    techniques_key = "techniques"
    required_strings: tuple[str, ...] = ()  # top-level keys that, when present, must hold text

    def reader(self, path: Path) -> Reader:
        return JsonReader(path)

    def parse(self, payload: Any) -> Any:
        if isinstance(payload, Unreadable):
            raise BadRecord(payload.reason)
        try:
            record = orjson.loads(payload)
        except orjson.JSONDecodeError:
            record = _parse_lax(payload)
        self.check(record)
        return record

    def load(self, record: Any) -> Any:
        if isinstance(record, (str, bytes)):
            return self.parse(record)
        self.check(record)
        return copy.deepcopy(record)  # the caller's object stays as it was

    def check(self, record: Any) -> None:
        """`BadRecord` unless ``record`` has the types this format reads."""
        if type(record) is not dict and not isinstance(record, dict):
            raise BadRecord(f"wrong type: a record must be a JSON object, found {_json_type(record)}")
        for key in self.required_strings:
            value = record.get(key)
            if value is not None and type(value) is not str:
                raise BadRecord(f"wrong type: {key!r} must be a string, found {_json_type(value)}")
        entries = record.get(self.techniques_key)
        if not entries:
            return
        if type(entries) is not list:
            raise BadRecord(
                f"wrong type: {self.techniques_key!r} must be a list of {{pid, name}} objects, "
                f"found {_json_type(entries)}"
            )
        for entry in entries:
            if type(entry) is not dict:
                raise BadRecord(
                    f"wrong type: {self.techniques_key!r} holds {_json_type(entry)}, not a {{pid, name}} object"
                )
            for key in ("pid", "name"):
                value = entry.get(key)
                if value is not None and type(value) is not str:
                    raise BadRecord(
                        f"wrong type: {self.techniques_key}[].{key} must be a string, found {_json_type(value)}"
                    )

    def texts(self, record: Any, fields: tuple[tuple[str, ...], ...]) -> list[str]:
        found: list[str] = []
        for path in fields:
            found += walk(record, path)
        return found

    def entries(self, record: Any) -> list[Entry]:
        return [Entry(e.get("pid"), e.get("name"), e) for e in record.get(self.techniques_key) or ()]

    def update(self, record: Any, corrected: list[tuple[Entry, Term]], added: list[Term]) -> None:
        for entry, term in corrected:
            entry.source["pid"] = term.iri
            entry.source["name"] = term.label
        if added:
            if record.get(self.techniques_key) is None:
                record[self.techniques_key] = []
            record[self.techniques_key].extend({"pid": t.iri, "name": t.label} for t in added)

    def dump(self, record: Any) -> bytes:
        return dump_json(record)


class JsonlFormat(JsonFormat):
    """Any JSON objects (JSON Lines or an array): ``--fields`` names the text, terms go to
    ``panet_techniques`` as ``{"pid": IRI, "name": label}`` objects."""

    name = "jsonl"
    techniques_key = "panet_techniques"
    needs_fields = True

    def describe(self, record: Any):  # -> Description
        from panet.records.base import Description

        pid = next((record[k] for k in ("pid", "id", "identifier", "doi") if isinstance(record.get(k), str)), None)
        name = next((record[k] for k in ("title", "name") if isinstance(record.get(k), str)), None)
        text = record.get("description")
        return Description(handle_iri(pid), pid, name, text if isinstance(text, str) else None)


def dump_json(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON (orjson); values orjson refuses (integers beyond 64 bits,
    NaN, lone surrogates) go through the standard library, surrogates as ``\\u`` escapes."""
    if not isinstance(value, _LaxJson):
        try:
            return orjson.dumps(value)
        except TypeError:
            pass
    try:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value).encode("ascii")


class _LaxJson(dict):
    """A record only the standard library reads (NaN, Infinity, integers beyond 64 bits)."""


def _parse_lax(payload: bytes) -> Any:
    """What orjson refused: JSON that only the standard library accepts, or a `BadRecord` with
    the standard library's message (it says where)."""
    try:
        record = json.loads(payload)
    except json.JSONDecodeError as err:
        raise BadRecord(f"invalid JSON: {err.msg} at column {err.colno}") from None
    except UnicodeDecodeError as err:
        raise BadRecord(f"invalid JSON: not UTF-8 text ({err.reason} at byte {err.start})") from None
    return _LaxJson(record) if isinstance(record, dict) else record


def handle_iri(pid: str | None) -> str | None:
    """An IRI for a catalogue pid: itself when it is one, ``https://doi.org/…`` for a DOI,
    ``https://hdl.handle.net/…`` for a Handle; None otherwise.

    >>> handle_iri("10.5281/zenodo.123"), handle_iri("20.500.12269/abc"), handle_iri("local-7")
    ('https://doi.org/10.5281/zenodo.123', 'https://hdl.handle.net/20.500.12269/abc', None)
    """
    import re
    from urllib.parse import quote

    if not pid:
        return None
    pid = pid.strip()
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:\S+$", pid) and not pid.lower().startswith(("doi:", "hdl:")):
        return pid if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", pid) or pid.startswith("urn:") else None
    pid = re.sub(r"^(doi|hdl):", "", pid, flags=re.IGNORECASE)
    if re.match(r"10\.\d{4,}(\.\d+)*/\S+$", pid):
        return "https://doi.org/" + quote(pid, safe="/:;()._-")
    if re.match(r"\d+(\.\d+)*/\S+$", pid):
        return "https://hdl.handle.net/" + quote(pid, safe="/:;()._-")
    return None


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )
