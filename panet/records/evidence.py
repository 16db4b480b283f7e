"""Which techniques a record has, from all its evidence: the terms found in its text, the NeXus
application definition, the instrument it names (`panet.records.instruments`), and its probe.

* A single-technique instrument asserts its technique, unless the text names a technique on
  another branch (the text says what was done); a multi-technique instrument's techniques
  are candidates that the text must confirm (the text names the candidate, something narrower, or
  the broader technique it refines: "small angle scattering" at cSAXS is small angle x-ray scattering).
* The probe refines a generic technique: "reflectometry" in a record of a neutron instrument, or of
  a NeXus file whose source is a neutron source, or whose text speaks of neutrons and not of x-rays,
  is neutron reflectometry.
* The most specific technique wins (`Evidence.narrowest`): a technique that another technique of
  the record refines is dropped, whichever field or structure gave either ("crystallography" in the
  title next to "serial synchrotron crystallography" in the keywords; NXsas next to "GISAXS" in the
  title; "Reflectometry curves (XRR)"), unless one text names both as a list, joined by "and", "or",
  a comma or a slash ("SAXS and GISAXS": two measurements, `named_together`).
* A record that says it holds test data of a detector or instrument, or its commissioning or
  calibration ("test data for the detector"), does not get its instrument's techniques: such data
  was not taken with the technique the instrument serves (`is_test_data`). Its text still counts,
  except the beam settings it names (`Evidence.beam_settings`: "TOF mode" of a detector under
  test says how the detector ran, not what was measured).
* Reflectometry is scattering at grazing incidence: a probe's scattering technique ("grazing
  incidence neutron scattering") yields to that probe's reflectometry in the same record, as to a
  technique refining it (`Evidence.ancestors`), though PaNET files reflectometry under reflection.

Every technique keeps the evidence that gave it: ``text``, ``instrument``, ``NeXus definition``,
``probe`` (a refinement) and, in `panet.records.core`, ``existing entry``.
"""

from __future__ import annotations

import functools
import re
from itertools import pairwise
from operator import itemgetter
from typing import NamedTuple

from panet.text import normalize

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from panet.annotate import Annotation
    from panet.ontology import Ontology
    from panet.records.instruments import InstrumentTable
    from panet.term import Term

__all__ = [
    "EVIDENCE",
    "NOTHING",
    "PROBE_TECHNIQUES",
    "Evidence",
    "TextReading",
    "cited",
    "device_terms",
    "is_test_data",
    "named_together",
    "other_methods",
    "text_probes",
]

# A record's probe (NeXus NXsource/probe words, as the instrument table writes them) -> the PaNET
# technique grouping the techniques of that probe
PROBE_TECHNIQUES = {
    "x-ray": "PaNET01012",
    "neutron": "PaNET00101",
    "muon": "PaNET00102",
    "positron": "PaNET00107",
    "infrared": "PaNET01005",
    "ultraviolet": "PaNET01009",
    "visible light": "PaNET01008",
}
EVIDENCE = ("text", "instrument", "NeXus definition", "probe", "existing entry")
_WRITTEN = re.compile(r"[A-Za-z][A-Za-z0-9]{3,}")  # instrument names `Evidence.instruments_in` looks for
_EVERYDAY = frozenset({"hifi", "next"})  # instrument names written in other senses too ("HiFi", "NeXT")
_STUCK = [("", ""), ("(", ""), ("(", ")"), ("", "'s")] + [("", mark) for mark in ",.;:)"]
_PUNCTUATION = "()[]{},.;:!?'\"“”‘’"
_PROBE_WORDS = {"x-ray": ("x ray", "xray", "x-ray", "synchrotron"), "neutron": ("neutron",)}  # what `text_probes` reads
# what may stand between the names of a list ("SAXS and GISAXS", "XRD, SAXS or WAXS", "SAXS/GISAXS")
_LIST_GAP = re.compile(r"\s*(?:,|;|/|&|\+|,?\s*(?:and|or|and/or|as well as|plus)\b)\s*", re.IGNORECASE)
# a numbered reference list: "[1] V. Ya. Shur, ... (2014)", tabs sometimes written as "\t" or "\\t"
_FIRST_REFERENCE = re.compile(r"\[1\](?:\s|\\+t)+(?=[A-Z])")
_SECOND_REFERENCE = re.compile(r"\[2\](?:\s|\\+t)+[A-Z]")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# a technique named through its device ("diffractometer", "spectrometers")
_DEVICE_ENDS = ("meter", "meters")
_GENERAL_ENDS = ("scopy", "metry", "graphy", "imaging", "diffraction", "scattering")  # general one-word names
# what makes a general technique name ("spectroscopy", "microscopy") the name of a method of another field
_OTHER_METHOD = re.compile(
    r"\b(?:nmr|epr|esr|impedance|dielectric|tunn?ell?ing|force|kelvin probe|electrochemical|uv-?vis|"
    r"photoluminescence|fluorescence lifetime)\s+$",
    re.IGNORECASE,
)
_OTHER_METHOD_ENDS = (  # how the text before a name matched by `_OTHER_METHOD` ends, in lower case
    *("nmr", "epr", "esr", "impedance", "dielectric", "force", "kelvin probe", "electrochemical"),
    *("tuneling", "tunneling", "tunelling", "tunnelling", "uv-vis", "uvvis"),
    *("photoluminescence", "fluorescence lifetime"),
)
# a record about the test, commissioning or calibration of a detector or an instrument, not an experiment
_TEST_DATA = re.compile(
    r"\b(?:test data|test measurements?|test runs?|detector tests?|tests? of the detector|test beamline|"
    r"commissioning|calibration (?:data|runs?|measurements?))\b",
    re.IGNORECASE,
)
_BEAM = "PaNET00006"  # "defined by beam characteristic"
_PROBE = "PaNET00002"  # "defined by experimental probe"
_DEFINED_BY = ("PaNET00002", "PaNET00003", "PaNET00004", "PaNET00005", "PaNET00006")  # the five "defined by ..."
_REFLECTOMETRY, _SCATTERING = "PaNET01121", "PaNET00200"
_MAX_REFINED = 4096  # sets of techniques whose `Evidence.refined` is remembered
_TERM = itemgetter(3)  # an `Annotation`'s term, read in C
_NONE, _XRAY, _NEUTRON, _BOTH = (
    frozenset(),
    frozenset({"x-ray"}),
    frozenset({"neutron"}),
    frozenset({"x-ray", "neutron"}),
)


class TextReading(NamedTuple):
    """What one text of a record says (`Evidence.read_text`), remembered per text by
    `panet.records.core.RecordAnnotator`: its ``terms``, the techniques it lists with narrower ones
    (``named_both``, `named_together`) and the techniques it names only through a device
    (``devices``, `device_terms`). The probes it speaks of (`text_probes`) are read apart, only
    for the records whose terms a probe may refine.

    >>> NOTHING.terms, NOTHING.devices
    ((), frozenset())
    """

    terms: tuple[Term, ...]
    named_both: frozenset[str]
    devices: frozenset[str]


_reading = functools.partial(tuple.__new__, TextReading)  # a TextReading without NamedTuple's slower __new__
NOTHING = TextReading((), frozenset(), frozenset())  # what a text without terms says


class Evidence:
    """Combines a record's evidence; built once per `panet.records.core.RecordAnnotator`.

    >>> import panet
    >>> evidence = Evidence(panet.load())  # the shipped instrument table
    >>> reflectometry = panet.load().term("reflectometry")
    >>> terms, how = evidence.combine([reflectometry], [], ["FREIA"], set())
    >>> [(t.label, how[t.iri]) for t in terms]
    [('neutron reflectometry', ['instrument', 'text'])]
    """

    def __init__(self, ontology: Ontology, instruments: InstrumentTable | None = None) -> None:
        self.ontology = ontology
        self._instruments = instruments  # None: the shipped table, read when a record first names an instrument
        self._written_names: dict[str, str] | None = None  # for `instruments_in`: spelling -> name
        self._above: dict[str, frozenset[str]] = {}  # IRI -> its ancestors' IRIs, for `narrowest`
        self._refined: dict[frozenset[str], frozenset[str]] = {}  # `refined`, remembered per set of IRIs
        self._names_of: dict[str, dict[str, str]] = {}  # for `instruments_written`: facility -> its names
        techniques = [t for t in ontology.terms() if t.kind == "technique"]
        self.generic = frozenset(normalize(name) for term in ontology.terms() for name in term.names)
        self._probe_groups = {p: t for p, i in PROBE_TECHNIQUES.items() if (t := ontology.get(i, kind="any"))}
        self.by_probe: dict[str, dict[str, Term]] = {}  # generic technique -> {probe: its probe's technique}
        for term in techniques:
            names = {normalize(name) for name in term.names}
            for narrower in ontology.descendants(term):
                for probe in _PROBE_WORDS:  # "x-ray reflectometry", a name of x-ray reflectivity: "reflectometry"
                    for name in (narrower.label, *narrower.names):
                        words = normalize(name).split()
                        if probe in words and " ".join(w for w in words if w != probe) in names:
                            self.by_probe.setdefault(term.iri, {}).setdefault(probe, narrower)

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

    def instruments_written(self, texts: Iterable[str], facility: str = "") -> list[str]:
        """`instruments_in` over a record's texts: what a record names when its structure names no
        instrument and its text no technique. With the record's ``facility`` known (its DOI,
        `panet.records.instruments.DOI_PREFIXES`), that facility's instrument names count in any
        spelling that starts with a capital ("OSC collection in Biomax" in a MAX IV record).

        >>> import panet
        >>> evidence = Evidence(panet.load())
        >>> evidence.instruments_written(["OSC collection in Biomax"], "MAX IV")
        ['BioMAX']
        >>> evidence.instruments_written(["OSC collection in Biomax"])
        []
        """
        found = [name for text in texts if text for name in self.instruments_in(text)]
        if facility:
            names = self._facility_names(facility)
            found += [
                names[key]
                for text in texts
                if text
                for word in text.split()
                if word[:1].isupper() and (key := word.strip(_PUNCTUATION).casefold()) in names
            ]
        return list(dict.fromkeys(found))

    def _facility_names(self, facility: str) -> dict[str, str]:
        """Folded spelling -> name of the instruments of ``facility`` that may be written in any
        case: four characters or more, not a PaNET name nor an everyday word of `_EVERYDAY`."""
        names = self._names_of.get(facility)
        if names is None:
            names = self._names_of[facility] = {
                name.casefold(): name
                for row in self.instruments.instruments
                if row.facility == facility
                for name in (row.name, *row.aliases)
                if _WRITTEN.fullmatch(name) and normalize(name) not in self.generic and name.casefold() not in _EVERYDAY
            }
        return names

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
        named_both: Iterable[str] = (),
        test_data: bool = False,
    ) -> tuple[list[Term], dict[str, list[str]]]:
        """The record's techniques and the evidence of each (by IRI). ``probes``: those the
        record's structure states; ``text_probes``: those its text speaks of (`text_probes`);
        ``named_both``: techniques a text lists with narrower ones (`named_together`);
        ``test_data``: the record holds test data (`is_test_data`), its instrument gives no technique."""
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
        probes = probes | {row.probe for row in rows if row.probe}
        for row in () if test_data else rows:
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
                if broader:  # a general word confirms it only when the text names nothing else that was done
                    unrelated = [t for t in text_terms if t not in broader]
                    broader = [] if self._other_named(candidate, unrelated, row.probe) else broader
                if broader or (len(candidates) == 1 and not self._other_named(candidate, text_terms, row.probe)):
                    give(candidate, "instrument")
                    if broader:
                        how[candidate.iri].append("text")
        if any(iri in self.by_probe for iri in terms):
            # a general term that another term of the record already makes specific is not refined by
            # the probe ("diffraction" from "diffractometer" next to "anomalous diffraction")
            for iri in self.refined(terms.values()) - set(named_both) if len(terms) > 1 else ():
                del terms[iri]
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
        kept = self.narrowest(list(terms.values()), named_both)
        return kept, {term.iri: how[term.iri] for term in kept}

    def read_text(self, text: str, annotations: list[Annotation]) -> TextReading:
        """What ``text`` says, from the ``annotations`` the engine found in it: the terms that count
        (not those of other fields' methods, `other_methods`, nor of a reference list, `cited`),
        the techniques it lists with narrower ones, device-only techniques (`NOTHING` without terms).

        >>> import panet
        >>> onto = panet.load()
        >>> text = "SAXS and GISAXS on the diffractometer"
        >>> reading = Evidence(onto).read_text(text, onto.annotate(text))
        >>> [t.id for t in reading.terms], [onto.get(i).label for i in reading.named_both]
        (['PaNET01188', 'PaNET01162', 'PaNET01022'], ['small angle x-ray scattering'])
        >>> [onto.get(i).label for i in reading.devices]
        ['diffraction']
        """
        if not annotations:
            return NOTHING
        if " " in text:
            annotations = other_methods(text, annotations)  # "NMR spectroscopy" is no PaNET spectroscopy
        if "[1]" in text:
            annotations = cited(text, annotations)  # "[1] A. Author, Phase contrast imaging, ... (2014)"
        if not annotations:
            return NOTHING
        devices = device_terms(annotations) if "eter" in text else _NONE  # "diffractometer": what the device can do
        terms = tuple(map(_TERM, annotations))
        nested = len(terms) > 1 and self.refined(terms)
        both = named_together(self.ontology, text, annotations) if nested else _NONE  # "SAXS and GISAXS"
        return _reading((terms, both, devices))

    @staticmethod
    def without_devices(found: list[Term], devices: dict[str, int]) -> list[Term]:
        """``found`` (a record's text terms) without the techniques its texts name only through a
        device (``devices``: IRI -> how many texts do), when it names other techniques.

        >>> import panet
        >>> onto = panet.load()
        >>> found = [onto.term("XRR"), onto.term("diffraction")]
        >>> [t.label for t in Evidence.without_devices(found, {onto.term("diffraction").iri: 1})]
        ['x-ray reflectivity']
        """
        named = [t.iri for t in found]
        device_only = {iri for iri, texts in devices.items() if named.count(iri) <= texts}
        if len(device_only) < len(set(named)):
            return [t for t in found if t.iri not in device_only]
        return found

    def narrowest(self, terms: list[Term], named_both: Iterable[str] = ()) -> list[Term]:
        """``terms`` without those another of them refines, unless one text names both as a list
        (``named_both``: IRIs from `named_together`). Equivalent classes are both kept.

        >>> import panet
        >>> onto = panet.load()
        >>> evidence = Evidence(onto)
        >>> terms = [onto.term("crystallography"), onto.term("SSX"), onto.term("SAXS")]
        >>> [t.label for t in evidence.narrowest(terms)]
        ['serial synchrotron crystallography', 'small angle x-ray scattering']
        >>> [t.label for t in evidence.narrowest([onto.term("SAXS"), onto.term("GISAXS")], [onto.term("SAXS").iri])]
        ['small angle x-ray scattering', 'grazing incidence small angle x-ray scattering']
        """
        if len(terms) < 2:
            return terms
        above = self.refined(terms)  # strict ancestors only: equivalent classes are both kept
        if not above:
            return terms  # the common case
        keep = frozenset(named_both)
        return list(dict.fromkeys(term for term in terms if term.iri not in above or term.iri in keep))

    def refined(self, terms: Iterable[Term]) -> frozenset[str]:
        """The IRIs of those ``terms`` that another of them refines (empty: none).

        >>> import panet
        >>> onto = panet.load()
        >>> [onto.get(i).label for i in Evidence(onto).refined([onto.term("SAXS"), onto.term("GISAXS")])]
        ['small angle x-ray scattering']
        """
        iris = frozenset([term.iri for term in terms])
        if len(iris) < 2:
            return _NONE
        known = self._refined.get(iris)  # records name the same few techniques together
        if known is not None:
            return known
        found: set[str] = set()
        remembered = self._above.get
        for iri in iris:  # each technique once, however many texts name it
            above = remembered(iri)
            if above is None:  # not remembered yet: every term's ancestors are
                for term in terms:
                    self.ancestors(term)
                above = remembered(iri)
            if not iris.isdisjoint(above):
                found |= iris & above
        if len(self._refined) >= _MAX_REFINED:
            self._refined.clear()
        known = self._refined[iris] = frozenset(found)
        return known

    def ancestors(self, term: Term) -> frozenset[str]:
        """The IRIs of ``term``'s ancestors, remembered (`narrowest` runs for most records), and for
        a reflectometry technique the scattering techniques of its probe (`_scattering_above`).

        >>> import panet
        >>> onto = panet.load()
        >>> onto.term("small angle scattering").iri in Evidence(onto).ancestors(onto.term("SAXS"))
        True
        >>> onto.term("neutron scattering").iri in Evidence(onto).ancestors(onto.term("neutron reflectometry"))
        True
        """
        found = self._above.get(term.iri)
        if found is None:
            found = frozenset(a.iri for a in self.ontology.ancestors(term))
            if self._iri(_REFLECTOMETRY) in found or term.id == _REFLECTOMETRY:
                found |= self._scattering_above(found)
            self._above[term.iri] = found
        return found

    def _scattering_above(self, above: frozenset[str]) -> frozenset[str]:
        """The scattering techniques above a reflectometry technique whose ancestors are ``above``:
        "scattering technique" and its probe's ("neutron scattering" for neutron reflectometry)."""
        scattering = self.ontology.get(_SCATTERING, kind="any")
        if scattering is None:
            return frozenset()
        groups = [group for group in self._probe_groups.values() if group.iri in above]
        ontology = self.ontology
        of_probe = [t.iri for t in ontology.children(scattering) for g in groups if g in ontology.ancestors(t)]
        return frozenset([scattering.iri, *of_probe])

    def _iri(self, panet_id: str) -> str:
        term = self.ontology.get(panet_id, kind="any")
        return term.iri if term is not None else panet_id

    @functools.cached_property
    def beam_settings(self) -> frozenset[str]:
        """IRIs of the techniques PaNET defines by the beam alone, or by the beam and the probe
        ("time of flight technique", "neutron time of flight technique", "microfocused probe"):
        settings of a beam or a detector, which say what was measured only next to other evidence.
        A record of test data does not get them from its text ("TOF mode, no collimation").

        >>> import panet
        >>> onto = panet.load()
        >>> settings = Evidence(onto).beam_settings
        >>> onto.term("neutron time of flight technique").iri in settings, onto.term("ptychography").iri in settings
        (True, False)
        """
        beam = self.ontology.get(_BEAM, kind="any")
        if beam is None:
            return frozenset()
        defined_by = {self._iri(i): i for i in _DEFINED_BY}
        found = []
        for term in self.ontology.descendants(beam):
            roots = {defined_by[a.iri] for a in self.ontology.ancestors(term) if a.iri in defined_by}
            if roots <= {_BEAM, _PROBE}:
                found.append(term.iri)
        return frozenset(found)

    def _other_named(self, candidate: Term, named: Iterable[Term], probe: str = "") -> bool:
        """The text names a technique on another branch than ``candidate`` that the instrument's
        ``probe`` can do: it says what was done there (serial synchrotron crystallography at an MX
        beamline; x-ray reflectivity at a diffraction beamline), so the instrument's one technique
        is no default for the record. A technique of another probe (GISAXS in the proposal of a
        dataset measured at a SANS instrument) says nothing about this instrument."""
        return any(not self._related(term, candidate) and self._can_do(term, probe) for term in named)

    def _can_do(self, term: Term, probe: str) -> bool:
        """Whether ``term`` may be done with ``probe`` (any technique when the probe is unknown;
        not one under another probe's technique group, `PROBE_TECHNIQUES`)."""
        if not probe:
            return True
        above = self.ontology.ancestors(term, include_self=True)
        return not any(group in above for p, group in self._probe_groups.items() if p != probe) or (
            self._probe_groups.get(probe) in above
        )

    def _related(self, a: Term, b: Term) -> bool:
        """``a`` and ``b`` are the same technique or one refines the other."""
        return a == b or a in self.ontology.descendants(b) or b in self.ontology.descendants(a)


def named_together(ontology: Ontology, text: str, annotations: Iterable[Annotation]) -> frozenset[str]:
    """IRIs of the techniques that ``text`` names in a list ("SAXS and GISAXS", "XRD, SAXS or
    GISAXS") together with a technique refining them: two measurements, both kept by
    `Evidence.narrowest`. Elsewhere ("Reflectometry curves (XRR)", "serial crystallography
    ... with SSX") the narrower one says which kind of the broader one was done.

    >>> import panet
    >>> onto = panet.load()
    >>> text = "SAXS and GISAXS of films"
    >>> [onto.get(i).label for i in named_together(onto, text, onto.annotate(text))]
    ['small angle x-ray scattering']
    >>> text = "Reflectometry curves (XRR)"
    >>> named_together(onto, text, onto.annotate(text))
    frozenset()
    """
    found = sorted(annotations, key=lambda a: a.start)
    if len(found) < 2:
        return frozenset()
    lists: list[list[Term]] = [[found[0].term]]  # runs of names with only list words between them
    for before, after in pairwise(found):
        if after.start >= before.end and _LIST_GAP.fullmatch(text, before.end, after.start):
            lists[-1].append(after.term)
        else:
            lists.append([after.term])
    both: set[str] = set()
    for names in lists:
        for term in names:
            below = ontology.descendants(term)
            if any(other in below for other in names):
                both.add(term.iri)
    return frozenset(both)


def device_terms(annotations: Iterable[Annotation]) -> frozenset[str]:
    """IRIs of the techniques a text names only through a device ("Huber 6-circle diffractometer",
    "TOF spectrometer"): what the device can do, not what was measured with it. `Evidence.narrowest`
    keeps them only when the record names no other technique (`RecordAnnotator.annotate`).

    >>> import panet
    >>> onto = panet.load()
    >>> [onto.get(i).label for i in device_terms(onto.annotate("XRR on the liquid diffractometer"))]
    ['diffraction']
    """
    device, plain = set(), set()
    for annotation in annotations:
        (device if annotation.text.casefold().endswith(_DEVICE_ENDS) else plain).add(annotation.term.iri)
    return frozenset(device - plain) if device else frozenset()


def other_methods(text: str, annotations: list[Annotation]) -> list[Annotation]:
    """``annotations`` without the general techniques ("spectroscopy", "microscopy") that ``text``
    names as part of a method of another field ("NMR spectroscopy", "impedance spectroscopy",
    "scanning tunnelling microscopy", "piezoresponse force microscopy"), which no probe refines.

    >>> import panet
    >>> text = "NMR spectroscopy and x-ray spectroscopy"
    >>> [a.term.label for a in other_methods(text, panet.load().annotate(text))]
    ['x-ray spectroscopy']
    """
    return [
        a
        for a in annotations
        if not (
            a.start
            and " " not in a.text
            and a.text.casefold().endswith(_GENERAL_ENDS)
            and _other_method_before(text, a.start)
        )
    ]


def _other_method_before(text: str, start: int) -> bool:
    """Whether the 40 characters before ``start`` end with a word of `_OTHER_METHOD` and white
    space. The regular expression runs only when they may: they end with white space and, when
    they are ASCII (where ignoring case is lowering it), the words before it end with one of
    `_OTHER_METHOD_ENDS` — a test in C instead of a search at every position.

    >>> _other_method_before("solid state NMR spectroscopy", 16), _other_method_before("x-ray spectroscopy", 6)
    (True, False)
    """
    window = text[max(0, start - 40) : start]
    words = window.rstrip()
    if len(words) == len(window) or (words.isascii() and not words.lower().endswith(_OTHER_METHOD_ENDS)):
        return False
    return _OTHER_METHOD.search(text, max(0, start - 40), start) is not None


def cited(text: str, annotations: list[Annotation]) -> list[Annotation]:
    """``annotations`` without those in the numbered reference list that ends ``text`` ("[1] V. Ya.
    Shur, …, Micro- and nanodomain imaging …, J. Appl. Phys. 116 (2014) [2] …"): the titles of cited
    papers say what others did, not what the record holds. The list starts at the last "[1]"
    followed by a capitalised word, with a "[2]" item and a year after it.

    >>> import panet
    >>> text = "XRR of films [1]. References: [1] A. Author, Phase contrast imaging, J. Phys. (2014) [2] B. Author"
    >>> [a.term.label for a in cited(text, panet.load().annotate(text))]
    ['x-ray reflectivity']
    """
    starts = [match.start() for match in _FIRST_REFERENCE.finditer(text)]
    if not starts:
        return annotations
    start = starts[-1]
    if not (_SECOND_REFERENCE.search(text, start) and _YEAR.search(text, start)):
        return annotations
    return [a for a in annotations if a.start < start]


def is_test_data(text: str) -> bool:
    """Whether a text says its record holds test, commissioning or calibration data (of a detector,
    an instrument), not an experiment with the technique its instrument serves.

    >>> is_test_data("It consists of test data for the detector."), is_test_data("SANS of micelles")
    (True, False)
    """
    if (
        "test" not in text
        and "Test" not in text
        and "TEST" not in text
        and "ommission" not in text
        and ("alibration" not in text)
    ):
        return False  # the common case, without a regular expression
    return _TEST_DATA.search(text) is not None


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
