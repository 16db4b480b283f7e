"""`Ontology`: the in-memory PaNET index every other part of panet reads.

Lookups, the hierarchy and search are methods here; the CLI, annotator, validator and API
hold no logic of their own. Every method that takes a term accepts a `Term`, an IRI, a CURIE
(``panet:PaNET01188``, ``PaNET:PaNET01188``), an ID (``PaNET01188``), a label or a synonym.
"""

from __future__ import annotations

from panet.errors import TermNotFound
from panet.term import Term, local_id
from panet.text import key_variants, normalize

TYPE_CHECKING = False  # importing typing costs 2 ms; this idiom keeps `import panet` cheap
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import Any, Literal

    import networkx

    from panet.annotate import Annotation, Annotator
    from panet.draw import Drawing
    from panet.facets import Facets
    from panet.mappings import Mapping, MappingSet
    from panet.search import Hit, SearchIndex

    KindFilter = Literal["technique", "specifier", "any"] | None
    Key = Term | str

__all__ = ["Ontology"]


class Ontology:
    """PaNET terms with their hierarchy, indexed for microsecond lookups.

    Build one with `panet.load`; it is immutable and safe to share between threads.

    >>> import panet
    >>> onto = panet.load()
    >>> onto.term("small angle scattering").id        # the technique, not the specifier
    'PaNET01124'
    >>> len(onto.descendants("PaNET01012"))           # x-ray probe technique
    94
    """

    def __init__(self, index: dict[str, Any]) -> None:
        self._index = index
        self._terms: tuple[Term, ...] = tuple(Term(*row) for row in index["terms"])
        self._ids: dict[str, int] = index["ids"]
        self._names: dict[str, tuple[int, ...]] = index["names"]
        self._sets: dict[tuple[str, int], frozenset[Term]] = {}
        self._search: SearchIndex | None = None
        self._former: dict[str, tuple[Term, str, str]] | None = None
        self._memo: dict[Any, Any] = {}  # compiled helpers other modules keep per ontology (annotators, mappings)

    # -- identity -------------------------------------------------------------------------
    @property
    def version(self) -> str:
        """Release of the source file: its release tag (``1.1.0``) or else its versionInfo."""
        return self._index["version"]

    @property
    def checksum(self) -> str:
        """``sha256:<hex>`` of the source file's bytes."""
        return "sha256:" + self._index["sha256"]

    @property
    def path(self) -> str:
        """The file this ontology was loaded from."""
        return self._index["path"]

    @property
    def ontology_iri(self) -> str | None:
        """The ontology's own IRI (``http://purl.org/pan-science/PaNET/PaNET.owl``)."""
        return self._index["ontology_iri"]

    @property
    def version_info(self) -> str | None:
        """``owl:versionInfo`` as written in the file (wrong in v1.1.x: prefer `version`)."""
        return self._index["version_info"]

    @property
    def metadata(self) -> dict[str, Any]:
        """Ontology header: title, licence, versionInfo, as found in the file."""
        return dict(self._index["metadata"])

    @property
    def properties(self) -> dict[str, str]:
        """Object properties: IRI -> label (e.g. ``definedbyprobe``)."""
        return dict(self._index["properties"])

    @property
    def warnings(self) -> tuple[str, ...]:
        """Problems the reader tolerated (e.g. ambiguous label references in a CSV)."""
        return self._index["warnings"]

    def __repr__(self) -> str:
        return f"<Ontology PaNET {self.version}: {len(self)} terms from {self.path}>"

    # -- lookup ---------------------------------------------------------------------------
    def term(self, key: Key, kind: KindFilter = None) -> Term:
        """The term for ``key``; `TermNotFound` (a ``KeyError``) lists the closest labels.

        ``kind=None`` (default): an IRI, CURIE or ID returns the term it names; a label or
        synonym returns a technique only (a specifier is never a technique: pass
        ``kind="specifier"`` or ``kind="any"`` for specifiers). Where a technique and a
        specifier share a label, the technique wins unless ``kind="specifier"``.

        >>> import panet
        >>> onto = panet.load()
        >>> onto.term("small angle scattering", kind="specifier").id
        'PaNET2020072'
        >>> onto.term("panet:PaNET01188").label
        'small angle x-ray scattering'
        """
        return self._lookup(key, kind)

    def get(self, key: Key, default: Any = None, kind: KindFilter = None) -> Term | Any:
        """Like `term`, but ``default`` instead of `TermNotFound`."""
        try:
            return self._lookup(key, kind)
        except TermNotFound:
            return default

    def terms_by_label(self, label: str) -> tuple[Term, ...]:
        """Every term whose label or synonym is ``label``: techniques first.

        >>> import panet
        >>> [t.id for t in panet.load().terms_by_label("small angle scattering")]
        ['PaNET01124', 'PaNET2020072']
        """
        return tuple(self._terms[i] for i in self._candidates(label))

    def terms(self, kind: KindFilter = None, include_obsolete: bool = False) -> tuple[Term, ...]:
        """All terms (of one kind), in IRI order; deprecated ones only with ``include_obsolete``."""
        kind = _kind_filter(kind)
        if kind is None and (include_obsolete or not self._index["deprecated"]):
            return self._terms
        return tuple(t for t in self._terms if kind in (None, t.kind) and (include_obsolete or not t.deprecated))

    def is_technique(self, key: Key) -> bool:
        """True for techniques, False for specifiers (probes, processes, purposes, ...)."""
        return self._terms[self._number(key, "any")].kind == "technique"

    def __getitem__(self, key: Key) -> Term:
        return self._lookup(key, "any")

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, (str, Term)):
            return False
        try:
            self._number(key, "any")
        except TermNotFound:
            return False
        return True

    def __len__(self) -> int:
        return len(self._terms)

    def __iter__(self) -> Iterator[Term]:
        return iter(self._terms)

    def history(self, key: Key) -> tuple[tuple[str, str], ...]:
        """(version, label) each time the term's label changed, over every shipped version
        (`panet.releases`) and then this ontology if it is none of them, oldest first.

        >>> import panet
        >>> panet.load().history("PaNET01012")[0]
        ('1.0.0', 'x-ray probe')
        """
        from panet.versions import label_history, releases

        term = self._terms[self._number(key, "any")]
        labels = label_history().get(term.iri, ())
        if self.version not in {release.version for release in releases()}:
            labels = (*labels, (self.version, term.label))
        changes: list[tuple[str, str]] = []
        for version, label in labels:
            if not changes or changes[-1][1].strip().casefold() != label.strip().casefold():
                changes.append((version, label))
        return tuple(changes)

    def former_labels(self) -> dict[str, tuple[Term, str, str]]:
        """Labels other shipped versions use and this one does not: normalised label -> (term,
        label, last version that used it).

        Lookups fall back to these: ``onto.term("x-ray probe").match == "former label"``.
        """
        if self._former is None:
            from panet.versions import former_labels

            self._former = {}  # lookups made while building see no former labels
            self._former = former_labels(self)
        return self._former

    # -- hierarchy ------------------------------------------------------------------------
    def parents(self, key: Key) -> frozenset[Term]:
        """Direct superclasses (the transitive reduction of the inferred hierarchy)."""
        return self._related("parents", key)

    def children(self, key: Key) -> frozenset[Term]:
        """Direct subclasses."""
        return self._related("children", key)

    def ancestors(self, key: Key, include_self: bool = False) -> frozenset[Term]:
        """All superclasses, transitively (equivalent classes excluded, their ancestors shared)."""
        found = self._related("ancestors", key)
        return found | {self[key]} if include_self else found

    def descendants(self, key: Key, include_self: bool = False) -> frozenset[Term]:
        """All subclasses, transitively.

        >>> import panet
        >>> sorted(t.label for t in panet.load().descendants("small angle scattering"))[:2]
        ['anomalous small angle x-ray scattering', 'anomalous solution x-ray scattering']
        """
        found = self._related("descendants", key)
        return found | {self[key]} if include_self else found

    def equivalents(self, key: Key) -> frozenset[Term]:
        """Other terms equivalent to this one (e.g. 'obtain spatial map' ≡ 'imaging')."""
        return self._related("equivalents", key)

    def roots(
        self, kind: Literal["technique", "specifier"] | None = None, include_obsolete: bool = False
    ) -> tuple[Term, ...]:
        """Terms without parents, in IRI order (a retired term loses its links: it is left out
        unless ``include_obsolete``)."""
        parents = self._index["parents"]
        return tuple(t for t in self.terms(kind, include_obsolete) if not parents[self._ids[t.iri]])

    def leaves(
        self, kind: Literal["technique", "specifier"] | None = None, include_obsolete: bool = False
    ) -> tuple[Term, ...]:
        """Terms without children, in IRI order (deprecated ones only with ``include_obsolete``)."""
        children = self._index["children"]
        return tuple(t for t in self.terms(kind, include_obsolete) if not children[self._ids[t.iri]])

    def lca(self, a: Key, b: Key) -> frozenset[Term]:
        """Lowest common ancestors: the most specific terms subsuming both (self included).

        >>> import panet
        >>> sorted(t.label for t in panet.load().lca("SAXS", "SANS"))
        ['defined by experimental probe', 'small angle scattering']
        """
        ancestors = self._index["ancestors"]

        def up(key: Key) -> set[int]:
            i = self._number(key, "any")
            return {i, *ancestors[i], *self._index["equivalents"][i]}

        common = up(a) & up(b)
        below = {x for c in common for x in ancestors[c]}
        return frozenset(self._terms[c] for c in common - below)

    def paths_to_root(self, key: Key) -> list[tuple[Term, ...]]:
        """Every path of direct parents from the term up to a root, shortest first.

        >>> import panet
        >>> [t.id for t in panet.load().paths_to_root("SAXS")[0]]
        ['PaNET01188', 'PaNET01184', 'PaNET00200', 'PaNET00003', 'PaNET00001']
        """
        parents = self._index["parents"]
        paths: list[tuple[int, ...]] = []
        stack: list[tuple[int, ...]] = [(self._number(key, "any"),)]
        while stack:
            path = stack.pop()
            above = parents[path[-1]]
            if not above:
                paths.append(path)
            stack.extend((*path, p) for p in above)
        paths.sort(key=lambda p: (len(p), [self._terms[i].iri for i in p]))
        return [tuple(self._terms[i] for i in path) for path in paths]

    def to_networkx(self) -> networkx.DiGraph:
        """The hierarchy as a ``networkx.DiGraph``: nodes are IRIs, edges go child -> parent.

        Node attributes: ``id``, ``label``, ``kind``.
        """
        import networkx

        graph = networkx.DiGraph()
        for t in self._terms:
            graph.add_node(t.iri, id=t.id, label=t.label, kind=t.kind)
        for i, parents in enumerate(self._index["parents"]):
            graph.add_edges_from((self._terms[i].iri, self._terms[p].iri) for p in parents)
        return graph

    def plot(self, key: Key, depth: int | None = None) -> Drawing:
        """A picture of the sub-hierarchy under ``key`` (SVG in Jupyter; ``.save("x.png")``).

        >>> import panet
        >>> len(panet.load().plot("SAXS", depth=1).nodes)
        8
        """
        from panet.draw import draw

        return draw(self, key, depth)

    # -- facets ---------------------------------------------------------------------------
    def facets(self, key: Key) -> Facets:
        """What defines the term, by axis (probe, process, functional_dependence, purpose,
        beam_characteristic), from its equivalence axiom and what it inherits; see `panet.facets`.

        >>> import panet
        >>> [t.label for t in panet.load().facets("SANS")["probe"]]
        ['neutron']
        """
        from panet.facets import facets_of

        return facets_of(self._terms, self._index, self._number(key, "any"))

    def facet_axes(self) -> tuple[str, ...]:
        """The facet axes this ontology defines, e.g. ``('beam_characteristic', ..., 'purpose')``."""
        return tuple(sorted(set(self._index["axes"].values())))

    def techniques_with(self, include_obsolete: bool = False, **axes: Key) -> frozenset[Term]:
        """Techniques with every given facet, e.g. ``techniques_with(probe="neutron",
        process="small angle scattering")``; values are specifiers (or their labels), and
        more specific specifiers match too. `panet.errors.UnknownAxis` for an unknown axis.
        """
        from panet.facets import techniques_with

        return techniques_with(self, axes, include_obsolete)

    # -- PaN search API ---------------------------------------------------------------------
    def pan_search_filter(self, key: Key, descendants: bool = True) -> dict[str, Any]:
        """The PaN search API filter (``GET /datasets?filter=``) selecting datasets whose
        technique pid is this technique or, with ``descendants``, any technique under it.

        >>> import panet
        >>> f = panet.load().pan_search_filter("SAXS")
        >>> len(f["include"][0]["scope"]["where"]["pid"]["inq"])
        10
        """
        from panet.loopback import pan_search_filter

        return pan_search_filter(self, key, descendants)

    # -- search ---------------------------------------------------------------------------
    def search(
        self,
        text: str,
        limit: int | None = 10,
        kind: KindFilter = None,
        fuzzy: bool | None = None,
        include_obsolete: bool = False,
    ) -> list[Hit]:
        """Ranked search of labels and synonyms: exact > prefix > whole word > substring > fuzzy.

        ``limit=None`` returns every hit. Fuzzy (typo-tolerant) hits come only when nothing
        else matched, unless ``fuzzy`` is True (always) or False (never). Deprecated terms
        are left out unless ``include_obsolete`` (then they rank after current ones).

        >>> import panet
        >>> [h.term.label for h in panet.load().search("scattering", limit=3)]
        ['scattering', 'scattering technique', 'x-ray scattering']
        """
        kind = _kind_filter(kind)
        kinds = None if kind is None else frozenset((kind,))
        return self._search_index().search(text, limit, kinds, fuzzy, include_obsolete)

    # -- annotation and mappings ------------------------------------------------------------
    def annotate(self, text: str, **options: Any) -> list[Annotation]:
        """Terms found in free text, with offsets into ``text``; see `panet.annotate.Annotator`.

        Options: ``longest_only=True``, ``whole_words=True``, ``include_synonyms=True``,
        ``include_mappings=True`` (or mapping sets), ``kinds=("technique",)``, ``min_length=2``,
        ``expand="none"|"ancestors"``, ``stop_words=()``, ``fuzzy=False``. The annotator for
        each set of options is compiled once and kept.

        >>> import panet
        >>> [(a.text, a.term.label) for a in panet.load().annotate("Small-Angle X-ray Scattering")]
        [('Small-Angle X-ray Scattering', 'small angle x-ray scattering')]
        """
        from panet.annotate import annotator_for

        return annotator_for(self, options).annotate(text)

    def annotator(self, **options: Any) -> Annotator:
        """The compiled annotator for ``options`` (see `annotate`), to reuse, share or pickle."""
        from panet.annotate import annotator_for

        return annotator_for(self, options)

    def mapped(self, key: str, mappings: Iterable[MappingSet] | None = None) -> tuple[Mapping, ...]:
        """Mappings to an outside concept (``wfl:1425``, its IRI or its label): the crosswalk
        into PaNET. ``mappings`` defaults to the shipped sets (Way for Light, Helmholtz Imaging).

        >>> import panet
        >>> [(m.term.label, m.predicate_id) for m in panet.load().mapped("wfl:1436")][:1]
        [('x-ray spectroscopy', 'skos:narrowMatch')]
        """
        from panet.mappings import mapped

        return mapped(self, key, mappings)

    def mappings_for(self, key: Key, mappings: Iterable[MappingSet] | None = None) -> tuple[Mapping, ...]:
        """Mappings of one term to outside concepts, with predicate and confidence.

        >>> import panet
        >>> [(m.object_id, m.predicate_id, m.confidence) for m in panet.load().mappings_for("SAXS")]
        [('wfl:1425', 'skos:exactMatch', 1.0)]
        """
        from panet.mappings import mappings_for

        return mappings_for(self, key, mappings)

    # -- SPARQL ---------------------------------------------------------------------------
    def sparql(self, query: str) -> Any:
        """Run a read-only SPARQL query over this PaNET with its reasoned hierarchy.

        ``rdfs:subClassOf`` holds the full closure; prefixes ``panet:``, ``rdfs:``, ``owl:``,
        ``skos:`` are predeclared. Returns pyoxigraph results (rows for SELECT, a truth value
        for ASK, triples for CONSTRUCT); see `panet.sparql.query`.

        >>> import panet
        >>> rows = panet.load().sparql("SELECT ?t WHERE { ?t rdfs:subClassOf panet:PaNET01012 }")
        >>> len(list(rows))                                # x-ray probe technique: all descendants
        94
        """
        from panet.sparql import query as run

        return run(self, query)

    def _search_index(self) -> SearchIndex:
        if self._search is None:
            from panet.search import SearchIndex

            self._search = SearchIndex(self._terms)
        return self._search

    # -- internals ------------------------------------------------------------------------
    def _lookup(self, key: Key, kind: KindFilter) -> Term:
        """`term` without its documentation; warns when the term is deprecated."""
        i, match = self._resolve(key, kind)
        term = self._terms[i]
        if term.deprecated:
            self._warn_deprecated(term)
        return term if match is None else term.with_match(match)

    def _warn_deprecated(self, term: Term) -> None:
        import warnings

        from panet.errors import DeprecatedTermWarning

        message = f"{term.id} '{term.label}' is deprecated"
        replacement = self._ids.get(term.replaced_by or "")
        if replacement is not None:
            new = self._terms[replacement]
            message += f"; use {new.id} '{new.label}' instead (term replaced by)"
        elif term.replaced_by:
            message += f"; replaced by {term.replaced_by}"
        warnings.warn(message, DeprecatedTermWarning, stacklevel=4)

    def _related(self, relation: str, key: Key) -> frozenset[Term]:
        i = self._number(key, "any")
        found = self._sets.get((relation, i))
        if found is None:
            terms = self._terms
            found = self._sets[relation, i] = frozenset([terms[j] for j in self._index[relation][i]])
        return found

    def _candidates(self, key: str) -> tuple[int, ...]:
        """Terms carrying ``key`` as label or synonym (any spelling variant), best first."""
        names = self._names
        found = names.get(key) or names.get(normalize(key))
        if found is None:
            for variant in key_variants(key):
                found = names.get(variant)
                if found is not None:
                    break
        return found or ()

    def _number(self, key: Key, kind: KindFilter) -> int:
        return self._resolve(key, kind)[0]

    def _resolve(self, key: Key, kind: KindFilter) -> tuple[int, str | None]:
        """Term number for ``key`` and how it matched if not by a current name; see `term`."""
        if kind is not None and kind not in ("technique", "specifier", "any"):
            from panet.options import Kind

            kind = Kind.parse(kind).value  # or OptionError listing the kinds
        if isinstance(key, Term):
            key = key.iri
        elif not isinstance(key, str):
            raise TermNotFound(key, hint="a key must be a Term or a string (IRI, CURIE, ID, label or synonym)")
        # cheapest first: identifier as written, other IRI/CURIE spellings, names, bare IDs
        i = self._ids.get(key)
        if i is None and ":" in key:
            i = self._ids.get(local_id(key))
        candidates = self._candidates(key) if i is None else ()
        if i is None and not candidates:
            i = self._ids.get(local_id(key))
        if i is not None:  # an identifier names exactly one term
            if kind in (None, "any") or self._terms[i].kind == kind:
                return i, None
            term = self._terms[i]
            raise TermNotFound(key, hint=f"{term.id} '{term.label}' is a {term.kind}, not a {kind}")
        wanted = "technique" if kind is None else kind
        for i in candidates:
            if wanted == "any" or self._terms[i].kind == wanted:
                return i, None
        if candidates:
            other = self._terms[candidates[0]]
            hint = f"{other.id} '{other.label}' is a {other.kind}, not a {wanted}"
            if kind is None:
                hint += "; pass kind='specifier' (CLI: --kind specifier) to look up specifiers"
            raise TermNotFound(key, hint=hint)
        former = self.former_labels().get(normalize(key))
        if former is not None and (wanted == "any" or former[0].kind == wanted):
            return self._ids[former[0].iri], "former label"
        raise TermNotFound(key, self._suggest(key, kind))

    def _suggest(self, key: str, kind: KindFilter) -> tuple[str, ...]:
        if not normalize(key):
            return ()
        kinds = frozenset(("technique",)) if kind is None else None if kind == "any" else frozenset((kind,))
        return tuple(dict.fromkeys(hit.term.label for hit in self._search_index().fuzzy(key, 5, kinds)))


def _kind_filter(kind: object) -> str | None:
    """A list's kind: None (both) for None or "any", else "technique" or "specifier"; `OptionError` otherwise."""
    if kind is None or kind in ("technique", "specifier"):
        return kind  # type: ignore[return-value]
    from panet.options import Kind

    return Kind.filter(kind)
