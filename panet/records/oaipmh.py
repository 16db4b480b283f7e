"""OAI-PMH: the response envelope around records, and harvesting with Sickle.

`harvest` follows resumptionTokens page by page (Sickle does the HTTP, retries on 503 and the
OAI error codes); every page is then parsed strictly, without external entities, and each
``<record>`` goes through the same annotation as a file of records. The output is one OAI-PMH
``ListRecords`` document (``--to same``; a ``noRecordsMatch`` error response when no record is
written, since OAI-PMH.xsd allows no empty list), or schema.org / DCAT JSON-LD or Turtle.
"""

from __future__ import annotations

from panet.records.base import Reader

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from panet.records.base import Item

__all__ = ["HarvestReader", "closing", "epilog", "no_records", "opening", "prolog"]

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
_SCHEMA_LOCATION = f"{OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"


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


class HarvestReader(Reader):
    """The records of an OAI-PMH ``ListRecords`` harvest, page by page.

    Not seekable: a resumed harvest asks the server again and skips the records already written
    (the header, with the first run's responseDate, was written by the first run). A harvest that
    stops part way (the server fails, a page is not XML) is `panet.errors.RunFailed`: resumable.
    """

    size = None

    def __init__(
        self,
        url: str,
        metadata_prefix: str = "oai_datacite",
        set: str | None = None,
        from_: str | None = None,
        until: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 3,
    ) -> None:
        from datetime import UTC, datetime

        self.url = url
        self.params = {"metadataPrefix": metadata_prefix}
        for key, value in (("set", set), ("from", from_), ("until", until)):
            if value:
                self.params[key] = value
        self.timeout = timeout
        self.max_retries = max_retries
        from panet.records.datacite import DataciteFormat

        self.format = DataciteFormat()
        self.pages = 0
        self.read = 0  # records the server sent
        self.no_match = ""  # the server's noRecordsMatch message
        self.constants = {"responseDate": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}

    def position(self) -> int:
        return self.pages

    def close(self) -> None:
        """Nothing to release: each page is fetched and parsed on its own."""

    def digest(self, upto: int) -> str | None:
        """None: a server's answers cannot be compared with an earlier run's."""
        return None

    def _response(self) -> tuple[Any, Any]:
        """The OAI-PMH response this harvest writes: responseDate, request and ListRecords."""
        from lxml import etree

        root = etree.Element(ROOT, nsmap={None: OAI, "xsi": "http://www.w3.org/2001/XMLSchema-instance"})
        root.set("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation", _SCHEMA_LOCATION)
        root.text = "\n"
        etree.SubElement(root, f"{{{OAI}}}responseDate").text = self.constants["responseDate"]
        request = etree.SubElement(root, f"{{{OAI}}}request", {"verb": "ListRecords", **self.params})
        request.text = self.url
        records = etree.SubElement(root, f"{{{OAI}}}ListRecords")
        for element in (root[0], request, records):
            element.tail = "\n"
        return root, records

    def header(self) -> bytes:
        return opening(*self._response(), [])

    def separator(self) -> bytes:
        return b"\n"

    def footer(self, written: int) -> bytes:
        return b"\n" + closing(*self._response(), [])

    def empty(self) -> bytes:
        """A harvest that wrote no record: the server's ``noRecordsMatch``, or every record rejected."""
        reason = self.no_match or f"every record was rejected ({self.read} read): see the rejects file"
        return no_records(*self._response(), reason)

    def items(self, skip: int = 0, resume: Any = None) -> Iterator[Item]:
        from lxml import etree
        from sickle import Sickle, oaiexceptions
        from sickle.iterator import OAIResponseIterator

        from panet import xmlsafe
        from panet.errors import RecordsError, RunFailed
        from panet.records.base import Item

        client = Sickle(self.url, iterator=OAIResponseIterator, max_retries=self.max_retries, timeout=self.timeout)
        number = 0
        try:
            for response in client.ListRecords(**self.params):
                self.pages += 1
                content = response.http_response.content
                where = f"{self.url}, page {self.pages}"
                if xmlsafe.declares_external_entity(content):
                    raise RecordsError(where, xmlsafe.EXTERNAL_ENTITY_PROBLEM)
                try:
                    page = etree.fromstring(content, parser=xmlsafe.parser())
                except etree.XMLSyntaxError as err:
                    raise RunFailed(
                        where,
                        f"the response is not well-formed XML ({err}); the records before it are kept: "
                        "rerun with --resume once the server is fixed",
                    ) from None
                for record in page.iterfind(f"{{{OAI}}}ListRecords/{{{OAI}}}record"):
                    number += 1
                    self.read = number
                    if number > skip:
                        yield Item(number, etree.tostring(record, encoding="utf-8", with_tail=False), record.sourceline)
        except oaiexceptions.NoRecordsMatch as err:
            self.no_match = str(err) or "the server answered noRecordsMatch"
            return
        except OSError as err:  # requests' errors are OSErrors: connection refused, timeout, HTTP 5xx
            failed = RunFailed if number else RecordsError  # resumable once records were harvested
            raise failed(self.url, f"harvest failed after {number} records: {err}") from None
        except Exception as err:  # Sickle raises one class per OAI-PMH error code, without a common base
            if type(err).__module__ != oaiexceptions.__name__:
                raise
            code = type(err).__name__
            raise RecordsError(self.url, f"the OAI-PMH server answered {code[0].lower()}{code[1:]}: {err}") from None
