"""Commands over the index: term, search, tree, ancestors, descendants."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from panet.cli import JsonOption, OntologyOption, app, load_ontology, print_json
from panet.errors import PanetError
from panet.term import by_label


class TreeFormat(StrEnum):
    text = "text"
    json = "json"
    dot = "dot"
    svg = "svg"
    png = "png"


class KindChoice(StrEnum):
    technique = "technique"
    specifier = "specifier"
    any = "any"


KeyArgument = Annotated[str, typer.Argument(help="IRI, CURIE (panet:PaNET01188), ID (PaNET01188), label or synonym.")]
KindOption = Annotated[
    KindChoice | None,
    typer.Option("--kind", help="Restrict to techniques or specifiers; labels resolve to techniques by default."),
]


def _console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def _kind(kind: KindChoice | None) -> str | None:
    return None if kind is None else kind.value


@app.command()
def term(key: KeyArgument, kind: KindOption = None, ontology: OntologyOption = None, json: JsonOption = False) -> None:
    """Show one term: label, IDs, kind, synonyms, definition, parents and children."""
    onto = load_ontology(ontology)
    if json:  # the same document as the service's GET /terms/{key}
        from panet.jsonld import term_document

        print_json(term_document(onto, key, kind=_kind(kind)))
        return
    found = onto.term(key, kind=_kind(kind))
    parents, children = by_label(onto.parents(found)), by_label(onto.children(found))
    from rich.markup import escape

    console = _console()
    console.print(f"[bold]{escape(found.label)}[/bold]  {found.curie}  [dim]({found.kind})[/dim]")
    console.print(f"  IRI         {found.iri}")
    if found.synonyms:
        console.print(f"  synonyms    {escape(', '.join(found.synonyms))}")
    if found.definition:
        console.print(f"  definition  {escape(found.definition)}")
    if found.definition_source:
        console.print(f"  source      {escape(found.definition_source)}")
    for title, terms in (
        ("parents", parents),
        ("children", children),
        ("equivalent", by_label(onto.equivalents(found))),
    ):
        if terms:
            console.print(f"  {title:<11} " + "; ".join(f"{escape(t.label)} ({t.id})" for t in terms))


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="Words to look for in labels and synonyms.")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Most results to show.")] = 20,
    kind: Annotated[
        KindChoice | None, typer.Option("--kind", help="Only techniques or only specifiers (default: both).")
    ] = None,
    ontology: OntologyOption = None,
    json: JsonOption = False,
) -> None:
    """Ranked search: exact > prefix > whole word > substring > fuzzy."""
    onto = load_ontology(ontology)
    wanted = None if kind in (None, KindChoice.any) else kind.value
    hits = onto.search(text, limit=limit, kind=wanted)
    if json:
        print_json([hit.to_dict() for hit in hits])
        return
    if not hits:
        typer.echo(f"no PaNET term matches {text!r}", err=True)
        raise typer.Exit(1)
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("id", "label", "kind", "matched", "match"):
        table.add_column(column)
    for hit in hits:
        matched = "" if hit.matched == hit.term.label else hit.matched
        table.add_row(hit.term.id, hit.term.label, hit.term.kind, matched, hit.match)
    _console().print(table)


@app.command()
def tree(
    key: KeyArgument,
    depth: Annotated[int | None, typer.Option("--depth", "-d", min=0, help="Levels below KEY to show.")] = None,
    format: Annotated[
        TreeFormat, typer.Option("--format", "-f", help="text (indented), json, or a picture: dot, svg, png.")
    ] = TreeFormat.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    ontology: OntologyOption = None,
    json: JsonOption = False,
) -> None:
    """The subtree under KEY. As text, a term with several parents appears under each, its other
    parents are listed, and its subtree is drawn only the first time. Pictures use Graphviz's dot
    when installed, else a built-in layout (SVG and DOT only)."""
    onto = load_ontology(ontology)
    root = onto[key]
    if format in (TreeFormat.dot, TreeFormat.svg, TreeFormat.png):
        from panet.draw import draw

        _picture(draw(onto, root, depth), format.value, output)
        return
    json = json or format == TreeFormat.json

    def ordered(terms):
        return by_label(terms)

    if json:

        def node(t, level):
            data = t.to_dict()
            data["parents"] = [p.iri for p in ordered(onto.parents(t))]
            if depth is None or level < depth:
                data["children"] = [node(c, level + 1) for c in ordered(onto.children(t))]
            return data

        print_json(node(root, 0))
        return
    from rich.markup import escape

    console = _console()
    expanded: set[str] = set()

    def show(t, level: int, via) -> None:
        others = [p for p in ordered(onto.parents(t)) if p != via] if via is not None else []
        line = f"{'  ' * level}{escape(t.label)} [dim]{t.id}[/dim]"
        if others:
            line += " [dim]\\[also under: " + escape("; ".join(p.label for p in others)) + "][/dim]"
        children = ordered(onto.children(t))
        if children and t.iri in expanded:
            line += " [dim]\\[subtree shown above][/dim]"
            children = []
        console.print(line)
        if depth is not None and level >= depth:
            return
        expanded.add(t.iri)
        for child in children:
            show(child, level + 1, t)

    show(root, 0, None)


def _picture(drawing, fmt: str, output: Path | None) -> None:
    import sys

    if drawing.renderer != "graphviz" and fmt == "svg":
        typer.echo("panet: Graphviz's dot not found; drawing with panet's simple layout", err=True)
    data = drawing.render(fmt)
    if output is not None:
        output.write_bytes(data)
    elif fmt == "png" and sys.stdout.isatty():
        raise PanetError("a PNG is binary: write it to a file with -o FILE")
    else:
        sys.stdout.buffer.write(data)


def _listing(relation: str, key: str, ontology, json: bool) -> None:
    onto = load_ontology(ontology)
    found = onto[key]
    terms = by_label(getattr(onto, relation)(found))
    if json:
        print_json([t.to_dict() for t in terms])
        return
    from rich.markup import escape

    console = _console()
    for t in terms:
        console.print(f"{t.id}\t{escape(t.label)}\t[dim]{t.kind}[/dim]")


@app.command()
def ancestors(key: KeyArgument, ontology: OntologyOption = None, json: JsonOption = False) -> None:
    """Every superclass of KEY (inferred hierarchy), sorted by label."""
    _listing("ancestors", key, ontology, json)


@app.command()
def descendants(key: KeyArgument, ontology: OntologyOption = None, json: JsonOption = False) -> None:
    """Every subclass of KEY (inferred hierarchy), sorted by label."""
    _listing("descendants", key, ontology, json)
