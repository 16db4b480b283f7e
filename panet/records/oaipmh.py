"""OAI-PMH: the response envelope around records, and harvesting with Sickle.

`harvest` follows resumptionTokens page by page (Sickle does the HTTP, retries on 503 and the
OAI error codes); every page is then parsed strictly, without external entities, and each
``<record>`` goes through the same annotation as a file of records. The output is one OAI-PMH
``ListRecords`` document (``--to same``), or schema.org / DCAT JSON-LD or Turtle.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from panet.records.base import Item

__all__ = ["HarvestReader", "envelope"]

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
_MARK = "panet-records"
_SCHEMA_LOCATION = f"{OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"


def envelope(root: Any, container: Any) -> tuple[bytes, bytes]:
    """The bytes before and after the records of a document whose records are children of
    ``container``: the root element with OAI-PMH's responseDate and request, and the record list."""
    from copy import deepcopy

    from lxml import etree

    shell = etree.Element(root.tag, attrib=dict(root.attrib), nsmap=root.nsmap)
    shell.text = root.text
    holder = shell
    if container is not root:
        for child in root:
            if child is container:
                holder = etree.SubElement(shell, child.tag, attrib=dict(child.attrib))
                holder.text, holder.tail = "\n", child.tail
            elif child.tag in ENVELOPE_TAGS:
                shell.append(deepcopy(child))
    holder.append(etree.Comment(_MARK))
    start, _, end = etree.tostring(shell, encoding="utf-8").partition(f"<!--{_MARK}-->".encode())
    return start.rstrip() + b"\n", end.lstrip()


class HarvestReader:
    """The records of an OAI-PMH ``ListRecords`` harvest, page by page (a `panet.records.base.Reader`).

    Not seekable: a resumed harvest asks the server again and skips the records already written.
    ``constants`` (the harvest's start time) are kept by a resumed run, so its output is the same.
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
        self.pages = 0
        self.constants = {"responseDate": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}

    def position(self) -> int:
        return self.pages

    def close(self) -> None:
        """Nothing to release: each page is fetched and parsed on its own."""

    def header(self) -> bytes:
        from lxml import etree

        root = etree.Element(ROOT, nsmap={None: OAI, "xsi": "http://www.w3.org/2001/XMLSchema-instance"})
        root.set("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation", _SCHEMA_LOCATION)
        etree.SubElement(root, f"{{{OAI}}}responseDate").text = self.constants["responseDate"]
        request = etree.SubElement(root, f"{{{OAI}}}request", {"verb": "ListRecords", **self.params})
        request.text = self.url
        records = etree.SubElement(root, f"{{{OAI}}}ListRecords")
        start, _ = envelope(root, records)
        return b'<?xml version="1.0" encoding="UTF-8"?>\n' + start

    def separator(self) -> bytes:
        return b"\n"

    def footer(self, written: int) -> bytes:
        return b"\n</ListRecords>\n</OAI-PMH>\n"

    def items(self, skip: int = 0, resume: Any = None) -> Iterator[Item]:
        from lxml import etree
        from sickle import Sickle, oaiexceptions
        from sickle.iterator import OAIResponseIterator

        from panet import xmlsafe
        from panet.errors import RecordsError
        from panet.records.base import Item

        client = Sickle(self.url, iterator=OAIResponseIterator, max_retries=self.max_retries, timeout=self.timeout)
        number = 0
        try:
            for response in client.ListRecords(**self.params):
                self.pages += 1
                content = response.http_response.content
                where = f"{self.url}, page {self.pages}"
                problem = xmlsafe.dtd_problem(content)
                if problem:
                    raise RecordsError(where, problem)
                try:
                    page = etree.fromstring(content, parser=xmlsafe.parser())
                except etree.XMLSyntaxError as err:
                    raise RecordsError(
                        where,
                        f"the response is not well-formed XML ({err}); the records before it are kept: "
                        "rerun with --resume once the server is fixed",
                    ) from None
                for record in page.iterfind(f"{{{OAI}}}ListRecords/{{{OAI}}}record"):
                    number += 1
                    if number > skip:
                        yield Item(number, etree.tostring(record, encoding="utf-8", with_tail=False), record.sourceline)
        except oaiexceptions.NoRecordsMatch:
            return
        except OSError as err:  # requests' errors are OSErrors: connection refused, timeout, HTTP 5xx
            raise RecordsError(self.url, f"harvest failed after {number} records: {err}") from None
        except Exception as err:  # Sickle raises one class per OAI-PMH error code, without a common base
            if type(err).__module__ != oaiexceptions.__name__:
                raise
            code = type(err).__name__
            raise RecordsError(self.url, f"the OAI-PMH server answered {code[0].lower()}{code[1:]}: {err}") from None
