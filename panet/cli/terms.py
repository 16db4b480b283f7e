"""Commands over the index: term, search, tree, ancestors, descendants."""

from __future__ import annotations

import sys

from panet.cli import Commands, add_json, add_ontology, add_output, choice, count, load_ontology, print_json
from panet.cli.output import Style, print_lines, table, write_output
from panet.options import Kind, TreeFormat
from panet.term import by_label

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

KEY_HELP = "IRI, CURIE (panet:PaNET01188), ID (PaNET01188), label or synonym"


def add_commands(commands: Commands) -> None:
    """Add term, search, tree, ancestors and descendants."""
    parser = commands.add(term)
    parser.add_argument("key", metavar="KEY", help=KEY_HELP)
    parser.add_argument(
        "--kind",
        type=choice(Kind),
        metavar="KIND",
        help="technique, specifier or any; labels resolve to techniques by default",
    )
    add_ontology(parser)
    add_json(parser)

    parser = commands.add(search, problems="no term matches (not with --json: an empty list)")
    parser.add_argument("text", metavar="TEXT", help="words to look for in labels and synonyms")
    parser.add_argument("-n", "--limit", type=count(1), default=20, metavar="N", help="most results to show (20)")
    parser.add_argument("--kind", type=choice(Kind), metavar="KIND", help="technique, specifier or any (default: any)")
    add_ontology(parser)
    add_json(parser)

    parser = commands.add(tree)
    parser.add_argument("key", metavar="KEY", help=KEY_HELP)
    parser.add_argument("-d", "--depth", type=count(0), metavar="N", help="levels below KEY to show (default: all)")
    parser.add_argument(
        "-f",
        "--format",
        type=choice(TreeFormat),
        default=TreeFormat.text,
        metavar="FORMAT",
        help="text (indented, the default), json, or a picture: dot, svg, png",
    )
    add_output(parser)
    add_ontology(parser)
    add_json(parser)

    for run in (ancestors, descendants):
        parser = commands.add(run)
        parser.add_argument("key", metavar="KEY", help=KEY_HELP)
        add_ontology(parser)
        add_json(parser)


def term(args: argparse.Namespace) -> None:
    """Show one term: label, IDs, kind, synonyms, definition, parents and children."""
    onto = load_ontology(args.ontology)
    if args.json:  # the same document as the service's GET /terms/{key}
        from panet.jsonld import term_document

        print_json(term_document(onto, args.key, kind=args.kind))
        return
    found = onto.term(args.key, kind=args.kind)
    parents, children = by_label(onto.parents(found)), by_label(onto.children(found))
    style = Style(sys.stdout)
    lines = [f"{style.bold(found.label)}  {found.curie}  {style.dim(f'({found.kind})')}", f"  IRI         {found.iri}"]
    if found.synonyms:
        lines.append(f"  synonyms    {', '.join(found.synonyms)}")
    if found.definition:
        lines.append(f"  definition  {found.definition}")
    if found.definition_source:
        lines.append(f"  source      {found.definition_source}")
    equivalents = by_label(onto.equivalents(found))
    for title, terms in (("parents", parents), ("children", children), ("equivalent", equivalents)):
        if terms:
            lines.append(f"  {title:<11} " + "; ".join(f"{t.label} ({t.id})" for t in terms))
    print_lines(lines)


def search(args: argparse.Namespace) -> int:
    """Ranked search: exact > prefix > whole word > substring > fuzzy.

    Exit status 1 when nothing matches (with --json: an empty list, exit status 0)."""
    onto = load_ontology(args.ontology)
    hits = onto.search(args.text, limit=args.limit, kind=args.kind)
    if args.json:
        print_json([hit.to_dict() for hit in hits])
        return 0
    if not hits:
        sys.stderr.write(f"panet: no PaNET term matches {args.text!r}\n")
        return 1
    rows = [
        (hit.term.id, hit.term.label, hit.term.kind, "" if hit.matched == hit.term.label else hit.matched, hit.match)
        for hit in hits
    ]
    print_lines(table(("id", "label", "kind", "matched", "match"), rows, Style(sys.stdout)))
    return 0


def tree(args: argparse.Namespace) -> None:
    """The subtree under KEY.

    As text, a term with several parents appears under each, its other parents are listed, and
    its subtree is drawn only the first time. Pictures use Graphviz's dot when installed, else a
    built-in layout (SVG and DOT only)."""
    from panet.files import check_output

    if args.output is not None:
        check_output(args.output, [args.ontology] if args.ontology else [])  # before the work, not after
    onto = load_ontology(args.ontology)
    root = onto[args.key]
    depth = args.depth
    fmt = TreeFormat.json if args.json else args.format
    if fmt in (TreeFormat.dot, TreeFormat.svg, TreeFormat.png):
        from panet.draw import draw

        drawing = draw(onto, root, depth)
        if drawing.renderer != "graphviz" and fmt == TreeFormat.svg:
            sys.stderr.write("panet: Graphviz's dot not found; drawing with panet's simple layout\n")
        write_output(drawing.render(fmt.value), args.output, binary=fmt == TreeFormat.png)
        return

    def ordered(terms):
        return by_label(terms)

    if fmt == TreeFormat.json:
        import json

        def node(t, level):
            data = t.to_dict()
            data["parents"] = [p.iri for p in ordered(onto.parents(t))]
            if depth is None or level < depth:
                data["children"] = [node(c, level + 1) for c in ordered(onto.children(t))]
            return data

        write_output(json.dumps(node(root, 0), ensure_ascii=False, indent=2) + "\n", args.output)
        return
    style = Style(sys.stdout if args.output is None else None)
    lines: list[str] = []
    expanded: set[str] = set()

    def show(t, level: int, via) -> None:
        others = [p for p in ordered(onto.parents(t)) if p != via] if via is not None else []
        line = f"{'  ' * level}{t.label} {style.dim(t.id)}"
        if others:
            line += " " + style.dim("[also under: " + "; ".join(p.label for p in others) + "]")
        children = ordered(onto.children(t))
        if children and t.iri in expanded:
            line += " " + style.dim("[subtree shown above]")
            children = []
        lines.append(line)
        if depth is not None and level >= depth:
            return
        expanded.add(t.iri)
        for child in children:
            show(child, level + 1, t)

    show(root, 0, None)
    write_output("".join(line + "\n" for line in lines), args.output)


def ancestors(args: argparse.Namespace) -> None:
    """Every superclass of KEY (inferred hierarchy), sorted by label."""
    _listing("ancestors", args)


def descendants(args: argparse.Namespace) -> None:
    """Every subclass of KEY (inferred hierarchy), sorted by label."""
    _listing("descendants", args)


def _listing(relation: str, args: argparse.Namespace) -> None:
    onto = load_ontology(args.ontology)
    found = onto[args.key]
    terms = sorted(getattr(onto, relation)(found), key=lambda t: (t.label.casefold(), t.iri))
    if args.json:
        print_json([t.to_dict() for t in terms])
        return
    style = Style(sys.stdout)
    print_lines(f"{t.id}\t{t.label}\t{style.dim(t.kind)}" for t in terms)
