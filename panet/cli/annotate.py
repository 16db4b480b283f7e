"""``panet annotate``: free text -> PaNET terms, one text or one text per stdin line (JSON lines)."""

from __future__ import annotations

import sys

from panet.cli import Commands, add_json, add_ontology, choice, load_ontology, print_json, warn
from panet.options import Expand, TermKind

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def add_commands(commands: Commands) -> None:
    """Add annotate."""
    parser = commands.add(annotate)
    parser.add_argument(
        "text", metavar="TEXT", help='text to annotate; "-" reads one text per stdin line, writes JSON lines'
    )
    parser.add_argument(
        "--kind",
        type=choice(TermKind),
        action="append",
        metavar="KIND",
        help="term kind to find: technique or specifier (repeatable; default: technique)",
    )
    parser.add_argument(
        "--expand",
        type=choice(Expand),
        default=Expand.none,
        metavar="WHAT",
        help="none (the default), or ancestors: also report the ancestors of each term",
    )
    parser.add_argument(
        "--mappings",
        action="append",
        metavar="FILE",
        help="extra SSSOM TSV / PaNET mapping CSV whose labels count (repeatable)",
    )
    parser.add_argument("--no-mappings", action="store_true", help="ignore mapping labels")
    parser.add_argument("--no-synonyms", action="store_true", help="labels only: no synonyms or acronyms")
    parser.add_argument("--all", dest="all_matches", action="store_true", help="report nested and overlapping matches")
    parser.add_argument("--substrings", action="store_true", help="match inside words too (nanoSAXS)")
    parser.add_argument("--fuzzy", action="store_true", help="also find near-misses (typos) of names")
    parser.add_argument("--stop-word", action="append", metavar="NAME", help="a name never to report (repeatable)")
    add_ontology(parser)
    add_json(parser)


def annotate(args: argparse.Namespace) -> None:
    """Find PaNET terms in TEXT; offsets are character positions in TEXT."""
    onto = load_ontology(args.ontology)
    include_mappings: bool | list = not args.no_mappings
    if args.mappings and not args.no_mappings:
        from panet.mappings import load, shipped

        extra = [load(path, ontology=onto) for path in args.mappings]
        for mapping_set in extra:
            for warning in mapping_set.warnings:
                warn(warning)
        include_mappings = [*shipped(onto), *extra]
    from panet.annotate import annotator_for

    options = {
        "kinds": tuple(k.value for k in args.kind) if args.kind else ("technique",),
        "expand": args.expand.value,
        "include_mappings": include_mappings,
        "include_synonyms": not args.no_synonyms,
        "longest_only": not args.all_matches,
        "whole_words": not args.substrings,
        "fuzzy": args.fuzzy,
        "stop_words": tuple(args.stop_word or ()),
    }
    annotator = annotator_for(onto, options)
    if args.text == "-":
        _annotate_lines(annotator)
        return
    found = annotator.annotate(args.text)
    if args.json:
        print_json([a.to_dict() for a in found])
        return
    for a in found:
        sys.stdout.write(f"{a.start}-{a.end}\t{a.text}\t{a.term.id}\t{a.term.label}\t{a.match_type}\n")


def _annotate_lines(annotator) -> None:
    """One JSON object per input line, in input order; no line is dropped."""
    import json

    for number, line in enumerate(sys.stdin, start=1):
        text = line.rstrip("\r\n")
        record = {"line": number, "text": text, "annotations": [a.to_dict() for a in annotator.annotate(text)]}
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
