"""``--to jsonld|ttl``: each record as a schema.org ``Dataset`` that is also a ``dcat:Dataset``,
its techniques as ``schema:measurementTechnique`` ``DefinedTerm``s of the PaNET ``DefinedTermSet``
and as ``dcat:theme`` (what panet's SHACL dataset profile asks of both).

Both writers serialise the same statements (`statements`), so a Turtle and a JSON-LD export of
one input are isomorphic graphs: same IRIs, same percent-encoding, same blank node labels,
same literals and datatypes. Written record by record (memory stays flat) as one JSON-LD
document with an inline context (no remote context is fetched) or as Turtle. Each record
repeats the description of its terms, so an interrupted run resumes with nothing to remember.

What a record becomes:

* its node is the pid's IRI (an IRI pid as written, ``https://doi.org/…`` for a DOI,
  ``https://hdl.handle.net/…`` for a Handle; characters an IRI cannot hold percent-encoded),
  else the blank node ``_:recordN``; the pid is also written as ``schema:identifier`` and
  ``dct:identifier``, so a local pid ("local-9") still identifies the dataset for both the
  schema.org and the DCAT shapes. panet does not mint IRIs for local pids: only the catalogue
  knows its base.
* dates are typed by what they are: ``xsd:date`` for ``2023-01-05``, ``xsd:dateTime`` for
  ``2023-01-05T10:00:00Z``; anything else (a year, a date with a space, the 30th of February)
  stays a plain string, which the shapes report as a warning instead of a mistyped literal.
* the dataset's licence (SciCat ``license``, a PaN Document's ``license``, DataCite ``rightsList``
  or ``dc:rights``) is ``schema:license`` and ``dct:license``: an IRI when it is a URL, else the
  text as written (which the shapes report as a warning: a licence should be an IRI).
* an OAI-PMH deleted record is not a dataset: it is written as an ActivityStreams
  ``as:Tombstone`` (``as:formerType schema:Dataset``, its ``dct:identifier``, ``as:deleted`` the
  header datestamp), which says the record existed and was withdrawn; no shape targets it.

>>> import panet
>>> from panet.records.base import Description
>>> about = Description("https://doi.org/10.1/x", "10.1/x", "SAXS")
>>> print(exporter("ttl").record(about, [panet.load().term("SAXS")], 1).decode().splitlines()[0])
<https://doi.org/10.1/x> a schema:Dataset, dcat:Dataset ;
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from panet.records.jsonl import dump_json
from panet.term import NAMESPACE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from panet.records.base import Description
    from panet.term import Term

__all__ = ["CONTEXT", "TERM_SET", "Node", "Ref", "Text", "date_literal", "exporter", "licence_value", "statements"]

SCHEMA = "http://schema.org/"  # as schema.org's own JSON-LD context and panet's SHACL shapes
DCAT = "http://www.w3.org/ns/dcat#"
DCTERMS = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
ACTIVITY = "https://www.w3.org/ns/activitystreams#"
TERM_SET = NAMESPACE + "PaNET.owl"
PREFIXES = {"schema": SCHEMA, "dcat": DCAT, "dcterms": DCTERMS, "xsd": XSD, "as": ACTIVITY, "panet": NAMESPACE}
CONTEXT = dict(PREFIXES)  # JSON-LD: compact IRIs only; every value says whether it is a node or a literal


@dataclass(frozen=True, slots=True)
class Ref:
    """A node: an IRI, or a blank node label ``_:…``."""

    iri: str


@dataclass(frozen=True, slots=True)
class Text:
    """A literal; ``datatype`` a compact IRI (``xsd:date``), None for a plain string."""

    value: str
    datatype: str | None = None


@dataclass(slots=True)
class Node:
    """One subject: its types and ``(predicate, value)`` statements, predicates as compact IRIs."""

    subject: Ref
    types: list[str]
    facts: list[tuple[str, Ref | Text]] = field(default_factory=list)


def exporter(to: str) -> JsonLdExporter | TurtleExporter:
    """The writer for ``to`` ("jsonld" or "ttl").

    >>> type(exporter("jsonld")).__name__
    'JsonLdExporter'
    """
    from panet.errors import RecordsError

    if to == "jsonld":
        return JsonLdExporter()
    if to == "ttl":
        return TurtleExporter()
    raise RecordsError("", f"unknown export {to!r}; choose same, jsonld or ttl")


def statements(about: Description, techniques: list[Term], number: int) -> list[Node]:
    """The nodes one record is exported as: the dataset (or the tombstone of a deleted record),
    then its technique terms.

    >>> from panet.records.base import Description
    >>> [(p, v.value) for p, v in statements(Description(None, "local-9", "SAXS"), [], 3)[0].facts][:2]
    [('schema:identifier', 'local-9'), ('dcterms:identifier', 'local-9')]
    """
    iri = _iri(about.iri) if about.iri else None
    subject = Ref(iri if iri is not None and _is_iri(iri) else f"_:record{number}")
    identifier = [Text(_text(about.identifier))] if about.identifier else []
    if about.deleted:
        node = Node(subject, ["as:Tombstone"], [("as:formerType", Ref(SCHEMA + "Dataset"))])
        node.facts += [("dcterms:identifier", v) for v in identifier]
        if about.datestamp:
            node.facts.append(("as:deleted", date_literal(about.datestamp)))
        return [node]
    node = Node(subject, ["schema:Dataset", "dcat:Dataset"])
    node.facts += [("schema:identifier", v) for v in identifier] + [("dcterms:identifier", v) for v in identifier]
    for predicates, value in (
        (("schema:name", "dcterms:title"), about.name),
        (("schema:description",), about.description),
    ):
        if value:
            node.facts += [(p, Text(_text(value))) for p in predicates]
    if about.created:
        node.facts.append(("schema:dateCreated", date_literal(about.created)))
    if about.license:
        licence = licence_value(about.license)
        node.facts += [("schema:license", licence), ("dcterms:license", licence)]
    terms = [Ref(t.iri) for t in techniques]
    node.facts += [("schema:measurementTechnique", t) for t in terms] + [("dcat:theme", t) for t in terms]
    nodes = [node]
    for t in techniques:
        nodes.append(
            Node(
                Ref(t.iri),
                ["schema:DefinedTerm"],
                [
                    ("schema:name", Text(t.label)),
                    ("schema:termCode", Text(t.id)),
                    ("schema:inDefinedTermSet", Ref(TERM_SET)),
                ],
            )
        )
    return nodes


def licence_value(text: str) -> Ref | Text:
    """A licence as RDF: a URL (http, https) or a URN as an IRI, anything else ("CC BY 4.0") as text.

    >>> licence_value("https://creativecommons.org/licenses/by/4.0/"), licence_value("CC BY 4.0")
    (Ref(iri='https://creativecommons.org/licenses/by/4.0/'), Text(value='CC BY 4.0', datatype=None))
    """
    text = text.strip()
    if re.match(r"(https?://|urn:)\S+$", text, re.IGNORECASE):
        iri = _iri(text)
        if _is_iri(iri):
            return Ref(iri)
    return Text(_text(text))


TERM_SET_NODE = Node(Ref(TERM_SET), ["schema:DefinedTermSet"], [("schema:name", Text("PaNET"))])

_DATE = r"(\d{4})-(\d\d)-(\d\d)"
_ZONE = r"(Z|[+-](\d\d):(\d\d))?"
_DATE_FORM = re.compile(_DATE + _ZONE)
_DATETIME_FORM = re.compile(_DATE + r"T(\d\d):(\d\d):(\d\d)(\.\d+)?" + _ZONE)


def date_literal(text: str) -> Text:
    """``text`` typed ``xsd:date`` or ``xsd:dateTime`` when it is a valid one, else a plain string.

    Years 0001-9999 only: what every RDF library reads back as a date.

    >>> date_literal("2023-01-05"), date_literal("2023-01-05T10:00:00.5+01:00").datatype
    (Text(value='2023-01-05', datatype='xsd:date'), 'xsd:dateTime')
    >>> date_literal("2023-02-30").datatype, date_literal("2023-01-05 10:00").datatype, date_literal("2023").datatype
    (None, None, None)
    """
    from datetime import date

    text = _text(text)
    form = _DATE_FORM.fullmatch(text)
    datatype = "xsd:date"
    if form is None:
        form = _DATETIME_FORM.fullmatch(text)
        datatype = "xsd:dateTime"
    if form is None:
        return Text(text)
    year, month, day = (int(g) for g in form.group(1, 2, 3))
    try:
        date(year, month, day)
    except ValueError:
        return Text(text)
    if datatype == "xsd:dateTime":
        hour, minute, second = (int(g) for g in form.group(4, 5, 6))
        if hour > 23 or minute > 59 or second > 59:
            return Text(text)
    zone_hours, zone_minutes = form.group(form.re.groups - 1, form.re.groups)
    if zone_hours is not None and (int(zone_minutes) > 59 or int(zone_hours) * 60 + int(zone_minutes) > 14 * 60):
        return Text(text)
    return Text(text, datatype)


class JsonLdExporter:
    """One JSON-LD document: ``{"@context": …, "@graph": [node, …]}``, the PaNET term set last."""

    def header(self) -> bytes:
        return b'{"@context": ' + dump_json(CONTEXT) + b',\n"@graph": [\n'

    def separator(self) -> bytes:
        return b",\n"

    def footer(self, written: int) -> bytes:
        return (b",\n" if written else b"") + _json_node(TERM_SET_NODE) + b"\n]}\n"

    def empty(self) -> bytes:
        return self.header() + self.footer(0)

    def __init__(self) -> None:
        self._terms = _TermCache(_json_node)

    def record(self, about: Description, techniques: list[Term], number: int) -> bytes:
        dataset, *terms = statements(about, techniques, number)
        return b",\n".join([_json_node(dataset), *map(self._terms.get, terms)])


def _json_node(node: Node) -> bytes:
    document: dict = {"@id": node.subject.iri, "@type": node.types}
    for predicate, value in node.facts:
        if isinstance(value, Ref):
            item: dict | str = {"@id": value.iri}
        elif value.datatype:
            item = {"@value": value.value, "@type": value.datatype}
        else:
            item = value.value
        document.setdefault(predicate, []).append(item)
    return dump_json(document)


class TurtleExporter:
    """Turtle: the prefixes and the PaNET term set once, then one block per record."""

    def header(self) -> bytes:
        lines = [f"@prefix {prefix}: <{iri}> ." for prefix, iri in PREFIXES.items()]
        return ("\n".join([*lines, "", _turtle_node(TERM_SET_NODE), ""])).encode()

    def separator(self) -> bytes:
        return b"\n"

    def footer(self, written: int) -> bytes:
        return b"\n"

    def empty(self) -> bytes:
        return self.header() + self.footer(0)

    def __init__(self) -> None:
        self._terms = _TermCache(_turtle_bytes)

    def record(self, about: Description, techniques: list[Term], number: int) -> bytes:
        dataset, *terms = statements(about, techniques, number)
        return b"\n".join([_turtle_node(dataset).encode(), *map(self._terms.get, terms)]) + b"\n"


class _TermCache:
    """The serialised description of each technique term, written once per term and reused:
    every record repeats the description of its terms."""

    def __init__(self, write: Callable[[Node], bytes]) -> None:
        self.write = write
        self.written: dict[str, bytes] = {}

    def get(self, node: Node) -> bytes:
        text = self.written.get(node.subject.iri)
        if text is None:
            text = self.written[node.subject.iri] = self.write(node)
        return text


def _turtle_bytes(node: Node) -> bytes:
    return _turtle_node(node).encode()


def _turtle_node(node: Node) -> str:
    facts: dict[str, list[str]] = {"a": node.types}
    for predicate, value in node.facts:
        facts.setdefault(predicate, []).append(_turtle_value(value))
    block = " ;\n    ".join(f"{predicate} {', '.join(values)}" for predicate, values in facts.items())
    return f"{_turtle_ref(node.subject)} {block} ."


def _turtle_value(value: Ref | Text) -> str:
    if isinstance(value, Ref):
        return _turtle_ref(value)
    literal = _literal(value.value)
    return f"{literal}^^{value.datatype}" if value.datatype else literal


_LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _turtle_ref(ref: Ref) -> str:
    if ref.iri.startswith("_:"):
        return ref.iri
    for prefix in ("panet", "schema"):
        namespace = PREFIXES[prefix]
        if ref.iri.startswith(namespace) and _LOCAL_NAME.fullmatch(ref.iri[len(namespace) :]):
            return f"{prefix}:{ref.iri[len(namespace) :]}"
    return f"<{ref.iri}>"


_ESCAPES = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"}


_CONTROL = re.compile("[\x00-\x1f]")  # after _ESCAPES: the control characters left


def _literal(text: str) -> str:
    """A Turtle string literal; control characters escaped as ``\\uXXXX``."""
    escaped = _CONTROL.sub(lambda c: f"\\u{ord(c.group()):04X}", text.translate(_ESCAPES))
    return f'"{escaped}"'


_SURROGATES = re.compile("[\ud800-\udfff]")


def _text(text: str) -> str:
    """``text`` as an RDF string: lone surrogates (JSON ``\\ud800`` escapes, undecodable bytes)
    are not characters and become U+FFFD."""
    return _SURROGATES.sub("\ufffd", text)


_IRI_FORBIDDEN = re.compile('[\x00-\x20<>"{}|^`\\\\]')


def _iri(iri: str) -> str:
    """An IRI for ``<…>`` and ``@id``: characters IRIs forbid are percent-encoded, the same way
    in both exports."""
    return _IRI_FORBIDDEN.sub(lambda c: f"%{ord(c.group()):02X}", _text(iri))


def _is_iri(iri: str) -> bool:
    """True when ``iri`` is an absolute IRI that strict RDF parsers (oxigraph) accept."""
    from pyoxigraph import NamedNode

    try:
        NamedNode(iri)
    except ValueError:
        return False
    return True
