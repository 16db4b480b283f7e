"""Safe XML: panet reads no DTD and expands no entity, whoever wrote the file.

Shared by the RDF reader (`panet.formats.rdf`) and the record readers
(`panet.records.datacite`, `panet.records.oaipmh`). A document type declaration is refused
outright (`dtd_problem`), internal entities included: they are how a few hundred bytes expand
to gigabytes ("billion laughs"), and external ones read files or URLs. The check is lxml's
own parse of the prolog, so any encoding (UTF-16 too) is read as the real parsers read it.

>>> dtd_problem(b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>')
'the XML has a document type declaration (<!DOCTYPE r>); refused: panet reads no DTD and expands no entity'
>>> dtd_problem(b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>') is None
True
"""

from __future__ import annotations

from typing import Any

__all__ = ["dtd_problem", "parser"]

_CHUNK = 1 << 16


def dtd_problem(data: bytes, *, internal_entities: bool = False) -> str | None:
    """Why ``data`` (a whole XML document, or its first bytes) is refused, or None: it has a
    ``<!DOCTYPE …>``. With ``internal_entities`` (an operator's own ontology file, never
    client input) a DTD of internal entities is accepted, but not an external DTD or entity.

    A prolog lxml cannot read is left to the real parser to report, unless it mentions a DTD.
    """
    from lxml import etree

    pull = etree.XMLPullParser(
        events=("start",), load_dtd=False, resolve_entities=False, no_network=True, huge_tree=False
    )
    for offset in range(0, len(data), _CHUNK):
        try:
            pull.feed(data[offset : offset + _CHUNK])
        except etree.XMLSyntaxError:
            malformed = True  # after the root element, the real parser reports it
        else:
            malformed = False
        for _, element in pull.read_events():  # the root element: the prolog is behind us
            return _doctype_problem(element.getroottree().docinfo, internal_entities)
        if malformed:
            mentions_dtd = any("<!DOCTYPE".encode(codec) in data for codec in ("utf-8", "utf-16-le", "utf-16-be"))
            return f"the XML has a document type declaration {_REFUSED}" if mentions_dtd else None
    return None


_REFUSED = "(<!DOCTYPE …>); refused: panet reads no DTD and expands no entity"


def _doctype_problem(info: Any, internal_entities: bool) -> str | None:  # info: lxml.etree.DocInfo
    if not info.doctype and info.internalDTD is None:
        return None
    if internal_entities and not info.system_url and not info.public_id:
        external = [e.name for e in info.internalDTD.iterentities() if e.system_url] if info.internalDTD else []
        if not external:
            return None
        return f"the XML declares the external entity {external[0]!r}; refused: panet never resolves external entities"
    return f"the XML has a document type declaration {_REFUSED.replace('<!DOCTYPE …>', info.doctype or '<!DOCTYPE …>')}"


def parser(**options: Any) -> Any:  # an lxml.etree.XMLParser
    """An lxml parser that loads no DTD, resolves no entity and never touches the network."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False, **options)
