"""Ranked search over labels and synonyms.

Tiers, best first: ``exact`` > ``prefix`` (the name starts with the query) > ``word`` (the
query is a whole word or phrase of the name) > ``substring`` > ``fuzzy`` (typo-tolerant, via
rapidfuzz; used when nothing else matched, or always with ``fuzzy=True``). Within a tier:
current before deprecated, techniques before specifiers, labels before synonyms, shorter
names first. Comparison uses `panet.text.search_form`: case, accents, hyphens and spacing
do not matter. The ranking of the last `MEMO_SIZE` distinct queries is remembered (the index
never changes), so a repeated query — autocomplete, a busy service — skips the scan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from panet.ontology import SEARCH_INDEX
from panet.text import search_form

if TYPE_CHECKING:
    from typing import Literal

    from panet.ontology import Ontology
    from panet.term import Term

__all__ = ["Hit", "SearchIndex", "search", "search_index"]

MEMO_SIZE = 4096  # distinct queries whose ranking is remembered (autocomplete repeats prefixes)
TIERS = ("exact", "prefix", "word", "substring", "fuzzy")
_TIER_SCORE = (1.0, 0.9, 0.8, 0.7)


class Hit:
    """One search result: the term, the name that matched, and how.

    >>> import panet
    >>> hit = panet.load().search("saxs")[0]
    >>> hit.term.id, hit.matched, hit.field, hit.match
    ('PaNET01188', 'SAXS', 'synonym', 'exact')
    """

    __slots__ = ("field", "match", "matched", "score", "term")

    def __init__(self, term: Term, matched: str, field: str, match: str, score: float) -> None:
        self.term = term
        self.matched = matched
        self.field = field
        self.match = match
        self.score = score

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the term's fields plus ``matched``, ``field``, ``match`` and ``score``."""
        return {
            **self.term.to_dict(),
            "matched": self.matched,
            "field": self.field,
            "match": self.match,
            "score": self.score,
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Hit):
            return NotImplemented
        return (self.term, self.matched, self.match) == (other.term, other.matched, other.match)

    def __hash__(self) -> int:
        return hash((self.term, self.matched, self.match))

    def __repr__(self) -> str:
        return f"Hit({self.term.id!r}, {self.term.label!r}, matched={self.matched!r}, match={self.match!r})"


class SearchIndex:
    """All names of all terms in one string, scanned with ``str.find`` (C speed).

    Each occurrence gets one integer sort key, ``(deprecated * 5 + tier) * E + rank`` where
    ``rank`` orders the E entries by kind, field, length and IRI, so ranking is an int sort.
    """

    def __init__(self, terms: tuple[Term, ...]) -> None:
        self.terms = terms
        self.entries: list[tuple[int, str, str]] = []  # (term number, name, field)
        self.forms: list[str] = []
        order: list[tuple[bool, int, int, int, int]] = []
        for i, term in enumerate(terms):
            for field, name in [("label", term.label)] + [("synonym", s) for s in term.synonyms]:
                form = search_form(name)
                if form:
                    order.append((term.kind != "technique", field != "label", len(form), i, len(self.entries)))
                    self.entries.append((i, name, field))
                    self.forms.append(form)
        size = self.size = len(self.entries)
        self.entry_of_rank = [key[-1] for key in sorted(order)]
        rank = [0] * size
        for r, entry in enumerate(self.entry_of_rank):
            rank[entry] = r
        self.base = [terms[i].deprecated * 5 * size + rank[e] for e, (i, _, _) in enumerate(self.entries)]
        self.term_of = [i for i, _, _ in self.entries]
        self.blob = "\n".join(self.forms)
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.entry_at: list[int] = []  # blob position -> entry (a list index beats bisect here)
        for entry, form in enumerate(self.forms):
            self.starts.append(len(self.entry_at))
            self.ends.append(len(self.entry_at) + len(form))
            self.entry_at.extend([entry] * (len(form) + 1))
        self.ranked: dict[str, list[int]] = {}  # query form -> sort keys (memo, at most MEMO_SIZE)
        self.hits: dict[int, Hit] = {}  # every possible sort key -> its Hit, made once
        for entry, (i, name, field) in enumerate(self.entries):
            for tier in range(4):
                hit = Hit(terms[i], name, field, TIERS[tier], _TIER_SCORE[tier])
                self.hits[self.base[entry] + tier * size] = hit

    def search(
        self,
        text: str,
        limit: int | None = 10,
        kinds: frozenset[str] | None = None,
        fuzzy: bool | None = None,
        include_obsolete: bool = True,
    ) -> list[Hit]:
        """Ranked hits for ``text``; ``kinds`` restricts term kinds; see the module doc."""
        query = search_form(text)
        if not query:
            return []
        keys = self.ranked.get(query)
        if keys is None:
            keys = self._rank(query)
            if len(self.ranked) >= MEMO_SIZE:  # the index never changes: a memo is always valid
                self.ranked.clear()
            self.ranked[query] = keys
        if kinds is not None:
            terms, term_of, size = self.terms, self.term_of, self.size
            keys = [key for key in keys if terms[term_of[self.entry_of_rank[key % size]]].kind in kinds]
        if not include_obsolete:  # deprecated terms have the keys from 5 * size on
            keys = [key for key in keys if key < 5 * self.size]
        if limit is not None:
            keys = keys[:limit]
        hits = list(map(self.hits.__getitem__, keys))
        if fuzzy or (fuzzy is None and not hits):
            seen = {hit.term for hit in hits}
            fuzzy_hits = self.fuzzy(query, limit or 20, kinds)
            hits += [h for h in fuzzy_hits if h.term not in seen and (include_obsolete or not h.term.deprecated)]
        return hits if limit is None else hits[:limit]

    def _rank(self, query: str) -> list[int]:
        """Sort keys of every term a name of which contains ``query``, best first."""
        blob, starts, ends, base, term_of = self.blob, self.starts, self.ends, self.base, self.term_of
        entry_at, find = self.entry_at, self.blob.find
        length, size = len(query), self.size
        best: dict[int, int] = {}  # term number -> best key
        pos = find(query)
        while pos != -1:
            entry = entry_at[pos]
            end = pos + length
            if pos == starts[entry]:
                key = base[entry] + (0 if end == ends[entry] else size)  # exact or prefix
            elif blob[pos - 1] == " " and (end == ends[entry] or blob[end] == " "):
                key = base[entry] + 2 * size  # whole word(s)
            else:
                key = base[entry] + 3 * size  # substring
            i = term_of[entry]
            if key < best.get(i, key + 1):
                best[i] = key
            pos = find(query, end)
        return sorted(best.values())

    def fuzzy(self, text: str, limit: int = 5, kinds: frozenset[str] | None = None, cutoff: float = 70.0) -> list[Hit]:
        """Typo-tolerant matches, best first (rapidfuzz's WRatio, one hit per term)."""
        from rapidfuzz import fuzz, process

        query = search_form(text)
        hits: list[Hit] = []
        seen: set[int] = set()
        matches = process.extract(query, self.forms, scorer=fuzz.WRatio, limit=None, score_cutoff=cutoff)
        matches.sort(key=lambda m: (-m[1], self.base[m[2]]))
        for _, score, entry in matches:
            i, name, field = self.entries[entry]
            if i in seen or (kinds is not None and self.terms[i].kind not in kinds):
                continue
            seen.add(i)
            hits.append(Hit(self.terms[i], name, field, "fuzzy", round(0.6 * score / 100, 3)))
            if len(hits) >= limit:
                break
        return hits


def search_index(onto: Ontology) -> SearchIndex:
    """The `SearchIndex` of ``onto``, built on first use and kept (`Ontology.memo`)."""
    return onto.memo(SEARCH_INDEX, _build)


def _build(onto: Ontology) -> SearchIndex:
    return SearchIndex(onto.terms(include_obsolete=True))


def search(
    onto: Ontology,
    text: str,
    limit: int | None = 10,
    kind: Literal["technique", "specifier"] | None = None,
    fuzzy: bool | None = None,
    include_obsolete: bool = False,
) -> list[Hit]:
    """Ranked search of ``onto``'s labels and synonyms (``onto.search`` is a shortcut to this).

    ``limit=None`` returns every hit. Fuzzy (typo-tolerant) hits come only when nothing
    else matched, unless ``fuzzy`` is True (always) or False (never). Deprecated terms
    are left out unless ``include_obsolete`` (then they rank after current ones).

    >>> import panet
    >>> [h.term.id for h in search(panet.load(), "small angle x-ray", limit=2)]
    ['PaNET01188', 'PaNET01241']
    """
    kinds = None if kind is None else frozenset((kind,))
    return search_index(onto).search(text, limit, kinds, fuzzy, include_obsolete)
