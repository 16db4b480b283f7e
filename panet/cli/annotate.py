"""``panet annotate``: free text -> PaNET terms, one text or one text per stdin line (JSON lines)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from panet.cli import JsonOption, OntologyOption, app, load_ontology, print_json


class KindName(StrEnum):
    technique = "technique"
    specifier = "specifier"


class Expand(StrEnum):
    none = "none"
    ancestors = "ancestors"


@app.command()
def annotate(
    text: Annotated[
        str, typer.Argument(help='Text to annotate; "-" reads one text per stdin line, writes JSON lines.')
    ],
    kind: Annotated[
        list[KindName] | None, typer.Option("--kind", help="Term kinds to find (repeatable); default: technique.")
    ] = None,
    expand: Annotated[Expand, typer.Option("--expand", help="Also report the ancestors of each term.")] = Expand.none,
    mappings: Annotated[
        list[Path] | None,
        typer.Option(
            "--mappings",
            help="Extra SSSOM TSV / PaNET mapping CSV whose labels count (repeatable).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    no_mappings: Annotated[bool, typer.Option("--no-mappings", help="Ignore mapping labels.")] = False,
    no_synonyms: Annotated[bool, typer.Option("--no-synonyms", help="Labels only: no synonyms or acronyms.")] = False,
    all_matches: Annotated[bool, typer.Option("--all", help="Report nested and overlapping matches too.")] = False,
    substrings: Annotated[bool, typer.Option("--substrings", help="Match inside words too (nanoSAXS).")] = False,
    fuzzy: Annotated[bool, typer.Option("--fuzzy", help="Also find near-misses (typos) of names.")] = False,
    stop_word: Annotated[
        list[str] | None, typer.Option("--stop-word", help="A name never to report (repeatable).")
    ] = None,
    ontology: OntologyOption = None,
    json: JsonOption = False,
) -> None:
    """Find PaNET terms in TEXT; offsets are character positions in TEXT."""
    onto = load_ontology(ontology)
    include_mappings: bool | list = not no_mappings
    if mappings and not no_mappings:
        from panet.mappings import load, shipped

        extra = [load(path, ontology=onto) for path in mappings]
        for mapping_set in extra:
            for warning in mapping_set.warnings:
                typer.echo(f"panet: warning: {warning}", err=True)
        include_mappings = [*shipped(onto), *extra]
    from panet.annotate import annotator_for

    annotator = annotator_for(
        onto,
        dict(
            kinds=tuple(k.value for k in kind) if kind else ("technique",),
            expand=expand.value,
            include_mappings=include_mappings,
            include_synonyms=not no_synonyms,
            longest_only=not all_matches,
            whole_words=not substrings,
            fuzzy=fuzzy,
            stop_words=tuple(stop_word or ()),
        ),
    )
    if text == "-":
        _annotate_lines(annotator)
        return
    found = annotator.annotate(text)
    if json:
        print_json([a.to_dict() for a in found])
        return
    for a in found:
        typer.echo(f"{a.start}-{a.end}\t{a.text}\t{a.term.id}\t{a.term.label}\t{a.match_type}")


def _annotate_lines(annotator) -> None:
    """One JSON object per input line, in input order; no line is dropped."""
    import json

    for number, line in enumerate(sys.stdin, start=1):
        text = line.rstrip("\r\n")
        record = {"line": number, "text": text, "annotations": [a.to_dict() for a in annotator.annotate(text)]}
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
