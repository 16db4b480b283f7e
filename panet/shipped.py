"""The PaNET files panet ships, and `resolve_ontology`: which file a user means.

Every release from v1.0.0 to v1.3.0 (v1.2.0 only as its ROBOT template: no OWL of it is in
the PaNET repository) and the current build, the default of `panet.load`. A version comes
from its release tag, never from the file's ``owl:versionInfo`` (v1.1.x says
"1.0.0-3-g6a0b629-dirty"); the current build's version is its ``git describe``.

This is part of the core: it reads no file, it only names them.

>>> [r.name for r in releases()]
['v1.0.0', 'v1.1.0', 'v1.2.0', 'v1.3.0', 'current']
>>> find("latest").version, find("v1.1.0").file
('1.3.0', 'releases/v1.1.0/PaNET.owl')
"""

from __future__ import annotations

import os

from panet.errors import UnknownVersion

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from panet.ontology import Ontology

__all__ = ["DEFAULT_FILE", "Release", "find", "releases", "resolve_ontology", "shipped_file", "shipped_path"]

DEFAULT_FILE = "PaNET_reasoned.owl"
# what a version looks like, as opposed to a file name: 1.1.0, v1.3.0, v9, 1.3.0-48-g7011e6b, current, latest
_VERSION = r"v?\d+(\.\d+){0,2}(-[\w.-]+)?|current|latest"


def shipped_file(name: str = DEFAULT_FILE) -> str:
    """Path (a string) of a file in the shipped ``ontology/`` folder.

    >>> os.path.basename(shipped_file())
    'PaNET_reasoned.owl'
    """
    import panet._ontology  # type: ignore[import-not-found]  # the ontology/ folder, installed as a package

    return os.path.join(os.path.dirname(panet._ontology.__file__), name)


def shipped_path(name: str = DEFAULT_FILE) -> Path:
    """Path of a file in the shipped ``ontology/`` folder (PaNET, CC-BY 4.0).

    >>> shipped_path().name
    'PaNET_reasoned.owl'
    """
    from pathlib import Path

    return Path(shipped_file(name))


class Release:
    """One shipped PaNET version: ``version`` (tag without ``v``), ``file`` (the build, or the
    ROBOT template when no build exists), ``source`` (its ROBOT template), ``date``, ``tag``
    (``None`` for the current, unreleased build)."""

    __slots__ = ("date", "file", "source", "tag", "version")

    def __init__(self, version: str, file: str, source: str, date: str, tag: str | None) -> None:
        self.version = version
        self.file = file  # relative to the shipped ontology/ folder
        self.source = source
        self.date = date
        self.tag = tag

    @property
    def name(self) -> str:
        """The release tag (``v1.1.0``), or ``current`` for the current build."""
        return self.tag or "current"

    @property
    def path(self) -> str:
        """Absolute path of the release file."""
        return shipped_file(self.file)

    def load(self) -> Ontology:
        """This release as an `Ontology` (``panet.load(release.path)``)."""
        import panet

        return panet.load(self.path)

    def to_dict(self) -> dict[str, str | None]:
        """JSON-ready: name, version, date, file, source."""
        return {"name": self.name, "version": self.version, "date": self.date, "file": self.file, "source": self.source}

    def __repr__(self) -> str:
        return f"Release({self.name!r}, version={self.version!r}, file={self.file!r})"


_SHIPPED = (
    Release("1.0.0", "releases/v1.0.0/PaNET.owl", "releases/v1.0.0/PaNET.csv", "2021-06-18", "v1.0.0"),
    Release("1.1.0", "releases/v1.1.0/PaNET.owl", "releases/v1.1.0/PaNET.csv", "2024-06-17", "v1.1.0"),
    Release("1.2.0", "releases/v1.2.0/PaNET.csv", "releases/v1.2.0/PaNET.csv", "2024-12-16", "v1.2.0"),
    Release("1.3.0", "releases/v1.3.0/PaNET.owl", "releases/v1.3.0/PaNET.csv", "2025-10-21", "v1.3.0"),
    Release("1.3.0-48-g7011e6b", "PaNET_reasoned.owl", "PaNET.csv", "2026-04-16", None),
)


def releases() -> tuple[Release, ...]:
    """Shipped versions, oldest first; the last is the current build (`panet.load()`)."""
    return _SHIPPED


def find(version: str) -> Release:
    """The shipped version named ``version``: ``"1.1.0"``, ``"v1.1.0"``, ``"current"`` (the
    current build, the default of `panet.load`) or ``"latest"`` (the newest *release*, v1.3.0,
    what the PURL http://purl.org/pan-science/PaNET/PaNET.owl serves); `UnknownVersion` else."""
    wanted = version.strip().lower()
    if wanted == "latest":
        return [r for r in _SHIPPED if r.tag][-1]
    for release in _SHIPPED:
        if wanted in (release.name, release.version, release.tag and release.tag.lower()):
            return release
    raise UnknownVersion(version, (*(r.name for r in _SHIPPED), "latest"))


def resolve_ontology(path_or_version: str | os.PathLike[str] | None = None, *, version: str | None = None) -> str:
    """The ontology file meant by a user's ``path_or_version``, the one rule every entry point uses
    (`panet.load`, the CLI's ``--ontology``/``--version``, the service's ``PANET_ONTOLOGY`` and
    ``PANET_VERSION``).

    ``None`` is the shipped current build; an existing file is itself; a name that looks like a
    version (``1.1.0``, ``v1.3.0``, ``current``, ``latest``) is that shipped release
    (`UnknownVersion` if none); anything else is taken as a path (the loader reports it missing).
    ``version`` names a shipped version and nothing else (`find`); giving both is a ``TypeError``.

    >>> os.path.relpath(resolve_ontology("v1.1.0"), shipped_file(""))
    'releases/v1.1.0/PaNET.owl'
    >>> resolve_ontology("my/PaNET.owl")
    'my/PaNET.owl'
    """
    if version is not None:
        if path_or_version is not None:
            raise TypeError("give a path or a version, not both")
        return find(version).path
    if path_or_version is None:
        return shipped_file(DEFAULT_FILE)
    text = os.fspath(path_or_version)
    if os.path.exists(text):
        return text
    import re  # here, not at the top: `import re` would cost a cold start 5 ms (see `panet.cache`)

    if re.fullmatch(_VERSION, text.strip(), re.IGNORECASE) is None:
        return text
    return find(text).path
