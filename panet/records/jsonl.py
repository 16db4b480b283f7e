"""JSON records: JSON Lines, or JSON text (one object, an array, pretty-printed values), read as a
stream; the generic JSONL format.

`JsonFormat` is the base of the PaN search API and SciCat formats too: a record is a JSON
object, its technique entries a list of ``{"pid", "name"}`` objects under one key. The generic
format reads the text of ``--fields`` (dotted paths) and writes ``panet_techniques``.
"""

from __future__ import annotations

import copy
import json
import re

import orjson

from panet.errors import BadRecord
from panet.records.base import Entry, Format, Item, Reader, walk
from panet.records.inputs import InputReader

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from typing import Any, BinaryIO

    from panet.term import Term

__all__ = [
    "JsonFormat",
    "JsonReader",
    "JsonlFormat",
    "Unreadable",
    "dump_json",
    "handle_iri",
    "json_type",
    "opens_envelope",
]

_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 20
_WHITESPACE = " \t\r\n"
_CONTINUATION = bytes(range(0x80, 0xC0))


class Unreadable:
    """A payload standing for input that could not be split into records; always rejected."""

    __slots__ = ("reason", "text")

    def __init__(self, reason: str, text: str) -> None:
        self.reason = reason
        self.text = text

    def __reduce__(self) -> tuple[Any, ...]:
        return (Unreadable, (self.reason, self.text))


class JsonReader(InputReader, Reader):
    """Records of JSON text, streamed (memory does not grow with the number of records), in one of
    two modes decided from the first lines, so that no line is swallowed and no record is split:

    * JSON Lines, when the first line is a JSON value on its own (or the second line is, after a
      broken first one): every non-blank line is one record, whatever its shape (a line holding
      an array is one record, rejected as such); ``end`` is ``[byte offset, line]``.
    * JSON text otherwise (pretty-printed, or one array): a sequence of JSON values, each top-level
      object one record and each top-level array's elements records; a syntax error makes the
      rest of the file one rejected item. ``end`` is ``[byte offset, line, depth]``, ``depth`` 1
      inside an array, 2 inside an envelope's array, 0 between top-level values.

    A format with an `JsonFormat.envelope` key (DataCite's ``"data"``) has the elements of an object
    ``{"data": [...], ...}`` read as records, the object's other members kept around them.

    The output keeps the input's shape (`header`, `separator`, `footer`): an array in, an array
    out; an envelope in, the same envelope out; values one after the other, the same; and
    pretty-printed input (a record spanning lines) is written back indented by two spaces.

    ``source``: a path, bytes, a binary file object or an open `panet.records.inputs.InputFile`
    (gzip is read transparently).

    >>> reader = JsonReader(b'[1, 2]\\n{"a": 1}\\n')
    >>> [(i.number, i.payload) for i in reader.items()], reader.lines
    ([(1, b'[1, 2]'), (2, b'{"a": 1}')], True)
    >>> reader = JsonReader(b'{\\n  "a": [1,\\n 2]\\n}\\n{"b": 2}')
    >>> [i.payload for i in reader.items()], reader.lines, reader.pretty
    ([b'{\\n  "a": [1,\\n 2]\\n}', b'{"b": 2}'], False, True)
    >>> reader = JsonReader(b'[{"a": 1},\\n {"b": 2}]')
    >>> [i.payload for i in reader.items()], reader.header(), reader.separator(), reader.footer(2)
    ([b'{"a": 1}', b'{"b": 2}'], b'[\\n', b',\\n', b'\\n]\\n')
    >>> reader.empty()  # what is written when no record is
    b'[]\\n'
    """

    def __init__(self, source: Any, format: Format | None = None) -> None:
        from panet.records.inputs import InputFile

        self.input = source if isinstance(source, InputFile) else InputFile(source)
        self.file = self.input.file
        self.size = self.input.size
        format = format or JsonlFormat()
        envelope = getattr(format, "envelope", None)  # a format not derived from JsonFormat has none
        head = self.file.read(_CHUNK)
        self.lines = not opens_envelope(head, envelope) and _json_lines(head)
        self.file.seek(0)
        self.opening = b""  # JSON text: what opens the output's container ("[", an envelope's '{"data": [')
        self.closing = b""  # an envelope's members after its array and its "}", as read
        self.depth = 0  # where the records sit in the output: 0 top level, 1 in an array, 2 in an envelope
        self.pretty = False  # JSON text whose first record spans lines: written back indented
        if not self.lines:
            self._shape(envelope)
            self.file.seek(0)
        self.format = format.indented(self.depth) if self.pretty and isinstance(format, JsonFormat) else format

    def _shape(self, envelope: str | None) -> None:
        """The output's container and indentation, from the opening of the text and its first record."""
        stream = _TextStream(self.file, 0, 1)
        stream.text = stream.text.removeprefix("\ufeff")
        char = stream.peek()
        if char == "[":
            stream.pos += 1
            self.opening, self.depth = b"[", 1
        elif char == "{" and envelope:
            found = stream.envelope(envelope)
            if found:
                self.opening, self.depth = found.encode("utf-8", errors="surrogateescape"), 2
        if stream.peek() in ("{", "["):
            try:
                element, _, _ = stream.element()
            except ValueError:
                element = ""
            self.pretty = "\n" in element
        if self.depth == 2:  # closed like this when a broken input leaves the envelope's end unread
            self.closing = b"\n}" if self.pretty else b"}"

    def _newline(self, depth: int) -> bytes:
        return b"\n" + b"  " * depth if self.pretty else b"\n"

    def header(self) -> bytes:
        return self.opening + self._newline(self.depth) if self.opening else b""

    def separator(self) -> bytes:
        return b"," + self._newline(self.depth) if self.opening else b"\n"

    def footer(self, written: int) -> bytes:
        if not self.opening:
            return b"\n" if written else b""
        return (self._newline(self.depth - 1) if written else b"") + b"]" + self.closing + b"\n"

    def empty(self) -> bytes:
        return self.opening + self.footer(0) if self.opening else b""

    def items(self, skip: int = 0, resume: Any = None) -> Iterator[Item]:
        yield from self._line_items(skip, resume) if self.lines else self._value_items(skip, resume)
        self.input.check_whole()

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
            if not payload or payload.isspace():  # blank (strip() would copy the line)
                continue
            number += 1
            if number > skip:
                yield Item(number, payload, line, start, (offset, line))

    def _value_items(self, skip: int, resume: Any) -> Iterator[Item]:
        """Top-level objects, and the elements of top-level arrays and envelopes, each handed on as
        its own bytes."""
        offset, line, depth = resume if resume else (0, 1, 0)
        stream = _TextStream(self.file, offset, line)
        number = skip if resume else 0
        expect_comma = depth > 0  # a resumed array goes on after an element
        envelope = getattr(self.format, "envelope", None)
        if not resume:
            stream.text = stream.text.removeprefix("\ufeff")
        while True:
            char = stream.peek()
            if not depth:
                if not char:
                    return
                if char == "[":
                    stream.pos += 1
                    depth, expect_comma = 1, False
                    continue
                if char == "{" and envelope and stream.envelope(envelope):
                    depth, expect_comma = 2, False
                    continue
            elif char == "]":
                stream.pos += 1
                if depth == 2:
                    try:
                        self.closing = stream.members(self.pretty).encode("utf-8", errors="surrogateescape")
                    except ValueError as err:
                        yield stream.unreadable(number + 1, f"invalid JSON after the {envelope!r} array ({err})")
                        return
                depth = 0
                continue
            elif expect_comma:
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
            expect_comma = depth > 0
            if number > skip:
                payload = element.encode("utf-8", errors="surrogateescape")
                yield Item(number, payload, line, at, (stream.byte_offset(), stream.line, depth))


def _json_lines(head: bytes) -> bool:
    """Whether the text starting with ``head`` is JSON Lines (see `JsonReader`).

    >>> _json_lines(b'{"a": 1}\\n{"b": 2}\\n'), _json_lines(b'[{"a": 1},\\n{"b": 2}]'), _json_lines(b"[1, 2]\\n")
    (True, False, False)
    >>> _json_lines(b'{"a": \\n{"b": 2}\\n'), _json_lines(b"[\\n{}\\n]\\n"), _json_lines(b"[1]\\n{}\\n")
    (True, False, True)
    """
    body = head.removeprefix(_BOM).lstrip()
    if len(head) >= _CHUNK and b"\n" not in body:  # a first line longer than the head
        return body[:1] != b"["  # an array is JSON text, anything else a (long) line
    lines = iter(line for line in body.split(b"\n") if line.strip())
    first = next(lines, b"")
    if first.strip() in (b"[", b"{", b""):
        return False
    second = next(lines, None)
    if _is_json(first):
        return second is not None or first.lstrip()[:1] != b"["  # one array alone is JSON text
    return second is not None and _is_json(second)


def opens_envelope(head: bytes, key: str | None) -> bool:
    """Whether the text starting with ``head`` is an object whose first member ``key`` holds an array.

    >>> opens_envelope(b'{"data": [{"id": 1}]}', "data"), opens_envelope(b'{"data": {"id": 1}}', "data")
    (True, False)
    """
    if not key:
        return False
    text = head[:4096].removeprefix(_BOM).lstrip().decode("utf-8", errors="replace")
    return _envelope(key).match(text) is not None


def _is_json(line: bytes) -> bool:
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return True


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

    def where(self, pos: int) -> str:
        """Where ``text[pos]`` (at or after ``pos``) is, as "line L, column C"; the column counts
        characters, read back from the file when the line began before the text kept."""
        line = self.line + self.text.count("\n", self.pos, pos)
        newline = self.text.rfind("\n", 0, pos)
        if newline >= 0:
            return f"line {line}, column {pos - newline}"
        offset = self.byte_offset() + len(self.text[self.pos : pos].encode("utf-8", errors="surrogateescape"))
        return f"line {line}, column {_column(self.file, offset)}"

    def element(self) -> tuple[str, int, int]:
        """The next JSON value: its text, byte offset and line; ValueError (saying where) when it is
        not JSON."""
        decoder = json.JSONDecoder()
        self.peek()
        while True:
            try:
                _, end = decoder.raw_decode(self.text, self.pos)
                break
            except RecursionError:
                raise ValueError(f"nested too deeply, {self.where(self.pos)}") from None
            except json.JSONDecodeError as err:
                cut = err.msg.startswith("Unterminated string") or err.pos >= len(self.text) - 8
                if self.eof or not cut:  # an error well before the end of the text read is not a cut
                    raise ValueError(f"{err.msg}, {self.where(err.pos)}") from None
                if len(self.text) - self.pos > self._MAX_ELEMENT:
                    where = self.where(self.pos)
                    raise ValueError(f"a value longer than {self._MAX_ELEMENT >> 20} MiB, {where}") from None
                self._refill()
        at, line = self.byte_offset(), self.line
        element = self.text[self.pos : end]
        self.line += element.count("\n")
        self.pos = end
        return element, at, line

    def envelope(self, key: str) -> str:
        """At an object whose first member ``key`` holds an array: the text up to its ``[``, and
        ``pos`` after it; "" (``pos`` unchanged) otherwise."""
        while len(self.text) - self.pos < 4096 and not self.eof:
            self._refill()
        found = _envelope(key).match(self.text, self.pos)
        if found is None:
            return ""
        self.line += found.group().count("\n")
        self.pos = found.end()
        return found.group()

    def members(self, pretty: bool) -> str:
        """The members of an object after the one just read, up to its ``}``, written back as
        ``,"key": value`` (one a line, indented, when ``pretty``), then ``}``; ValueError when
        they are not JSON."""
        parts, newline = [], "\n  " if pretty else ""
        while True:
            char = self.peek()
            if char == "}":
                self.pos += 1
                return "".join(parts) + ("\n}" if pretty else "}")
            if char != ",":
                found = f"found {char!r}, {self.where(self.pos)}" if char else "the object is not closed"
                raise ValueError(f"expected ',' or '}}': {found}")
            self.pos += 1
            key, _, _ = self.element()
            if not key.startswith('"'):
                raise ValueError(f"expected a member name, found {key[:20]!r}, {self.where(self.pos)}")
            if self.peek() != ":":
                raise ValueError(f"expected ':' after {key}, {self.where(self.pos)}")
            self.pos += 1
            value, _, _ = self.element()
            parts.append(f",{newline}{key}: {value}")

    def unreadable(self, number: int, problem: str) -> Item:
        at = self.byte_offset()
        reason = f"{problem}; the rest of the file from byte {at} (line {self.line}) cannot be split into records"
        return Item(number, Unreadable(reason, self.text[self.pos : self.pos + 1000]), self.line, at, None)


def _column(file: Any, offset: int) -> int:
    """The column (1-based, in characters) of the byte at ``offset`` of ``file``, read backwards to
    the line's start; the file's position is kept."""
    here, start, column = file.tell(), offset, 1
    while start > 0:
        step = min(start, 1 << 16)
        start -= step
        file.seek(start)
        block = file.read(step)
        block = block[block.rfind(b"\n") + 1 :]
        column += len(block.translate(None, _CONTINUATION))  # UTF-8 bytes that start a character
        if len(block) < step:
            break
    file.seek(here)
    return column


def _envelope(key: str) -> re.Pattern[str]:
    """The opening of an object whose first member ``key`` holds an array: ``{"key": [``."""
    return re.compile(r'\{\s*"' + re.escape(key) + r'"\s*:\s*\[')


class JsonFormat(Format):
    """A JSON object per record; technique entries are ``{"pid", "name"}`` objects under
    `techniques_key`. Subclasses add the text fields and the checks of their schema."""

    techniques_key = "techniques"
    required_strings: tuple[str, ...] = ()  # top-level keys that, when present, must hold text
    envelope: str | None = None  # the key of ``{key: [records], ...}`` responses (`JsonReader`)
    nesting: int | None = None  # `dump` writes indented, continuation lines shifted by 2 × nesting spaces

    def reader(self, source: Path | BinaryIO) -> Reader:
        return JsonReader(source, self)

    def indented(self, nesting: int) -> JsonFormat:
        """A copy of this format that dumps records indented by two spaces, for records ``nesting``
        levels deep in the output (what `JsonReader` gives pretty-printed input).

        >>> print(JsonlFormat().indented(1).dump({"a": [1]}).decode())
        {
            "a": [
              1
            ]
          }
        """
        found = copy.copy(self)
        found.nesting = nesting
        return found

    def parse(self, payload: Any) -> Any:
        """A record from JSON text, or a copy of one given in memory (the caller's stays as it was)."""
        if isinstance(payload, (bytes, str)):
            try:
                record = orjson.loads(payload)
            except orjson.JSONDecodeError:
                record = _parse_lax(payload)
        elif isinstance(payload, Unreadable):
            raise BadRecord(payload.reason)
        else:
            self.check(payload)
            return copy.deepcopy(payload)
        self.check(record)
        return record

    def check(self, record: Any) -> None:
        """`BadRecord` unless ``record`` has the types this format reads."""
        if type(record) is not dict and not isinstance(record, dict):
            raise BadRecord(f"wrong type: a record must be a JSON object, found {json_type(record)}")
        for key in self.required_strings:
            value = record.get(key)
            if value is not None and type(value) is not str:
                raise BadRecord(f"wrong type: {key!r} must be a string, found {json_type(value)}")
        entries = record.get(self.techniques_key)
        if not entries:
            return
        if type(entries) is not list:
            raise BadRecord(
                f"wrong type: {self.techniques_key!r} must be a list of {{pid, name}} objects, "
                f"found {json_type(entries)}"
            )
        for entry in entries:
            if type(entry) is not dict:
                raise BadRecord(
                    f"wrong type: {self.techniques_key!r} holds {json_type(entry)}, not a {{pid, name}} object"
                )
            for key in ("pid", "name"):
                value = entry.get(key)
                if value is not None and type(value) is not str:
                    raise BadRecord(
                        f"wrong type: {self.techniques_key}[].{key} must be a string, found {json_type(value)}"
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
            record[self.techniques_key].extend([{"pid": t.iri, "name": t.label} for t in added])

    def dump(self, record: Any) -> bytes:
        if self.nesting is None:
            return dump_json(record)
        return dump_json(record, indent=True).replace(b"\n", b"\n" + b"  " * self.nesting)


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


def dump_json(value: Any, indent: bool = False) -> bytes:
    """``value`` as compact UTF-8 JSON (orjson), or indented by two spaces; values orjson refuses
    (integers beyond 64 bits, NaN, lone surrogates) go through the standard library, surrogates as
    ``\\u`` escapes.

    >>> dump_json({"a": [1, 2]}), dump_json({"a": 1}, indent=True)
    (b'{"a":[1,2]}', b'{\\n  "a": 1\\n}')
    """
    if not isinstance(value, _LaxJson):
        try:
            return orjson.dumps(value, option=orjson.OPT_INDENT_2) if indent else orjson.dumps(value)
        except TypeError:
            pass
    spaces = 2 if indent else None
    try:
        return json.dumps(value, ensure_ascii=False, indent=spaces).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, indent=spaces).encode("ascii")


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
    except RecursionError:
        raise BadRecord("invalid JSON: nested too deeply") from None
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


def json_type(value: Any) -> str:
    """What ``value`` is, in the words of JSON, for messages.

    >>> json_type([1]), json_type(2.5)
    ('an array', 'a number')
    """
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )
