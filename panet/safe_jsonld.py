"""JSON-LD without outbound requests or file reads: every context is inline or shipped.

A JSON-LD document names contexts to load: a string ``@context`` (an IRI, a relative path, a
``file:`` IRI), an ``@import`` inside a context, and contexts scoped to a property or a type
inside a term definition. rdflib's parser fetches all of them (from the network or the disk).
panet reads none: `inline_contexts` replaces each context reference the caller can serve (a
shipped context, e.g. schema.org's stand-in) and refuses every other one with
`ContextRefused`, before the parser sees the document; `forbid_fetching` makes rdflib's own
context loader refuse anything that would still be fetched, so the parser cannot reach out
whatever the document holds.

>>> doc = {"@context": "https://schema.org/", "name": "x"}
>>> inline_contexts(doc, lambda iri: {"name": "http://schema.org/name"})["@context"]
{'name': 'http://schema.org/name'}
>>> inline_contexts({"@context": "file:///etc/passwd"}, lambda iri: None)
Traceback (most recent call last):
panet.safe_jsonld.ContextRefused: the JSON-LD context <file:///etc/passwd> is not one panet ships; ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["ContextRefused", "forbid_fetching", "inline_contexts", "refuse_contexts"]

CONTEXT, IMPORT = "@context", "@import"


class ContextRefused(ValueError):
    """A JSON-LD document asks for a context panet will not load."""


def inline_contexts(document: Any, serve: Callable[[str], Any]) -> Any:
    """``document`` with every context reference replaced by ``serve(reference)`` (in place).

    ``serve`` returns the context (the value of a shipped document's ``@context``) or None to
    refuse it. ``@import`` and contexts scoped to a property or type are refused whatever
    they hold. Walks without recursion, so any depth is fine.
    """
    forbid_fetching()
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == CONTEXT:
                    node[key] = _context(value, serve)
                else:
                    stack.append(value)
    return document


def refuse_contexts(records: Any) -> None:
    """`ContextRefused` if plain JSON records carry a ``@context`` of their own: records are
    read through the context the caller chose, never through one they embed.

    >>> refuse_contexts([{"pid": "d1"}, {"pid": "d2", "techniques": [{"@context": "file:///x"}]}])
    Traceback (most recent call last):
    panet.safe_jsonld.ContextRefused: a record holds its own @context; ...
    """
    stack = [records]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if CONTEXT in node:
                raise ContextRefused(
                    "a record holds its own @context; records are read through the chosen context only: remove it"
                )
            stack.extend(node.values())


def _context(value: Any, serve: Callable[[str], Any]) -> Any:
    if isinstance(value, list):
        return [_context(item, serve) for item in value]
    if isinstance(value, str):
        served = serve(value)
        if served is None:
            raise ContextRefused(
                f"the JSON-LD context <{value}> is not one panet ships; panet never fetches a context from the "
                "network or reads one from the disk: put it inline, or pass it as a file (context=FILE)"
            )
        return served
    if isinstance(value, dict):
        if IMPORT in value:
            raise ContextRefused(f"@import <{value[IMPORT]}> in a JSON-LD context: panet loads no other context")
        for term, definition in value.items():
            if isinstance(definition, dict) and CONTEXT in definition:
                raise ContextRefused(
                    f"the term {term!r} has a scoped @context; panet reads flat inline contexts only: "
                    "define the term without one"
                )
    return value


def forbid_fetching() -> None:
    """Make rdflib's JSON-LD context loader refuse every fetch, in this process, for good.

    rdflib has no document-loader option; its contexts load through
    ``Context._fetch_context``, which this replaces (once). A context `inline_contexts`
    replaced never gets there.

    >>> from rdflib import Graph
    >>> forbid_fetching()
    >>> Graph().parse(data='{"@context": "file:///etc/hostname", "@id": "http://e/a"}', format="json-ld")
    Traceback (most recent call last):
    panet.safe_jsonld.ContextRefused: rdflib was asked to load the JSON-LD context <file:///etc/hostname>; ...
    """
    from rdflib.plugins.shared.jsonld.context import Context

    if getattr(Context._fetch_context, "_panet_refuses", False):
        return

    def refuse(self: Any, source: str, base: str | None, referenced_contexts: set[str]) -> Any:
        raise ContextRefused(f"rdflib was asked to load the JSON-LD context <{source}>; panet loads none")

    refuse._panet_refuses = True  # type: ignore[attr-defined]
    Context._fetch_context = refuse  # type: ignore[method-assign]
