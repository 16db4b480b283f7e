"""Output files, one rule everywhere (every ``-o`` of the CLI, `panet.records`):

- the file is written atomically: to a temporary file in the same folder, renamed at the end, so
  a failed run leaves any earlier file as it was and never half a file;
- its folder must exist — panet creates no folders ("folder does not exist");
- it is never one of the command's input files;
- an unwritable path is one `OutputFileError` naming the file.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_atomic(folder / "out.txt", "hello\\n")
>>> (folder / "out.txt").read_text()
'hello\\n'
>>> write_atomic(folder / "missing" / "out.txt", "x")
Traceback (most recent call last):
panet.files.OutputFileError: .../missing/out.txt: folder does not exist; create it first or choose another output
"""

from __future__ import annotations

import os
from contextlib import contextmanager

from panet.errors import PanetError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

__all__ = ["OutputFileError", "check_output", "replacing", "write_atomic"]


class OutputFileError(PanetError):
    """An output file cannot be written where asked; the message names it and says what to do.

    >>> str(OutputFileError("/x/out.ttl", "folder does not exist"))
    '/x/out.ttl: folder does not exist'
    """

    def __init__(self, path: object, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


def check_output(path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = ()) -> None:
    """Raise `OutputFileError` unless ``path`` can be an output: its folder exists, it is not a
    folder, not one of ``inputs`` and (as far as can be told before writing) writable.

    >>> check_output("/", inputs=())
    Traceback (most recent call last):
    panet.files.OutputFileError: /: is a folder; name a file
    >>> check_output(__file__, inputs=[__file__])
    Traceback (most recent call last):
    panet.files.OutputFileError: ...files.py: is an input file; choose another output
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise OutputFileError(path, "is a folder; name a file")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise OutputFileError(path, "folder does not exist; create it first or choose another output")
    for source in inputs:
        if os.path.exists(source) and os.path.exists(path) and os.path.samefile(source, path):
            raise OutputFileError(path, "is an input file; choose another output")
    if not os.access(folder, os.W_OK):
        raise OutputFileError(path, "cannot be written (permission denied on its folder)")


def write_atomic(
    path: str | os.PathLike[str], data: bytes | str, inputs: Iterable[str | os.PathLike[str]] = ()
) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` atomically, after `check_output`."""
    with replacing(path, inputs) as temporary, open(temporary, "wb") as file:
        file.write(data.encode("utf-8") if isinstance(data, str) else data)


@contextmanager
def replacing(path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = ()) -> Iterator[str]:
    """A temporary file's path next to ``path`` (same suffix) to write; renamed to ``path`` when
    the block ends without error, removed otherwise. `check_output` comes first.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "x.ttl"
    >>> with replacing(target) as temporary:
    ...     _ = pathlib.Path(temporary).write_text("data")
    >>> target.read_text()
    'data'
    """
    import tempfile

    check_output(path, inputs)
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=f".part{os.path.splitext(name)[1]}", dir=folder)
    except OSError as err:
        raise OutputFileError(path, f"cannot be written ({err.strerror})") from None
    os.close(handle)
    try:
        yield temporary
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except OSError as err:
        raise OutputFileError(path, f"cannot be written ({err.strerror})") from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
