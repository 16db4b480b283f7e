"""Compile `OntologyData` into the plain-data index that `Ontology` serves and the cache stores.

The index holds only builtin types (tuples, dicts, strings, ints) so `marshal` can store
and load it in well under a millisecond. Terms are numbered in IRI order; every relation is
a tuple of those numbers.
"""

from __future__ import annotations

import re
from typing import Any

from panet.cache import FORMAT
from panet.formats import OntologyData
from panet.hierarchy import classify
from panet.term import NAMESPACE, PREFIX
from panet.text import key_variants

__all__ = ["SPECIFIER_ROOT", "TECHNIQUE_ROOTS", "build"]

SPECIFIER_ROOT = NAMESPACE + "PaNET2000000"
TECHNIQUE_ROOTS = (NAMESPACE + "PaNET00001", NAMESPACE + "PaNET00002")
_SPECIFIER_ID = re.compile(r"PaNET20\d{5}")


def build(data: OntologyData, *, sha256: str, version: str) -> dict[str, Any]:
    """The index of ``data``; ``version`` and ``sha256`` describe its source file."""
    iris = sorted(data.terms)
    number = {iri: i for i, iri in enumerate(iris)}
    subclass_of = set(data.subclass_of)
    inferred = None
    if data.axioms:  # told axioms: classify them (the file's own edges are kept too)
        from panet.reasoner import classify as reason

        inferred = reason(data.axioms)
        subclass_of |= inferred.pairs()
        warnings = [f"{iri}: unsatisfiable (its disjointness axioms make it empty)" for iri in inferred.unsatisfiable]
        data.warnings.extend(sorted(warnings))
    edges = [(number[c], number[p]) for c, p in subclass_of if c in number and p in number and c != p]
    equivalent = [(number[a], number[b]) for a, b in data.equivalent_to if a in number and b in number]
    ancestors, parents, equivalents = classify(len(iris), edges, equivalent)

    specifier_root = number.get(SPECIFIER_ROOT)
    kinds = []
    for i, iri in enumerate(iris):
        local_id = iri.rpartition("/")[2]
        is_specifier = (
            i == specifier_root or specifier_root in ancestors[i] or _SPECIFIER_ID.fullmatch(local_id) is not None
        )
        kinds.append("specifier" if is_specifier else "technique")

    terms = []
    for iri in iris:
        record = data.terms[iri]
        label = record.label or iri.rpartition("/")[2]
        terms.append(
            (
                iri,
                label,
                tuple(record.synonyms),
                record.definition,
                record.definition_source,
                kinds[number[iri]],
                record.deprecated,
                record.replaced_by,
            )
        )

    # identifiers as written (one dict hit), and the case-folded ID every other spelling reduces to
    ids: dict[str, int] = {}
    for i, iri in enumerate(iris):
        local = iri.rpartition("/")[2]
        for key in (iri, local, f"{PREFIX}:{local}", f"PaNET:{local}", local.casefold()):
            ids[key] = i

    # name key -> candidates; order: current before deprecated, technique before specifier,
    # label before synonym, then IRI order.
    ranked: dict[str, set[tuple[bool, bool, bool, int]]] = {}
    for i, (_, label, synonyms, *_rest) in enumerate(terms):
        deprecated = terms[i][6]
        for is_synonym, name in [(False, label)] + [(True, s) for s in synonyms]:
            rank = (deprecated, kinds[i] != "technique", is_synonym, i)
            for key in key_variants(name) | {name.strip()}:
                ranked.setdefault(key, set()).add(rank)
    names = {}
    for key, ranks in ranked.items():
        seen: list[int] = []
        for *_, i in sorted(ranks):
            if i not in seen:
                seen.append(i)
        names[key] = tuple(seen)

    children: list[list[int]] = [[] for _ in iris]
    descendants: list[list[int]] = [[] for _ in iris]
    for i in range(len(iris)):
        for p in parents[i]:
            children[p].append(i)
        for a in ancestors[i]:
            descendants[a].append(i)

    from panet.facets import facet_index

    return {
        **facet_index(data, number, inferred),
        "format": FORMAT,
        "path": str(data.path),
        "sha256": sha256,
        "version": version,
        "version_info": data.version_info,
        "ontology_iri": data.ontology_iri,
        "metadata": dict(data.metadata),
        "warnings": tuple(data.warnings),
        "properties": dict(data.properties),
        "terms": tuple(terms),
        "deprecated": tuple(i for i, row in enumerate(terms) if row[6]),
        "ids": ids,
        "names": names,
        "parents": tuple(parents),
        "children": tuple(tuple(c) for c in children),
        "ancestors": tuple(ancestors),
        "descendants": tuple(tuple(d) for d in descendants),
        "equivalents": tuple(equivalents),
    }
