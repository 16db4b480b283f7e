"""`load`: an ontology file (or a shipped PaNET version) to an `Ontology`, through the index cache.

Only the cache-hit path is imported eagerly; parsers (rdflib, the CSV reader) and the
index compiler load on a cache miss. `load_index` is the same without the `Ontology`;
`label_history` reads every shipped version's index, for the lookups by former label.
"""

from __future__ import annotations

import os

from panet import cache
from panet.errors import OntologyLoadError
from panet.index import Index
from panet.ontology import Ontology
from panet.shipped import DEFAULT_FILE, resolve_ontology, shipped_file, shipped_path

__all__ = ["DEFAULT_FILE", "label_history", "load", "load_index", "read_source", "shipped_path"]


def load(
    path: str | os.PathLike[str] | None = None,
    *,
    version: str | None = None,
    format: str | None = None,
    cache_index: bool = True,
) -> Ontology:
    """Load PaNET: the shipped current build by default, the file at ``path``, or a shipped
    ``version`` (``"1.1.0"``, ``"v1.2.0"``, ``"latest"`` = newest release, ``"current"``; see
    `panet.releases`). ``path`` may name a shipped version too (`panet.shipped.resolve_ontology`).

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
    source = resolve_ontology(path, version=version)
    return Ontology(load_index(source, format=format, cache_index=cache_index), label_history=label_history)


def load_index(source: str, *, format: str | None = None, cache_index: bool = True) -> Index:
    """The compiled `Index` of the file ``source``, from the cache when it holds it.

    >>> load_index(shipped_file()).version
    '1.3.0-48-g7011e6b'
    """
    content = read_source(source)
    key = cache.key_for(content, str(format))
    stored = cache.read(key) if cache_index else None
    if stored is None:
        index = _compile(source, content, format)
        if cache_index:
            cache.write(key, index.to_dict())
    else:
        index = Index.from_dict(stored)
    index.path = source
    return index


_history: dict[str, tuple[tuple[str, str], ...]] | None = None


def label_history() -> dict[str, tuple[tuple[str, str], ...]]:
    """IRI -> ((version, label), ...) over every shipped version, oldest first.

    Built once per process (each version's index is itself cached on disk).

    >>> label_history()["http://purl.org/pan-science/PaNET/PaNET01012"][0]
    ('1.0.0', 'x-ray probe')
    """
    global _history  # noqa: PLW0603  (a process-wide memo of immutable data)
    if _history is None:
        from panet.shipped import releases

        found: dict[str, list[tuple[str, str]]] = {}
        for release in releases():
            for iri, label, *_ in load_index(release.path).terms:
                found.setdefault(iri, []).append((release.version, label))
        _history = {iri: tuple(labels) for iri, labels in found.items()}
    return _history


def _compile(source: str, content: bytes, format: str | None) -> Index:
    import hashlib
    import re
    from pathlib import Path

    from panet import formats
    from panet.compiler import build
    from panet.shipped import releases

    data = formats.parse(Path(source), content, format)
    # A shipped file's release, then a release tag in the path (…/v1.1.0/PaNET.owl), beat the
    # file's versionInfo, which is wrong in v1.1.x and absent from templates.
    path = Path(source).resolve()
    shipped = {Path(shipped_file(f)).resolve(): r.version for r in releases() for f in (r.file, r.source)}
    tag = re.fullmatch(r"v(\d+\.\d+\.\d+)", path.parent.name)
    version = shipped.get(path) or (tag.group(1) if tag else None) or data.version_info or "unknown"
    return build(data, sha256=hashlib.sha256(content).hexdigest(), version=version)


def read_source(path: str | os.PathLike[str]) -> bytes:
    """The bytes of the ontology file ``path``; `OntologyLoadError` if missing, unreadable or empty."""
    hint = "pass the path of a PaNET .owl, .ttl or .csv file, or a shipped version (1.1.0, latest)"
    content = OntologyLoadError.read_bytes(path, expected="an ontology file", hint=hint)
    if not content.strip():
        raise OntologyLoadError(path, "the file is empty")
    return content
