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

__all__ = ["dtd_problem", "parser"]

_CHUNK = 1 << 16


def dtd_problem(data: bytes) -> str | None:
    """Why ``data`` (a whole XML document, or its first bytes) is refused, or None: it has a
    ``<!DOCTYPE …>``, or its prolog is not well-formed (so no parser may guess at it)."""
    from lxml import etree

    pull = etree.XMLPullParser(
        events=("start",), load_dtd=False, resolve_entities=False, no_network=True, huge_tree=False
    )
    for offset in range(0, len(data), _CHUNK):
        try:
            pull.feed(data[offset : offset + _CHUNK])
        except etree.XMLSyntaxError as err:
            error: Exception | None = err  # after the root element, the real parser reports it
        else:
            error = None
        for _, element in pull.read_events():  # the root element: the prolog is behind us
            info = element.getroottree().docinfo
            if info.doctype or info.internalDTD is not None:
                return (
                    f"the XML has a document type declaration ({info.doctype or '<!DOCTYPE …>'}); "
                    "refused: panet reads no DTD and expands no entity"
                )
            return None
        if error is not None:
            return f"not well-formed XML before its root element ({error}); refused"
    return None


def parser(**options):  # -> lxml.etree.XMLParser
    """An lxml parser that loads no DTD, resolves no entity and never touches the network."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False, **options)
