"""Generic CSV (or TSV): one record per row; ``--fields`` names the text columns.

The first row is the header; the dialect (delimiter, quoting) is sniffed from the start of the
file. Terms go to a ``panet_techniques`` column, added as the last column when missing, as
``label <IRI>`` entries separated by ``; `` (readable in a spreadsheet, parseable by a regex).
A row with another number of cells than the header is rejected.
"""

from __future__ import annotations

import csv
import io
import re

from panet.errors import BadRecord, RecordsError
from panet.records.base import Description, Entry, Format, Item, Reader

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from typing import Any, BinaryIO

    from panet.term import Term

__all__ = ["COLUMN", "CsvFormat", "CsvReader"]

COLUMN = "panet_techniques"
_ENTRY = re.compile(r"\s*(?P<name>[^;<]*?)\s*(?:<(?P<pid>[^>]*)>)?\s*(?:;|$)")


class CsvReader(Reader):
    """Rows of a CSV file, streamed; the header row gives the column names. ``format`` is a
    `CsvFormat` that knows them and the file's dialect (owned by this reader).

    >>> reader = CsvReader(b"pid,title\\nd1,SAXS\\n")
    >>> reader.format.columns, [item.payload for item in reader.items()]
    (['pid', 'title'], [['d1', 'SAXS']])
    """

    def __init__(self, source: Any, fmt: CsvFormat | None = None) -> None:
        from panet.records.inputs import InputFile

        self.input = source if isinstance(source, InputFile) else InputFile(source)
        self.file = io.TextIOWrapper(self.input.file, encoding="utf-8-sig", newline="")
        try:
            sample = self.file.read(1 << 16)
        except UnicodeDecodeError as err:
            raise RecordsError(self.input.name, f"cannot read the file as UTF-8 CSV: {err}") from None
        self.file.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel_tab if self.input.name.lower().endswith((".tsv", ".tsv.gz")) else csv.excel
        self.rows = csv.reader(self.file, dialect)
        header = next(self.rows, None)
        if not header:
            raise RecordsError(self.input.name, "empty CSV file: the first row must name the columns")
        self.format = CsvFormat(header, dialect)
        self.size = self.input.size
        self._header_lines = self.rows.line_num

    def position(self) -> int:
        return self.input.file.tell()

    def digest(self, upto: int) -> str | None:
        return self.input.digest(upto)

    def close(self) -> None:
        self.input.close()

    def header(self) -> bytes:
        return self.format.write_row(self.format.columns_out) + b"\n"

    def separator(self) -> bytes:
        return b"\n"

    def items(self, skip: int = 0, resume: Any = None) -> Iterator[Item]:
        line = self._header_lines
        try:
            for number, row in enumerate(self.rows, start=1):
                start, line = line + 1, self.rows.line_num
                if number > skip and row:
                    yield Item(number, row, start)
        except UnicodeDecodeError as err:
            raise RecordsError(
                self.input.name, f"not UTF-8 text after line {line} ({err.reason}); save it as UTF-8"
            ) from None
        except csv.Error as err:
            raise RecordsError(self.input.name, f"line {line + 1}: {err}") from None
        self.input.check_whole()


class CsvFormat(Format):
    """CSV rows; the record is a dict column -> cell. ``columns`` and ``dialect``: those of the
    file being read (a `CsvReader` makes its own format from the header row)."""

    name = "csv"
    needs_fields = True

    def __init__(self, columns: list[str] | tuple[str, ...] = (), dialect: Any = csv.excel) -> None:
        self.columns = list(columns)
        self.columns_out = self.columns + ([] if COLUMN in self.columns else [COLUMN])
        self.dialect = dialect

    def reader(self, source: Path | BinaryIO) -> Reader:
        return CsvReader(source, self)

    def parse(self, payload: Any) -> dict[str, str]:
        """A row (list of cells, in the order of ``columns``) or a record given in memory (a dict)."""
        if isinstance(payload, dict):
            return self.load(payload)
        if len(payload) != len(self.columns):
            raise BadRecord(f"wrong number of cells: {len(payload)}, the header has {len(self.columns)}")
        return dict(zip(self.columns, payload, strict=True))

    def load(self, record: Any) -> dict[str, str]:
        if not isinstance(record, dict) or not all(isinstance(v, str) for v in record.values()):
            raise BadRecord("a CSV record is a dict of column -> text")
        return dict(record)

    def texts(self, record: dict[str, str], fields: tuple[tuple[str, ...], ...]) -> Iterator[str]:
        for path in fields:
            value = record.get(".".join(path))
            if value:
                yield value

    def entries(self, record: dict[str, str]) -> list[Entry]:
        """The ``label <IRI>`` entries of the techniques cell; ``source`` is each one's index in it."""
        return [
            Entry(match.group("pid"), match.group("name") or None, index)
            for index, match in enumerate(_entries(record.get(COLUMN) or ""))
        ]

    def update(self, record: dict[str, Any], corrected: list[tuple[Entry, Term]], added: list[Term]) -> None:
        fixed = {entry.source: term for entry, term in corrected}
        parts = []
        for index, match in enumerate(_entries(record.get(COLUMN) or "")):
            term = fixed.get(index)
            parts.append(_cell(term) if term else match.group(0).strip().rstrip(";").strip())
        parts += [_cell(t) for t in added]
        record[COLUMN] = "; ".join(parts)

    def dump(self, record: dict[str, Any]) -> bytes:
        """The row: the record's cells in its own order, and an empty techniques cell when it has none."""
        cells = list(record.values())
        if COLUMN not in record:
            cells.append("")
        return self.write_row(cells)

    def write_row(self, cells: list[str]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, self.dialect, lineterminator="\n").writerow(cells)
        return buffer.getvalue().removesuffix("\n").encode("utf-8")

    def describe(self, record: dict[str, Any]) -> Description:
        from panet.records.jsonl import handle_iri

        pid = next((record[k] for k in ("pid", "id", "identifier", "doi") if record.get(k)), None)
        name = next((record[k] for k in ("title", "name") if record.get(k)), None)
        return Description(handle_iri(pid), pid, name, record.get("description") or None)


def _entries(cell: str) -> list[re.Match[str]]:
    """The entries written in a techniques cell, in order."""
    return [m for m in _ENTRY.finditer(cell) if m.group("name") or m.group("pid")]


def _cell(term: Term) -> str:
    return f"{term.label} <{term.iri}>"
