"""Commands over PaNET sources and versions: facets, releases, diff, classify."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from panet.cli import JsonOption, OntologyOption, app, load_ontology, print_json

VersionArgument = Annotated[str, typer.Argument(help="A shipped version (v1.2.0, current, latest) or a PaNET file.")]


def _console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def _local(iri: str) -> str:
    return iri.rpartition("/")[2]


def _names(terms) -> str:
    return "; ".join(f"{t.label} ({t.id})" for t in terms) or "-"


@app.command()
def facets(
    key: Annotated[str | None, typer.Argument(help="Term whose facets to show (IRI, CURIE, ID, label).")] = None,
    where: Annotated[
        list[str] | None,
        typer.Option("--where", "-w", help="AXIS=SPECIFIER: list the techniques with this facet (repeatable)."),
    ] = None,
    ontology: OntologyOption = None,
    json: JsonOption = False,
) -> None:
    """What defines a technique, by axis (probe, process, functional_dependence, purpose,
    beam_characteristic); or, with --where, the techniques that have given facets."""
    onto = load_ontology(ontology)
    if (key is None) == (not where):
        raise typer.BadParameter("give a KEY, or --where AXIS=SPECIFIER (not both)")
    if key is not None:
        from panet.facets import axes, facets

        found = facets(onto, key)
        if json:
            print_json(found.to_dict())
            return
        console = _console()
        console.print(f"[bold]{found.term.label}[/bold]  {found.term.curie}")
        for axis in axes(onto):
            console.print(f"  {axis:<22}{_names(found[axis])}")
        console.print(f"  {'defined as':<22}{' and '.join(f'{t.label} ({t.id})' for t in found.conjuncts) or '-'}")
        return
    wanted = {}
    for item in where or ():
        axis, sep, value = item.partition("=")
        if not sep or not value.strip():
            raise typer.BadParameter(f"{item!r}: write AXIS=SPECIFIER, e.g. probe=neutron", param_hint="--where")
        wanted[axis.strip()] = value.strip()
    from panet.facets import techniques_with
    from panet.term import by_label

    techniques = by_label(techniques_with(onto, wanted))
    if json:
        print_json([t.to_dict() for t in techniques])
        return
    for t in techniques:
        typer.echo(f"{t.id}\t{t.label}")


@app.command()
def releases(json: JsonOption = False) -> None:
    """The PaNET versions panet ships (load one with --ontology or panet.load(version=...))."""
    from panet.versions import releases as shipped

    if json:
        print_json([release.to_dict() for release in shipped()])
        return
    for release in shipped():
        typer.echo(f"{release.name:<8} {release.version:<18} {release.date}  {release.file}")


@app.command()
def diff(old: VersionArgument, new: VersionArgument, json: JsonOption = False) -> None:
    """What changed from OLD to NEW: terms added, removed, relabelled, synonyms, parents."""
    from panet.changes import diff as compare

    change = compare(old, new)
    if json:
        print_json(change.to_dict())
        return
    from rich.markup import escape

    counts = change.summary()
    console = _console()
    console.print(f"[bold]PaNET {change.old.version} -> {change.new.version}[/bold]")
    console.print(
        f"  added {counts['added']} ({len(change.added)} terms, {len(change.properties_added)} object properties), "
        f"removed {counts['removed']}, relabelled {counts['relabelled']}, "
        f"synonyms changed {counts['synonyms_changed']}, parents changed {counts['parents_changed']}, "
        f"ancestors changed {counts['ancestors_changed']}"
    )
    for root in change.old.roots():
        if root in change.new:
            left = change.left(root)
            if left:
                console.print(f"  {len(left)} terms are no longer under '{escape(root.label)}' ({root.id})")

    def section(title: str, lines: list[str]) -> None:
        if lines:
            console.print(f"\n[bold]{title}[/bold]")
            for line in lines:
                console.print("  " + escape(line))

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


@app.command()
def classify(
    source: Annotated[
        Path, typer.Argument(help="PaNET source: a ROBOT template (.csv) or any PaNET file.", dir_okay=False)
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (.ttl, .owl, .nt, .jsonld).")],
    direct: Annotated[
        bool, typer.Option("--direct", help="Only direct superclasses (like PaNET.owl), not all (PaNET_reasoned.owl).")
    ] = False,
) -> None:
    """Classify SOURCE with panet's EL reasoner (no Java) and write the inferred ontology."""
    from panet.reasoner import classify_file

    done = classify_file(source, output, direct=direct)
    for warning in done.warnings:
        typer.echo(f"panet: warning: {warning}", err=True)
    for iri in done.unsatisfiable:
        typer.echo(f"panet: warning: {iri} is unsatisfiable", err=True)
    typer.echo(
        f"{output}: {done.classes} classes, {done.edges} subclass edges, {done.equivalent_pairs} equivalent pairs "
        f"(classified in {done.seconds * 1000:.0f} ms)",
        err=True,
    )
