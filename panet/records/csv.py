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
from panet.records.base import Description, Entry, Item, Reader, RecordFormat

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from typing import Any

    from panet.term import Term

__all__ = ["COLUMN", "CsvFormat", "CsvReader"]

COLUMN = "panet_techniques"
_ENTRY = re.compile(r"\s*(?P<name>[^;<]*?)\s*(?:<(?P<pid>[^>]*)>)?\s*(?:;|$)")


class CsvReader(Reader):
    """Rows of a CSV file, streamed; the header row gives the column names."""

    def __init__(self, path: Path, fmt: CsvFormat) -> None:
        try:
            self.file = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
            sample = self.file.read(1 << 16)
        except (OSError, UnicodeDecodeError) as err:
            raise RecordsError(path, f"cannot read the file as UTF-8 CSV: {err}") from None
        self.file.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel
        self.rows = csv.reader(self.file, dialect)
        header = next(self.rows, None)
        if not header:
            raise RecordsError(path, "empty CSV file: the first row must name the columns")
        fmt.set_columns(header, dialect)
        self.format = fmt
        import os

        self.size = os.fstat(self.file.fileno()).st_size
        self._header_lines = self.rows.line_num

    def position(self) -> int:
        return self.file.buffer.tell() if hasattr(self.file, "buffer") else 0

    def close(self) -> None:
        self.file.close()

    def header(self) -> bytes:
        return self.format.write_row(self.format.columns_out) + b"\n"

    def separator(self) -> bytes:
        return b"\n"

    def footer(self, written: int) -> bytes:
        return b"\n" if written else b""

    def items(self, skip: int = 0, resume: Any = None) -> Iterator[Item]:
        line = self._header_lines
        for number, row in enumerate(self.rows, start=1):
            start, line = line + 1, self.rows.line_num
            if number > skip and row:
                yield Item(number, row, start)


class CsvFormat(RecordFormat):
    """CSV rows; the record is a dict column -> cell."""

    name = "csv"
    needs_fields = True

    def __init__(self) -> None:
        self.columns: list[str] = []
        self.columns_out: list[str] = []
        self.dialect: Any = csv.excel

    def set_columns(self, header: list[str], dialect: Any = csv.excel) -> None:
        self.columns = list(header)
        self.columns_out = self.columns + ([] if COLUMN in self.columns else [COLUMN])
        self.dialect = dialect

    def reader(self, path: Path) -> Reader:
        return CsvReader(path, self)

    def parse(self, payload: Any) -> dict[str, str]:
        if len(payload) != len(self.columns):
            raise BadRecord(f"wrong number of cells: {len(payload)}, the header has {len(self.columns)}")
        return dict(zip(self.columns, payload, strict=True))

    def load(self, record: Any) -> dict[str, str]:
        if not isinstance(record, dict) or not all(isinstance(v, str) for v in record.values()):
            raise BadRecord("a CSV record is a dict of column -> text")
        if list(record) != self.columns:
            self.set_columns(list(record))
        return dict(record)

    def texts(self, record: dict[str, str], fields: tuple[tuple[str, ...], ...]) -> Iterator[str]:
        for path in fields:
            value = record.get(".".join(path))
            if value:
                yield value

    def entries(self, record: dict[str, str]) -> list[Entry]:
        cell = record.get(COLUMN) or ""
        found = []
        for match in _ENTRY.finditer(cell):
            if match.group("name") or match.group("pid"):
                found.append(Entry(match.group("pid"), match.group("name") or None, [match.group(0)]))
        record["\0entries"] = found  # type: ignore[assignment]  (rewritten by update, never written out)
        return found

    def update(self, record: dict[str, Any], corrected: list[tuple[Entry, Term]], added: list[Term]) -> None:
        fixed = {id(entry): term for entry, term in corrected}
        parts = []
        for entry in record.get("\0entries", ()):
            term = fixed.get(id(entry))
            parts.append(_cell(term) if term else entry.source[0].strip().rstrip(";").strip())
        parts += [_cell(t) for t in added]
        record[COLUMN] = "; ".join(parts)

    def dump(self, record: dict[str, Any]) -> bytes:
        return self.write_row([record.get(c, "") for c in self.columns_out])

    def result(self, record: dict[str, Any]) -> dict[str, str]:
        record.pop("\0entries", None)
        return record

    def write_row(self, cells: list[str]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, self.dialect, lineterminator="\n").writerow(cells)
        return buffer.getvalue().removesuffix("\n").encode("utf-8")

    def describe(self, record: dict[str, Any]) -> Description:
        from panet.records.jsonl import handle_iri

        pid = next((record[k] for k in ("pid", "id", "identifier", "doi") if record.get(k)), None)
        name = next((record[k] for k in ("title", "name") if record.get(k)), None)
        return Description(handle_iri(pid), pid, name, record.get("description") or None)


def _cell(term: Term) -> str:
    return f"{term.label} <{term.iri}>"
