"""`Ontology`: the in-memory PaNET index: lookup and hierarchy.

This is the core every capability reads: search (`panet.search`), annotation
(`panet.annotate`), facets (`panet.facets`), mappings (`panet.mappings`), versions
(`panet.versions`), SPARQL (`panet.sparql`), the PaN search API (`panet.loopback`), drawing
(`panet.draw`), records and SHACL are modules of functions over an `Ontology`; it imports none
of them. ``onto.search`` and ``onto.annotate`` are kept as shortcuts.

Every method that takes a term accepts a `Term`, an IRI, a CURIE (``panet:PaNET01188``,
``PaNET:PaNET01188``), an ID (``PaNET01188``), a label or a synonym.

Order of answers: a method returning a tuple (`terms`, `roots`, `leaves`, `terms_by_label`)
gives a documented order (IRI order unless said); a hierarchy relation (`parents`, `children`,
`ancestors`, `descendants`, `equivalents`, `lca`) is a ``frozenset``: sort it with
`panet.term.by_label` (label, case-folded, then IRI), the order of every listing panet prints.
"""

from __future__ import annotations

from panet.errors import TermNotFound
from panet.index import Index
from panet.term import Term, local_id
from panet.text import key_variants, normalize

TYPE_CHECKING = False  # importing typing costs 2 ms; this idiom keeps `import panet` cheap
if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Iterator, Mapping
    from typing import Any, Literal, TypeVar

    import networkx

    from panet.annotate import Annotation
    from panet.search import Hit, SearchIndex

    KindFilter = Literal["technique", "specifier", "any"] | None
    Key = Term | str
    History = Mapping[str, tuple[tuple[str, str], ...]]
    T = TypeVar("T")

__all__ = ["Ontology"]

SEARCH_INDEX = ("panet.search", "index")  # the memo key of `panet.search.search_index`


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

    def __init__(self, index: Index | dict[str, Any], label_history: Callable[[], History] | None = None) -> None:
        if isinstance(index, dict):
            index = Index.from_dict(index)
        self._index = index
        self._terms: tuple[Term, ...] = tuple(Term(*row) for row in index.terms)  # type: ignore[arg-type]
        self._ids = index.ids
        self._names = index.names
        self._sets: dict[tuple[str, int], frozenset[Term]] = {}
        self._label_history = label_history
        self._former: dict[str, tuple[Term, str, str]] | None = None
        self._memo: dict[Hashable, Any] = {}

    # -- identity -------------------------------------------------------------------------
    @property
    def index(self) -> Index:
        """The compiled index this ontology serves (`panet.index.Index`), for capability modules."""
        return self._index

    @property
    def version(self) -> str:
        """Release of the source file: its release tag (``1.1.0``) or else its versionInfo."""
        return self._index.version

    @property
    def checksum(self) -> str:
        """``sha256:<hex>`` of the source file's bytes."""
        return "sha256:" + self._index.sha256

    @property
    def path(self) -> str:
        """The file this ontology was loaded from."""
        return self._index.path

    @property
    def ontology_iri(self) -> str | None:
        """The ontology's own IRI (``http://purl.org/pan-science/PaNET/PaNET.owl``)."""
        return self._index.ontology_iri

    @property
    def version_info(self) -> str | None:
        """``owl:versionInfo`` as written in the file (wrong in v1.1.x: prefer `version`)."""
        return self._index.version_info

    @property
    def metadata(self) -> dict[str, Any]:
        """Ontology header: title, licence, versionInfo, as found in the file."""
        return dict(self._index.metadata)

    @property
    def properties(self) -> dict[str, str]:
        """Object properties: IRI -> label (e.g. ``definedbyprobe``)."""
        return dict(self._index.properties)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Problems the reader tolerated (e.g. ambiguous label references in a CSV)."""
        return self._index.warnings

    def __repr__(self) -> str:
        return f"<Ontology PaNET {self.version}: {len(self)} terms from {self.path}>"

    # -- derived data -----------------------------------------------------------------------
    def memo(self, key: Hashable, build: Callable[[Ontology], T]) -> T:
        """``build(self)``, computed on first use and kept under ``key`` for this ontology's life.

        Capabilities keep what they derive from an ontology here (compiled annotators, mapping
        sets, search indexes); use a key naming your module, e.g. ``("panet.mappings", "shipped")``.
        Two threads may both build a value; one of them is kept.

        >>> import panet
        >>> onto = panet.load()
        >>> onto.memo("my.count", len) is onto.memo("my.count", lambda o: 0)
        True
        """
        try:
            return self._memo[key]  # type: ignore[no-any-return]
        except KeyError:
            return self._memo.setdefault(key, build(self))  # type: ignore[no-any-return]

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
        """Like `term`, but ``default`` instead of `TermNotFound`.

        >>> import panet
        >>> panet.load().get("no such technique") is None
        True
        """
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
        """All terms (of one kind: "technique", "specifier", or None/"any" for both), in IRI order;
        deprecated ones only with ``include_obsolete``.

        >>> import panet
        >>> len(panet.load().terms("specifier"))
        130
        """
        wanted = _kind_filter(kind)
        if wanted is None and (include_obsolete or not self._index.deprecated):
            return self._terms
        return tuple(t for t in self._terms if wanted in (None, t.kind) and (include_obsolete or not t.deprecated))

    def is_technique(self, key: Key) -> bool:
        """True for techniques, False for specifiers (probes, processes, purposes, ...).

        >>> import panet
        >>> panet.load().is_technique("x-ray")
        False
        """
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

    def former_labels(self) -> dict[str, tuple[Term, str, str]]:
        """Labels other shipped versions use and this one does not: normalised label -> (term,
        label, last version that used it). Where a technique and a specifier shared an old label
        (v1.3.0's 'microfocussed probe'), the technique keeps it, as lookups prefer techniques.

        Lookups fall back to these: ``onto.term("x-ray probe").match == "former label"``.

        >>> import panet
        >>> term, label, version = panet.load().former_labels()["x-ray probe"]
        >>> term.id, version
        ('PaNET01012', '1.3.0')
        """
        if self._former is None:
            history = self._label_history() if self._label_history is not None else {}
            former: dict[str, tuple[Term, str, str]] = {}
            for iri, labels in history.items():
                i = self._ids.get(iri)
                if i is None:
                    continue
                term = self._terms[i]
                current = {normalize(name) for name in term.names}
                for version, label in labels:
                    key = normalize(label)
                    if key in current or self._candidates(label):
                        continue
                    seen = former.get(key)  # a label a technique and a specifier shared: the technique keeps it
                    if seen is None or seen[0].kind == term.kind or term.kind == "technique":
                        former[key] = (term, label, version)
            self._former = former
        return self._former

    # -- hierarchy ------------------------------------------------------------------------
    def parents(self, key: Key) -> frozenset[Term]:
        """Direct superclasses (the transitive reduction of the inferred hierarchy).

        >>> import panet
        >>> from panet.term import by_label
        >>> [t.label for t in by_label(panet.load().parents("SAXS"))]
        ['small angle scattering', 'x-ray scattering']
        """
        return self._related("parents", key)

    def children(self, key: Key) -> frozenset[Term]:
        """Direct subclasses.

        >>> import panet
        >>> len(panet.load().children("small angle scattering"))
        8
        """
        return self._related("children", key)

    def ancestors(self, key: Key, include_self: bool = False) -> frozenset[Term]:
        """All superclasses, transitively (equivalent classes excluded, their ancestors shared).

        >>> import panet
        >>> len(panet.load().ancestors("SAXS"))
        9
        """
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
        """Other terms equivalent to this one (e.g. 'obtain spatial map' ≡ 'imaging').

        >>> import panet
        >>> [t.label for t in panet.load().equivalents("obtain spatial map")]
        ['imaging']
        """
        return self._related("equivalents", key)

    def roots(
        self, kind: Literal["technique", "specifier"] | None = None, include_obsolete: bool = False
    ) -> tuple[Term, ...]:
        """Terms without parents, in IRI order (a retired term loses its links: it is left out
        unless ``include_obsolete``).

        >>> import panet
        >>> [t.id for t in panet.load().roots()][:2]
        ['PaNET00001', 'PaNET00002']
        """
        parents = self._index.parents
        return tuple(t for t in self.terms(kind, include_obsolete) if not parents[self._ids[t.iri]])

    def leaves(
        self, kind: Literal["technique", "specifier"] | None = None, include_obsolete: bool = False
    ) -> tuple[Term, ...]:
        """Terms without children, in IRI order (deprecated ones only with ``include_obsolete``).

        >>> import panet
        >>> panet.load().term("SAXS") in panet.load().leaves()
        False
        """
        children = self._index.children
        return tuple(t for t in self.terms(kind, include_obsolete) if not children[self._ids[t.iri]])

    def lca(self, a: Key, b: Key) -> frozenset[Term]:
        """Lowest common ancestors: the most specific terms subsuming both (self included).

        >>> import panet
        >>> sorted(t.label for t in panet.load().lca("SAXS", "SANS"))
        ['defined by experimental probe', 'small angle scattering']
        """
        ancestors = self._index.ancestors
        equivalents = self._index.equivalents

        def up(key: Key) -> set[int]:
            i = self._number(key, "any")
            return {i, *ancestors[i], *equivalents[i]}

        common = up(a) & up(b)
        below = {x for c in common for x in ancestors[c]}
        return frozenset(self._terms[c] for c in common - below)

    def paths_to_root(self, key: Key) -> list[tuple[Term, ...]]:
        """Every path of direct parents from the term up to a root, shortest first (then by IRIs).

        >>> import panet
        >>> [t.id for t in panet.load().paths_to_root("SAXS")[0]]
        ['PaNET01188', 'PaNET01184', 'PaNET00200', 'PaNET00003', 'PaNET00001']
        """
        parents = self._index.parents
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

    def to_networkx(self) -> networkx.DiGraph[str]:
        """The hierarchy as a ``networkx.DiGraph``: nodes are IRIs, edges go child -> parent.

        Node attributes: ``id``, ``label``, ``kind``.

        >>> import panet
        >>> panet.load().to_networkx().number_of_nodes()
        510
        """
        import networkx

        graph: networkx.DiGraph[str] = networkx.DiGraph()
        for t in self._terms:
            graph.add_node(t.iri, id=t.id, label=t.label, kind=t.kind)
        for i, parents in enumerate(self._index.parents):
            graph.add_edges_from((self._terms[i].iri, self._terms[p].iri) for p in parents)
        return graph

    # -- shortcuts to capabilities ------------------------------------------------------------
    def search(
        self,
        text: str,
        limit: int | None = 10,
        kind: KindFilter = None,
        fuzzy: bool | None = None,
        include_obsolete: bool = False,
    ) -> list[Hit]:
        """Shortcut for `panet.search.search` ``(onto, text, ...)``: ranked search of labels and
        synonyms, exact > prefix > whole word > substring > fuzzy.

        ``limit=None`` returns every hit. Fuzzy (typo-tolerant) hits come only when nothing
        else matched, unless ``fuzzy`` is True (always) or False (never). Deprecated terms
        are left out unless ``include_obsolete`` (then they rank after current ones).

        >>> import panet
        >>> [h.term.label for h in panet.load().search("scattering", limit=3)]
        ['scattering', 'scattering technique', 'x-ray scattering']
        """
        wanted = _kind_filter(kind)
        index: SearchIndex | None = self._memo.get(SEARCH_INDEX)  # repeated queries: no import, no extra call
        if index is None:
            from panet.search import search_index

            index = search_index(self)
        return index.search(text, limit, None if wanted is None else frozenset((wanted,)), fuzzy, include_obsolete)

    def annotate(self, text: str, **options: Any) -> list[Annotation]:
        """Shortcut for `panet.annotate.annotator_for` ``(onto, options).annotate(text)``: terms
        found in free text, with offsets into ``text``; see `panet.annotate.Annotator`.

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

    # -- deprecated members: capabilities now live in their own modules ----------------------
    def history(self, key: Key) -> tuple[tuple[str, str], ...]:
        """Deprecated: use `panet.versions.history` ``(onto, key)``."""
        return _forward(self, "history", "panet.versions", "history", key)  # type: ignore[no-any-return]

    def plot(self, key: Key, depth: int | None = None) -> Any:
        """Deprecated: use `panet.draw.draw` ``(onto, key, depth)``."""
        return _forward(self, "plot", "panet.draw", "draw", key, depth)

    def facets(self, key: Key) -> Any:
        """Deprecated: use `panet.facets.facets` ``(onto, key)``."""
        return _forward(self, "facets", "panet.facets", "facets", key)

    def facet_axes(self) -> tuple[str, ...]:
        """Deprecated: use `panet.facets.axes` ``(onto)``."""
        return _forward(self, "facet_axes", "panet.facets", "axes")  # type: ignore[no-any-return]

    def techniques_with(self, include_obsolete: bool = False, **axes: Key) -> frozenset[Term]:
        """Deprecated: use `panet.facets.techniques_with` ``(onto, {axis: specifier, ...})``."""
        return _forward(self, "techniques_with", "panet.facets", "techniques_with", axes, include_obsolete)  # type: ignore[no-any-return]

    def pan_search_filter(self, key: Key, descendants: bool = True) -> dict[str, Any]:
        """Deprecated: use `panet.loopback.pan_search_filter` ``(onto, key, descendants)``."""
        return _forward(self, "pan_search_filter", "panet.loopback", "pan_search_filter", key, descendants)  # type: ignore[no-any-return]

    def annotator(self, **options: Any) -> Any:
        """Deprecated: use `panet.annotate.annotator_for` ``(onto, options)``."""
        return _forward(self, "annotator", "panet.annotate", "annotator_for", options)

    def mapped(self, key: str, mappings: Any = None) -> tuple[Any, ...]:
        """Deprecated: use `panet.mappings.mapped` ``(onto, key, mappings)``."""
        return _forward(self, "mapped", "panet.mappings", "mapped", key, mappings)  # type: ignore[no-any-return]

    def mappings_for(self, key: Key, mappings: Any = None) -> tuple[Any, ...]:
        """Deprecated: use `panet.mappings.mappings_for` ``(onto, key, mappings)``."""
        return _forward(self, "mappings_for", "panet.mappings", "mappings_for", key, mappings)  # type: ignore[no-any-return]

    def sparql(self, query: str) -> Any:
        """Deprecated: use `panet.sparql.query` ``(onto, query)``."""
        return _forward(self, "sparql", "panet.sparql", "query", query)

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
            numbers: tuple[tuple[int, ...], ...] = getattr(self._index, relation)
            found = self._sets[relation, i] = frozenset([terms[j] for j in numbers[i]])
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
                hint += "; pass kind='specifier' to look up specifiers"
            raise TermNotFound(key, hint=hint)
        former = self.former_labels().get(normalize(key))
        if former is not None and (wanted == "any" or former[0].kind == wanted):
            return self._ids[former[0].iri], "former label"
        raise TermNotFound(key, self._suggest(key, kind))

    def _suggest(self, key: str, kind: KindFilter) -> tuple[str, ...]:
        if not normalize(key):
            return ()
        from panet.search import search_index

        kinds = frozenset(("technique",)) if kind is None else None if kind == "any" else frozenset((kind,))
        return tuple(dict.fromkeys(hit.term.label for hit in search_index(self).fuzzy(key, 5, kinds)))


def _forward(onto: Ontology, member: str, module: str, function: str, *args: Any) -> Any:
    """Call the function a deprecated `Ontology` member moved to, with a `DeprecationWarning`.

    The module is imported by name: the core does not depend on its capabilities.
    """
    import importlib
    import warnings

    warnings.warn(
        f"Ontology.{member} is deprecated; use {module}.{function}(onto, ...)", DeprecationWarning, stacklevel=3
    )
    return getattr(importlib.import_module(module), function)(onto, *args)


def _kind_filter(kind: object) -> str | None:
    """A list's kind: None (both) for None or "any", else "technique" or "specifier"; `OptionError` otherwise."""
    if kind is None or kind in {"technique", "specifier"}:
        return kind if isinstance(kind, str) else None
    from panet.options import Kind

    return Kind.filter(kind)
