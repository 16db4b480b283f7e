"""Opening a text input of records: a path, bytes or a binary file object, gzip decompressed on
the way, a zip archive or a binary file refused with its name, and a content hash of what has been
read (for ``--resume``). Readers of every format open their input here.

>>> InputFile(b'{"a": 1}\\n').file.read()
b'{"a": 1}\\n'
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import zlib
from pathlib import Path
from typing import BinaryIO

from panet.errors import RecordsError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO

__all__ = [
    "GZIP_SIGNATURE",
    "HDF5_SIGNATURE",
    "UTF16_BOMS",
    "ZIP_SIGNATURES",
    "InputFile",
    "open_input",
    "refuse_binary",
]

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
GZIP_SIGNATURE = b"\x1f\x8b"
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_HEAD = 1 << 16


class _GzipStream(io.RawIOBase):
    """A gzip stream whose truncation or corruption is a `RecordsError` naming the file."""

    def __init__(self, file: BinaryIO, name: str) -> None:
        self.raw = file
        self.gzip = gzip.GzipFile(fileobj=file, mode="rb")
        self.name_ = name

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self.gzip.read(len(buffer))
        except (EOFError, OSError, zlib.error) as err:
            raise RecordsError(self.name_, f"the gzip file is truncated or corrupt ({err})") from None
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.gzip.seek(offset, whence)

    def tell(self) -> int:
        return self.gzip.tell()

    def close(self) -> None:
        self.gzip.close()
        self.raw.close()  # GzipFile leaves a file object it was given open
        super().close()


class InputFile:
    """A text input of records (a path, or bytes / a binary file object in memory), opened for
    reading: ``file`` is a seekable binary stream of its content, gzip decompressed on the way;
    a zip archive or a binary file is a `RecordsError` naming it. ``size``: bytes, None when
    unknown (gzip). ``digest(upto)``: sha256 of the first ``upto`` bytes, kept incrementally.

    >>> source = InputFile(b'{"a": 1}\\n')
    >>> source.file.read(), source.size, source.digest(1) == hashlib.sha256(b"{").hexdigest() + ":1"
    (b'{"a": 1}\\n', 9, True)
    >>> InputFile(b"\\x00\\x01binary", name="blob.bin")
    Traceback (most recent call last):
    panet.errors.RecordsError: blob.bin: a binary file, not text records (it holds NUL bytes); ...
    """

    def __init__(self, source: str | os.PathLike[str] | bytes | BinaryIO, name: str | None = None) -> None:
        self.path = Path(source) if isinstance(source, (str, os.PathLike)) else None
        self.name = name or (str(self.path) if self.path is not None else "<records>")
        self._data = source if isinstance(source, bytes) else None
        self.file = self._open(source)
        try:
            head = self.file.read(_HEAD)
            self.file.seek(0)
            refuse_binary(head, self.name)
        except BaseException:
            self.file.close()
            raise
        self.size = None if self.gzipped else _size(self.file)
        self._hashed = (0, hashlib.sha256())
        self._twin: Any = None

    def _open(self, source: Any) -> Any:
        if isinstance(source, bytes):
            raw: Any = io.BytesIO(source)
        elif self.path is not None:
            try:
                raw = open(self.path, "rb")  # noqa: SIM115  (closed by close())
            except IsADirectoryError:
                raise RecordsError(self.path, "is a folder, not a file of records") from None
            except OSError as err:
                raise RecordsError(self.path, f"cannot read the file: {err.strerror}") from None
        else:
            raw = source
        magic = raw.read(4)
        raw.seek(0)
        self.gzipped = magic.startswith(GZIP_SIGNATURE)
        if magic.startswith(ZIP_SIGNATURES):
            raw.close()
            raise RecordsError(self.name, "a zip archive, not records; unzip it and pass the file inside")
        if self.gzipped:
            return io.BufferedReader(_GzipStream(raw, self.name), _HEAD)
        return raw

    def digest(self, upto: int) -> str:
        """The sha256 of the first ``upto`` bytes of the content (as read, after decompression)."""
        done, hasher = self._hashed
        if upto < done:
            done, hasher = 0, hashlib.sha256()
            self._close_twin()
        if self._data is not None:
            hasher.update(memoryview(self._data)[done:upto])
        elif upto > done:
            if self._twin is None:  # a second handle: the reader's position is not disturbed
                self._twin = self._open(self.path) if self.path is not None else None
                if self._twin is None:
                    return ""
                self._twin.seek(done)
            left = upto - done
            while left > 0:
                chunk = self._twin.read(min(left, 1 << 20))
                if not chunk:
                    break
                hasher.update(chunk)
                left -= len(chunk)
            upto -= left
        self._hashed = (upto, hasher)
        return hasher.copy().hexdigest() + f":{upto}"

    def check_whole(self) -> None:
        """A `RecordsError` when the file is now shorter than when it was opened: it was truncated
        (or rewritten) while being read, and the records read are not all of it."""
        if self.size is None or self.path is None:
            return
        now = _size(self.file)
        if now is not None and now < self.size:
            raise RecordsError(
                self.name,
                f"the file shrank from {self.size:,} to {now:,} bytes while it was read "
                "(truncated or rewritten during the run); run again on the complete file",
            )

    def _close_twin(self) -> None:
        if self._twin is not None:
            self._twin.close()
            self._twin = None

    def close(self) -> None:
        self._close_twin()
        self.file.close()


def open_input(source: str | os.PathLike[str] | bytes | BinaryIO, name: str | None = None) -> InputFile:
    """`InputFile` of ``source``."""
    return InputFile(source, name)


def refuse_binary(head: bytes, name: str) -> None:
    """A `RecordsError` naming ``name`` when ``head`` (the start of a file) is not text: it holds
    NUL bytes (UTF-16 text with its BOM aside), or most of it is not UTF-8.

    >>> refuse_binary("café, SAXS".encode(), "ok.csv")
    >>> refuse_binary(bytes(range(128, 256)) * 4, "x.dat")
    Traceback (most recent call last):
    panet.errors.RecordsError: x.dat: a binary file, not text records (mostly not UTF-8); ...
    """
    if head.startswith(UTF16_BOMS):
        return
    why = ""
    if head.startswith(HDF5_SIGNATURE):
        why = "an HDF5 file: read it with format=nexus"
    elif b"\0" in head:
        why = "it holds NUL bytes"
    else:
        text = head.decode("utf-8", errors="replace")
        if text.count("\ufffd") > max(8, len(text) // 10):
            why = "mostly not UTF-8"
    if why:
        raise RecordsError(
            name, f"a binary file, not text records ({why}); records are JSON, JSON Lines, XML or CSV, gzipped or not"
        )


def _size(file: Any) -> int | None:
    try:
        return os.fstat(file.fileno()).st_size
    except (OSError, AttributeError, io.UnsupportedOperation):
        try:
            return len(file.getbuffer())
        except AttributeError:
            return None


class InputReader:
    """What every reader of one `InputFile` does alike (a mixin for `panet.records.base.Reader`s):
    its position is the file's (bytes read, after decompression), its digest the input's, and
    closing it closes the input. Subclasses set ``input`` and ``file``.

    >>> reader = InputReader(); reader.input = InputFile(b'{"a": 1}'); reader.file = reader.input.file
    >>> _ = reader.file.read(); reader.position(), reader.digest(3)[:12]
    (8, '55505b6f8c3d')
    >>> reader.close()
    """

    input: InputFile
    file: BinaryIO

    def position(self) -> int:
        return self.file.tell()

    def digest(self, upto: int) -> str | None:
        return self.input.digest(upto)

    def close(self) -> None:
        self.input.close()
