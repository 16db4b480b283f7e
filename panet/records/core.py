"""Annotating one record: find terms in its text with the annotation engine, check the technique
entries it already has, and rewrite it. The same code runs in memory, in a batch and in workers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from panet.errors import BadRecord
from panet.term import local_id
from panet.text import normalize

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from panet.ontology import Ontology
    from panet.records.base import Entry, RecordFormat
    from panet.term import Term

__all__ = ["Outcome", "RecordAnnotator", "check_entry"]

_PANET_ID = re.compile(r"panet\d+")
_WORDS = re.compile(r"[\W_]+")  # what may surround a name that is all of an entry
# Each text of a record is annotated on its own (no term spans two fields) and the terms of the
# last texts seen are remembered: catalogue records repeat their documents' titles, summaries and
# keywords (a proposal has many datasets), and a lookup is much cheaper than a scan.
_MAX_SEEN = 4096
_MAX_SEEN_LENGTH = 4096  # longer texts are not remembered: memory stays flat
_MAX_VERDICTS = 10_000  # distinct (pid, name) pairs remembered

# what `RecordAnnotator.process` returns for a record
UNCHANGED, CHANGED, REJECTED = 0, 1, 2


@dataclass(slots=True)
class Outcome:
    """What annotating one record did. ``techniques``: every term the record carries afterwards."""

    record: Any
    added: list[Term] = field(default_factory=list)
    corrected: list[tuple[Entry, Term]] = field(default_factory=list)
    unresolved: list[Entry] = field(default_factory=list)
    techniques: list[Term] = field(default_factory=list)

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
        format: RecordFormat,
        fields: tuple[str, ...] | list[str] = (),
        to: str = "same",
        **options: Any,
    ) -> None:
        from panet.records import export

        self.ontology = ontology
        self.format = format
        self.fields = tuple(tuple(f.split(".")) for f in fields) or tuple(
            tuple(f.split(".")) for f in format.default_fields
        )
        self.to = to
        self.exporter = None if to == "same" else export.exporter(to)
        from panet.annotate import annotator_for

        self.annotator = annotator_for(ontology, options)  # compiled once per ontology and options
        self._verdicts: dict[tuple[Any, Any], tuple[Term | None, str]] = {}
        self._seen: dict[str, tuple[Term, ...]] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_verdicts"], state["_seen"] = {}, {}
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
        remembered = self._seen.get
        for text in fmt.texts(record, self.fields):  # this loop runs for every field of every record
            terms = remembered(text)
            if terms is None:
                terms = self._scan(text)
            if terms:
                found += terms
        implied = fmt.implied(record, self.ontology)
        if implied:  # a term found in the text that is more specific than an implied one replaces it
            found_set = set(found)
            implied = [t for t in implied if not found_set & self.ontology.descendants(t)]
            found = implied + found
        added = outcome.added
        for term in found:
            if term.iri not in present:
                present[term.iri] = term
                added.append(term)
        if added or outcome.corrected:
            fmt.update(record, outcome.corrected, added)
        outcome.techniques = list(present.values())
        return outcome

    def _scan(self, text: str) -> tuple[Term, ...]:
        """The terms the engine finds in ``text``, remembered for the next records."""
        terms = tuple(a.term for a in self.annotator.annotate(text)) if text else ()
        if len(text) <= _MAX_SEEN_LENGTH:
            if len(self._seen) >= _MAX_SEEN:
                self._seen.clear()
            self._seen[text] = terms
        return terms

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

    def process(self, payload: Any, number: int = 0) -> tuple[int, bytes | str, int, int, int]:
        """Parse, annotate and serialise one record as read by a `Reader`:
        ``(UNCHANGED | CHANGED | REJECTED, output bytes or reject reason, added, corrected, unresolved)``.
        ``number`` names blank nodes in the RDF exports."""
        fmt = self.format
        try:
            record = fmt.parse(payload)
            outcome = self.annotate(record)
            if self.exporter is not None:
                data = self.exporter.record(fmt.describe(record), outcome.techniques, number)
            elif not outcome.changed and isinstance(payload, bytes):
                data = payload  # untouched records are copied byte for byte
            else:
                data = fmt.dump(record)
        except BadRecord as err:
            return REJECTED, str(err), 0, 0, 0
        except Exception as err:  # a record no reader foresaw must not stop the batch or vanish
            return REJECTED, f"cannot annotate this record ({type(err).__name__}: {err})", 0, 0, 0
        state = CHANGED if outcome.changed else UNCHANGED
        return state, data, len(outcome.added), len(outcome.corrected), len(outcome.unresolved)
