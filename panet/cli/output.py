"""Text output of the commands: styles on a terminal, tables, the ``-o`` file or stdout."""

from __future__ import annotations

import sys

__all__ = ["Style", "print_lines", "table", "write_output"]


class Style:
    """Bold and dim (ANSI) on a terminal, plain text elsewhere or with ``$NO_COLOR``.

    >>> Style(None).bold("x")
    'x'
    """

    def __init__(self, stream) -> None:
        import os

        self.on = (
            stream is not None
            and stream.isatty()
            and not os.environ.get("NO_COLOR")
            and os.environ.get("TERM", "") != "dumb"
        )

    def bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[22m" if self.on else text

    def dim(self, text: str) -> str:
        return f"\x1b[2m{text}\x1b[22m" if self.on else text


def table(header: tuple[str, ...], rows: list[tuple[str, ...]], style: Style) -> list[str]:
    """Left-aligned columns two spaces apart, a bold header, no trailing spaces.

    >>> table(("id", "label"), [("a", "bb"), ("ccc", "d")], Style(None))
    ['id   label', 'a    bb', 'ccc  d']
    """
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]

    def line(cells) -> str:
        return "  ".join(str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    return [style.bold(line(header)), *(line(row) for row in rows)]


def print_lines(lines) -> None:
    """Write each line and a newline to stdout.

    >>> print_lines(["a", "b"])
    a
    b
    """
    sys.stdout.write("".join(line + "\n" for line in lines))


def write_output(data: str | bytes, output: str | None, binary: bool = False) -> None:
    """``data`` to the ``-o`` file (atomically, see `panet.files`), else to stdout.

    >>> write_output("digraph {}\\n", None)
    digraph {}
    """
    if output is not None:
        from panet.files import write_atomic

        write_atomic(output, data)
        return
    if binary and sys.stdout.isatty():
        from panet.errors import PanetError

        raise PanetError("a PNG is binary: write it to a file with -o FILE")
    if isinstance(data, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
    else:
        sys.stdout.write(data)
