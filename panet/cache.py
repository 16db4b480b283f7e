"""On-disk cache of compiled indexes, keyed by the source file's content.

Location: ``$PANET_CACHE_DIR`` if set (an empty value turns the cache off), else the user
cache directory (``$XDG_CACHE_HOME/panet`` or ``~/.cache/panet``; ``%LOCALAPPDATA%\\panet`` on
Windows; ``~/Library/Caches/panet`` on macOS). A cache that cannot be written is skipped: the
index is then rebuilt in memory on every load. (platformdirs would do this, but costs 13 ms of
import time, as much as the whole cold start we aim for.)
"""

from __future__ import annotations

import marshal
import os
import sys

try:  # blake2 without hashlib, whose OpenSSL import costs 2 ms
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other Python implementations
    from hashlib import blake2b

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

FORMAT = 3  # bump when the index layout or how it is built changes; old cache files are then ignored

__all__ = ["cache_dir", "key_for", "read", "write"]


def cache_dir() -> str | None:
    """The cache directory, or None when caching is turned off."""
    configured = os.environ.get("PANET_CACHE_DIR")
    if configured is not None:
        return configured or None
    home = os.path.expanduser("~")
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
    elif sys.platform == "darwin":
        base = os.path.join(home, "Library", "Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache")
    return os.path.join(base, "panet")


def key_for(content: bytes, *parts: str) -> str:
    """Cache key of a source file's bytes (plus anything else the index depends on)."""
    from panet import __version__

    digest = blake2b(content, digest_size=16)
    for part in (str(FORMAT), __version__, *parts):
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()


def read(key: str) -> dict[str, Any] | None:
    """The cached index for ``key``, or None."""
    directory = cache_dir()
    if directory is None:
        return None
    try:
        with open(os.path.join(directory, f"{key}.index"), "rb") as file:
            index = marshal.loads(file.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return index if isinstance(index, dict) and index.get("format") == FORMAT else None


def write(key: str, index: dict[str, Any]) -> None:
    """Store ``index`` atomically; silently skipped when the directory is not writable."""
    directory = cache_dir()
    if directory is None:
        return
    target = os.path.join(directory, f"{key}.index")
    temporary = f"{target}.{os.getpid()}.tmp"
    try:
        os.makedirs(directory, exist_ok=True)
        with open(temporary, "wb") as file:
            marshal.dump(index, file)
        os.replace(temporary, target)
    except OSError:
        try:  # noqa: SIM105  (contextlib costs 2 ms of import time)
            os.unlink(temporary)
        except OSError:
            pass
