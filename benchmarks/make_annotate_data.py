"""Write benchmarks/data/annotate_generated.tsv: spelling variants of every technique name.

Run from the repository root: ``python benchmarks/make_annotate_data.py``. The output is
deterministic (same ontology -> same file). Expected terms come from the ontology alone:
a variant of a name expects the term that carries the name. Three rules follow the issue's
matching contract rather than the ontology: a lower-cased acronym expects nothing (acronyms
are case-sensitive), and an acronym that `panet.annotate.AMBIGUOUS` refuses, or that needs
context, expects nothing when it stands alone (and, if refused, in context too).

Columns: kind, text, expected (a PaNET ID, or empty when nothing should be found).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import panet
from panet.annotate import AMBIGUOUS, is_acronym

OUT = Path(__file__).resolve().parent / "data" / "annotate_generated.tsv"

# Sentences around a name: no technique words in them, punctuation on both sides of the name.
CONTEXTS = (
    "Dataset 2024-117: {} of sample S3, 300 K.",
    "We used {} to study the thin films.",
    "({}) raw data, detector frames and logs",
    "Proposal 20231456 - {} at beamline P12",
    "{}, run 42, sample holder B",
    "Results from {} are attached.",
    "Measured with {}; see the e-logbook.",
    "Beamtime report: {} on battery cathodes",
)


def plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in tuple("aeiou"):
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def rows(onto: panet.Ontology):
    n = 0
    for term in onto.terms("technique"):
        label = term.label.strip()
        words = label.split()
        yield "label", label, term.id
        yield "label UPPER", label.upper(), term.id
        yield "label Title", label.title(), term.id
        if words[-1].isalpha() and words[-1].islower():
            yield "label plural", " ".join([*words[:-1], plural(words[-1])]), term.id
        if "-" in label:
            yield "label hyphen as space", label.replace("-", " "), term.id
            yield "label hyphen removed", label.replace("-", ""), term.id
        elif len(words) > 1:
            yield "label hyphenated", "-".join(words[:2]) + " " + " ".join(words[2:]), term.id
        if len(words) > 1:
            yield "label non-breaking space", label.replace(" ", "\u00a0", 1), term.id
        yield "label in context", CONTEXTS[n % len(CONTEXTS)].format(label), term.id
        n += 1
        for synonym in (s.strip() for s in term.synonyms):
            if is_acronym(synonym):
                policy = AMBIGUOUS.get(synonym.casefold())
                yield "acronym alone", synonym, "" if policy else term.id
                yield "acronym lower-case", synonym.lower(), ""
                context = f"{synonym} measurements at the synchrotron beamline"
                yield "acronym in context", context, "" if policy == "refused" else term.id
            else:
                yield "synonym", synonym, term.id
                yield "synonym in context", CONTEXTS[n % len(CONTEXTS)].format(synonym), term.id
                n += 1
            spellings = {
                synonym.replace("ö", "oe"),
                synonym.replace("ö", "o"),
                synonym.replace("μ", "µ"),
            }  # µ: micro sign
            for spelling in sorted(spellings - {synonym}):
                yield "unicode spelling", spelling, term.id
    for _, (term, label, _version) in sorted(onto.former_labels().items()):
        if term.kind == "technique":
            yield "former label", label.strip(), term.id


def main() -> int:
    onto = panet.load()
    found = list(dict.fromkeys(rows(onto)))  # same text and kind once
    OUT.parent.mkdir(exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, delimiter="\t", lineterminator="\n")
        writer.writerow(("kind", "text", "expected"))
        writer.writerows(found)
    print(f"{len(found)} rows -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
