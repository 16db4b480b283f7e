"""Free text -> PaNET terms. An `Annotator` is compiled once from an `Ontology`, then reused.

>>> import panet
>>> onto = panet.load()
>>> for a in onto.annotate("in-situ GISAXS and x ray diffraction of thin films"):
...     print(a.start, a.end, a.text, a.term.id, a.match_type)
8 14 GISAXS PaNET01162 acronym
19 36 x ray diffraction PaNET01216 label

How it matches (docs/annotate.md has the full story):

* Text is folded character by character (`panet.text.fold_for_matching`): case, accents,
  ``µ``/``μ`` and every kind of space or hyphen fold away, and offsets still point into the
  original text. Punctuation and brackets break phrases; spaces and hyphens do not.
* The folded text is split into words and walked through a word trie of every name: labels,
  synonyms, former labels (`Ontology.former_labels`) and the object labels of SSSOM mappings.
  Each name is entered in its spelling variants: hyphenated parts written apart or together
  (``x-ray``, ``x ray``, ``xray``), ``micro``/``nano``/... written apart or together, a plural
  last word, ``Röntgen``/``Roentgen``/``Rontgen``, ``-ise``/``-ize``. When the words are one
  space apart (almost always), an Aho-Corasick automaton of the trie's phrases finds the same
  matches in one pass in C; the trie walk is the reference and handles the rest.
* Besides PaNET's own names, `FACILITY_SYNONYMS` holds names facilities write that PaNET lacks
  ("tomographic microscopy", "microdiffraction", "nuclear forward scattering").
* Acronyms (names whose every word is in capitals, such as ``SAXS``, ``PhD``, ``PPC-SrμCT``)
  match case-sensitively, also written apart where their end is another acronym ("ED-XRD").
  `AMBIGUOUS` lists the names that are refused, or kept only with evidence of a technique nearby
  (another term, or one of `CONTEXT_WORDS`).
* The longest name wins; a text position is reported at most once (``longest_only=False``
  reports nested and overlapping matches too).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from bisect import bisect_left
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from panet.errors import OptionError
from panet.text import ASCII_FOLD, HARD_BREAK, fold_for_matching, key_variants

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from panet.mappings import MappingSet
    from panet.ontology import Ontology
    from panet.term import Term

__all__ = [
    "AMBIGUOUS",
    "CONTEXT_WORDS",
    "FACILITY_SYNONYMS",
    "MAPPING_PREDICATES",
    "MATCH_TYPES",
    "WORD_FORMS",
    "Annotation",
    "Annotator",
    "is_acronym",
    "lowercase_acronyms",
]

MATCH_TYPES = ("label", "synonym", "acronym", "former label", "mapping", "fuzzy", "ancestor")
_SCORES = {"label": 1.0, "synonym": 0.95, "acronym": 0.9, "former label": 0.85}
_CONTEXT_PENALTY = 0.1

# Mapping predicates under which an object label may stand for the PaNET subject in text:
# the object means the same or something narrower. broadMatch/relatedMatch objects do not.
MAPPING_PREDICATES = {"skos:exactMatch": 0.8, "skos:closeMatch": 0.75, "skos:narrowMatch": 0.7}

# Names that are ordinary words or common abbreviations outside photon and neutron science.
# "refused": never matched. "context": matched only with evidence nearby: another term, or one
# of CONTEXT_WORDS (see _with_context). Keys are folded names; acronyms stay case-sensitive.
AMBIGUOUS = {
    "phd": "refused",  # the degree, in almost every catalogue record ('PhD thesis', 'PhD student')
    "stm": "refused",  # means scanning tunnelling microscopy everywhere; PaNET gives scanning transmission
    "mr": "refused",  # 'MR Smith', magnetic resonance; molecular replacement only in crystallography logs
    "pdf": "context",  # the file format
    "cd": "context",  # compact disc, the shell command
    "ld": "context",  # laser diode, lethal dose, the linker
    "em": "context",  # the typographic unit, electromagnetic
    "sad": "context",
    "mad": "context",
    "sas": "context",  # the statistics software
    "mx": "context",  # Mexico, DNS mail exchanger
    "pcs": "context",  # pieces, personal computers
    "pes": "context",  # polyethersulfone, a common membrane polymer
    "ups": "context",  # the parcel service, uninterruptible power supply (a WFL mapping label)
    "testing": "context",
    "therapy": "context",
    "topography": "context",  # surface topography (profilometry, AFM)
}
CONTEXT_WORDS = frozenset(
    {
        *("xray", "xrays", "neutron", "neutrons", "photon", "photons", "muon", "muons", "positron", "positrons"),
        *("synchrotron", "beamline", "beamlines", "beamtime", "experiment", "experiments", "phasing"),
        *("station", "stations", "endstation", "endstations"),  # "the MX station 14.1"
        *("spectra", "spectrum", "measurement", "measurements", "measured", "micrograph", "micrographs"),
    }
)
# Derived forms that stand for the word technique names use ("tomographic microscopy", "serial
# crystallographic", "TOF spectrometer", "reflectivity"), and file-name abbreviations ("tomo_scan_001").
# Both the names and the text are read through this table, so "x-ray reflectivity" and "x-ray
# reflectometry" are one spelling. Keys and values are folded words.
WORD_FORMS = {
    **dict.fromkeys(("tomographic", "tomo"), "tomography"),
    **dict.fromkeys(("microtomographic",), "microtomography"),
    **dict.fromkeys(("nanotomographic",), "nanotomography"),
    **dict.fromkeys(("crystallographic",), "crystallography"),
    **dict.fromkeys(("ptychographic", "ptycho"), "ptychography"),
    **dict.fromkeys(("holographic",), "holography"),
    **dict.fromkeys(("lithographic",), "lithography"),
    **dict.fromkeys(("radiographic",), "radiography"),
    **dict.fromkeys(("interferometric",), "interferometry"),
    **dict.fromkeys(("ellipsometric",), "ellipsometry"),
    **dict.fromkeys(("polarimetric",), "polarimetry"),
    **dict.fromkeys(
        ("spectroscopic", "spectrometry", "spectrometric", "spectrometer", "spectrometers"), "spectroscopy"
    ),
    **dict.fromkeys(("diffractive", "diffractometer", "diffractometers"), "diffraction"),
    **dict.fromkeys(("reflectivity", "reflectometer", "reflectometers", "reflectometric"), "reflectometry"),
    **dict.fromkeys(("reflectivities",), "reflectometries"),
}
# Names facilities write for PaNET techniques that PaNET does not list (yet), matched as synonyms
# (``include_synonyms``): TOMCAT's "tomographic microscopy", APS 34-ID-E's "microdiffraction", the
# nuclear resonance methods of ESRF ID18, APS 3-ID and PETRA III P01, word-order variants. Several are
# also names of the ESRF technique list, which is part of benchmarks/data/real/: its figures are
# not independent of these rows. PaNET IDs -> names.
FACILITY_SYNONYMS = {
    "PaNET01206": ("tomographic microscopy",),  # microtomography
    "PaNET01208": ("x-ray tomographic microscopy",),  # x-ray microtomography
    "PaNET01032": ("microdiffraction", "micro x-ray diffraction", "micro-XRD", "μ-XRD"),  # microfocus diffraction
    "PaNET01024": ("coherent x-ray diffraction",),  # coherent diffraction
    "PaNET01174": ("coherent x-ray diffraction imaging", "CXDI"),  # coherent diffraction imaging
    "PaNET01270": (  # nuclear resonant scattering
        "nuclear forward scattering",
        "nuclear resonant inelastic x-ray scattering",
        "nuclear inelastic scattering",
        "synchrotron Mössbauer spectroscopy",
        "NRIXS",
    ),
    "PaNET01182": ("x-ray Raman scattering",),  # inelastic x-ray scattering (non-resonant, from core levels)
    "PaNET01179": ("visible light microscopy", "light microscopy"),  # optical microscopy
    "PaNET01122": (
        "diffraction anomalous fine structure",
        "DAFS",
        "anomalous x-ray diffraction",
    ),  # resonant diffraction
    "PaNET01334": ("phase contrast x-ray imaging",),  # x-ray phase contrast imaging
    "PaNET01129": ("laminography",),  # tomography (computed laminography: of flat samples, tilted axis)
    "PaNET01095": ("wavelength dispersive x-ray spectroscopy", "wavelength dispersive x-ray fluorescence", "WDXRF"),
    "PaNET01266": ("x-ray fluorescence holography",),  # x-ray holography, with the fluorescence as the signal
    "PaNET01097": ("gamma-ray spectroscopy",),  # gamma spectroscopy; "γ-ray" folds to "gamma ray"
    "PaNET01021": ("off-specular scattering", "GIXOS"),  # diffuse scattering; GIXOS: grazing incidence x-ray …
}
# Compound words of file names and identifiers (texts without spaces) split into words: camelCase
# ("tomoScan") and letters followed by digits ("saxs03"); ASCII only, never inside an acronym ("PhD").
_COMPOUND = re.compile(r"[a-z]{2}(?=[A-Z][a-z]{2,}(?![A-Z]))|[a-z]{3}(?=[0-9])")  # a cut at each match's end
# References: a term inside a journal name is not a technique ("Journal of Applied Crystallography").
_JOURNAL_WORDS = frozenset(  # folded words of journal names; looked for only where a capitalised term was found
    {"journal", "acta", "proceedings", "transactions", "letters", "reviews", "biomedical", "applied"}
    | {"spectrochimica", "spectrometry", "diffraction"}
)
_JOURNAL_BEFORE = frozenset({"journal", "acta", "proceedings", "transactions"})
_JOURNAL_AFTER = frozenset({"letters", "reviews", "journal"})
_JOURNAL_TITLES = re.compile(
    r"Biomedical Spectroscopy and Imaging|Applied Spectroscopy|X-Ray Spectrometry|Spectrochimica Acta"
    r"|Crystallography Reviews|Powder Diffraction(?=,? *\d)"
)
_JOURNAL_TITLE_WORDS = ("Spectro", "Reviews", "Diffraction")  # one is in each title (`_may_cite`)
_CUE_WINDOW = 2  # words between an ambiguous name and a context word, at most
_TERM_WINDOW = 4  # words between an ambiguous name and another term, at most

# Word beginnings that may be written apart, hyphenated or together (micro-tomography).
_PREFIXES = ("micro", "nano", "ultra", "cryo", "photo", "spectro", "magneto", "non", "multi")
_PREFIX_STARTS = frozenset(prefix[:3] for prefix in _PREFIXES)
_MAX_JOINS = 5  # a name with more optional joins gets the first five (2**5 spellings)
# British and American spellings: polarised/polarized, characterisation/characterization
_ISE_IZE = re.compile(r"(?<=\w{3})(is|iz)(?=e[ds]?\b|ation)")
_SWAP = {"is": "iz", "iz": "is"}


class Annotation(NamedTuple):
    """One term found in a text. ``start``/``end`` index the original text: ``text == original[start:end]``.

    ``match_type`` is one of `MATCH_TYPES`; ``matched`` is the name that matched, as written
    in the ontology (former labels add ``[PaNET <last version>]``, mapping labels ``[<object id>]``).
    """

    start: int
    end: int
    text: str
    term: Term
    matched: str
    match_type: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, the term reduced to its identity (iri, id, curie, label, kind)."""
        term = self.term
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "iri": term.iri,
            "id": term.id,
            "curie": term.curie,
            "label": term.label,
            "kind": term.kind,
            "matched": self.matched,
            "match_type": self.match_type,
            "score": self.score,
        }


_annotation = functools.partial(
    tuple.__new__, Annotation
)  # Annotation(*fields) in C, without the named tuple's __new__


class _Entry(NamedTuple):
    """A vocabulary entry: what one spelling in the trie stands for."""

    number: int  # the term's position in ``Annotator.terms``
    matched: str  # the name as written in PaNET (label, synonym, acronym, mapping label)
    match_type: str  # one of MATCH_TYPES
    score: float
    acronym: str | None  # an acronym's own case-sensitive spelling; None for other names
    needs_context: bool  # an ambiguous name: reported only next to a confirming word


class Annotator:
    """Finds PaNET terms in text; compiled once, then immutable, thread-safe and picklable.

    >>> import panet
    >>> annotator = annotator_for(panet.load(), {"kinds": ("technique", "specifier")})
    >>> [a.term.label for a in annotator.annotate("Diffraction with X-rays")]
    ['diffraction', 'x-ray']
    >>> [len(found) for found in annotator.annotate_many(["SAXS", "no technique here", "XRD and SANS"])]
    [1, 0, 2]
    """

    def __init__(
        self,
        ontology: Ontology,
        *,
        longest_only: bool = True,
        whole_words: bool = True,
        include_synonyms: bool = True,
        include_mappings: bool | Iterable[MappingSet] = True,
        kinds: Iterable[str] = ("technique",),
        min_length: int = 2,
        expand: str = "none",
        stop_words: Iterable[str] = (),
        fuzzy: bool = False,
    ) -> None:
        options = normalize_options(
            longest_only=longest_only,
            whole_words=whole_words,
            include_synonyms=include_synonyms,
            include_mappings=include_mappings,
            kinds=kinds,
            min_length=min_length,
            expand=expand,
            stop_words=stop_words,
            fuzzy=fuzzy,
        )
        self.options = options
        self._whole_words: bool = options["whole_words"]  # (read for every text: attributes, not dict items)
        self._longest_only: bool = options["longest_only"]
        self.terms: tuple[Term, ...] = ontology.terms(include_obsolete=True)  # numbered as in the vocabulary
        entries = _vocabulary(ontology, options)
        self._root = _trie(entries, by_char=not options["whole_words"])
        # folded text that is exactly one name, for texts such as "SAXS" (a dict hit, no walk)
        self._whole: dict[str, tuple[_Entry, ...]] = {}
        self._automaton: Any = None  # every name between word boundaries, for `_phrase_hits`
        self._automaton_cites = False
        if options["whole_words"]:
            phrases = _phrases(self._root)
            self._automaton = _automaton(phrases)
            self._automaton_cites = _JOURNAL_CUES.isdisjoint(phrases)  # it finds journal words too
            if options["longest_only"]:
                self._whole = phrases
        self._longest_whole = max(map(len, self._whole), default=0)  # longer texts are no name: no look-up
        self._fuzzy: tuple[list[str], list[_Entry]] | None = None
        if options["fuzzy"]:  # typo-tolerant matching compares whole names; acronyms stay exact
            plain = [
                (_phrase(name), entry)
                for name, _, entry in entries
                if entry.acronym is None and not entry.needs_context
            ]
            self._fuzzy = ([name for name, _ in plain], [entry for _, entry in plain])
        self._ancestors: dict[int, tuple[int, ...]] = {}
        if options["expand"] == "ancestors":
            number = {t: i for i, t in enumerate(self.terms)}
            for i, term in enumerate(self.terms):
                above = sorted(t for t in ontology.ancestors(term) if t.kind in options["kinds"] and not t.deprecated)
                self._ancestors[i] = tuple(number[t] for t in above)

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.options.items() if v != _DEFAULTS[k]}
        return f"<Annotator {', '.join(f'{k}={v!r}' for k, v in changed.items()) or 'default options'}>"

    def annotate(self, text: str) -> list[Annotation]:
        """Every term found in ``text``, in text order. Never raises for a ``str``.

        >>> import panet
        >>> [(a.text, a.term.id) for a in Annotator(panet.load()).annotate("XRD, SAXS/WAXS")]
        [('XRD', 'PaNET01216'), ('SAXS', 'PaNET01188'), ('WAXS', 'PaNET01191')]
        """
        if not isinstance(text, str):
            if text is None:
                return []
            raise TypeError(f"annotate() takes a str (or None), not {type(text).__name__}")
        terms = self.terms
        return [
            _annotation(
                (start, end, text[start:end], terms[entry.number], entry.matched, entry.match_type, entry.score)
            )
            for start, end, entry in self._find(text)
        ]

    def _find(self, text: str) -> list[tuple[int, int, _Entry]]:
        """``(start, end, entry)`` of every name found in ``text``, in text order."""
        if text.isascii():  # `fold_for_matching`'s common case, without the call (this runs for every text)
            folded, positions = text.encode().translate(ASCII_FOLD).decode(), None
        else:
            folded, positions = fold_for_matching(text)
        if len(folded) <= self._longest_whole:
            whole = self._whole.get(folded)
            if whole is not None and positions is None:  # the text is one name: no walk needed
                entry = whole[0] if whole[0].acronym is None else _accept(whole, text, 0, len(text))
                if entry is not None and not entry.needs_context:
                    return self._expand([(0, len(text), entry)]) if self._ancestors else [(0, len(text), entry)]
        if " " not in text and _compound(text):
            folded, positions = _split_compounds(text, folded, positions)
        cites = None  # whether the text may cite a journal, when the automaton tells
        if not self._whole_words:
            found = self._scan_chars(text, folded, positions)
        elif "  " not in folded and self._automaton is not None:  # words one space apart: the automaton, in C
            found, cites = self._phrase_hits(text, folded, positions)
            if not self._automaton_cites:
                cites = None
        else:
            found = self._walk_words(text, folded, positions)
        if self._fuzzy is not None:
            found = self._add_fuzzy(text, folded, positions, found)
        if not found:
            return found
        for _, _, entry in found:  # (plain loops: this runs for every text with a name)
            if entry.needs_context:
                found = _with_context(found, _word_spans(folded, positions, len(text)))
                break
        for start, _, _ in found:
            if text[start : start + 2].istitle() and (
                _may_cite(text, folded) if cites is None else cites or _may_cite_by_title(text)
            ):
                # (capitalised, as in journal names; not an acronym)
                hints = _journal_words(folded)
                if hints:
                    found = _outside_references(text, found, folded, positions, hints)
                break
        if self._ancestors:
            found = self._expand(found)
        return found

    def annotate_many(self, texts: Iterable[str], processes: int | None = None) -> Iterator[list[Annotation]]:
        """`annotate` each text, in input order; ``processes`` > 1 spreads the work over processes.

        Returns an iterator; ``None`` texts give empty lists, so outputs line up with inputs.
        """
        if processes is None or processes <= 1:
            return map(self.annotate, texts)
        return self._in_processes(texts, processes)

    def _in_processes(self, texts: Iterable[str], processes: int) -> Iterator[list[Annotation]]:
        import multiprocessing

        with multiprocessing.get_context().Pool(processes, _start_worker, (self,)) as pool:
            yield from pool.imap(_worker_annotate, texts, chunksize=512)

    # -- matching ---------------------------------------------------------------------------
    def _walk_words(self, text: str, folded: str, positions: list[int] | None) -> list:
        """The trie walked over the folded words of ``text`` (any spacing)."""
        tokens = (folded.replace(HARD_BREAK, f" {HARD_BREAK} ") if HARD_BREAK in folded else folded).split()
        starts: list[int] = []  # where each word starts in ``folded``; found on the first match

        def span(i: int, j: int) -> tuple[int, int]:
            if not starts:
                starts.extend(_token_starts(folded, tokens))
            return _original(starts[i], starts[j] + len(tokens[j]), positions)

        return self._walk(text, tokens, span)

    def _scan_phrases(self, text: str, folded: str, positions: list[int] | None) -> list:
        """`_walk`'s matches, for ``folded`` text whose words are one space apart (`_phrase_hits`)."""
        return self._phrase_hits(text, folded, positions)[0]

    def _phrase_hits(self, text: str, folded: str, positions: list[int] | None) -> tuple[list, bool]:
        """`_walk`'s matches, for ``folded`` text whose words are one space apart: the automaton
        reports every name between two word boundaries (a space, a hard break, either end), and the
        names starting at one word are tried as `_walk` tries them (longest first, `_accept`).
        Second: whether a word of `_JOURNAL_BEFORE` or `_JOURNAL_AFTER` is in it (`_may_cite`),
        found in the same pass."""
        # (where the name starts in ``folded``, minus where it ends, entries; None: a journal word)
        hits = [(end - size + 1, 1 - end, entries) for end, (size, entries) in self._automaton.iter(f" {folded} ")]
        if not hits:
            return hits, False
        if len(hits) > 1:
            hits.sort()
        longest_only = self._longest_only
        found: list[tuple[int, int, _Entry]] = []
        cites = False
        after = 0  # longest_only: no match starts before the end of the one before
        for first, minus_end, entries in hits:
            if entries is None:
                cites = True
                continue
            if first < after:
                continue
            start, end = (first, -minus_end) if positions is None else _original(first, -minus_end, positions)
            entry = entries[0] if entries[0].acronym is None else _accept(entries, text, start, end)  # (`_accept`)
            if entry is not None:
                found.append((start, end, entry))
                if longest_only:
                    after = 1 - minus_end
        return found, cites

    def _scan_chars(self, text: str, folded: str, positions: list[int] | None) -> list:
        """``whole_words=False``: the trie (of characters) walked over ``text`` without spaces."""
        index = [k for k, char in enumerate(folded) if char != " "]
        if positions is not None:
            index = [positions[k] for k in index]
        return self._walk(text, folded.replace(" ", ""), lambda i, j: (index[i], index[j] + 1))

    def _walk(self, text: str, units, span) -> list[tuple[int, int, _Entry]]:
        """Leftmost-longest matches of the trie over ``units`` (words or characters);
        ``span(i, j)`` gives the original offsets of units i..j."""
        root = self._root
        longest_only = self.options["longest_only"]
        lowercase = self.options["whole_words"]  # "saxs" as a word, not inside "saxsdata"
        found: list[tuple[int, int, _Entry]] = []
        n, i = len(units), 0
        while i < n:
            node = root.get(units[i])
            if node is None:
                i += 1
                continue
            ends = []
            j = i
            while node is not None:
                entries = node.get(None)
                if entries is not None:
                    ends.append((j, entries))
                j += 1
                node = node.get(units[j]) if j < n else None
            last = i
            for j, entries in reversed(ends):
                start, end = span(i, j)
                entry = _accept(entries, text, start, end, lowercase)
                if entry is not None:
                    found.append((start, end, entry))
                    last = max(last, j)
                    if longest_only:
                        break
            i = last + 1 if longest_only else i + 1
        return found

    def _add_fuzzy(self, text: str, folded: str, positions: list[int] | None, found: list) -> list:
        """``fuzzy=True``: runs of 1-6 words left unmatched that are a near-miss of a name."""
        from rapidfuzz import fuzz, process

        choices, entries = self._fuzzy
        covered = [(start, end) for start, end, _ in found]
        spans = _word_spans(folded, positions, len(text))
        extra = []
        k = 0
        while k < len(spans):
            best = None
            for width in range(min(6, len(spans) - k), 0, -1):
                start, end = spans[k][0], spans[k + width - 1][1]
                phrase = " ".join(word for _, _, word in spans[k : k + width])
                if HARD_BREAK in phrase or len(phrase) < 6 or any(s < end and start < e for s, e in covered):
                    continue
                hit = process.extractOne(phrase, choices, scorer=fuzz.ratio, score_cutoff=88)
                if hit is not None and (best is None or hit[1] > best[0]):
                    best = (hit[1], width, start, end, hit[2])
            if best is None:
                k += 1
                continue
            score, width, start, end, choice = best
            near = entries[choice]
            extra.append(
                (start, end, _Entry(near.number, near.matched, "fuzzy", round(0.6 * score / 100, 3), None, False))
            )
            k += width
        return sorted(found + extra, key=lambda f: (f[0], -f[1])) if extra else found

    def _expand(self, found: list) -> list:
        """``expand="ancestors"``: after each match, its ancestors not reported yet, same span."""
        terms = self.terms
        seen = {entry.number for _, _, entry in found}
        expanded = []
        for start, end, entry in found:
            expanded.append((start, end, entry))
            for k in self._ancestors[entry.number]:
                if k not in seen:
                    seen.add(k)
                    expanded.append(
                        (start, end, _Entry(k, terms[entry.number].label, "ancestor", entry.score, None, False))
                    )
        return expanded


# -- options ---------------------------------------------------------------------------------
_DEFAULTS: dict[str, Any] = {
    "longest_only": True,
    "whole_words": True,
    "include_synonyms": True,
    "include_mappings": True,
    "kinds": ("technique",),
    "min_length": 2,
    "expand": "none",
    "stop_words": (),
    "fuzzy": False,
}


def normalize_options(**options: Any) -> dict[str, Any]:
    """Options checked and made hashable (tuples), defaults filled in; `OptionError` if wrong.

    >>> normalize_options(kinds=["specifier"])["kinds"]
    ('specifier',)
    """
    unknown = set(options) - set(_DEFAULTS)
    if unknown:
        raise OptionError(f"unknown annotation option(s) {', '.join(sorted(unknown))}; known: {', '.join(_DEFAULTS)}")
    merged = {**_DEFAULTS, **options}
    kinds = (merged["kinds"],) if isinstance(merged["kinds"], str) else tuple(merged["kinds"])
    if not kinds or not set(kinds) <= {"technique", "specifier"}:
        raise OptionError(f"kinds must name 'technique' and/or 'specifier', not {merged['kinds']!r}")
    merged["kinds"] = tuple(sorted(set(kinds), key=("technique", "specifier").index))
    if merged["expand"] not in ("none", "ancestors"):
        raise OptionError(f"expand must be 'none' or 'ancestors', not {merged['expand']!r}")
    if not isinstance(merged["min_length"], int) or merged["min_length"] < 1:
        raise OptionError(f"min_length must be a positive integer, not {merged['min_length']!r}")
    stop_words = (merged["stop_words"],) if isinstance(merged["stop_words"], str) else merged["stop_words"]
    merged["stop_words"] = tuple(sorted({_phrase(word) for word in stop_words}))
    mappings = merged["include_mappings"]
    merged["include_mappings"] = mappings if isinstance(mappings, bool) else tuple(mappings)
    for name in ("longest_only", "whole_words", "include_synonyms", "fuzzy"):
        merged[name] = bool(merged[name])
    return merged


# -- compiling the vocabulary -------------------------------------------------------------------
def _phrase(name: str) -> str:
    """A name folded to words separated by single spaces."""
    return " ".join(fold_for_matching(name)[0].replace(HARD_BREAK, " ").split())


_NOT_ASCII_ALNUM = bytes(c for c in range(128) if not chr(c).isalnum())


def _compact_case(text: str) -> str:
    """Letters and digits only, case kept, compatibility-folded (µ -> μ): how acronyms compare."""
    if text.isascii():  # NFKC leaves ASCII as it is
        return text.encode().translate(None, _NOT_ASCII_ALNUM).decode()
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isalnum())


def is_acronym(name: str) -> bool:
    """True when every word of ``name`` is written in capitals (``SAXS``, ``PhD``, ``HR-XPS``).

    >>> is_acronym("SrμCT"), is_acronym("CT scan"), is_acronym("Micro XRF")
    (True, False, False)
    """
    words = name.replace("-", " ").split()
    return bool(words) and all(sum(c.isupper() for c in w) >= 2 or any(c.isupper() for c in w[1:]) for w in words)


def _vocabulary(ontology: Ontology, options: dict[str, Any]) -> list[tuple[str, tuple, _Entry]]:
    """(name as written, rank, entry) for every name the options admit."""
    kinds = options["kinds"]
    terms = ontology.terms(include_obsolete=True)
    number = {t.iri: i for i, t in enumerate(terms)}

    def wanted(i: int | None) -> bool:
        return i is not None and terms[i].kind in kinds and not terms[i].deprecated

    names: list[tuple[str, str, int, str, float, bool]] = []  # written, matched, term, type, score, context
    for i, term in enumerate(terms):
        if term.deprecated:  # its names stand for its replacement, as former names
            target = number.get(term.replaced_by or "")
            if wanted(target):
                score = _SCORES["former label"]
                names.extend((n.strip(), f"{n.strip()} [obsolete {term.id}]", target, "former label", score, False)
                             for n in term.names)  # fmt: skip
            continue
        if term.kind not in kinds:
            continue
        names.append((term.label.strip(), term.label.strip(), i, "label", _SCORES["label"], False))
        if options["include_synonyms"]:
            for synonym in term.synonyms:
                kind = "acronym" if is_acronym(synonym) else "synonym"
                names.append((synonym.strip(), synonym.strip(), i, kind, _SCORES[kind], False))
    if options["include_synonyms"]:
        by_id = {term.id: i for i, term in enumerate(terms) if not term.deprecated}
        for term_id, synonyms in FACILITY_SYNONYMS.items():
            i = by_id.get(term_id)
            if wanted(i):
                for synonym in synonyms:
                    kind = "acronym" if is_acronym(synonym) else "synonym"
                    names.append((synonym, synonym, i, kind, _SCORES[kind], False))
    for term, label, version in ontology.former_labels().values():
        if wanted(number.get(term.iri)):
            matched = f"{label.strip()} [PaNET {version}]"
            names.append((label.strip(), matched, number[term.iri], "former label", _SCORES["former label"], False))
    if options["include_mappings"]:
        names.extend(_mapping_names(ontology, options, number))

    refused = {word for word, policy in AMBIGUOUS.items() if policy == "refused"}
    stop = set(options["stop_words"])
    entries = []
    for written, matched, i, kind, base_score, one_word_mapping in names:
        phrase = _phrase(written)
        if phrase in refused or phrase in stop or len(phrase.replace(" ", "")) < options["min_length"]:
            continue
        needs_context = one_word_mapping or AMBIGUOUS.get(phrase) == "context"
        acronym = _compact_case(written) if kind == "acronym" or (kind == "mapping" and is_acronym(written)) else None
        score = round(base_score - _CONTEXT_PENALTY, 3) if needs_context else base_score
        rank = (MATCH_TYPES.index(kind), needs_context, terms[i].kind != "technique", -score, terms[i].iri)
        entries.append((written, rank, _Entry(i, matched, kind, score, acronym, needs_context)))
    return entries


def _mapping_names(ontology: Ontology, options: dict[str, Any], number: dict[str, int]):
    """Object labels of mappings that may stand for their PaNET subject (`MAPPING_PREDICATES`).

    A label that several terms share at the same predicate and confidence is left out; a
    one-word label needs context, like an ambiguous acronym, and is left out when the word is part
    of PaNET's own names without being a name of its term ("Scattering" for x-ray scattering: PaNET
    names say which scattering).
    """
    from panet.mappings import shipped

    panet_words: set[str] = set()
    own_names: dict[int, set[str]] = {}
    for term in ontology.terms():
        if term.kind in options["kinds"]:
            names = {_phrase(name) for name in term.names}
            own_names[number[term.iri]] = names
            panet_words.update(word for name in names for word in name.split())

    sets = shipped(ontology) if options["include_mappings"] is True else options["include_mappings"]
    best: dict[str, tuple[tuple[float, float], set[int], str, str]] = {}
    for mapping_set in sets:
        for m in mapping_set:
            weight = MAPPING_PREDICATES.get(m.predicate_id)
            usable = m.term is not None and m.term.kind in options["kinds"] and not m.term.deprecated
            if weight is None or not usable or not m.object_label:
                continue
            key = _phrase(m.object_label)
            rank = (weight, 1.0 if m.confidence is None else m.confidence)
            if key not in best or rank > best[key][0]:
                best[key] = (rank, {number[m.term.iri]}, m.object_label, m.object_id)
            elif rank == best[key][0]:
                best[key][1].add(number[m.term.iri])
    for key, ((weight, confidence), terms, label, object_id) in sorted(best.items()):
        if len(terms) == 1:
            term = terms.pop()
            one_word = " " not in key and not is_acronym(label)
            if one_word and key in panet_words and key not in own_names.get(term, ()):
                continue
            yield label, f"{label} [{object_id}]", term, "mapping", round(weight * confidence, 3), one_word


def _spellings(name: str, words_seen: frozenset[str]) -> set[tuple[str, ...]]:
    """Word sequences that spell ``name``: hyphens and prefixes apart or joined, plural last word."""
    sequences: set[tuple[str, ...]] = set()
    variants = {name} if name.isascii() else key_variants(name)  # Röntgen: Roentgen and Rontgen too
    if "is" in name or "iz" in name:
        variants |= {_ISE_IZE.sub(lambda m: _SWAP[m.group(1)], v) for v in variants}
    for variant in variants:
        words: list[str] = []
        joinable: list[bool] = []  # joinable[k]: words k and k+1 may be written together
        # one fold for the whole name: chunks (space-separated) joined by a hard break
        for chunk in fold_for_matching(HARD_BREAK.join(variant.split()))[0].split(HARD_BREAK):
            for p, part in enumerate(chunk.split()):  # parts of a chunk were hyphenated
                pieces = [part]
                if part[:3] in _PREFIX_STARTS:
                    for prefix in _PREFIXES:
                        if part.startswith(prefix) and part[len(prefix) :] in words_seen:
                            pieces = [prefix, part[len(prefix) :]]
                            break
                for q, piece in enumerate(pieces):
                    if words:
                        joinable.append(p > 0 or q > 0 or words[-1] in _PREFIXES)
                    words.append(piece)
        if not words:
            continue
        optional = [k for k, join in enumerate(joinable) if join][:_MAX_JOINS]
        for mask in range(1 << len(optional)):
            joined = {optional[b] for b in range(len(optional)) if mask >> b & 1}
            sequence = [words[0]]
            for k, word in enumerate(words[1:]):
                if k in joined:
                    sequence[-1] += word
                else:
                    sequence.append(word)
            sequences.add(tuple(sequence))
            sequences.update((*sequence[:-1], plural) for plural in _plurals(sequence[-1]))
    return sequences


def _plurals(word: str) -> tuple[str, ...]:
    if len(word) < 3 or not word.isalpha():
        return ()
    if word.endswith("is"):
        return (word[:-2] + "es",)  # analysis -> analyses
    if word.endswith("y") and word[-2] not in "aeiou":
        return (word[:-1] + "ies",)
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return (word + "es",)
    return (word + "s",)


def _trie(entries: list[tuple[str, tuple, _Entry]], *, by_char: bool) -> dict:
    """Nested dicts keyed by word (or character); key ``None`` holds a node's entries, best first."""
    words_seen = frozenset(w for name, _, _ in entries for w in _phrase(name).split() if len(w) >= 4)
    root: dict = {}
    terminals: dict[int, tuple[dict, list]] = {}
    acronyms = {_phrase(name).replace(" ", "") for name, _, entry in entries if entry.acronym is not None}
    for name, rank, entry in entries:
        if entry.acronym is not None:  # an acronym: its own spelling, hyphens apart or joined, no plural
            joined = _phrase(name).replace(" ", "")
            sequences = {tuple(_phrase(name).split()), (joined,)}
            # written apart where its end is another acronym: "ED-XRD" (EDXRD), "GI-SAXS", "TR-SFX"
            sequences |= {(joined[:k], joined[k:]) for k in range(2, len(joined) - 1) if joined[k:] in acronyms}
        else:
            sequences = _spellings(name, words_seen)
        if not by_char:
            sequences = {spelled for sequence in sequences for spelled in _word_forms(sequence)}
        for sequence in sequences:
            node = root
            for key in "".join(sequence) if by_char else sequence:
                node = node.setdefault(key, {})
            found = node.setdefault(None, [])
            terminals[id(node)] = (node, found)
            found.append((rank, entry))
    for node, found in terminals.values():
        seen: set[int] = set()
        best = []
        for _, entry in sorted(found, key=lambda f: f[0]):
            if entry.number not in seen:
                seen.add(entry.number)
                best.append(entry)
        node[None] = tuple(best)
    return root


_FORMS_OF: dict[str, tuple[str, ...]] = {}  # a word -> every word of its `WORD_FORMS` class
for _form, _word in WORD_FORMS.items():
    _FORMS_OF[_word] = (*_FORMS_OF.get(_word, (_word,)), _form)
for _form, _word in WORD_FORMS.items():
    _FORMS_OF[_form] = _FORMS_OF[_word]


def _word_forms(sequence: tuple[str, ...]) -> list[tuple[str, ...]]:
    """``sequence`` in every combination of its words' forms (`WORD_FORMS`): the text is read as
    written, and the vocabulary holds "x-ray tomographic" as well as "x-ray tomography"."""
    spelled: list[tuple[str, ...]] = [()]
    for word in sequence:
        spelled = [(*start, form) for start in spelled for form in _FORMS_OF.get(word, (word,))]
    return spelled


def _automaton(phrases: dict[str, tuple[_Entry, ...]]) -> Any:
    """An Aho-Corasick automaton of every phrase between word boundaries (a space or a hard break
    on each side, in the text given to it with a space at each end); values ``(length, entries)``.
    Unless a phrase is one of them, also the words that may stand next to a term in a journal name
    (entries None: `Annotator._phrase_hits`). None when there is no phrase (the options leave no name)."""
    if not phrases:
        return None
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for phrase, entries in phrases.items():
        for before in (" ", HARD_BREAK):
            for after in (" ", HARD_BREAK):
                key = f"{before}{phrase}{after}"
                automaton.add_word(key, (len(key), entries))
    if _JOURNAL_CUES.isdisjoint(phrases):  # the words of journal names `_outside_references` looks for (value None)
        for word in _JOURNAL_CUES:
            for before in (" ", HARD_BREAK):
                for after in (" ", HARD_BREAK):
                    key = f"{before}{word}{after}"
                    automaton.add_word(key, (len(key), None))
    automaton.make_automaton()
    return automaton


def _phrases(root: dict) -> dict[str, tuple[_Entry, ...]]:
    """Every word sequence in the trie, joined by single spaces -> its entries."""
    found: dict[str, tuple[_Entry, ...]] = {}
    stack: list[tuple[str, dict]] = [("", root)]
    while stack:
        prefix, node = stack.pop()
        for key, child in node.items():
            if key is None:
                found[prefix] = child
            else:
                stack.append((f"{prefix} {key}" if prefix else key, child))
    return found


# -- matching helpers ----------------------------------------------------------------------------
def _token_starts(folded: str, tokens: list[str]) -> list[int]:
    starts, position, find = [], 0, folded.find
    for token in tokens:
        position = find(token, position)
        starts.append(position)
        position += len(token)
    return starts


def _word_spans(folded: str, positions: list[int] | None, size: int) -> list[tuple[int, int, str]]:
    """(start, end, word) in original offsets for each folded word or hard break."""
    tokens = folded.replace(HARD_BREAK, f" {HARD_BREAK} ").split()
    spans = []
    for at, token in zip(_token_starts(folded, tokens), tokens, strict=True):
        start, end = _original(at, at + len(token), positions)
        spans.append((start, min(end, size), token))
    return spans


def _original(start: int, end: int, positions: list[int] | None) -> tuple[int, int]:
    """Offsets in the folded text -> offsets in the original text."""
    return (start, end) if positions is None else (positions[start], positions[end - 1] + 1)


def _accept(entries: tuple[_Entry, ...], text: str, start: int, end: int, lowercase: bool = True) -> _Entry | None:
    """The best entry whose spelling rules the original text satisfies (acronyms: exact case, or
    all lower case for those of `lowercase_acronyms` when ``lowercase``)."""
    for entry in entries:
        acronym = entry.acronym
        if acronym is None:
            return entry
        written = _compact_case(text[start:end])
        if written == acronym or (lowercase and written == acronym.lower() and acronym in lowercase_acronyms()):
            return entry
    return None


@functools.cache
def lowercase_acronyms() -> frozenset[str]:
    """Acronyms that also match written in lower case ("saxs_sample_03"): their lower-case spelling
    is not an English word. Shipped in ``lowercase_acronyms.txt``, decided with a word-frequency
    list by ``tools/make_lowercase_acronyms.py``.

    >>> "SAXS" in lowercase_acronyms(), "SANS" in lowercase_acronyms(), "SAD" in lowercase_acronyms()
    (True, False, False)
    """
    lines = Path(__file__).with_name("lowercase_acronyms.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _compound(text: str) -> bool:
    """Whether ``text`` is a file name or identifier with words to split (`_COMPOUND`)."""
    if " " in text or (text.isalpha() and (text.islower() or text.isupper())):
        return False
    return text.isascii() and _COMPOUND.search(text) is not None


def _split_compounds(text: str, folded: str, positions: list[int] | None) -> tuple[str, list[int]]:
    """``folded`` with a space where `_COMPOUND` splits ``text``; ``positions`` kept exact."""
    if positions is None:
        positions = list(range(len(text) + 1))
    pieces, mapped, last = [], [], 0
    for match in _COMPOUND.finditer(text):
        cut = bisect_left(positions, match.end())
        pieces += (folded[last:cut], " ")
        mapped += (*positions[last:cut], positions[cut])
        last = cut
    pieces.append(folded[last:])
    mapped += positions[last:]
    return "".join(pieces), mapped


def _may_cite(text: str, folded: str) -> bool:
    """Whether `_outside_references` may find a journal name in ``text``: a word that stands
    before or after one (`_JOURNAL_BEFORE`, `_JOURNAL_AFTER`) is in ``folded``, or a word of the
    `_JOURNAL_TITLES`, as written, in ``text``. A few substring tests in C, false for most texts.

    >>> _may_cite("Acta Crystallographica", "acta crystallographica")
    True
    >>> _may_cite("XRD, powder diffraction", "xrd| powder diffraction")  # "Powder Diffraction" is the journal
    False
    """
    return any(map(folded.__contains__, _JOURNAL_CUES)) or _may_cite_by_title(text)


def _may_cite_by_title(text: str) -> bool:
    """Whether ``text`` holds a word of the `_JOURNAL_TITLES` as written (`_may_cite`).

    >>> _may_cite_by_title("Crystallography Reviews"), _may_cite_by_title("crystallography reviews")
    (True, False)
    """
    return any(map(text.__contains__, _JOURNAL_TITLE_WORDS))


_JOURNAL_CUES = _JOURNAL_BEFORE | _JOURNAL_AFTER


def _journal_words(folded: str) -> set[str]:
    """The `_JOURNAL_WORDS` among the words of ``folded``; the words are split only when one may be there."""
    if not any(map(folded.__contains__, _JOURNAL_WORDS)):  # a quick test (in C) before splitting into words
        return set()
    return _JOURNAL_WORDS.intersection(folded.replace(HARD_BREAK, " ").split())


def _outside_references(text: str, found: list, folded: str, positions: list[int] | None, hints: set[str]) -> list:
    """``found`` without the terms inside a journal name: "Journal of Applied Crystallography",
    "Acta Crystallographica", "Spectroscopy Letters", or a title of `_JOURNAL_TITLES`. ``hints``:
    the `_JOURNAL_WORDS` of the text."""
    titles = [(m.start(), m.end()) for m in _JOURNAL_TITLES.finditer(text)]
    if not titles and _JOURNAL_BEFORE.isdisjoint(hints) and _JOURNAL_AFTER.isdisjoint(hints):
        return found
    spans = _word_spans(folded, positions, len(text))
    words = [word for _, _, word in spans]
    kept = []
    for start, end, entry in found:
        if any(s <= start and end <= e for s, e in titles):
            continue
        inside = [k for k, (s, e, _) in enumerate(spans) if s < end and start < e]
        first, last = inside[0], inside[-1]
        before = []
        for k in range(first - 1, max(first - 5, -1), -1):
            if words[k] == HARD_BREAK:
                break
            before.append(words[k])
        after = words[last + 1] if last + 1 < len(words) else ""
        capitalised = text[start : start + 1].isupper()
        if capitalised and (_JOURNAL_BEFORE.intersection(before) or after in _JOURNAL_AFTER):
            continue
        kept.append((start, end, entry))
    return kept


def _with_context(found: list, spans: list[tuple[int, int, str]]) -> list:
    """Keep a match that needs context only with evidence near it: another term within
    `_TERM_WINDOW` words, or one of `CONTEXT_WORDS` within `_CUE_WINDOW` words, in the same
    phrase (no punctuation between)."""
    words = [word for _, _, word in spans]

    def word_range(start: int, end: int) -> tuple[int, int]:
        inside = [k for k, (s, e, _) in enumerate(spans) if s < end and start < e]
        return inside[0], inside[-1]

    solid = [word_range(start, end) for start, end, entry in found if not entry.needs_context]
    kept = []
    for start, end, entry in found:
        if entry.needs_context:
            first, last = word_range(start, end)
            near_term = any(max(first - b, a - last) <= _TERM_WINDOW for a, b in solid)
            if not near_term and not _cue_near(words, first, last):
                continue
        kept.append((start, end, entry))
    return kept


def _cue_near(words: list[str], first: int, last: int) -> bool:
    for step, edge in ((-1, first), (1, last)):
        for k in range(edge + step, edge + step * (_CUE_WINDOW + 1), step):
            if not 0 <= k < len(words) or words[k] == HARD_BREAK:
                break
            word = words[k]
            if word in CONTEXT_WORDS or (word in ("ray", "rays") and k > 0 and words[k - 1] == "x"):
                return True
    return False


# -- processes ---------------------------------------------------------------------------------
_worker: Annotator | None = None


def _start_worker(annotator: Annotator) -> None:
    global _worker  # noqa: PLW0603  (one annotator per worker process)
    _worker = annotator


def _worker_annotate(text: str) -> list[Annotation]:
    assert _worker is not None
    return _worker.annotate(text)


def annotator_for(ontology: Ontology, options: dict[str, Any]) -> Annotator:
    """The ontology's annotator for ``options``, compiled on first use and kept."""
    key = tuple(sorted(normalize_options(**options).items()))
    return ontology.memo(("panet.annotate", key), lambda onto: Annotator(onto, **options))
