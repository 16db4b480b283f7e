"""Annotating one record: find terms in its text with the annotation engine, check the technique
entries it already has, and rewrite it. The same code runs in memory, in a batch and in workers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from panet.errors import BadRecord
from panet.records.evidence import NOTHING, PROBE_TECHNIQUES, is_test_data
from panet.records.evidence import text_probes as probes_of
from panet.term import local_id
from panet.text import normalize

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from panet.ontology import Ontology
    from panet.records.base import Entry, Exporter, Format, Item
    from panet.records.evidence import TextReading
    from panet.records.instruments import InstrumentTable
    from panet.term import Term

__all__ = [
    "ConflictKind",
    "EntryConflict",
    "EntryReading",
    "Outcome",
    "RecordAnnotator",
    "RecordResult",
    "Status",
    "check_entry",
    "read_entry",
]

_PANET_ID = re.compile(r"panet\d+")
_WORDS = re.compile(r"[\W_]+")  # what may surround a name that is all of an entry
# Each text of a record is annotated on its own (no term spans two fields) and the terms of the
# last texts seen are remembered: catalogue records repeat their documents' titles, summaries and
# keywords (a proposal has many datasets), and a lookup is much cheaper than a scan.
_MAX_SEEN = 4096
_MAX_SEEN_LENGTH = 4096  # longer texts are not remembered: memory stays flat
_MAX_VERDICTS = 10_000  # distinct (pid, name) pairs remembered
_ACRONYM_FORM = re.compile(r"(?P<outer>[^()]*?)\s*\((?P<inner>[^()]*)\)\s*")  # "X-Ray Reflectivity (XRR)"


class Status(StrEnum):
    """What became of one record in a batch.

    >>> [s.value for s in Status]
    ['annotated', 'unchanged', 'rejected']
    """

    ANNOTATED = "annotated"  # written with terms added or entries corrected
    UNCHANGED = "unchanged"  # written as it came (byte for byte when the reader kept its bytes)
    REJECTED = "rejected"  # not written; ``reason`` says why


class ConflictKind(StrEnum):
    """Why an existing technique entry is reported (`EntryConflict`).

    >>> [k.value for k in ConflictKind]
    ['pid-name', 'probe', 'specifier']
    """

    PID_NAME = "pid-name"  # pid and name denote different PaNET techniques: the evidence chose one
    PROBE = "probe"  # the technique's probe is not the probe of the record's instrument or source
    SPECIFIER = "specifier"  # the entry names a specifier (a probe, a process), no technique: left as it is


@dataclass(frozen=True, slots=True)
class EntryConflict:
    """One reported technique entry of a record: its ``pid`` and ``name`` as written, the
    technique each of them denotes (``pid_term``, ``name_term``; None when it denotes none), the
    technique the entry carries in the output (``kept``; None: the entry is left as it is) and
    the ``reason``. A `ConflictKind.PID_NAME` conflict is resolved (the entry rewritten to
    ``kept``); `ConflictKind.PROBE` and `ConflictKind.SPECIFIER` entries are flagged, not changed.

    >>> import panet
    >>> onto = panet.load()
    >>> conflict = EntryConflict(ConflictKind.PROBE, None, "SANS", None, onto.term("SANS"), onto.term("SANS"), "why")
    >>> conflict.report()["name_means"]
    {'iri': 'http://purl.org/pan-science/PaNET/PaNET01189', 'label': 'small angle neutron scattering'}
    """

    kind: ConflictKind
    pid: Any
    name: Any
    pid_term: Term | None
    name_term: Term | None
    kept: Term | None
    reason: str

    def report(self) -> dict[str, Any]:
        """The report-file fields of this entry (JSON-serialisable)."""
        return {
            "kind": self.kind.value,
            "entry": {"pid": self.pid, "name": self.name},
            "pid_means": _named(self.pid_term),
            "name_means": _named(self.name_term),
            "kept": _named(self.kept),
            "reason": self.reason,
        }


def _named(term: Term | None) -> dict[str, str] | None:
    return None if term is None else {"iri": term.iri, "label": term.label}


@dataclass(slots=True)
class RecordResult:
    """One record through `RecordAnnotator.process` (and `panet.records.annotate_stream`).

    ``number`` (from 1), ``line`` and ``offset``: where the record was in the input. ``data``: the
    record serialised in the output format (empty when rejected); ``reason``: why it was rejected;
    ``input``: the rejected record's input (text, or the value given; None for written records); ``added``,
    ``corrected``, ``unresolved``: technique entries; ``conflicts``: the entries reported
    (`EntryConflict`), and ``identifier`` the record's own identifier when there are some.
    Picklable (results come back from workers).
    """

    status: Status
    number: int = 0
    line: int | None = None
    offset: int | None = None
    data: bytes = b""
    reason: str = ""
    input: Any = None
    added: int = 0
    corrected: int = 0
    unresolved: int = 0
    conflicts: tuple[EntryConflict, ...] = ()
    identifier: str | None = None

    def where(self) -> dict[str, int]:
        """``{"record": n, "line": l, "offset": o}`` with the parts that are known.

        >>> RecordResult(Status.REJECTED, 3, line=4).where()
        {'record': 3, 'line': 4}
        """
        found = {"record": self.number}
        if self.line is not None:
            found["line"] = self.line
        if self.offset is not None:
            found["offset"] = self.offset
        return found

    def reject(self) -> dict[str, Any]:
        """The rejects-file entry of a rejected record: where, why, and its input as text."""
        return {**self.where(), "reason": self.reason, "input": self.input}

    def report(self) -> list[dict[str, Any]]:
        """The report-file entries of a written record: one per reported entry (`EntryConflict`),
        each with where the record was and its identifier.

        >>> RecordResult(Status.UNCHANGED, 2).report()
        []
        """
        where = {**self.where(), "id": self.identifier}
        return [{**where, **conflict.report()} for conflict in self.conflicts]


@dataclass(slots=True)
class Outcome:
    """What annotating one record did. ``techniques``: every term the record carries afterwards;
    ``conflicts``: its entries reported (pid and name at odds, or contradicting the record)."""

    record: Any
    added: list[Term] = field(default_factory=list)
    corrected: list[tuple[Entry, Term]] = field(default_factory=list)
    unresolved: list[Entry] = field(default_factory=list)
    conflicts: list[EntryConflict] = field(default_factory=list)
    techniques: list[Term] = field(default_factory=list)
    entry_iris: tuple[str, ...] = ()  # techniques of the record's own entries
    text_terms: list[Term] | tuple[()] = ()  # found in the text (when nothing else counted)
    combined: dict[str, list[str]] | None = None  # evidence, when structure counted (`panet.records.evidence`)

    @property
    def evidence(self) -> dict[str, list[str]]:
        """IRI -> what gave each technique: ``existing entry``, ``text``, ``instrument``,
        ``NeXus definition``, ``probe`` (`panet.records.evidence.EVIDENCE`)."""
        text = {term.iri for term in self.text_terms}
        found = {}
        for term in self.techniques:
            kinds = ["existing entry"] if term.iri in self.entry_iris else []
            if self.combined is not None:
                kinds += self.combined.get(term.iri, [])
            elif term.iri in text:
                kinds.append("text")
            found[term.iri] = kinds
        return found

    def evidence_of(self, term: Term) -> list[str]:
        """What gave ``term``, one of the techniques found beside the record's entries.

        >>> import panet
        >>> saxs = panet.load().term("SAXS")
        >>> Outcome({}, text_terms=[saxs]).evidence_of(saxs)
        ['text']
        """
        return ["text"] if self.combined is None else self.combined.get(term.iri, [])

    @property
    def changed(self) -> bool:
        return bool(self.added or self.corrected)


@dataclass(frozen=True, slots=True)
class EntryReading:
    """What an existing technique entry says (`read_entry`): the technique it stands for
    (``term``, the pid's on a conflict, until the record's evidence decides), its ``status``
    ("ok", "corrected", "conflict", "unresolved" or "other"), the technique its pid denotes and
    the one its name denotes (None when it denotes none), and the ``specifier`` it names when it
    names no technique."""

    term: Term | None
    status: str
    pid_term: Term | None = None
    name_term: Term | None = None
    specifier: Term | None = None
    pid_is_specifier: bool = False


def read_entry(
    ontology: Ontology, pid: Any, name: Any, loose: bool = False, name_term: Term | None = None
) -> EntryReading:
    """Read an existing technique entry: what its pid and its name denote, and the verdict.

    The pid is read as a PaNET IRI (in any spelling: ``PaNET:PaNET01188``, ``https://…``); a
    specifier pid stands for the technique of the same label. The name is read as a label or
    synonym (acronym), a former label of an older release, or ``Label (ACRONYM)`` whose two
    parts denote one technique (``name_term``: the caller's reading when none of these does),
    all compared stripped and case-folded. When both denote techniques and they differ (and are
    not equivalent classes), the status is "conflict": the record's evidence decides
    (`RecordAnnotator.annotate`). A loose entry (`panet.records.base.Entry`) is read by its
    current or former label only.

    >>> import panet
    >>> onto = panet.load()
    >>> xrf = "http://purl.org/pan-science/PaNET/PaNET01177"
    >>> reading = read_entry(onto, xrf, "X-Ray Reflectivity (XRR)")
    >>> reading.status, reading.pid_term.label, reading.name_term.label
    ('conflict', 'x-ray fluorescence', 'x-ray reflectivity')
    >>> read_entry(onto, "http://purl.org/pan-science/PaNET/PaNET01012", "x-ray probe").status  # its former label
    'corrected'
    >>> read_entry(onto, None, "EUV photon").specifier.label  # a specifier, no technique
    'EUV photon'
    """
    pid_any = None
    if isinstance(pid, str) and _PANET_ID.fullmatch(local_id(pid)):
        pid_any = _current(ontology, ontology.get(pid, kind="any"))
    pid_term = pid_any if pid_any is not None and pid_any.kind == "technique" else None
    pid_is_specifier = pid_any is not None and pid_term is None
    if pid_is_specifier:  # the technique of the specifier's label ('small angle scattering')
        pid_term = _technique_named(ontology, pid_any.label)
    text = name.strip() if isinstance(name, str) else ""
    if loose and pid_any is None:
        term = _technique_named(ontology, text, labels_only=True)
        if term is None:
            return EntryReading(None, "other")
        return EntryReading(term, "ok" if normalize(text) == normalize(term.label) else "corrected", None, term)
    if text and name_term is None:
        name_term = _technique_named(ontology, text)
        if name_term is None:
            parts = _ACRONYM_FORM.fullmatch(text)
            if parts is not None:
                outer, inner = (_technique_named(ontology, parts[k]) for k in ("outer", "inner"))
                name_term = outer if outer is not None and outer == inner else None
    if pid_term is not None and name_term not in (None, pid_term, *ontology.equivalents(pid_term)):
        return EntryReading(pid_term, "conflict", pid_term, name_term, None, pid_is_specifier)
    term = pid_term or name_term
    if term is not None:
        right = pid == term.iri and normalize(text) == normalize(term.label)
        return EntryReading(term, "ok" if right else "corrected", pid_term, name_term, None, pid_is_specifier)
    specifier = pid_any if pid_is_specifier else next(iter(ontology.terms_by_label(text)), None) if text else None
    return EntryReading(None, "unresolved", None, None, specifier, pid_is_specifier)


def check_entry(ontology: Ontology, pid: Any, name: Any, loose: bool = False) -> tuple[Term | None, str]:
    """Check an existing technique entry: ``(term, "ok" | "corrected" | "conflict" | "unresolved" | "other")``
    (`read_entry`).

    The pid decides when it names a PaNET technique (then the name must be its current label,
    compared stripped and case-folded), unless the name denotes another technique: a
    "conflict", which the record's evidence decides (`RecordAnnotator.annotate`); the term given
    is the pid's. Otherwise the name is looked up as a label or synonym, or a former label of an
    older release. "unresolved" entries are left as they are. A ``loose`` entry (see `Entry`)
    that is not a current or former label is "other": not an entry at all.

    >>> import panet
    >>> onto = panet.load()
    >>> check_entry(onto, "http://purl.org/pan-science/PaNET/PaNET01188", "Small angle X-ray scattering")
    (Term('PaNET01188', 'small angle x-ray scattering', kind='technique'), 'ok')
    >>> check_entry(onto, "20.500.12269/0002842", "x-ray probe")[1]     # not a PaNET pid; a former label
    'corrected'
    >>> check_entry(onto, "PaNET:PaNET01188", "small angle x-ray scattering")[1]  # pid not the IRI
    'corrected'
    >>> check_entry(onto, "http://purl.org/pan-science/PaNET/PaNET01188", "SANS")[1]  # name: another technique
    'conflict'
    >>> check_entry(onto, None, "magic"), check_entry(onto, None, "SAXS", loose=True)
    ((None, 'unresolved'), (None, 'other'))
    """
    reading = read_entry(ontology, pid, name, loose)
    return reading.term, reading.status


def _technique_named(ontology: Ontology, name: str, labels_only: bool = False) -> Term | None:
    """The current technique whose label (or, unless ``labels_only``, synonym) or former label is
    ``name``, compared stripped and case-folded."""
    key = normalize(name)
    if not key:
        return None
    for term in ontology.terms_by_label(name):
        if term.kind == "technique" and (not labels_only or normalize(term.label) == key):
            return _current(ontology, term)
    former = ontology.former_labels().get(key)
    if former is not None and former[0].kind == "technique":
        return _current(ontology, former[0])
    return None


def _current(ontology: Ontology, term: Term | None) -> Term | None:
    """``term``, or the term replacing it when it is deprecated."""
    if term is not None and term.deprecated and term.replaced_by:
        return ontology.get(term.replaced_by, kind="any") or term
    return term


class RecordAnnotator:
    """Annotates the records of one format with one compiled `panet.annotate.Annotator`.

    Picklable: a batch sends it once to each worker process.

    >>> import panet
    >>> from panet.records import formats
    >>> job = RecordAnnotator(panet.load(), formats.get("pan"))
    >>> outcome = job.annotate(job.format.load({"pid": "d1", "title": "SAXS of thin films"}))
    >>> outcome.record["techniques"]
    [{'pid': 'http://purl.org/pan-science/PaNET/PaNET01188', 'name': 'small angle x-ray scattering'}]
    """

    def __init__(
        self,
        ontology: Ontology,
        format: Format,
        fields: tuple[str, ...] | list[str] = (),
        to: str = "same",
        instruments: InstrumentTable | None = None,
        **options: Any,
    ) -> None:
        from panet.records import export
        from panet.records.base import Format as BaseFormat
        from panet.records.evidence import Evidence

        self.ontology = ontology
        self.format = format
        self.fields = tuple(tuple(f.split(".")) for f in fields) or tuple(
            tuple(f.split(".")) for f in format.default_fields
        )
        self.to = to
        from panet.annotate import annotator_for
        from panet.options import RecordOutput

        to = RecordOutput.parse(to).value
        self.exporter: Exporter | None = None if to == RecordOutput.same else export.exporter(to)
        self.annotator = annotator_for(ontology, options)  # compiled once per ontology and options
        self._verdicts: dict[tuple[Any, Any, bool], EntryReading] = {}
        self._seen: dict[str, TextReading] = {}
        self._refined: dict[tuple, tuple[list[Term], dict[str, list[str]]]] = {}
        self._instrument_rows: dict[tuple[str, ...], list[Any]] = {}
        self._term_probes: dict[str, frozenset[str]] = {}
        self._probe_groups = {probe: ontology.get(i) for probe, i in PROBE_TECHNIQUES.items() if ontology.get(i)}
        self.evidence = Evidence(ontology, instruments)
        self._notes_evidence = type(format).note_evidence is not BaseFormat.note_evidence
        self._reads_probes = type(format).probes is not BaseFormat.probes

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_verdicts"], state["_seen"], state["_refined"] = {}, {}, {}
        state["_instrument_rows"], state["_term_probes"] = {}, {}
        return state

    def annotate(self, record: Any) -> Outcome:
        """Annotate a parsed record in place; what changed comes back as an `Outcome`.

        An entry whose pid and name denote different techniques keeps the one the rest of the
        record supports (`_decide`); entries whose technique contradicts the record's probe, or
        that name a specifier, are left as they are; both are in ``Outcome.conflicts``."""
        fmt = self.format
        outcome = Outcome(record)
        readings: list[tuple[Entry, EntryReading]] = []
        disputed: set[str] | None = None  # names of the entries whose pid and name disagree: not evidence
        for entry in fmt.entries(record):
            reading = self.read(entry.pid, entry.name, entry.loose)
            if reading.status == "other":
                continue
            readings.append((entry, reading))
            if reading.status == "conflict" and isinstance(entry.name, str):
                disputed = (disputed or set()) | {entry.name.strip()}
        texts = fmt.texts(record, self.fields)
        if type(texts) is not list:
            texts = list(texts)
        # a DataCite subject is text too: not its own evidence
        read = [text for text in texts if text.strip() not in disputed] if disputed else texts
        found: list[Term] = []
        named_both: frozenset[str] = frozenset()  # techniques a text lists with narrower ones ("SAXS and GISAXS")
        devices: dict[str, int] | None = None  # technique -> texts naming it only through a device
        remembered = self._seen.get
        for text in read:  # this loop runs for every field of every record
            seen = remembered(text)
            if seen is None:
                seen = self._scan(text)
            if seen[0]:  # a text without terms lists none and names no device
                found += seen[0]
                if seen[1]:
                    named_both |= seen[1]
                if seen[2]:
                    devices = devices or {}
                    for iri in seen[2]:
                        devices[iri] = devices.get(iri, 0) + 1
        if devices:  # "diffractometer" says what the device can do: the record's other techniques say what was done
            found = self.evidence.without_devices(found, devices)
        settings = self.evidence.beam_settings
        if found and not settings.isdisjoint([t.iri for t in found]) and any(map(is_test_data, texts)):
            found = [t for t in found if t.iri not in settings]  # "TOF mode" of a detector under test
        implied = fmt.implied(record, self.ontology)
        names = fmt.instrument_names(record)
        if not names and not found:  # no instrument in the structure, no technique in the text:
            names = self.evidence.instruments_written(texts, self._facility(record))
        refinable = self.evidence.by_probe
        if implied or names:
            # a record of test data (of a detector, at an instrument) gets no technique from its instrument
            test_data = bool(names) and any(map(is_test_data, texts))
            found, outcome.combined = self.evidence.combine(
                found, implied, names, fmt.probes(record), self._text_probes(read), named_both, test_data
            )
        else:
            iris = [term.iri for term in found]  # (keys: no Python-level `Term.__hash__`)
            refine = not refinable.keys().isdisjoint(iris)  # "reflectometry" + a probe
            stated = frozenset(fmt.probes(record)) if refine and self._reads_probes else frozenset()
            # a probe the record states comes first: then what its texts speak of does not count
            text_probes = self._text_probes(read) if refine and not stated else frozenset()
            if refine and (stated or len(text_probes) == 1):
                # the probe refines the text's terms: `Evidence.combine` reads each term once, in the order found
                key = (tuple(dict.fromkeys(iris)), text_probes, named_both, stated)
                refined = self._refined.get(key)  # same texts and probes, same result
                if refined is None:
                    if len(self._refined) >= _MAX_SEEN:
                        self._refined.clear()
                    refined = self.evidence.combine(found, [], [], set(stated), text_probes, named_both)
                    self._refined[key] = refined
                found, outcome.combined = refined
            else:
                if len(found) > 1:  # the most specific technique wins ("crystallography" next to SSX)
                    found = self.evidence.narrowest(found, named_both)
                outcome.text_terms = found
        present: dict[str, Term] = {}
        if readings:
            probes = self._record_probes(record, names) if names or self._reads_probes else {}
            self._check_entries(outcome, readings, found, present, probes, disputed is not None)
        added = outcome.added
        # a technique broader than one the record's entries already give adds nothing ("photoelectron
        # spectroscopy" read from the instrument's name, next to the facility's own HAXPES entry)
        covered = self._covered(present) if present else ()
        for term in found:
            if term.iri not in present and term.iri not in covered:
                present[term.iri] = term
                added.append(term)
        if added or outcome.corrected:
            fmt.update(record, outcome.corrected, added)
        outcome.techniques = list(present.values())
        if self._notes_evidence and (added or outcome.corrected):
            fmt.note_evidence(record, outcome.evidence)
        return outcome

    def _check_entries(
        self,
        outcome: Outcome,
        readings: list[tuple[Entry, EntryReading]],
        found: list[Term],
        present: dict[str, Term],
        probes: dict[str, str],
        disputed: bool,
    ) -> None:
        """Sort the record's entries into ``outcome`` (corrected, unresolved, conflicts) and their
        techniques into ``present``; ``found``: what the rest of the record gives, ``probes``:
        the record's probes (`_record_probes`); ``disputed``: some entries' pid and name disagree."""
        evidence: list[tuple[Term, str]] = []
        if disputed:
            evidence += [(term, " and ".join(outcome.evidence_of(term))) for term in found]
            evidence += [(r.term, "another entry") for _, r in readings if r.status in ("ok", "corrected")]
        for entry, reading in readings:
            term, status = reading.term, reading.status
            if status == "conflict":
                term, reason = self._decide(reading, evidence, probes)
                outcome.conflicts.append(
                    EntryConflict(
                        ConflictKind.PID_NAME, entry.pid, entry.name, reading.pid_term, reading.name_term, term, reason
                    )
                )
                status = "corrected"
            if status == "corrected":
                outcome.corrected.append((entry, term))
            elif status == "unresolved":
                outcome.unresolved.append(entry)
                if reading.specifier is not None:
                    outcome.conflicts.append(
                        EntryConflict(
                            ConflictKind.SPECIFIER,
                            entry.pid,
                            entry.name,
                            reading.specifier if reading.pid_is_specifier else None,
                            None if reading.pid_is_specifier else reading.specifier,
                            None,
                            f"names the specifier '{reading.specifier.label}', which is not a technique "
                            "(and no technique has its name): left as it is",
                        )
                    )
            if term is None:
                continue
            present.setdefault(term.iri, term)
            contradiction = self._contradiction(term, probes) if probes else ""
            if contradiction:
                outcome.conflicts.append(
                    EntryConflict(
                        ConflictKind.PROBE,
                        entry.pid,
                        entry.name,
                        reading.pid_term,
                        reading.name_term,
                        term,
                        contradiction,
                    )
                )
        if present:
            outcome.entry_iris = tuple(present)

    def _decide(
        self, reading: EntryReading, evidence: list[tuple[Term, str]], probes: dict[str, str]
    ) -> tuple[Term, str]:
        """The technique a conflicting entry keeps, and why: the one (pid's or name's) the rest of
        the record supports more — a found term that is the same technique (strongest), a narrower
        one, or a broader one (technique groups above both do not count); then the record's probe.
        Neither or both: the pid's (the name's when the pid is a specifier)."""
        ontology = self.ontology
        pid_term, name_term = reading.pid_term, reading.name_term
        assert pid_term is not None and name_term is not None
        common = ontology.ancestors(pid_term, include_self=True) & ontology.ancestors(name_term, include_self=True)

        def support(term: Term, other: Term) -> tuple[int, str]:
            below, above = ontology.descendants(term), ontology.ancestors(term)
            best = (0, "")
            for found, source in evidence:
                if found in common:
                    continue
                grade = 3 if found == term else 2 if found in below else 1 if found in above else 0
                if grade > best[0]:
                    relation = ("", "narrower ", "broader ")[3 - grade]
                    best = (grade, f"the record's {source} gives the {relation}technique '{found.label}'")
            if not best[0] and probes:
                mine = self._probes_of(term) & probes.keys()
                if mine and not self._probes_of(other) & probes.keys():
                    probe = sorted(mine)[0]
                    best = (1, f"the record's probe is {probe} ({probes[probe]})")
            return best

        for_pid, for_name = support(pid_term, name_term), support(name_term, pid_term)
        default = "name" if reading.pid_is_specifier else "pid"
        if for_pid[0] != for_name[0]:
            winner, why = ("pid", for_pid[1]) if for_pid[0] > for_name[0] else ("name", for_name[1])
        elif for_pid[0]:
            winner, why = default, f"the record supports both ({for_pid[1]}; {for_name[1]})"
        else:
            winner, why = default, "nothing else in the record supports either"
        if winner == default and default == "name":
            why += "; the pid names a specifier"
        kept = pid_term if winner == "pid" else name_term
        return kept, f"kept the {winner}'s technique: {why}"

    def _facility(self, record: Any) -> str:
        """The facility whose DOI prefix the record's identifier has (`DOI_PREFIXES`), or ""."""
        from panet.records.instruments import DOI_PREFIXES, doi_prefix

        return DOI_PREFIXES.get(doi_prefix(_identifier(self.format, record)), "")

    def _record_probes(self, record: Any, names: list[str]) -> dict[str, str]:
        """The probes the record's structure states -> where from: its instrument (the
        instrument table) and what its format reads (`panet.records.base.Format.probes`)."""
        probes = {probe: "its source" for probe in self.format.probes(record)}
        if names:
            key = tuple(names)
            rows = self._instrument_rows.get(key)
            if rows is None:
                if len(self._instrument_rows) >= _MAX_SEEN:
                    self._instrument_rows.clear()
                evidence = self.evidence
                rows = evidence.instruments.find(names, generic=evidence.generic) if evidence.instruments else []
                self._instrument_rows[key] = rows
            for row in rows:
                if row.probe:
                    probes.setdefault(row.probe, f"its instrument {row.name} at {row.facility}")
        return probes

    def _covered(self, present: dict[str, Term]) -> frozenset[str]:
        """The IRIs of every technique above those ``present`` (`Evidence.ancestors`, remembered)."""
        found = [self.evidence.ancestors(term) for term in present.values()]
        return found[0] if len(found) == 1 else frozenset().union(*found)

    def _probes_of(self, term: Term) -> frozenset[str]:
        """The probes of a technique: those whose probe technique (`PROBE_TECHNIQUES`) it is under."""
        probes = self._term_probes.get(term.iri)
        if probes is None:
            above = self.ontology.ancestors(term, include_self=True)
            groups = self._probe_groups
            probes = self._term_probes[term.iri] = frozenset(p for p, group in groups.items() if group in above)
        return probes

    def _contradiction(self, term: Term, probes: dict[str, str]) -> str:
        """Why ``term`` contradicts a record of ``probes`` (an x-ray technique, a neutron
        instrument), or "" when it does not."""
        if not probes:
            return ""
        mine = self._probes_of(term)
        if not mine or mine & probes.keys():
            return ""
        theirs = "; ".join(f"{probe} ({where})" for probe, where in sorted(probes.items()))
        return f"the probe of '{term.label}' is {' or '.join(sorted(mine))}, the record's is {theirs}: left as it is"

    def _scan(self, text: str) -> TextReading:
        """What ``text`` says (`panet.records.evidence.Evidence.read_text`: the terms the engine
        finds in it, its probes, ...), remembered for the next records."""
        found = self.annotator.annotate(text) if text else None
        seen = self.evidence.read_text(text, found) if found else NOTHING
        if len(text) <= _MAX_SEEN_LENGTH:
            if len(self._seen) >= _MAX_SEEN:
                self._seen.clear()
            self._seen[text] = seen
        return seen

    @staticmethod
    def _text_probes(texts: list[str]) -> frozenset[str]:
        """The probes the texts speak of (`panet.records.evidence.text_probes`), for the probe
        refinement: read only when a record needs them, from its texts joined by line breaks (no
        probe word holds one, so none is made across two texts): one pass in C, no look-up per text."""
        return probes_of(texts[0] if len(texts) == 1 else "\n".join(texts))

    def check(self, pid: Any, name: Any, loose: bool = False) -> tuple[Term | None, str]:
        """``(term, status)`` of an entry (`read`), as `check_entry` gives them.

        >>> import panet
        >>> from panet.records import formats
        >>> RecordAnnotator(panet.load(), formats.get("pan")).check(None, "small-angle neutron scattering")[1]
        'corrected'
        """
        reading = self.read(pid, name, loose)
        return reading.term, reading.status

    def read(self, pid: Any, name: Any, loose: bool = False) -> EntryReading:
        """`read_entry`, remembered per distinct (pid, name, loose). A name that no lookup reads
        but that the engine finds as one term, and nothing else ("small-angle neutron scattering",
        "Small-angle scattering of X-rays (SAXS)"), denotes that term.

        >>> import panet
        >>> from panet.records import formats
        >>> job = RecordAnnotator(panet.load(), formats.get("pan"))
        >>> reading = job.read("http://purl.org/pan-science/PaNET/PaNET01188", "small-angle neutron scattering")
        >>> reading.status, reading.name_term.label
        ('conflict', 'small angle neutron scattering')
        """
        key = (pid if isinstance(pid, str) else None, name if isinstance(name, str) else None, loose)
        reading = self._verdicts.get(key)
        if reading is None:
            if len(self._verdicts) >= _MAX_VERDICTS:
                self._verdicts.clear()
            reading = read_entry(self.ontology, *key)
            if reading.name_term is None and key[1] and not loose and reading.status in ("unresolved", "corrected"):
                term = self._only_term(key[1])  # the engine folds what a lookup does not
                if term is not None:
                    reading = read_entry(self.ontology, *key, name_term=term)
            self._verdicts[key] = reading
        return reading

    def _only_term(self, text: str) -> Term | None:
        """The one technique the engine finds in ``text`` when nothing but punctuation is left over."""
        found = self.annotator.annotate(text)
        terms = {a.term for a in found}
        if len(terms) != 1:
            return None
        rest, last = [], 0
        for annotation in sorted(found, key=lambda a: a.start):
            rest.append(text[last : annotation.start])
            last = max(last, annotation.end)
        rest.append(text[last:])
        term = _current(self.ontology, found[0].term)
        return term if _WORDS.sub("", "".join(rest)) == "" and term.kind == "technique" else None

    def process(self, item: Item) -> RecordResult:
        """Parse, annotate and serialise one record as read by a `panet.records.base.Reader`.

        >>> import panet
        >>> from panet.records import formats
        >>> from panet.records.base import Item
        >>> job = RecordAnnotator(panet.load(), formats.get("pan"))
        >>> job.process(Item(1, b'{"pid": "d1", "title": "SAXS"}')).status
        <Status.ANNOTATED: 'annotated'>
        >>> job.process(Item(2, b"[1, 2]", line=2)).reason
        'wrong type: a record must be a JSON object, found an array'
        """
        fmt = self.format
        payload = item.payload
        try:
            record = fmt.parse(payload)
            outcome = self.annotate(record)
            if self.exporter is not None:
                data = self.exporter.record(fmt.describe(record), outcome.techniques, item.number)
            elif not outcome.changed and isinstance(payload, bytes):
                data = payload  # untouched records are copied byte for byte
            else:
                data = fmt.dump(record)
            conflicts = tuple(outcome.conflicts) if outcome.conflicts else ()
            identifier = _identifier(fmt, record) if conflicts else None
        except BadRecord as err:
            return self._rejected(item, str(err))
        except Exception as err:  # a record no reader foresaw must not stop the batch or vanish
            return self._rejected(item, f"cannot annotate this record ({type(err).__name__}: {err})")
        return RecordResult(
            Status.ANNOTATED if outcome.changed else Status.UNCHANGED,
            item.number,
            item.line,
            item.offset,
            data,
            added=len(outcome.added),
            corrected=len(outcome.corrected),
            unresolved=len(outcome.unresolved),
            conflicts=conflicts,
            identifier=identifier,
        )

    @staticmethod
    def _rejected(item: Item, reason: str) -> RecordResult:
        return RecordResult(Status.REJECTED, item.number, item.line, item.offset, reason=reason, input=_input(item))


def _identifier(fmt: Format, record: Any) -> str | None:
    """The record's own identifier for the report file; None when its format cannot tell (a
    record is never rejected for want of one)."""
    try:
        identifier = fmt.describe(record).identifier
    except Exception:  # only the report's ``id`` is missing
        return None
    return identifier if isinstance(identifier, str) else None


def _input(item: Item) -> Any:
    """The input of a rejected record for the rejects file: text (undecodable bytes kept as
    surrogate escapes), or the value given (a CSV row, a record passed in memory)."""
    from panet.records.jsonl import Unreadable

    payload = item.payload
    if isinstance(payload, Unreadable):
        return payload.text
    if isinstance(payload, bytes):
        return payload.decode("utf-8", errors="surrogateescape")
    return payload
