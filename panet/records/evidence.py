"""Which techniques a record has, from all its evidence: the terms found in its text, the NeXus
application definition, the instrument it names (`panet.records.instruments`), and its probe.

* A single-technique instrument asserts its technique; a multi-technique instrument's techniques
  are candidates that the text must confirm (the text names the candidate, something narrower, or
  the broader technique it refines: "small angle scattering" at cSAXS is small angle x-ray scattering).
* The probe refines a generic technique: "reflectometry" in a record of a neutron instrument, or of
  a NeXus file whose source is a neutron source, or whose text speaks of neutrons and not of x-rays,
  is neutron reflectometry.
* A technique that only the structure gave (definition, instrument) and that another technique of
  the record refines is dropped (NXsas next to "GISAXS" in the title). Techniques the text names
  are all kept ("SAXS and GISAXS").

Every technique keeps the evidence that gave it: ``text``, ``instrument``, ``NeXus definition``,
``probe`` (a refinement) and, in `panet.records.core`, ``existing entry``.
"""

from __future__ import annotations

import re

from panet.text import normalize

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from panet.ontology import Ontology
    from panet.records.instruments import InstrumentTable
    from panet.term import Term

__all__ = ["EVIDENCE", "Evidence", "text_probes"]

EVIDENCE = ("text", "instrument", "NeXus definition", "probe", "existing entry")
_WRITTEN = re.compile(r"[A-Za-z][A-Za-z0-9]{3,}")  # instrument names `Evidence.instruments_in` looks for
_EVERYDAY = frozenset({"hifi", "next"})  # instrument names written in other senses too ("HiFi", "NeXT")
_STUCK = [("", ""), ("(", ""), ("(", ")"), ("", "'s")] + [("", mark) for mark in ",.;:)"]
_PROBE_WORDS = {"x-ray": ("x ray", "xray", "x-ray", "synchrotron"), "neutron": ("neutron",)}  # what `text_probes` reads
_NONE, _XRAY, _NEUTRON, _BOTH = (
    frozenset(),
    frozenset({"x-ray"}),
    frozenset({"neutron"}),
    frozenset({"x-ray", "neutron"}),
)


class Evidence:
    """Combines a record's evidence; built once per `panet.records.core.RecordAnnotator`.

    >>> import panet
    >>> evidence = Evidence(panet.load())  # the shipped instrument table
    >>> reflectometry = panet.load().term("reflectometry")
    >>> terms, how = evidence.combine([reflectometry], [], ["FREIA"], set())
    >>> [(t.label, how[t.iri]) for t in terms]
    [('neutron reflectometry', ['instrument', 'text', 'probe'])]
    """

    def __init__(self, ontology: Ontology, instruments: InstrumentTable | None = None) -> None:
        self.ontology = ontology
        self._instruments = instruments  # None: the shipped table, read when a record first names an instrument
        self._written_names: dict[str, str] | None = None  # for `instruments_in`: spelling -> name
        techniques = [t for t in ontology.terms() if t.kind == "technique"]
        self.generic = frozenset(normalize(name) for term in ontology.terms() for name in term.names)
        self.by_probe: dict[str, dict[str, Term]] = {}  # generic technique -> {probe: its probe's technique}
        for term in techniques:
            names = {normalize(name) for name in term.names}
            for narrower in ontology.descendants(term):
                for probe in _PROBE_WORDS:  # "x-ray reflectometry", a name of x-ray reflectivity: "reflectometry"
                    for name in (narrower.label, *narrower.names):
                        words = normalize(name).split()
                        if probe in words and " ".join(w for w in words if w != probe) in names:
                            self.by_probe.setdefault(term.iri, {}).setdefault(probe, narrower)
        # "x-ray probe technique", "neutron probe technique": what a NeXus file without a known definition
        # implies; a fallback, given only when no other evidence names a technique
        self.fallbacks = frozenset(t.iri for t in techniques if normalize(t.label).endswith("probe technique"))

    def instruments_in(self, text: str) -> tuple[str, ...]:
        """Instrument names a text writes in their own mixed case ("Remote experiments at BioMAX",
        "LoKI"): names of four characters or more with two capitals and a small letter, which no
        English word or PaNET name is. Read only when the record's structure names no instrument
        and its text no technique.

        >>> import panet
        >>> Evidence(panet.load()).instruments_in("Remote experiments at BioMAX, not at biomax")
        ('BioMAX',)
        """
        spellings = self._written_names
        if spellings is None:
            names = {
                name
                for row in self.instruments.instruments
                for name in (row.name, *row.aliases)
                if _WRITTEN.fullmatch(name)
                and sum(c.isupper() for c in name) >= 2
                and not name.isupper()
                and normalize(name) not in self.generic
                and name.casefold() not in _EVERYDAY
            }
            # as whitespace-separated words, with the punctuation that may stick to them ("BioMAX,")
            spellings = self._written_names = {
                before + name + after: name for name in names for before, after in _STUCK
            }
        words = text.split()  # a set look-up per word
        if spellings.keys().isdisjoint(words):
            return ()
        return tuple(dict.fromkeys(spellings[word] for word in words if word in spellings))

    def instruments_written(self, texts: Iterable[str]) -> list[str]:
        """`instruments_in` over a record's texts: what a record names when its structure names no
        instrument and its text no technique."""
        return list(dict.fromkeys(name for text in texts if text for name in self.instruments_in(text)))

    @property
    def instruments(self) -> InstrumentTable:
        if self._instruments is None:
            from panet.records.instruments import InstrumentTable

            self._instruments = InstrumentTable.shipped()
        return self._instruments

    def combine(
        self,
        text_terms: list[Term],
        implied: list[Term],
        instrument_names: list[str],
        probes: set[str],
        text_probes: set[str] = frozenset(),
    ) -> tuple[list[Term], dict[str, list[str]]]:
        """The record's techniques and the evidence of each (by IRI). ``probes``: those the
        record's structure states; ``text_probes``: those its text speaks of (`text_probes`)."""
        ontology = self.ontology
        terms: dict[str, Term] = {}
        how: dict[str, list[str]] = {}

        def give(term: Term, evidence: str) -> None:
            terms.setdefault(term.iri, term)
            kinds = how.setdefault(term.iri, [])
            if evidence not in kinds:
                kinds.append(evidence)

        for term in dict.fromkeys(text_terms):  # the same term from several texts, once
            terms[term.iri] = term
            how[term.iri] = ["text"]
        rows = (
            self.instruments.find(instrument_names, generic=self.generic)
            if instrument_names and self.instruments
            else []
        )
        served = [t for t in (ontology.get(i, kind="any") for row in rows for i in row.techniques) if t is not None]
        for term in implied:
            if served and not any(self._related(term, other) for other in served):
                continue  # the instrument does not do what the definition says (NXmx written for a scan at I16)
            give(term, "NeXus definition")
        for row in rows:
            candidates = [t for t in (ontology.get(i, kind="any") for i in row.techniques) if t is not None]
            for candidate in candidates:
                narrower = [t for t in list(terms.values()) if t == candidate or t in ontology.descendants(candidate)]
                if narrower:  # the text says it, or says something more specific
                    for term in narrower:
                        give(term, "instrument")
                    continue
                broader = [  # the text names the general technique the candidate refines, and nothing else does
                    t
                    for t in list(terms.values())
                    if "text" in how[t.iri]
                    and candidate in (below := ontology.descendants(t))
                    and not any(other in below for other in terms.values() if other != candidate)
                ]
                if broader or (len(candidates) == 1 and not self._sibling_named(candidate, terms.values())):
                    give(candidate, "instrument")
                    if broader:
                        how[candidate.iri].append("text")
            probes = probes | {row.probe for row in rows if row.probe}
        if any(iri in self.by_probe for iri in terms):
            if not probes:
                probes = text_probes
            if len(probes) == 1:
                probe = next(iter(probes))
                for iri in list(terms):
                    refined = self.by_probe.get(iri, {}).get(probe)
                    if refined is not None:
                        del terms[iri]
                        for evidence in [*how.pop(iri), "probe"]:
                            give(refined, evidence)
        if len(terms) > 1:  # a probe technique implied for want of a definition, next to a technique: dropped
            for iri in [iri for iri in terms if iri in self.fallbacks and how[iri] == ["NeXus definition"]]:
                del terms[iri]
        if len(terms) > 1 and (implied or rows):  # a technique only structure gave, another one refining it: dropped
            kept = list(terms.values())
            for term in kept:
                if "text" in how[term.iri]:
                    continue  # "SAXS and GISAXS": the record names both
                below = ontology.descendants(term)
                if any(other in below for other in kept if other is not term):
                    del terms[term.iri]
        return list(terms.values()), {iri: how[iri] for iri in terms}

    def _sibling_named(self, candidate: Term, named: Iterable[Term]) -> bool:
        """The text names another kind of what ``candidate`` is a kind of: serial synchrotron
        crystallography at an MX beamline says which crystallography was done there."""
        parents = self.ontology.parents(candidate)
        return any(
            not self._related(term, candidate) and not parents.isdisjoint(self.ontology.parents(term)) for term in named
        )

    def _related(self, a: Term, b: Term) -> bool:
        """``a`` and ``b`` are the same technique or one refines the other."""
        return a == b or a in self.ontology.descendants(b) or b in self.ontology.descendants(a)


def text_probes(text: str) -> frozenset[str]:
    """The probes a text speaks of.

    >>> sorted(text_probes("Reflectometry with neutrons at a synchrotron"))
    ['neutron', 'x-ray']
    """
    folded = text.casefold()
    neutron = "neutron" in folded
    xray = ("ray" in folded and ("x ray" in folded or "x-ray" in folded or "xray" in folded)) or "synchrotron" in folded
    if neutron:
        return _BOTH if xray else _NEUTRON
    return _XRAY if xray else _NONE
