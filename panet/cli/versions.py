"""Commands over PaNET sources and versions: facets, releases, diff, classify."""

from __future__ import annotations

import sys

from panet.cli import Commands, add_json, add_ontology, load_ontology, print_json, warn
from panet.cli.output import Style, print_lines
from panet.errors import OptionError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

VERSION_HELP = "a shipped version (v1.2.0, current, latest) or a PaNET file"


def _local(iri: str) -> str:
    return iri.rpartition("/")[2]


def _names(terms) -> str:
    return "; ".join(f"{t.label} ({t.id})" for t in terms) or "-"


def add_commands(commands: Commands) -> None:
    """Add facets, releases, diff and classify."""
    parser = commands.add(facets)
    parser.add_argument("key", nargs="?", metavar="KEY", help="term whose facets to show (IRI, CURIE, ID, label)")
    parser.add_argument(
        "-w",
        "--where",
        action="append",
        metavar="AXIS=SPECIFIER",
        help="list the techniques with this facet (repeatable)",
    )
    add_ontology(parser)
    add_json(parser)

    parser = commands.add(releases)
    add_json(parser)

    parser = commands.add(diff)
    parser.add_argument("old", metavar="OLD", help=VERSION_HELP)
    parser.add_argument("new", metavar="NEW", help=VERSION_HELP)
    add_json(parser)

    parser = commands.add(classify)
    parser.add_argument("source", metavar="SOURCE", help="PaNET source: a ROBOT template (.csv) or any PaNET file")
    parser.add_argument(
        "-o", "--output", metavar="FILE", required=True, help="file to write (.ttl, .owl, .nt, .jsonld); atomically"
    )
    parser.add_argument(
        "--direct", action="store_true", help="only direct superclasses (like PaNET.owl), not all (PaNET_reasoned.owl)"
    )
    add_json(parser)


def facets(args: argparse.Namespace) -> None:
    """What defines a technique, by axis (probe, process, functional_dependence, purpose,
    beam_characteristic); or, with --where, the techniques that have given facets."""
    if (args.key is None) == (not args.where):
        raise OptionError("give a KEY, or --where AXIS=SPECIFIER (not both)")
    wanted = {}
    for item in args.where or ():
        axis, sep, value = item.partition("=")
        if not sep or not value.strip():
            raise OptionError(f"--where {item!r}: write AXIS=SPECIFIER, e.g. probe=neutron")
        wanted[axis.strip()] = value.strip()
    from panet import facets as facet_functions
    from panet.term import by_label

    onto = load_ontology(args.ontology)
    if args.key is not None:
        found = facet_functions.facets(onto, args.key)
        if args.json:
            print_json(found.to_dict())
            return
        lines = [f"{Style(sys.stdout).bold(found.term.label)}  {found.term.curie}"]
        lines += [f"  {axis:<22}{_names(found[axis])}" for axis in facet_functions.axes(onto)]
        lines.append(f"  {'defined as':<22}{' and '.join(f'{t.label} ({t.id})' for t in found.conjuncts) or '-'}")
        print_lines(lines)
        return
    techniques = by_label(facet_functions.techniques_with(onto, wanted))
    if args.json:
        print_json([t.to_dict() for t in techniques])
        return
    print_lines(f"{t.id}\t{t.label}" for t in techniques)


def releases(args: argparse.Namespace) -> None:
    """The PaNET versions panet ships (load one with --ontology or panet.load(version=...))."""
    from panet.versions import releases as shipped

    if args.json:
        print_json([release.to_dict() for release in shipped()])
        return
    print_lines(f"{r.name:<8} {r.version:<18} {r.date}  {r.file}" for r in shipped())


def diff(args: argparse.Namespace) -> None:
    """What changed from OLD to NEW: terms added, removed, relabelled, synonyms, parents."""
    from panet.changes import diff as compare

    change = compare(args.old, args.new)
    if args.json:
        print_json(change.to_dict())
        return
    style = Style(sys.stdout)
    counts = change.summary()
    lines = [
        style.bold(f"PaNET {change.old.version} -> {change.new.version}"),
        f"  added {counts['added']} ({len(change.added)} terms, {len(change.properties_added)} object properties), "
        f"removed {counts['removed']}, relabelled {counts['relabelled']}, "
        f"synonyms changed {counts['synonyms_changed']}, parents changed {counts['parents_changed']}, "
        f"ancestors changed {counts['ancestors_changed']}",
    ]
    for root in change.old.roots():
        if root in change.new:
            left = change.left(root)
            if left:
                lines.append(f"  {len(left)} terms are no longer under '{root.label}' ({root.id})")

    def section(title: str, items: list[str]) -> None:
        if items:
            lines.extend(["", style.bold(title), *("  " + item for item in items)])

    section(
        "added",
        [f"{t.id}  {t.label}" for t in change.added]
        + [f"{_local(c.term)}  {c.after}" for c in change.properties_added],
    )
    section(
        "removed", [f"{t.id}  {t.label}" for t in change.removed] + [_local(c.term) for c in change.properties_removed]
    )
    section(
        "relabelled",
        [f"{c.term.id}  '{c.before}' -> '{c.after}'" for c in change.relabelled]
        + [f"{_local(c.term)}  '{c.before}' -> '{c.after}'" for c in change.properties_relabelled],
    )
    section(
        "synonyms changed",
        [
            f"{c.term.id}  {c.term.label}: "
            + " ".join(
                [f"-'{s}'" for s in c.before if s not in c.after] + [f"+'{s}'" for s in c.after if s not in c.before]
            )
            for c in change.synonyms_changed
        ],
    )
    section(
        "parents changed",
        [f"{c.term.id}  {c.term.label}: {_names(c.before)} -> {_names(c.after)}" for c in change.parents_changed],
    )
    print_lines(lines)


def classify(args: argparse.Namespace) -> None:
    """Classify SOURCE with panet's EL reasoner (no Java) and write the inferred ontology.

    The summary on stderr counts the equivalent pairs between PaNET terms and, apart, those with
    other classes (wikidata:Q133900 ≡ 'diffraction' in the current build); --json prints it on
    stdout as JSON."""
    from panet.reasoner import classify_file

    done = classify_file(args.source, args.output, direct=args.direct)
    for warning in done.warnings:
        warn(warning)
    for iri in done.unsatisfiable:
        warn(f"{iri} is unsatisfiable")
    summary = {
        "output": done.output,
        "classes": done.classes,
        "subclass_edges": done.edges,
        "equivalent_pairs": done.equivalent_pairs,
        "other_equivalent_pairs": done.other_equivalent_pairs,
        "milliseconds": round(done.seconds * 1000),
    }
    if args.json:
        print_json(summary)
        return
    sys.stderr.write(
        f"{args.output}: {done.classes} classes, {done.edges} subclass edges, {done.equivalent_pairs} equivalent pairs "
        f"between PaNET terms (+{summary['other_equivalent_pairs']} with other classes; "
        f"classified in {summary['milliseconds']} ms)\n"
    )
