"""PaNET versions shipped with panet, and the label history built from them.

The shipped files themselves are named in the core (`panet.shipped`: `Release`, `releases`,
`find`, `resolve_ontology`); this module is the capability over them: a term's label history
across versions. Comparing two versions is `panet.changes.diff`.

>>> [r.name for r in releases()]
['v1.0.0', 'v1.1.0', 'v1.2.0', 'v1.3.0', 'current']
>>> find("latest").version, find("v1.1.0").file
('1.3.0', 'releases/v1.1.0/PaNET.owl')
"""

from __future__ import annotations

from panet.loader import label_history
from panet.shipped import Release, find, releases

TYPE_CHECKING = False
if TYPE_CHECKING:
    from panet.ontology import Key, Ontology
    from panet.term import Term

__all__ = ["Release", "find", "former_labels", "history", "label_history", "releases"]


def history(onto: Ontology, key: Key) -> tuple[tuple[str, str], ...]:
    """(version, label) each time the term's label changed, over every shipped version
    (`releases`) and then ``onto`` if it is none of them, oldest first.

    >>> import panet
    >>> history(panet.load(), "PaNET01012")[0]
    ('1.0.0', 'x-ray probe')
    """
    term = onto[key]
    labels = label_history().get(term.iri, ())
    if onto.version not in {release.version for release in releases()}:
        labels = (*labels, (onto.version, term.label))
    changes: list[tuple[str, str]] = []
    for version, label in labels:
        if not changes or changes[-1][1].strip().casefold() != label.strip().casefold():
            changes.append((version, label))
    return tuple(changes)


def former_labels(onto: Ontology) -> dict[str, tuple[Term, str, str]]:
    """Deprecated: use ``onto.former_labels()`` (lookups fall back to those labels, so the
    ontology computes them)."""
    import warnings

    warnings.warn(
        "panet.versions.former_labels(onto) is deprecated; use onto.former_labels()", DeprecationWarning, stacklevel=2
    )
    return onto.former_labels()
