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

from panet.text import normalize

TYPE_CHECKING = False
if TYPE_CHECKING:
    from panet.ontology import Ontology
    from panet.records.instruments import InstrumentTable
    from panet.term import Term

__all__ = ["EVIDENCE", "Evidence", "text_probes"]

EVIDENCE = ("text", "instrument", "NeXus definition", "probe", "existing entry")
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
        techniques = [t for t in ontology.terms() if t.kind == "technique"]
        self.generic = frozenset(normalize(name) for term in ontology.terms() for name in term.names)
        self.by_probe: dict[str, dict[str, Term]] = {}  # generic technique -> {probe: its probe's technique}
        for term in techniques:
            label = normalize(term.label)
            for narrower in ontology.descendants(term):
                for probe in _PROBE_WORDS:
                    words = normalize(narrower.label).split()
                    if probe in words and " ".join(w for w in words if w != probe) == label:
                        self.by_probe.setdefault(term.iri, {})[probe] = narrower

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
        for term in implied:
            give(term, "NeXus definition")
        rows = (
            self.instruments.find(instrument_names, generic=self.generic)
            if instrument_names and self.instruments
            else []
        )
        for row in rows:
            candidates = [t for t in (ontology.get(i, kind="any") for i in row.techniques) if t is not None]
            for candidate in candidates:
                narrower = [t for t in list(terms.values()) if t == candidate or t in ontology.descendants(candidate)]
                if narrower:  # the text says it, or says something more specific
                    for term in narrower:
                        give(term, "instrument")
                    continue
                broader = [  # the text names the general technique the candidate refines
                    t for t in list(terms.values()) if "text" in how[t.iri] and candidate in ontology.descendants(t)
                ]
                if broader or len(candidates) == 1:
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
        if len(terms) > 1 and (implied or rows):  # a technique only structure gave, another one refining it: dropped
            kept = list(terms.values())
            for term in kept:
                if "text" in how[term.iri]:
                    continue  # "SAXS and GISAXS": the record names both
                below = ontology.descendants(term)
                if any(other in below for other in kept if other is not term):
                    del terms[term.iri]
        return list(terms.values()), {iri: how[iri] for iri in terms}


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
