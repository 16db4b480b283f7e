"""The technique browser: HTML pages over the shared `panet.Ontology`, at ``/``.

Pages are rendered on the server (Jinja2 templates in ``templates/``), so a term page is a
plain, shareable URL that works without JavaScript; one small script (``static/browser.js``)
adds autocomplete, tree expansion, copy buttons and the annotate box, over the REST routes.
Nothing is loaded from outside the package: the browser works offline.

>>> import panet
>>> onto = panet.load()
>>> [node.term.label for node in tree(onto, onto.roots(), frozenset())]
['photon and neutron technique', 'defined by experimental probe', 'photon and neutron specifiers']
>>> term_context(onto, onto.term("SAXS"))["descendants"]
9
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

import panet
from panet.api.deps import OntologyDep
from panet.errors import TermNotFound
from panet.facets import facets
from panet.loopback import pan_search_filter
from panet.mappings import mappings_for
from panet.term import Term
from panet.versions import history

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates

HERE = Path(__file__).resolve().parent
STATIC = StaticFiles(directory=HERE / "static")

router = APIRouter(include_in_schema=False)  # pages for people; the API is documented at /docs


@cache
def templates() -> Jinja2Templates:
    """The page templates, loaded by the first page asked for: jinja2 costs the service's
    start-up ~40 ms and ~2 MB, and an API-only deployment never needs it."""
    from fastapi.templating import Jinja2Templates

    loaded = Jinja2Templates(directory=HERE / "templates")
    loaded.env.globals["version"] = panet.__version__
    return loaded


SUGGESTIONS = 12  # closest terms a "no such term" page offers


@dataclass(frozen=True)
class Node:
    """One place of a term in the tree: ``children`` is None while they are not shown."""

    term: Term
    has_children: bool
    children: tuple[Node, ...] | None = None


def _by_label(terms: frozenset[Term]) -> list[Term]:
    return sorted(terms, key=lambda t: (t.kind != "technique", t.label.casefold(), t.iri))


def tree(onto: panet.Ontology, terms: frozenset[Term] | tuple[Term, ...], open_: frozenset[Term]) -> tuple[Node, ...]:
    """Nodes for ``terms``, each term in ``open_`` shown with its children (recursively): with
    ``open_`` = the ancestors of a term, the term appears under each of its parents."""
    nodes = []
    for term in terms if isinstance(terms, tuple) else _by_label(terms):
        children = onto.children(term)
        shown = tree(onto, children, open_) if term in open_ else None
        nodes.append(Node(term, bool(children), shown))
    return tuple(nodes)


def _page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("title", "PaNET technique browser")
    context["root"] = _root(request)
    context["onto"] = request.app.state.ontology
    return templates().TemplateResponse(request, template, context, status_code=status)


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, onto: OntologyDep) -> HTMLResponse:
    """Search box and the hierarchy from its roots, the technique roots opened."""
    roots = onto.roots()
    nodes = tree(onto, roots, frozenset(t for t in roots if t.kind == "technique"))
    return _page(request, "home.html", nodes=nodes)


@router.get("/browse", response_class=HTMLResponse)
async def results(request: Request, onto: OntologyDep, q: Annotated[str, Query(max_length=1000)] = "") -> HTMLResponse:
    """Every search hit for ``q``, techniques first (the search box without JavaScript, or
    Enter with no suggestion chosen)."""
    hits = onto.search(q, limit=None) if q.strip() else []
    ordered = [h for h in hits if h.term.kind == "technique"] + [h for h in hits if h.term.kind != "technique"]
    return _page(request, "results.html", title=f"{q} — PaNET search" if q else "PaNET search", q=q, hits=ordered)


@router.get("/annotator", response_class=HTMLResponse)
async def annotator(request: Request) -> HTMLResponse:
    """Paste text or drop a record file; the script sends it to /annotate or /annotate/records."""
    return _page(request, "annotator.html", title="Annotate — PaNET")


@router.get("/browse/{key:path}/children", response_class=HTMLResponse)
async def children(request: Request, onto: OntologyDep, key: str) -> Response:
    """The tree's children of one term, as a list fragment the script inserts when a node opens."""
    term = _lookup(onto, key)
    if term is None:
        return Response(status_code=404)
    nodes = tree(onto, onto.children(term), frozenset())
    return templates().TemplateResponse(request, "children.html", {"nodes": nodes, "root": _root(request)})


@router.get("/browse/{key:path}", response_class=HTMLResponse)
async def term_page(request: Request, onto: OntologyDep, key: str) -> Response:
    """One term: everything known about it, and its places in the tree. Any key works (IRI,
    CURIE, label, synonym, former label); names redirect to the page's URL by ID."""
    term = _lookup(onto, key)
    if term is None:
        suggestions = [hit.term for hit in onto.search(key, limit=SUGGESTIONS)]
        return _page(request, "not_found.html", 404, title="Not found — PaNET", key=key, suggestions=suggestions)
    if key != term.id:
        return RedirectResponse(f"{_root(request)}/browse/{term.id}", status_code=307)
    return _page(request, "term.html", title=f"{term.label} — PaNET", **term_context(onto, term))


def _lookup(onto: panet.Ontology, key: str) -> Term | None:
    try:
        return onto.term(key, "any")
    except TermNotFound:
        return None


def _root(request: Request) -> str:
    return request.scope.get("root_path", "")


def term_context(onto: panet.Ontology, term: Term) -> dict[str, Any]:
    """What a term page shows, from the library: hierarchy, facets, label history, SSSOM
    mappings and, for a technique, the PaN search API filter for it and everything under it."""
    search_filter = pan_search_filter(onto, term) if term.kind == "technique" else None
    return {
        "term": term,
        "parents": _by_label(onto.parents(term)),
        "children": _by_label(onto.children(term)),
        "equivalents": _by_label(onto.equivalents(term)),
        "facets": facets(onto, term),
        "history": history(onto, term),
        "mappings": mappings_for(onto, term),
        "descendants": len(onto.descendants(term)),
        "search_filter": None if search_filter is None else json.dumps(search_filter, indent=2),
        "nodes": tree(onto, onto.roots(), onto.ancestors(term)),
    }
