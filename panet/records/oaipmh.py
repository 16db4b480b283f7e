"""OAI-PMH: the response envelope around records (harvesting itself: `panet.records.harvesting`).

The output of a harvest or of a file of OAI-PMH records is one OAI-PMH
``ListRecords`` document (``--to same``; a ``noRecordsMatch`` error response when no record is
written, since OAI-PMH.xsd allows no empty list), or schema.org / DCAT JSON-LD or Turtle.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


__all__ = ["closing", "epilog", "no_records", "opening", "prolog"]

OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
ROOT = f"{{{OAI}}}OAI-PMH"
RECORD = f"{{{OAI}}}record"
HEADER = f"{{{OAI}}}header"
IDENTIFIER = f"{{{OAI}}}identifier"
METADATA = f"{{{OAI}}}metadata"
RECORD_LISTS = frozenset((f"{{{OAI}}}ListRecords", f"{{{OAI}}}GetRecord"))
ENVELOPE_TAGS = frozenset(f"{{{OAI}}}{tag}" for tag in ("resumptionToken", "responseDate", "request", "error"))
DC_ROOT = f"{{{OAI_DC}}}dc"
DC_SUBJECT = f"{{{DC}}}subject"
SCHEMA_LOCATION = f"{OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"


DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
ERROR = f"{{{OAI}}}error"


def opening(root: Any, container: Any, leading: list[Any]) -> bytes:
    """The output up to the first record of a document whose records are children of
    ``container``: the XML declaration, comments before the root, the root's start tag and its
    children before the container (OAI-PMH's responseDate and request, comments), the container's
    start tag and ``leading``, what precedes the first record in it (comments).

    >>> from lxml import etree
    >>> page = etree.fromstring(f'<OAI-PMH xmlns="{OAI}"><request>u</request><ListRecords><record/>'
    ...                         '</ListRecords></OAI-PMH>')
    >>> print(opening(page, page[1], []).decode())
    <?xml version="1.0" encoding="UTF-8"?>
    <OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><request>u</request><ListRecords>
    <BLANKLINE>
    """
    start, _ = _split(root, container, leading, [])
    return DECLARATION + prolog(root) + start.rstrip() + b"\n"


def closing(root: Any, container: Any, trailing: list[Any]) -> bytes:
    """The output after the last record: ``trailing`` (what follows the last record in the
    container: a resumptionToken, comments), the end tags, and comments after the root.

    >>> from lxml import etree
    >>> page = etree.fromstring(f'<OAI-PMH xmlns="{OAI}"><ListRecords><record/><resumptionToken>t</resumptionToken>'
    ...                         '</ListRecords></OAI-PMH>')
    >>> print(closing(page, page[0], [page[0][1]]).decode())
    <resumptionToken>t</resumptionToken></ListRecords></OAI-PMH>
    <BLANKLINE>
    """
    _, end = _split(root, container, [], trailing)
    return end.lstrip() + b"\n" + epilog(root)


def no_records(root: Any, container: Any, reason: str) -> bytes | None:
    """The document to write when none of the records of an OAI-PMH ``ListRecords`` or
    ``GetRecord`` response is written: the same response with a ``noRecordsMatch`` error in
    place of the empty record list, which OAI-PMH.xsd does not allow. None for other documents.

    >>> from lxml import etree
    >>> page = etree.fromstring(
    ...     f'<OAI-PMH xmlns="{OAI}"><responseDate>2024-05-01T10:00:00Z</responseDate>'
    ...     '<request verb="ListRecords">https://example.org/oai</request><ListRecords/></OAI-PMH>'
    ... )
    >>> response = no_records(page, page[2], "every record was rejected").decode()
    >>> print(response[response.index("<error") :].strip())
    <error code="noRecordsMatch">every record was rejected</error></OAI-PMH>
    """
    from lxml import etree

    if root.tag != ROOT or container.tag not in RECORD_LISTS:
        return None
    error = etree.Element(ERROR, code="noRecordsMatch")
    error.text, error.tail = reason, container.tail
    start, end = _split(root, container, [], [], replacement=error)
    return DECLARATION + prolog(root) + start + end + b"\n" + epilog(root)


_MARK = "panet-records"


def _split(
    root: Any, container: Any, before: list[Any], after: list[Any], replacement: Any = None
) -> tuple[bytes, bytes]:
    """The document ``root`` cut where its records go: a copy of the root with the container
    holding ``before``, the cut, then ``after`` (or ``replacement`` in place of the container)."""
    from copy import deepcopy

    from lxml import etree

    shell = etree.Element(root.tag, attrib=dict(root.attrib), nsmap=root.nsmap)
    shell.text = root.text
    holder = shell
    if container is not root:
        for child in root:
            if child is not container:
                shell.append(deepcopy(child))
            elif replacement is not None:
                shell.append(replacement)
            else:
                holder = etree.SubElement(shell, child.tag, attrib=dict(child.attrib))
                holder.text, holder.tail = child.text, child.tail
    if replacement is None:
        for child in before:
            holder.append(deepcopy(child))
        holder.append(etree.Comment(_MARK))
        for child in after:
            holder.append(deepcopy(child))
    start, _, end = etree.tostring(shell, encoding="utf-8").partition(f"<!--{_MARK}-->".encode())
    return start, end


def prolog(root: Any) -> bytes:
    """Comments and processing instructions before the root element, each on its line.

    >>> from lxml import etree
    >>> prolog(etree.fromstring("<!-- page 1 --><OAI-PMH/><!-- end -->").getroottree().getroot())
    b'<!-- page 1 -->\\n'
    """
    return _siblings(root, preceding=True)


def epilog(root: Any) -> bytes:
    """Comments and processing instructions after the root element, each on its line.

    >>> from lxml import etree
    >>> epilog(etree.fromstring("<!-- page 1 --><OAI-PMH/><!-- end -->"))
    b'<!-- end -->\\n'
    """
    return _siblings(root, preceding=False)


def _siblings(root: Any, preceding: bool) -> bytes:
    from lxml import etree

    found = list(root.itersiblings(preceding=preceding))
    if preceding:
        found.reverse()
    return b"".join(etree.tostring(node, encoding="utf-8", with_tail=False) + b"\n" for node in found)
