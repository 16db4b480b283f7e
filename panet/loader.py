"""`load`: an ontology file (or the shipped PaNET) to an `Ontology`, through the index cache.

Only the cache-hit path is imported eagerly; parsers (rdflib, the CSV reader) and the
index compiler load on a cache miss.
"""

from __future__ import annotations

import os

from panet import cache
from panet.errors import OntologyLoadError
from panet.ontology import Ontology

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["DEFAULT_FILE", "load", "shipped_path"]

DEFAULT_FILE = "PaNET_reasoned.owl"


def shipped_path(name: str = DEFAULT_FILE) -> Path:
    """Path of a file in the shipped ``ontology/`` folder (PaNET, CC-BY 4.0).

    >>> shipped_path().name
    'PaNET_reasoned.owl'
    """
    from pathlib import Path

    return Path(_shipped_file(name))


def load(
    path: str | os.PathLike[str] | None = None,
    *,
    version: str | None = None,
    format: str | None = None,
    cache_index: bool = True,
) -> Ontology:
    """Load PaNET: the shipped current build by default, the file at ``path``, or a shipped
    ``version`` (``"1.1.0"``, ``"v1.2.0"``, ``"latest"`` = newest release, ``"current"``; see
    `panet.releases`).

    Reads RDF/XML (``.owl``), Turtle, N-Triples, JSON-LD and ROBOT templates (``.csv``,
    ``.tsv``: the hierarchy is then inferred by `panet.reasoner`); ``format`` overrides the
    guess from the file name (rdflib format names, or ``"csv"``). The compiled index is
    cached per file content, so only the first load of a file parses it.

    >>> import panet
    >>> onto = panet.load()
    >>> len(onto), onto.term("SAXS").id
    (510, 'PaNET01188')
    >>> panet.load(version="1.1.0").term("PaNET01012").label
    'x-ray probe'
    """
    if version is not None:
        if path is not None:
            raise TypeError("load() takes a path or a version, not both")
        from panet.versions import find

        path = find(version).path
    source = _shipped_file(DEFAULT_FILE) if path is None else os.fspath(path)
    content = _read_bytes(source)
    key = cache.key_for(content, str(format))
    index = cache.read(key) if cache_index else None
    if index is None:
        index = _compile(source, content, format)
        if cache_index:
            cache.write(key, index)
    index["path"] = source
    return Ontology(index)


def _compile(source: str, content: bytes, format: str | None) -> dict:
    import hashlib
    import re
    from pathlib import Path

    from panet import formats
    from panet.index import build
    from panet.versions import releases

    data = formats.parse(Path(source), content, format)
    # A shipped file's release, then a release tag in the path (…/v1.1.0/PaNET.owl), beat the
    # file's versionInfo, which is wrong in v1.1.x and absent from templates.
    path = Path(source).resolve()
    shipped = {Path(_shipped_file(f)).resolve(): r.version for r in releases() for f in (r.file, r.source)}
    tag = re.fullmatch(r"v(\d+\.\d+\.\d+)", path.parent.name)
    version = shipped.get(path) or (tag.group(1) if tag else None) or data.version_info or "unknown"
    return build(data, sha256=hashlib.sha256(content).hexdigest(), version=version)


def _shipped_file(name: str) -> str:
    import panet._ontology

    return os.path.join(os.path.dirname(panet._ontology.__file__), name)


def _read_bytes(path: str) -> bytes:
    """The bytes of ``path``; `OntologyLoadError` if missing, unreadable or empty."""
    hint = "pass the path of a PaNET .owl, .ttl or .csv file"
    content = OntologyLoadError.read_bytes(path, expected="an ontology file", hint=hint)
    if not content.strip():
        raise OntologyLoadError(path, "the file is empty")
    return content
