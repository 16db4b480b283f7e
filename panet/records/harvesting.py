"""Harvesting an OAI-PMH endpoint with Sickle: `HarvestReader`, the `panet.records.base.Reader`
behind `panet.records.harvest`.

It follows resumptionTokens page by page (Sickle does the HTTP, retries on 503 and the OAI error
codes); every page is then parsed strictly, without external entities, and each ``<record>`` goes
through the same annotation as a file of records (`panet.records.datacite`).
"""

from __future__ import annotations

from panet.records.base import Reader
from panet.records.datacite import DataciteFormat
from panet.records.oaipmh import OAI, ROOT, SCHEMA_LOCATION, closing, no_records, opening

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from panet.records.base import Item

__all__ = ["HarvestReader"]


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
        root.set("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation", SCHEMA_LOCATION)
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
                problem = xmlsafe.dtd_problem(content)
                if problem:
                    raise RecordsError(where, problem)
                try:
                    page = etree.fromstring(content, parser=xmlsafe.parser())
                except etree.XMLSyntaxError as err:
                    raise RunFailed(
                        where,
                        f"the response is not well-formed XML ({err}); the records before it are kept: "
                        "rerun with resume=True once the server is fixed",
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
