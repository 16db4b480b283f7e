"""DataCite records. XML: DataCite metadata (kernel 4, also 3), ``oai_datacite``, ``oai_dc``, and
OAI-PMH responses holding any of them, streamed with lxml (no external entity is ever resolved).
JSON: DataCite JSON as the REST API serves it (`DataciteJsonFormat`). `DataciteFormat` reads both.

A file holds one record (a ``resource``, ``oai_datacite`` or ``oai_dc:dc`` root), an OAI-PMH
``ListRecords``/``GetRecord`` response, or any root element whose children are records. Text read
by default: titles, descriptions and subjects. PaNET terms are written as DataCite subjects::

    <subject subjectScheme="PaNET" schemeURI="http://purl.org/pan-science/PaNET/"
             valueURI="http://purl.org/pan-science/PaNET/PaNET01188">small angle x-ray scattering</subject>

and as ``<dc:subject>`` with the current label in ``oai_dc`` (Dublin Core has no place for an IRI).
"""

from __future__ import annotations

from panet.errors import BadRecord, RecordsError
from panet.records import oaipmh
from panet.records.base import Description, Entry, Format, Item, Reader, walk
from panet.records.inputs import InputReader
from panet.records.jsonl import JsonFormat, Unreadable, handle_iri, json_type
from panet.term import NAMESPACE
from panet.xmlsafe import dtd_problem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path
    from typing import Any, BinaryIO

    from panet.term import Term

__all__ = ["DataciteFormat", "DataciteJsonFormat", "DataciteXmlFormat", "XmlReader", "XmlRecord", "is_datacite_json"]

KERNEL_PREFIX = "http://datacite.org/schema/kernel-"
KERNEL_4 = "http://datacite.org/schema/kernel-4"
OAI_DATACITE = "http://schema.datacite.org/oai/oai-1.1/"
PANET_SCHEME = "PaNET"
_DEFAULT_FIELDS = {
    "datacite": (("titles", "title"), ("descriptions", "description"), ("subjects", "subject")),
    "dc": (("title",), ("description",), ("subject",)),
    "deleted": (),
}


def _local(tag: Any) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _namespace(tag: Any) -> str:
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def is_record_element(tag: str) -> bool:
    """True for the root tags that are one record."""
    ns, local = _namespace(tag), _local(tag)
    return (
        (local == "resource" and ns.startswith(KERNEL_PREFIX))
        or (local == "oai_datacite" and ns == OAI_DATACITE)
        or (local == "dc" and ns == oaipmh.OAI_DC)
        or tag == oaipmh.RECORD
    )


class XmlRecord:
    """A parsed XML record: ``root`` as written, ``metadata`` the DataCite ``resource`` or the
    ``oai_dc:dc`` element in it, ``kind`` "datacite", "dc" or "deleted" (an OAI-PMH tombstone)."""

    __slots__ = ("kind", "metadata", "root")

    def __init__(self, root: Any) -> None:
        self.root = root
        metadata = root
        if root.tag == oaipmh.RECORD:
            header = root.find(oaipmh.HEADER)
            if header is not None and header.get("status") == "deleted":
                self.kind, self.metadata = "deleted", None
                return
            holder = root.find(oaipmh.METADATA)
            metadata = next(iter(holder), None) if holder is not None else None
            if metadata is None:
                raise BadRecord("OAI-PMH record without metadata (and not marked deleted)")
        if _local(metadata.tag) == "oai_datacite" and _namespace(metadata.tag) == OAI_DATACITE:
            payload = metadata.find(f"{{{OAI_DATACITE}}}payload")
            metadata = next(iter(payload), None) if payload is not None else None
            if metadata is None:
                raise BadRecord("oai_datacite record with an empty payload")
        if _local(metadata.tag) == "resource" and _namespace(metadata.tag).startswith(KERNEL_PREFIX):
            self.kind = "datacite"
        elif metadata.tag == oaipmh.DC_ROOT:
            self.kind = "dc"
        else:
            raise BadRecord(
                f"unknown metadata <{metadata.tag}>; expected a DataCite resource (kernel 3 or 4), "
                "oai_datacite or oai_dc"
            )
        self.metadata = metadata


class DataciteXmlFormat(Format):
    """DataCite / Dublin Core XML records, alone or in OAI-PMH responses."""

    name = "datacite"

    def reader(self, source: Path | BinaryIO) -> Reader:
        return XmlReader(source, self)

    def parse(self, payload: Any) -> XmlRecord:
        if isinstance(payload, Unreadable):
            raise BadRecord(payload.reason)
        if not isinstance(payload, bytes):  # a record given in memory
            return self.load(payload)
        from lxml import etree

        from panet import xmlsafe

        problem = dtd_problem(payload)
        if problem:
            raise BadRecord(problem)
        try:
            root = etree.fromstring(payload, parser=xmlsafe.parser(remove_blank_text=False))
        except etree.XMLSyntaxError as err:
            raise BadRecord(f"invalid XML: {err}") from None
        return XmlRecord(root)

    def load(self, record: Any) -> XmlRecord:
        if isinstance(record, str):
            record = record.encode("utf-8")
        if isinstance(record, bytes):
            return self.parse(record)
        from copy import deepcopy

        return XmlRecord(deepcopy(record))  # an lxml element: the caller's tree stays as it was

    def texts(self, record: XmlRecord, fields: tuple[tuple[str, ...], ...]) -> Iterator[str]:
        if record.metadata is None:
            return
        for path in fields or _DEFAULT_FIELDS[record.kind]:
            for element in _find(record.metadata, path):
                text = "".join(element.itertext()).strip()
                if text:
                    yield text

    def instrument_names(self, record: XmlRecord) -> list[str]:
        """DataCite 4.4+: the titles of ``relatedItem`` and the values of ``relatedIdentifier``
        with relationType IsCollectedBy (the instrument), and hosting institutions (the facility)."""
        if record.kind != "datacite":
            return []
        names = []
        for item in _find(record.metadata, ("relatedItems", "relatedItem")):
            if item.get("relationType") == "IsCollectedBy":
                names += ["".join(title.itertext()).strip() for title in _find(item, ("titles", "title"))]
        for identifier in _find(record.metadata, ("relatedIdentifiers", "relatedIdentifier")):
            if identifier.get("relationType") == "IsCollectedBy":
                names.append("".join(identifier.itertext()).strip())
        if names:
            for contributor in _find(record.metadata, ("contributors", "contributor")):
                if contributor.get("contributorType") == "HostingInstitution":
                    names.append(_first(contributor, ("contributorName",)) or "")
        return [name for name in names if name]

    def entries(self, record: XmlRecord) -> list[Entry]:
        if record.kind == "dc":
            return [Entry(None, e.text, e, loose=True) for e in record.metadata.iter(oaipmh.DC_SUBJECT)]
        if record.kind != "datacite":
            return []
        found = []
        for subject in _find(record.metadata, ("subjects", "subject")):
            scheme = (subject.get("subjectScheme") or "").strip().casefold()
            uri = (subject.get("valueURI") or "").strip()
            scheme_uri = (subject.get("schemeURI") or "").strip()
            if scheme == "panet" or uri.startswith(NAMESPACE) or scheme_uri.startswith(NAMESPACE):
                found.append(Entry(uri or None, (subject.text or "").strip() or None, subject))
        return found

    def update(self, record: XmlRecord, corrected: list[tuple[Entry, Term]], added: list[Term]) -> None:
        if record.kind == "dc":
            for entry, term in corrected:
                entry.source.text = term.label
            _append(record.metadata, oaipmh.DC_SUBJECT, [(t.label, {}) for t in added])
            return
        ns = _namespace(record.metadata.tag)
        for entry, term in corrected:
            entry.source.text = term.label
            entry.source.attrib.update(_subject_attributes(term, ns))
        if added:
            subjects = record.metadata.find(f"{{{ns}}}subjects")
            if subjects is None:
                subjects = _new_subjects(record.metadata, ns)
            _append(subjects, f"{{{ns}}}subject", [(t.label, _subject_attributes(t, ns)) for t in added])

    def dump(self, record: XmlRecord) -> bytes:
        from lxml import etree

        return etree.tostring(record.root, encoding="utf-8", with_tail=False, xml_declaration=False)

    def result(self, record: XmlRecord) -> str:
        return self.dump(record).decode("utf-8")

    def describe(self, record: XmlRecord) -> Description:
        # the OAI-PMH item identifier: the tombstone's, and a dataset's when its metadata has none
        header = (record.root.findtext(f"{oaipmh.HEADER}/{oaipmh.IDENTIFIER}") or "").strip() or None
        if record.metadata is None:  # an OAI-PMH deleted record
            datestamp = (record.root.findtext(f"{oaipmh.HEADER}/{{{oaipmh.OAI}}}datestamp") or "").strip()
            return Description(None, header, deleted=True, datestamp=datestamp or None)
        if record.kind == "dc":
            values = {key: _first(record.metadata, (key,)) for key in ("identifier", "title", "description")}
            identifier = values["identifier"]
            rights = ["".join(r.itertext()).strip() for r in record.metadata.iter(f"{{{oaipmh.DC}}}rights")]
            return Description(
                handle_iri(identifier),
                identifier or header,
                values["title"],
                values["description"],
                license=licence([(r if "://" in r else None, r) for r in rights]),
            )
        identifier = _first(record.metadata, ("identifier",))
        rights = [(r.get("rightsURI"), "".join(r.itertext())) for r in _find(record.metadata, ("rightsList", "rights"))]
        return Description(
            handle_iri(identifier),
            identifier or header,
            _first(record.metadata, ("titles", "title")),
            _first(record.metadata, ("descriptions", "description")),
            license=licence(rights),
        )


def _subject_attributes(term: Term, ns: str) -> dict[str, str]:
    attributes = {"subjectScheme": PANET_SCHEME, "schemeURI": NAMESPACE}
    if ns == KERNEL_4:  # valueURI exists from kernel 4 on
        attributes["valueURI"] = term.iri
    return attributes


def _find(element: Any, path: tuple[str, ...]) -> Iterator[Any]:
    """Descendants along ``path`` of local names (namespaces ignored), in document order."""
    if not path:
        yield element
        return
    for child in element:
        if _local(child.tag) == path[0]:
            yield from _find(child, path[1:])


def _first(element: Any, path: tuple[str, ...]) -> str | None:
    for found in _find(element, path):
        text = "".join(found.itertext()).strip()
        if text:
            return text
    return None


def _append(parent: Any, tag: str, values: list[tuple[str, dict[str, str]]]) -> None:
    """Append elements after the last child, indented like the children before them."""
    if not values:
        return
    from lxml import etree

    siblings = list(parent)
    indent = siblings[-2].tail if len(siblings) > 1 else parent.text
    if indent is not None and indent.strip():
        indent = None  # mixed content: add no whitespace
    last = siblings[-1] if siblings else None
    closing = last.tail if last is not None else parent.text
    for text, attributes in values:
        element = etree.SubElement(parent, tag, attributes)
        element.text = text
        if last is not None:
            last.tail = indent
        last = element
    last.tail = closing


def _new_subjects(resource: Any, ns: str) -> Any:
    """A ``<subjects>`` element placed after publicationYear (or titles), indented like its siblings."""
    from lxml import etree

    subjects = etree.Element(f"{{{ns}}}subjects")
    anchor = resource.find(f"{{{ns}}}publicationYear")
    if anchor is None:
        anchor = resource.find(f"{{{ns}}}titles")
    if anchor is None:
        resource.append(subjects)
        return subjects
    anchor.addnext(subjects)
    subjects.tail, indent = anchor.tail, anchor.tail
    if indent and not indent.strip():
        subjects.text = indent + "  "
    return subjects


class XmlReader(InputReader, Reader):
    """Records of one XML document, streamed with ``lxml.etree.iterparse``: each record element is
    handed on as its own bytes and then dropped from memory. An XML syntax error ends the input:
    the rest of the file becomes one rejected item (with its line)."""

    def __init__(self, source: Any, format: Format | None = None) -> None:
        from panet.records.inputs import InputFile

        self.input = source if isinstance(source, InputFile) else InputFile(source)
        self.file = self.input.file
        self.size = self.input.size
        self.format = format or DataciteXmlFormat()
        head = self.file.read(1 << 16)
        problem = dtd_problem(head)
        if problem:
            self.input.close()
            raise RecordsError(self.input.name, problem)
        self.file.seek(0)
        self._start = self._end = b""  # what header() and footer() write, known once read
        self._empty: bytes | None = None  # the document when no record is written, if not header + footer

    def header(self) -> bytes:
        return self._start

    def separator(self) -> bytes:
        return b"\n"

    def footer(self, written: int) -> bytes:
        return (b"\n" if written else b"") + self._end

    def empty(self) -> bytes:
        return self._empty if self._empty is not None else self.header() + self.footer(0)

    def items(self, skip: int = 0, resume: Any = None) -> Iterator[Item]:
        yield from self._items(skip)
        self.input.check_whole()

    def _items(self, skip: int) -> Iterator[Item]:
        from lxml import etree

        self.file.seek(0)
        events = etree.iterparse(
            self.file, events=("start", "end"), resolve_entities=False, load_dtd=False, no_network=True
        )
        depth = record_depth = seen = 0
        root = container = last = None
        try:
            for event, element in events:
                if event == "start":
                    if depth == 0:
                        root = container = element
                        record_depth = 0 if is_record_element(element.tag) else 2 if element.tag == oaipmh.ROOT else 1
                    elif depth == 1 and element.tag in oaipmh.RECORD_LISTS:
                        container = element
                    depth += 1
                    continue
                depth -= 1
                if depth != record_depth or (record_depth and element.getparent() is not container):
                    continue
                if not isinstance(element.tag, str) or element.tag in oaipmh.ENVELOPE_TAGS:
                    continue  # comments, processing instructions, resumptionToken
                if seen == 0:
                    self._start = self._opening(root, container, element)
                seen += 1
                if seen > skip:
                    payload = etree.tostring(element, encoding="utf-8", with_tail=False)
                    yield Item(seen, payload, element.sourceline)
                last = element
                if record_depth:
                    element.clear(keep_tail=False)
                    while element.getprevious() is not None:
                        del container[0]
        except etree.XMLSyntaxError as err:
            line = err.lineno or 0
            reason = f"invalid XML ({err.msg})"
            if seen:
                reason += f"; the rest of the file from line {line} cannot be split into records"
            self._close(root, container, last, seen, complete=False)
            yield Item(max(seen, skip) + 1, Unreadable(reason, ""), line)
            return
        self._close(root, container, last, seen, complete=True)

    def _opening(self, root: Any, container: Any, first: Any) -> bytes:
        """What goes before the first record ``first``: the declaration, then the envelope."""
        if root is first:  # one record: its element is the document
            return oaipmh.DECLARATION + oaipmh.prolog(root)
        leading = list(first.itersiblings(preceding=True))
        leading.reverse()
        return oaipmh.opening(root, container, leading)

    def _close(self, root: Any, container: Any, last: Any, seen: int, complete: bool) -> None:
        """Once the input is read: what follows the last record, and the document without records."""
        if root is None:
            return
        if root is last or (last is None and is_record_element(root.tag)):
            self._end = oaipmh.epilog(root) if complete else b""
            self._empty = b""  # a rejected lone record leaves an empty file
            return
        if last is None:  # no record: the whole document is envelope (an OAI-PMH error response)
            self._start = oaipmh.opening(root, container, list(container))
        trailing = list(last.itersiblings()) if last is not None and complete else []
        self._end = oaipmh.closing(root, container, trailing)
        reason = (
            f"every record was rejected ({seen} read): see the rejects file" if seen else "the input holds no record"
        )
        self._empty = oaipmh.no_records(root, container, reason)


# -- DataCite JSON (the REST API) ----------------------------------------------------------------

_JSON_DEFAULT_FIELDS = (("titles", "title"), ("descriptions", "description"), ("subjects", "subject"))
_JSON_LISTS = ("titles", "descriptions", "subjects", "contributors", "relatedIdentifiers", "relatedItems", "rightsList")


class DataciteJsonFormat(JsonFormat):
    """DataCite JSON as the REST API serves it (https://support.datacite.org/docs/api): one DOI
    ``{"data": {"id", "type": "dois", "attributes": {...}}}``, a list ``{"data": [...], "meta",
    "links"}`` whose elements are the records (streamed, the envelope kept around them), an element
    alone ``{"id", "type", "attributes"}``, or the attributes alone (DataCite JSON of content
    negotiation). The evidence is the XML's: titles, descriptions and subjects, relatedItem and
    relatedIdentifier IsCollectedBy (the instrument) with the HostingInstitution; ``--fields`` are
    dotted paths inside ``attributes``. Techniques are written as subjects::

        {"subject": "small angle x-ray scattering", "subjectScheme": "PaNET",
         "schemeUri": "http://purl.org/pan-science/PaNET/",
         "valueUri": "http://purl.org/pan-science/PaNET/PaNET01188"}

    The base64 ``xml`` attribute of a REST API record is left as it was: the attributes are what
    a ``PUT`` of the record updates.

    >>> fmt = DataciteJsonFormat()
    >>> record = fmt.parse(b'{"data": {"id": "10.1234/x", "type": "dois", "attributes": {"doi": "10.1234/x",'
    ...                    b' "titles": [{"title": "SAXS of gold"}]}}}')
    >>> list(fmt.texts(record, ())), fmt.describe(record).iri
    (['SAXS of gold'], 'https://doi.org/10.1234/x')
    """

    name = "datacite"
    envelope = "data"

    def check(self, record: Any) -> None:
        attributes = _attributes(record)
        for key in _JSON_LISTS:
            value = attributes.get(key)
            if value is not None and type(value) is not list:
                raise BadRecord(f"wrong type: {key!r} must be a list, found {json_type(value)}")

    def texts(self, record: Any, fields: tuple[tuple[str, ...], ...]) -> list[str]:
        attributes = _attributes(record)
        found: list[str] = []
        for path in fields or _JSON_DEFAULT_FIELDS:
            found += walk(attributes, path)
        return found

    def instrument_names(self, record: Any) -> list[str]:
        """The titles of ``relatedItems`` and the ``relatedIdentifier`` of ``relatedIdentifiers``
        with relationType IsCollectedBy (the instrument), and the HostingInstitution (the facility).

        >>> DataciteJsonFormat().instrument_names({"relatedItems": [{"relationType": "IsCollectedBy",
        ...     "relatedItemType": "Instrument", "titles": [{"title": "ID02"}]}],
        ...     "contributors": [{"name": "ESRF", "contributorType": "HostingInstitution"}]})
        ['ID02', 'ESRF']
        """
        attributes = _attributes(record)
        names = []
        for item in _objects(attributes, "relatedItems"):
            if item.get("relationType") == "IsCollectedBy":
                names += [t.get("title") for t in item.get("titles") or () if isinstance(t, dict)]
        for identifier in _objects(attributes, "relatedIdentifiers"):
            if identifier.get("relationType") == "IsCollectedBy":
                names.append(identifier.get("relatedIdentifier"))
        if any(isinstance(name, str) and name.strip() for name in names):
            for contributor in _objects(attributes, "contributors"):
                if contributor.get("contributorType") == "HostingInstitution":
                    names.append(contributor.get("name"))
        return [name.strip() for name in names if isinstance(name, str) and name.strip()]

    def entries(self, record: Any) -> list[Entry]:
        """The PaNET subjects (scheme PaNET, or a PaNET valueUri or schemeUri).

        >>> record = {"subjects": [{"subject": "SAXS", "subjectScheme": "PaNET"}, {"subject": "bone"}]}
        >>> [(e.pid, e.name) for e in DataciteJsonFormat().entries(record)]
        [(None, 'SAXS')]
        """
        found = []
        for subject in _objects(_attributes(record), "subjects"):
            scheme, uri, scheme_uri = (_string(subject.get(k)) for k in ("subjectScheme", "valueUri", "schemeUri"))
            if scheme.casefold() == "panet" or uri.startswith(NAMESPACE) or scheme_uri.startswith(NAMESPACE):
                found.append(Entry(uri or None, _string(subject.get("subject")) or None, subject))
        return found

    def update(self, record: Any, corrected: list[tuple[Entry, Term]], added: list[Term]) -> None:
        """Corrected subjects rewritten in place, added terms appended to ``subjects``.

        >>> import panet
        >>> record = {"data": {"attributes": {"titles": []}}}
        >>> DataciteJsonFormat().update(record, [], [panet.load().term("SAXS")])
        >>> record["data"]["attributes"]["subjects"][0]["valueUri"]
        'http://purl.org/pan-science/PaNET/PaNET01188'
        """
        for entry, term in corrected:
            entry.source.update(_json_subject(term))
        if added:
            attributes = _attributes(record)
            if attributes.get("subjects") is None:
                attributes["subjects"] = []
            attributes["subjects"].extend(_json_subject(t) for t in added)

    def describe(self, record: Any) -> Description:
        attributes = _attributes(record)
        data = record.get("data") if isinstance(record.get("data"), dict) else record
        identifier = attributes.get("doi") or data.get("id")
        identifier = identifier if isinstance(identifier, str) and identifier.strip() else None
        title = next((t for t in walk(attributes, ("titles", "title")) if t.strip()), None)
        text = next((t for t in walk(attributes, ("descriptions", "description")) if t.strip()), None)
        rights = [(r.get("rightsUri"), r.get("rights")) for r in _objects(attributes, "rightsList")]
        return Description(handle_iri(identifier), identifier, title, text, license=licence(rights))


def _attributes(record: Any) -> dict[str, Any]:
    """The DataCite attributes of a record in any of the JSON forms `DataciteJsonFormat` reads."""
    if type(record) is not dict and not isinstance(record, dict):
        raise BadRecord(f"wrong type: a record must be a JSON object, found {json_type(record)}")
    data = record.get("data", record)
    if type(data) is list:
        raise BadRecord(
            "a DataCite list response ({'data': [...]}) inside one record: its records are read one by one "
            "when the file starts with it ('data' its first member), as the REST API writes it"
        )
    if type(data) is not dict and not isinstance(data, dict):
        raise BadRecord(f"wrong type: 'data' must be an object, found {json_type(data)}")
    attributes = data.get("attributes", data)
    if type(attributes) is not dict and not isinstance(attributes, dict):
        raise BadRecord(f"wrong type: 'attributes' must be an object, found {json_type(attributes)}")
    return attributes


def _string(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _objects(attributes: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [value for value in attributes.get(key) or () if isinstance(value, dict)]


def _json_subject(term: Term) -> dict[str, str]:
    return {"subject": term.label, "subjectScheme": PANET_SCHEME, "schemeUri": NAMESPACE, "valueUri": term.iri}


def is_datacite_json(record: Any) -> bool:
    """Whether a JSON value is DataCite JSON: a REST API response or element (``"type": "dois"``,
    or ``attributes`` with a ``doi``), or DataCite attributes alone (``titles`` with ``doi``,
    ``creators`` or ``types``).

    >>> is_datacite_json({"data": [{"id": "10.1/x", "type": "dois", "attributes": {}}]})
    True
    >>> is_datacite_json({"titles": [{"title": "x"}], "creators": []}), is_datacite_json({"title": "x", "pid": "y"})
    (True, False)
    """
    if not isinstance(record, dict):
        return False
    data = record.get("data", record)
    if isinstance(data, list):
        data = data[0] if data else {}
    if not isinstance(data, dict):
        return False
    attributes = data.get("attributes")
    if data.get("type") == "dois" or (isinstance(attributes, dict) and "doi" in attributes):
        return True
    return isinstance(data.get("titles"), list) and not {"doi", "creators", "types"}.isdisjoint(data)


def licence(rights: list[tuple[Any, Any]]) -> str | None:
    """The licence of a DataCite ``rightsList`` given as (rightsURI, rights text) pairs: the first
    URI, else the first text; access rights (``info:eu-repo/semantics/openAccess``) are not licences.

    >>> licence([("info:eu-repo/semantics/openAccess", "Open Access"), (None, "CC BY 4.0")])
    'CC BY 4.0'
    >>> licence([(None, "CC BY 4.0"), ("https://creativecommons.org/licenses/by/4.0/", "CC BY")])
    'https://creativecommons.org/licenses/by/4.0/'
    """
    kept = [
        pair for pair in rights if not any(isinstance(v, str) and v.strip().startswith("info:eu-repo/") for v in pair)
    ]
    for value in [u for u, _ in kept] + [t for _, t in kept]:
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


class DataciteFormat(Format):
    """DataCite records, XML (`DataciteXmlFormat`) or JSON (`DataciteJsonFormat`): a file is read
    by the reader of its content, a record given in memory by its kind (an lxml element or XML
    text, a dict or JSON text).

    >>> fmt = DataciteFormat()
    >>> [type(fmt.parse(p)).__name__ for p in (b'{"doi": "10.1/x", "titles": []}', b'<oai_dc:dc '
    ...     b'xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"/>')]
    ['dict', 'XmlRecord']
    """

    name = "datacite"

    def __init__(self) -> None:
        self.xml = DataciteXmlFormat()
        self.json = DataciteJsonFormat()

    def _of(self, record: Any) -> Format:
        return self.xml if isinstance(record, XmlRecord) else self.json

    def _by_payload(self, payload: Any) -> Format:
        if isinstance(payload, str):
            payload = payload[:64].encode("utf-8", errors="replace")
        if isinstance(payload, bytes):
            return self.json if payload[:64].lstrip()[:1] in (b"{", b"[") else self.xml
        return self.json if isinstance(payload, (dict, list)) else self.xml

    def reader(self, source: Path | BinaryIO) -> Reader:
        from panet.records.inputs import UTF16_BOMS, InputFile

        opened = source if isinstance(source, InputFile) else InputFile(source)
        head = opened.file.read(1 << 12)
        opened.file.seek(0)
        if not head.startswith(UTF16_BOMS) and head.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] in (b"{", b"["):
            return self.json.reader(opened)
        return self.xml.reader(opened)

    def parse(self, payload: Any) -> Any:
        return self._by_payload(payload).parse(payload)

    def load(self, record: Any) -> Any:
        return self._by_payload(record).load(record)

    def texts(self, record: Any, fields: tuple[tuple[str, ...], ...]) -> Iterable[str]:
        return self._of(record).texts(record, fields)

    def instrument_names(self, record: Any) -> list[str]:
        return self._of(record).instrument_names(record)

    def entries(self, record: Any) -> list[Entry]:
        return self._of(record).entries(record)

    def update(self, record: Any, corrected: list[tuple[Entry, Term]], added: list[Term]) -> None:
        self._of(record).update(record, corrected, added)

    def dump(self, record: Any) -> bytes:
        return self._of(record).dump(record)

    def result(self, record: Any) -> Any:
        return self._of(record).result(record)

    def describe(self, record: Any) -> Description:
        return self._of(record).describe(record)
