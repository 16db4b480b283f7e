"""A small OAI-PMH 2.0 data provider (WSGI, stdlib only) for the harvest tests.

Serves the ``<record>`` elements of OAI-PMH response files, per metadataPrefix, in pages of
``page_size`` with resumptionTokens. Verbs: Identify, ListMetadataFormats, ListSets,
ListIdentifiers, ListRecords, GetRecord; errors: badVerb, badArgument, cannotDisseminateFormat,
noRecordsMatch, badResumptionToken, idDoesNotExist.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

OAI = "http://www.openarchives.org/OAI/2.0/"
FORMATS = {
    "oai_datacite": ("http://schema.datacite.org/oai/oai-1.1/oai.xsd", "http://schema.datacite.org/oai/oai-1.1/"),
    "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", "http://www.openarchives.org/OAI/2.0/oai_dc/"),
}


class Repository:
    """Records per prefix, as (identifier, sets, record XML), and the requests seen."""

    def __init__(self, files: dict[str, Path], page_size: int = 3) -> None:
        self.page_size = page_size
        self.requests: list[dict[str, str]] = []
        self.records: dict[str, list[tuple[str, list[str], str]]] = {}
        for prefix, path in files.items():
            tree = etree.parse(str(path))
            found = []
            for record in tree.iterfind(f"{{{OAI}}}ListRecords/{{{OAI}}}record"):
                identifier = record.findtext(f"{{{OAI}}}header/{{{OAI}}}identifier")
                sets = [s.text for s in record.iterfind(f"{{{OAI}}}header/{{{OAI}}}setSpec")]
                found.append((identifier, sets, etree.tostring(record, encoding="unicode", with_tail=False)))
            self.records[prefix] = found

    def __call__(self, environ, start_response):
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        self.requests.append(query)
        body = self.respond(query)
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8")])
        return [body.encode("utf-8")]

    def respond(self, query: dict[str, str]) -> str:
        verb = query.get("verb", "")
        request = f"<request{''.join(f' {k}={quoteattr(v)}' for k, v in query.items())}>http://127.0.0.1/oai</request>"
        handler = getattr(self, "verb_" + verb, None)
        content = handler(query) if handler else _error("badVerb", f"illegal verb {verb!r}")
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<OAI-PMH xmlns="{OAI}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:schemaLocation="{OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">\n'
            f"<responseDate>2024-05-01T10:00:00Z</responseDate>\n{request}\n{content}\n</OAI-PMH>\n"
        )

    def verb_Identify(self, query):
        return (
            "<Identify><repositoryName>panet test provider</repositoryName><baseURL>http://127.0.0.1/oai</baseURL>"
            "<protocolVersion>2.0</protocolVersion><adminEmail>test@example.org</adminEmail>"
            "<earliestDatestamp>2020-01-01T00:00:00Z</earliestDatestamp><deletedRecord>persistent</deletedRecord>"
            "<granularity>YYYY-MM-DDThh:mm:ssZ</granularity></Identify>"
        )

    def verb_ListMetadataFormats(self, query):
        formats = "".join(
            f"<metadataFormat><metadataPrefix>{p}</metadataPrefix><schema>{s}</schema>"
            f"<metadataNamespace>{n}</metadataNamespace></metadataFormat>"
            for p, (s, n) in FORMATS.items()
            if p in self.records
        )
        return f"<ListMetadataFormats>{formats}</ListMetadataFormats>"

    def verb_ListSets(self, query):
        sets = sorted({s for records in self.records.values() for _, spec, _ in records for s in spec})
        listed = "".join(f"<set><setSpec>{s}</setSpec><setName>{s}</setName></set>" for s in sets)
        return f"<ListSets>{listed}</ListSets>"

    def verb_GetRecord(self, query):
        prefix = query.get("metadataPrefix")
        if prefix not in self.records:
            return _error("cannotDisseminateFormat", f"no format {prefix!r}")
        for identifier, _, record in self.records[prefix]:
            if identifier == query.get("identifier"):
                return f"<GetRecord>{record}</GetRecord>"
        return _error("idDoesNotExist", "no such record")

    def verb_ListRecords(self, query):
        return self._list(query, "ListRecords", lambda record: record)

    def verb_ListIdentifiers(self, query):
        return self._list(query, "ListIdentifiers", lambda record: etree.tostring(
            etree.fromstring(record).find(f"{{{OAI}}}header"), encoding="unicode"))  # fmt: skip

    def _list(self, query, verb, show):
        token = query.get("resumptionToken")
        if token:
            try:
                prefix, set_spec, start = token.split("|")
                start = int(start)
            except ValueError:
                return _error("badResumptionToken", f"bad token {token!r}")
        else:
            prefix, set_spec, start = query.get("metadataPrefix"), query.get("set", ""), 0
            if not prefix:
                return _error("badArgument", "metadataPrefix is required")
        if prefix not in self.records:
            return _error("cannotDisseminateFormat", f"no format {prefix!r}")
        selected = [r for _, sets, r in self.records[prefix] if not set_spec or set_spec in sets]
        if not selected:
            return _error("noRecordsMatch", "no records")
        page = selected[start : start + self.page_size]
        following = start + self.page_size
        if following < len(selected):
            resumption = (
                f'<resumptionToken completeListSize="{len(selected)}" cursor="{start}">'
                f"{escape(f'{prefix}|{set_spec}|{following}')}</resumptionToken>"
            )
        else:
            resumption = f'<resumptionToken completeListSize="{len(selected)}" cursor="{start}"/>'
        return f"<{verb}>" + "".join(show(r) for r in page) + resumption + f"</{verb}>"


def _error(code: str, text: str) -> str:
    return f'<error code="{code}">{escape(text)}</error>'


class _Quiet(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


@contextmanager
def serving(repository: Repository):
    """Serve ``repository`` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, repository, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/oai"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
