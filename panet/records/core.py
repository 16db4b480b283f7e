"""Annotating one record: find terms in its text with the annotation engine, check the technique
entries it already has, and rewrite it. The same code runs in memory, in a batch and in workers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from panet.errors import BadRecord
from panet.records.evidence import text_probes as probes_of
from panet.term import local_id
from panet.text import normalize

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from panet.ontology import Ontology
    from panet.records.base import Entry, Exporter, Format, Item
    from panet.records.instruments import InstrumentTable
    from panet.term import Term

__all__ = ["Outcome", "RecordAnnotator", "RecordResult", "Status", "check_entry"]

_PANET_ID = re.compile(r"panet\d+")
_WORDS = re.compile(r"[\W_]+")  # what may surround a name that is all of an entry
# Each text of a record is annotated on its own (no term spans two fields) and the terms of the
# last texts seen are remembered: catalogue records repeat their documents' titles, summaries and
# keywords (a proposal has many datasets), and a lookup is much cheaper than a scan.
_MAX_SEEN = 4096
_MAX_SEEN_LENGTH = 4096  # longer texts are not remembered: memory stays flat
_MAX_VERDICTS = 10_000  # distinct (pid, name) pairs remembered


class Status(StrEnum):
    """What became of one record in a batch.

    >>> [s.value for s in Status]
    ['annotated', 'unchanged', 'rejected']
    """

    ANNOTATED = "annotated"  # written with terms added or entries corrected
    UNCHANGED = "unchanged"  # written as it came (byte for byte when the reader kept its bytes)
    REJECTED = "rejected"  # not written; ``reason`` says why


@dataclass(slots=True)
class RecordResult:
    """One record through `RecordAnnotator.process` (and `panet.records.annotate_stream`).

    ``number`` (from 1), ``line`` and ``offset``: where the record was in the input. ``data``: the
    record serialised in the output format (empty when rejected); ``reason``: why it was rejected;
    ``input``: the rejected record's input (text, or the value given; None for written records); ``added``,
    ``corrected``, ``unresolved``: technique entries. Picklable (results come back from workers).
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


@dataclass(slots=True)
class Outcome:
    """What annotating one record did. ``techniques``: every term the record carries afterwards."""

    record: Any
    added: list[Term] = field(default_factory=list)
    corrected: list[tuple[Entry, Term]] = field(default_factory=list)
    unresolved: list[Entry] = field(default_factory=list)
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

    @property
    def changed(self) -> bool:
        return bool(self.added or self.corrected)


def check_entry(ontology: Ontology, pid: Any, name: Any, loose: bool = False) -> tuple[Term | None, str]:
    """Check an existing technique entry: ``(term, "ok" | "corrected" | "unresolved" | "other")``.

    The pid decides when it names a PaNET technique (then the name must be its current label,
    compared stripped and case-folded); otherwise the name is looked up as a label or synonym, or
    a former label of an older release. "unresolved" entries are left as they are. A ``loose``
    entry (see `Entry`) that is not a current or former label is "other": not an entry at all.

    >>> import panet
    >>> onto = panet.load()
    >>> check_entry(onto, "http://purl.org/pan-science/PaNET/PaNET01188", "Small angle X-ray scattering")
    (Term('PaNET01188', 'small angle x-ray scattering', kind='technique'), 'ok')
    >>> check_entry(onto, "20.500.12269/0002842", "x-ray probe")[1]     # not a PaNET pid; a former label
    'corrected'
    >>> check_entry(onto, "PaNET:PaNET01188", "small angle x-ray scattering")[1]  # pid not the IRI
    'corrected'
    >>> check_entry(onto, None, "magic"), check_entry(onto, None, "SAXS", loose=True)
    ((None, 'unresolved'), (None, 'other'))
    """
    term = None
    if isinstance(pid, str) and _PANET_ID.fullmatch(local_id(pid)):
        term = _current(ontology, ontology.get(pid, kind="any"))
    if term is not None and term.kind == "technique":
        right = pid == term.iri and isinstance(name, str) and normalize(name) == normalize(term.label)
        return term, "ok" if right else "corrected"
    if not isinstance(name, str) or not name.strip():
        return None, "other" if loose else "unresolved"
    key = normalize(name)
    by_name = next((t for t in ontology.terms_by_label(name) if t.kind == "technique"), None)
    if by_name is not None and not (loose and key != normalize(by_name.label)):
        by_name = _current(ontology, by_name)
        return by_name, "ok" if loose and key == normalize(by_name.label) else "corrected"
    former = ontology.former_labels().get(key)
    if former is not None and former[0].kind == "technique":
        return _current(ontology, former[0]), "corrected"
    return None, "other" if loose else "unresolved"


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
        self._verdicts: dict[tuple[Any, Any], tuple[Term | None, str]] = {}
        self._seen: dict[str, tuple[tuple[Term, ...], frozenset[str]]] = {}
        self._refined: dict[tuple, tuple[list[Term], dict[str, list[str]]]] = {}
        self.evidence = Evidence(ontology, instruments)
        self._notes_evidence = type(format).note_evidence is not BaseFormat.note_evidence

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_verdicts"], state["_seen"], state["_refined"] = {}, {}, {}
        return state

    def annotate(self, record: Any) -> Outcome:
        """Annotate a parsed record in place; what changed comes back as an `Outcome`."""
        fmt = self.format
        outcome = Outcome(record)
        present: dict[str, Term] = {}
        for entry in fmt.entries(record):
            term, status = self.check(entry.pid, entry.name, entry.loose)
            if status == "corrected":
                outcome.corrected.append((entry, term))
            elif status == "unresolved":
                outcome.unresolved.append(entry)
            if term is not None:
                present.setdefault(term.iri, term)
        found: list[Term] = []
        text_probes: frozenset[str] = frozenset()
        remembered = self._seen.get
        for text in fmt.texts(record, self.fields):  # this loop runs for every field of every record
            seen = remembered(text)
            if seen is None:
                seen = self._scan(text)
            if seen[0]:
                found += seen[0]
            if seen[1]:
                text_probes |= seen[1]
        implied = fmt.implied(record, self.ontology)
        names = fmt.instrument_names(record)
        if not names and not found:  # no instrument in the structure, no technique in the text:
            names = self.evidence.instruments_written(fmt.texts(record, self.fields))  # "at BioMAX"
        refinable = self.evidence.by_probe
        if implied or names:
            found, outcome.combined = self.evidence.combine(found, implied, names, fmt.probes(record), text_probes)
        elif len(text_probes) == 1 and any(term.iri in refinable for term in found):
            key = (tuple(found), text_probes)  # the probe refines the text's terms: same texts, same result
            refined = self._refined.get(key)
            if refined is None:
                if len(self._refined) >= _MAX_SEEN:
                    self._refined.clear()
                refined = self._refined[key] = self.evidence.combine(found, [], [], set(), text_probes)
            found, outcome.combined = refined
        else:
            outcome.text_terms = found
        if present:
            outcome.entry_iris = tuple(present)
        added = outcome.added
        for term in found:
            if term.iri not in present:
                present[term.iri] = term
                added.append(term)
        if added or outcome.corrected:
            fmt.update(record, outcome.corrected, added)
        outcome.techniques = list(present.values())
        if self._notes_evidence and (added or outcome.corrected):
            fmt.note_evidence(record, outcome.evidence)
        return outcome

    def _scan(self, text: str) -> tuple[tuple[Term, ...], frozenset[str]]:
        """The terms the engine finds in ``text`` and the probes it speaks of (for the probe
        refinement of `panet.records.evidence`), remembered for the next records."""
        seen = (tuple(a.term for a in self.annotator.annotate(text)), probes_of(text)) if text else ((), frozenset())
        if len(text) <= _MAX_SEEN_LENGTH:
            if len(self._seen) >= _MAX_SEEN:
                self._seen.clear()
            self._seen[text] = seen
        return seen

    def check(self, pid: Any, name: Any, loose: bool = False) -> tuple[Term | None, str]:
        """`check_entry`, remembered per distinct (pid, name, loose). An entry whose name the engine
        finds as one term, and nothing else, resolves to that term."""
        key = (pid if isinstance(pid, str) else None, name if isinstance(name, str) else None, loose)
        verdict = self._verdicts.get(key)
        if verdict is None:
            if len(self._verdicts) >= _MAX_VERDICTS:
                self._verdicts.clear()
            verdict = check_entry(self.ontology, *key)
            if verdict[1] == "unresolved" and key[1]:  # "small-angle neutron scattering": the engine
                found = self.annotator.annotate(key[1])  # folds what a lookup does not
                if len(found) == 1 and _WORDS.sub("", key[1][: found[0].start] + key[1][found[0].end :]) == "":
                    verdict = (_current(self.ontology, found[0].term), "corrected")
            self._verdicts[key] = verdict
        return verdict

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
        )

    @staticmethod
    def _rejected(item: Item, reason: str) -> RecordResult:
        return RecordResult(Status.REJECTED, item.number, item.line, item.offset, reason=reason, input=_input(item))


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
