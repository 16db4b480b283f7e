"""ICAT dump files: the data files python-icat's ``icatdump`` writes and ``icatingest`` reads, in
XML (root ``<icatdata>``, one ``<data>`` element per chunk) and YAML (one YAML document per chunk,
a mapping of entity type -> {key: object}), for the ICAT 5 schema.

**One record is one Dataset** (a ``dataset`` object of a chunk). Its text is the dataset's
``name`` and ``description`` and its Investigation's ``title``, ``summary`` and keywords; its
instruments are those of the Investigation (``investigationInstruments``) and of the Dataset
(``datasetInstruments``), by ``name`` and ``fullName``, with the facility's name. A Dataset of
type "other" (ICAT's "data not belonging to any other category") is no measurement of its
Investigation: it inherits none of the Investigation's texts, instruments or probe. Its existing
technique entries are its DatasetTechniques, each read as the ``pid`` and ``name`` of the
Technique it references. References are resolved from the objects the file defined before (and
in the same chunk); a reference to an object the file does not define (it exists in the ICAT the
dump came from) is read from its python-icat key (``Technique_name-X=2Dray=20Tomography`` is the
Technique named "X-ray Tomography"). ICAT's ``PaNET:PaNET01188`` pid is read as the PaNET IRI.

Output (``--to same``) is the whole dump again, every other object where it was: a record's
output is what came before its Dataset since the previous one, then the Dataset; an unchanged
Dataset is written as read. An annotated Dataset gets one ``datasetTechniques`` entry (a
DatasetTechnique) per added technique, referencing the Technique by key; a corrected entry is
pointed at the technique the evidence supports (removed when the Dataset links it already). The
key is the dump's own Technique when it defines one with the term's PaNET pid and label,
otherwise ``Technique_name-<label>`` (python-icat's key), and `add_technique_definitions` (run by
`panet.records.annotate_file`) then defines each such Technique once, with ``name`` = the PaNET
label, ``pid`` = the PaNET IRI and ``description`` = its definition, in a chunk placed right
after the file's head, so that ``icatingest`` creates it before any Dataset needs it::

    <datasetTechniques>
      <technique ref="Technique_name-small=20angle=20x=2Dray=20scattering"/>
    </datasetTechniques>

A rejected Dataset is not written (its reason is in the rejects file). When the reader rejects it
(a YAML Dataset that is not a mapping) what came before it goes with the next Dataset; when the
annotation fails (which a well-formed Dataset does not) what came before it since the previous
Dataset is not written either, and the rejects file says which Dataset to look at.
XML is read with panet's safe XML rules (`panet.xmlsafe`: a DTD is refused), YAML with PyYAML's
safe loader only (``CSafeLoader``, libyaml's, where installed). Unchanged records are byte for byte
as python-icat writes them (XML serialised by lxml, YAML by PyYAML with icatdump's settings).

>>> list(dataset_texts(b'<icatdata><data><dataset id="d"><name>saxs_run_3</name></dataset></data></icatdata>'))
['saxs_run_3']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from panet.errors import BadRecord, RecordsError
from panet.records.base import Description, Entry, Format, Item, Reader, walk
from panet.records.inputs import InputReader
from panet.records.jsonl import Unreadable, handle_iri
from panet.term import NAMESPACE
from panet.xmlsafe import dtd_problem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from typing import Any, BinaryIO

    from panet.ontology import Ontology
    from panet.term import Term

__all__ = [
    "IcatFormat",
    "IcatReader",
    "add_technique_definitions",
    "dataset_texts",
    "key_name",
    "quote_key",
    "sniff",
    "technique_key",
]

XML_ROOT = "icatdata"
DATASET = "dataset"
TECHNIQUE_PREFIX = "Technique_name-"
_KEY_SAFE = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_CURIE = re.compile(r"(?i)\s*panet:(panet\d+)\s*")
_TECHNIQUE_KEYS = re.compile(rb"Technique_name-[A-Za-z0-9=]+")
_YAML_START = re.compile(r"(?m)^(%YAML|---)")
# the entity types of python-icat's YAML backend: a top-level key of a chunk that is one of them
# (and a first line "%YAML" or "---") tells an ICAT dump from other YAML
ENTITY_TYPES = frozenset(
    (
        "user", "grouping", "userGroup", "rule", "publicStep", "facility", "instrument", "instrumentScientist",
        "parameterType", "permissibleStringValue", "dataPublicationType", "investigationType", "sampleType",
        "datasetType", "datafileFormat", "technique", "facilityCycle", "application", "fundingReference",
        "investigation", "investigationParameter", "keyword", "publication", "shift", "investigationFunding",
        "investigationGroup",
        "investigationInstrument", "investigationUser", "sample", "sampleParameter", "dataset", "datasetParameter",
        "datasetInstrument", "datasetTechnique", "datafile", "datafileParameter", "dataCollection",
        "dataCollectionParameter", "dataCollectionDataset", "dataCollectionDatafile", "dataPublication",
        "dataPublicationDate", "dataPublicationFunding", "dataPublicationUser", "affiliation", "relatedItem", "study",
        "studyInvestigation", "relatedDatafile", "job",
    )
)  # fmt: skip
_DEFAULT_FIELDS = (
    "name", "description", "investigation.title", "investigation.summary", "investigation.keywords", "instruments"
)  # fmt: skip
_YAML_OPTIONS = {"default_flow_style": False, "sort_keys": False}  # icatdump's yaml.dump settings, keys as read


def quote_key(value: str) -> str:
    """python-icat's quoting of an attribute in a key: letters and digits kept, every other byte
    of the UTF-8 text as ``=XX``.

    >>> quote_key("X-ray Tomography")
    'X=2Dray=20Tomography'
    """
    return "".join(c if c in _KEY_SAFE else "".join(f"={b:02X}" for b in c.encode("utf-8")) for c in value)


def _unquote(value: str) -> str:
    data = bytearray()
    index = 0
    while index < len(value):
        if value[index] == "=" and re.fullmatch(r"[0-9A-Fa-f]{2}", value[index + 1 : index + 3]):
            data.append(int(value[index + 1 : index + 3], 16))
            index += 3
        else:
            data += value[index].encode("utf-8")
            index += 1
    return data.decode("utf-8", errors="replace")


def key_name(key: str) -> str | None:
    """The ``name`` an object's python-icat key states (its own, not a related object's), or None.

    >>> key_name("Instrument_facility-(name-ESNF)_name-E2"), key_name("Technique_name-X=2Dray=20Tomography")
    ('E2', 'X-ray Tomography')
    >>> key_name("inv_1") is None
    True
    """
    depth, start, parts = 0, key.find("_") + 1, []
    for index, char in enumerate(key):
        depth += char == "("
        depth -= char == ")"
        if char == "_" and depth == 0 and index >= start:
            parts.append(key[start:index])
            start = index + 1
    parts.append(key[start:])
    name = next((part[5:] for part in parts if part.startswith("name-")), None)
    return _unquote(name) if name else None


def technique_key(term: Term) -> str:
    """python-icat's key of the Technique named with ``term``'s label.

    >>> import panet
    >>> technique_key(panet.load().get("PaNET01188"))
    'Technique_name-small=20angle=20x=2Dray=20scattering'
    """
    return TECHNIQUE_PREFIX + quote_key(term.label)


def _pid(pid: Any) -> str | None:
    """A Technique's pid, ICAT's ``PaNET:PaNET01188`` read as the IRI."""
    if not isinstance(pid, str):
        return None
    curie = _CURIE.fullmatch(pid)
    return NAMESPACE + "PaNET" + curie.group(1)[5:] if curie else pid.strip() or None


def sniff(head: bytes) -> str | None:
    """ "xml" or "yaml" when the start of a file is an ICAT dump, else None.

    >>> sniff(b'<?xml version="1.0"?>\\n<icatdata>'), sniff(b"%YAML 1.1\\n# Generator: icatdump\\n---\\nuser:\\n")
    ('xml', 'yaml')
    >>> sniff(b'<resource xmlns="http://datacite.org/schema/kernel-4"/>') is None
    True
    """
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        body = re.sub(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>", b"", text, flags=re.S).lstrip()
        return "xml" if re.match(rb"<icatdata[\s/>]", body) else None
    lines = [line.strip() for line in text.decode("utf-8", errors="replace").splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    if not lines or not (lines[0].startswith(("%YAML", "---")) or lines[0].endswith(":")):
        return None
    keys = [line[:-1] for line in lines[:50] if line.endswith(":") and not line.startswith("-")]
    return "yaml" if any(key in ENTITY_TYPES for key in keys) else None


# ---------------------------------------------------------------------------------------------
# what a Dataset's references point to, and the record


@dataclass(slots=True)
class Context:
    """What a Dataset's references resolve to: its Investigation's texts, the names of its
    instruments, the dump's Techniques by key (pid, name), the probes its Investigation states (a
    parameter of type "Probe": neutron, x-ray), and the facility's names."""

    investigation: dict[str, Any] = field(default_factory=dict)
    instruments: list[str] = field(default_factory=list)
    techniques: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    probes: list[str] = field(default_factory=list)
    facility: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Payload:
    """One Dataset as read (picklable): ``syntax`` "xml" or "yaml", ``lead`` the output before it
    (the rest of the dump since the previous Dataset), ``body`` the ``<dataset>`` element's bytes
    or the YAML object, ``key`` its key, ``context`` what its references resolve to."""

    syntax: str
    lead: bytes
    body: Any
    key: str
    context: Context


class IcatRecord:
    """A parsed Dataset: ``payload`` as read, ``element`` (XML) or ``value`` (YAML, a copy) as
    rewritten, ``view`` the texts (`_DEFAULT_FIELDS` read from it), ``changed`` once updated."""

    __slots__ = ("changed", "element", "payload", "value", "view")

    def __init__(self, payload: Payload) -> None:
        self.payload = payload
        self.changed = False
        self.element: Any = None
        self.value: dict[str, Any] = {}
        if payload.syntax == "xml":
            from lxml import etree

            from panet import xmlsafe

            try:
                self.element = etree.fromstring(payload.body, parser=xmlsafe.parser(remove_blank_text=False))
            except etree.XMLSyntaxError as err:
                raise BadRecord(f"invalid XML in dataset {payload.key!r}: {err}") from None
            own = {child.tag: (child.text or "").strip() for child in self.element if isinstance(child.tag, str)}
        else:
            import copy

            if not isinstance(payload.body, dict):
                raise BadRecord(f"dataset {payload.key!r} is not a mapping of attributes")
            self.value = copy.deepcopy(payload.body)
            own = {k: _text(v) or "" for k, v in self.value.items()}
        self.view = {
            "key": payload.key,
            "name": own.get("name", ""),
            "description": own.get("description", ""),
            "doi": own.get("doi", ""),
            "investigation": payload.context.investigation,
            "instruments": payload.context.instruments,
        }


def dataset_texts(dump: bytes) -> Iterator[str]:
    """The default texts of every Dataset in an ICAT dump given in memory (a quick look at what
    panet reads).

    >>> list(dataset_texts(b"---\\ndataset:\\n  d1:\\n    name: tomo_scan_001\\n    description: bone\\n"))
    ['tomo_scan_001', 'bone']
    """
    reader = IcatReader(dump)
    fmt = reader.format
    try:
        for item in reader.items():
            yield from fmt.texts(fmt.parse(item.payload), ())
    finally:
        reader.close()


class IcatFormat(Format):
    """python-icat dump files, XML or YAML; one record per Dataset."""

    name = "icat"
    default_fields = _DEFAULT_FIELDS

    def reader(self, source: Path | BinaryIO) -> Reader:
        return IcatReader(source, self)

    def parse(self, payload: Any) -> IcatRecord:
        if isinstance(payload, Unreadable):
            raise BadRecord(payload.reason)
        if isinstance(payload, IcatRecord):
            payload = payload.payload
        if not isinstance(payload, Payload):
            raise BadRecord(f"not an ICAT dataset: {type(payload).__name__} (give a dump file's text)")
        return IcatRecord(payload)

    def load(self, record: Any) -> IcatRecord:
        """A record in memory: a `Payload` a reader yielded, or the text of a dump holding one Dataset."""
        if isinstance(record, str):
            record = record.encode("utf-8")
        if isinstance(record, bytes):
            reader = IcatReader(record, self)
            try:
                items = list(reader.items())
            finally:
                reader.close()
            if len(items) != 1:
                raise BadRecord(f"give one Dataset; the dump holds {len(items)}: read it with annotate_stream")
            record = items[0].payload
        return self.parse(record)

    def texts(self, record: IcatRecord, fields: tuple[tuple[str, ...], ...]) -> Iterator[str]:
        for path in fields or tuple(tuple(f.split(".")) for f in _DEFAULT_FIELDS):
            for text in walk(record.view, path):
                if text.strip():
                    yield text

    def instrument_names(self, record: IcatRecord) -> list[str]:
        context = record.payload.context
        return [*context.instruments, *context.facility]

    def probes(self, record: IcatRecord) -> set[str]:
        return set(record.payload.context.probes)

    def entries(self, record: IcatRecord) -> list[Entry]:
        known = record.payload.context.techniques
        found = []
        for source, ref, attributes in self._links(record):
            pid, name = known.get(ref, (None, None)) if ref else (None, None)
            if ref and ref not in known:
                name = key_name(ref) if ref.startswith(TECHNIQUE_PREFIX) else None
            pid = _pid(attributes.get("pid", pid))
            name = attributes.get("name", name)
            found.append(Entry(pid, name, source))
        return found

    def _links(self, record: IcatRecord) -> Iterator[tuple[Any, str | None, dict[str, str]]]:
        """(the object to rewrite, the Technique key, attributes of a reference by attributes)."""
        if record.element is not None:
            for link in record.element.iterchildren("datasetTechniques"):
                for technique in link.iterchildren("technique"):
                    attributes = {k: v for k, v in technique.attrib.items() if k in ("pid", "name")}
                    yield technique, technique.get("ref"), attributes
            return
        for link in record.value.get("datasetTechniques") or []:
            if isinstance(link, dict) and isinstance(link.get("technique"), str):
                yield link, link["technique"], {}

    def update(self, record: IcatRecord, corrected: list[tuple[Entry, Term]], added: list[Term]) -> None:
        """Point corrected DatasetTechniques at their technique (a second link to the same Technique
        is removed: ICAT allows one per Dataset and Technique) and add one per added term."""
        known = record.payload.context.techniques
        fixed = {id(entry.source) for entry, _ in corrected}
        linked = {ref for source, ref, _ in self._links(record) if id(source) not in fixed and ref}
        for entry, term in corrected:
            key = _technique_key(known, term)
            if record.element is not None:
                if key in linked:
                    _remove_link(entry.source)
                else:
                    for name in ("pid", "name"):
                        entry.source.attrib.pop(name, None)
                    entry.source.set("ref", key)
            elif key in linked:
                record.value["datasetTechniques"] = [
                    link for link in record.value["datasetTechniques"] if link is not entry.source
                ]
            else:
                entry.source["technique"] = key
            linked.add(key)
        new = [key for key in dict.fromkeys(_technique_key(known, term) for term in added) if key not in linked]
        if record.element is not None:
            _append_links(record.element, new)
        elif new:
            links = record.value.setdefault("datasetTechniques", [])
            if not isinstance(links, list):
                raise BadRecord(f"dataset {record.payload.key!r}: datasetTechniques is not a list")
            links.extend({"technique": key} for key in new)
            if list(record.payload.body) == sorted(record.payload.body):  # icatdump sorts attributes: keep it so
                record.value = dict(sorted(record.value.items()))
        record.changed = True

    def dump(self, record: IcatRecord) -> bytes:
        payload = record.payload
        if not record.changed:
            body = payload.body if payload.syntax == "xml" else _yaml_dataset(payload.key, payload.body)
        elif payload.syntax == "xml":
            from lxml import etree

            body = etree.tostring(record.element, with_tail=False)
        else:
            body = _yaml_dataset(payload.key, record.value)
        return payload.lead + body

    def result(self, record: IcatRecord) -> str:
        return self.dump(record).decode("utf-8")

    def describe(self, record: IcatRecord) -> Description:
        view = record.view
        doi = re.sub(r"(?i)^doi:", "", view["doi"]).strip() or None
        investigation = view["investigation"]
        return Description(
            handle_iri(doi),
            doi or view["key"],
            view["name"] or None,
            view["description"] or investigation.get("title") or investigation.get("summary") or None,
        )


def _technique_key(techniques: dict[str, tuple[str | None, str | None]], term: Term) -> str:
    """The key to reference ``term`` by: the dump's own Technique when one states the term's pid and
    its label (compared stripped and case-folded), else python-icat's key for the label."""
    from panet.text import normalize

    label = normalize(term.label)
    for key, (pid, name) in techniques.items():
        if _pid(pid) == term.iri and name and normalize(name) == label:
            return key
    return technique_key(term)


def _remove_link(technique: Any) -> None:
    """Remove a ``<technique>`` reference, and its ``<datasetTechniques>`` when nothing else is in it."""
    link = technique.getparent()
    target = link if len([c for c in link if isinstance(c.tag, str)]) == 1 else technique
    parent = target.getparent()
    previous = target.getprevious()
    if previous is not None:  # the whitespace after it now follows the element before it
        previous.tail = target.tail
    else:
        parent.text = target.tail
    parent.remove(target)


_BEFORE_LINKS = frozenset(("investigation", "sample", "type", "datafiles", "datasetInstruments", "datasetTechniques"))


def _append_links(dataset: Any, keys: list[str]) -> None:
    """One ``<datasetTechniques><technique ref=KEY/></datasetTechniques>`` per key, after the
    dataset's last DatasetTechnique (or its other one-to-many relations, as icatdump orders them),
    indented like its children."""
    if not keys:
        return
    from lxml import etree

    children = [child for child in dataset if isinstance(child.tag, str)]
    indent = dataset.text if dataset.text and not dataset.text.strip() else ""
    inner = indent + "  " if indent else ""
    before = [child for child in children if child.tag in _BEFORE_LINKS]
    anchor = before[-1] if before else children[-1] if children else None
    for key in keys:
        link = etree.Element("datasetTechniques")
        link.text = inner
        etree.SubElement(link, "technique", ref=key).tail = indent
        if anchor is None:
            dataset.insert(0, link)
            link.tail = dataset.text
            dataset.text = indent
        else:
            anchor.addnext(link)
            link.tail = anchor.tail
            anchor.tail = indent
        anchor = link


def _yaml_dataset(key: str, value: Any) -> bytes:
    """One entry of a chunk's ``dataset:`` mapping, as icatdump writes it."""
    import yaml

    text = yaml.safe_dump({DATASET: {key: value}}, **_YAML_OPTIONS)
    return text.partition("\n")[2].encode("utf-8")


# ---------------------------------------------------------------------------------------------
# the reader


class _Index:
    """The objects a dump defined so far that Datasets refer to, by key (python-icat's key or the
    file's local key): investigations, instruments, facilities, techniques."""

    def __init__(self) -> None:
        self.investigations: dict[str, dict[str, Any]] = {}
        self.instruments: dict[str, dict[str, Any]] = {}
        self.facilities: dict[str, dict[str, Any]] = {}
        self.techniques: dict[str, tuple[str | None, str | None]] = {}

    def add(self, kind: str, key: str | None, value: dict[str, Any], reference: bool = False) -> None:
        """Index the object ``key`` of type ``kind``; a ``reference`` (an XML ``…Ref`` element: its
        attributes) stands for the object it describes when the file defined that one before."""
        if not key:
            return
        if kind == "technique":
            if reference:
                found = next((v for v in self.techniques.values() if v[1] == value.get("name")), None)
                value = {"pid": found[0], "name": found[1]} if found else value
            self.techniques[key] = (_text(value.get("pid")), _text(value.get("name")))
        elif kind in ("investigation", "instrument", "facility"):
            table = {"investigation": self.investigations, "instrument": self.instruments}.get(kind, self.facilities)
            table[key] = (self._find(table, value) or value) if reference else value

    def context(self, dataset: dict[str, Any]) -> Context:
        """``dataset``: its ``investigation`` reference and ``instruments`` references (keys, or
        attribute dicts of a reference by attributes)."""
        investigation = self._find(self.investigations, dataset.get("investigation"))
        facility = self._reference(self.facilities, investigation.get("facility"))
        if _type_name(dataset.get("type")) == "other":  # not the Investigation's measurement: nothing of it
            investigation = {}
        refs = list(investigation.get("instruments") or []) + list(dataset.get("instruments") or [])
        names: list[str] = []
        for ref in refs:
            instrument = self._reference(self.instruments, ref)
            names += [_text(instrument.get(k)) or "" for k in ("name", "fullName")]
            facility = facility or self._reference(self.facilities, instrument.get("facility"))
        texts = {k: _text(investigation.get(k)) or "" for k in ("title", "summary", "name") if investigation.get(k)}
        if investigation.get("keywords"):
            texts["keywords"] = list(investigation["keywords"])
        probes = [_probe(value) for kind, value in investigation.get("parameters") or () if kind == "probe"]
        return Context(
            texts,
            list(dict.fromkeys(n for n in names if n)),
            self.techniques,
            [p for p in probes if p],
            [n for n in (_text(facility.get(k)) for k in ("name", "fullName")) if n] if names else [],
        )

    def _reference(self, table: dict[str, dict[str, Any]], ref: Any) -> dict[str, Any]:
        """The object ``ref`` points to; one the dump does not define is read from its python-icat
        key (``Instrument_facility-(name-ISIS)_name-LARMOR``: name LARMOR, facility ISIS)."""
        found = self._find(table, ref)
        if found or not isinstance(ref, str):
            return found
        facility = re.search(r"(?:^|_)facility-\(name-([A-Za-z0-9=]+)\)", ref)
        return {"name": key_name(ref), "facility": f"Facility_name-{facility.group(1)}" if facility else None}

    @staticmethod
    def _find(table: dict[str, dict[str, Any]], ref: Any) -> dict[str, Any]:
        if isinstance(ref, str):
            return table.get(ref) or {}
        if isinstance(ref, dict):  # a reference by attributes (XML): the first object they describe
            wanted = {k: v for k, v in ref.items() if "." not in k and k != "id"}
            for value in table.values():
                if wanted and all(_text(value.get(k)) == v for k, v in wanted.items()):
                    return value
        return {}


def _probe(value: str | None) -> str | None:
    """The probe a "Probe" parameter states, in the instrument table's words (x-ray, neutron);
    None for "photon" and others, which do not say which part of the spectrum."""
    folded = (value or "").casefold()
    if "neutron" in folded:
        return "neutron"
    return "x-ray" if re.search(r"x[- ]?ray", folded) else None


def _parameter(kind: Any, value: Any) -> tuple[str, str | None]:
    """(the parameter type's name, case-folded, its string value) of an Investigation parameter."""
    name = kind.get("name") if isinstance(kind, dict) else key_name(kind) if isinstance(kind, str) else None
    return (name or "").strip().casefold(), _text(value)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value).strip()


class IcatReader(InputReader, Reader):
    """The Datasets of one ICAT dump, XML or YAML (told from the content), chunk by chunk: a chunk
    is read whole (python-icat's unit), its objects indexed, then its Datasets handed on, each with
    the output that goes before it. Memory: one chunk, plus the investigations, instruments,
    facilities and techniques seen (for the references of later chunks).

    A syntax error ends the input: the rest of the file becomes one rejected item (with its line).
    A file that is not an ICAT dump, or an XML one with a DTD, is a `RecordsError` naming it.

    >>> reader = IcatReader(b'<icatdata><data><dataset id="d1"><name>saxs_3</name></dataset></data></icatdata>')
    >>> [(item.number, item.payload.key, item.payload.lead) for item in reader.items()], reader.footer(1)
    ([(1, 'd1', b'<data>')], b'</data></icatdata>\\n')
    """

    def __init__(self, source: Any, format: Format | None = None) -> None:
        from panet.records.inputs import InputFile

        self.input = source if isinstance(source, InputFile) else InputFile(source)
        self.file = self.input.file
        self.size = self.input.size
        self.format = format or IcatFormat()
        head = self.file.read(1 << 16)
        self.file.seek(0)
        syntax = sniff(head)
        if syntax is None:
            self.input.close()
            raise RecordsError(
                self.input.name,
                "not an ICAT dump: expected python-icat's XML (root <icatdata>) or YAML "
                "(chunks mapping entity types such as investigation, dataset to objects)",
            )
        if syntax == "xml":
            problem = dtd_problem(head)
            if problem:
                self.input.close()
                raise RecordsError(self.input.name, problem)
        self.syntax = syntax
        self._header = b""
        self._footer = b""

    def header(self) -> bytes:
        return self._header

    def separator(self) -> bytes:
        return b""  # each record's output carries what goes before it

    def footer(self, written: int) -> bytes:
        return self._footer

    def empty(self) -> bytes:
        return self._header + self._footer

    def items(self, skip: int = 0, resume: Any = None) -> Iterator[Item]:
        self.file.seek(0)
        items = self._xml_items() if self.syntax == "xml" else self._yaml_items()
        for item in items:
            if item.number > skip:
                yield item
        self.input.check_whole()

    # XML ---------------------------------------------------------------------------------------

    def _xml_items(self) -> Iterator[Item]:
        from lxml import etree

        events = etree.iterparse(
            self.file, events=("start", "end"), resolve_entities=False, load_dtd=False, no_network=True
        )
        index = _Index()
        lead: list[bytes] = []  # the output since the last Dataset
        number = depth = 0
        root: Any = None
        try:
            for event, element in events:
                if event == "start":
                    depth += 1
                    if depth == 1:
                        root = element
                        if element.tag != XML_ROOT:
                            raise RecordsError(self.input.name, f"not an ICAT dump: the root is <{element.tag}>")
                    continue
                depth -= 1
                if depth != 1:
                    continue
                if not self._header:
                    self._header = _XML_DECLARATION + _open_tag(root) + (root.text or "").encode("utf-8")
                if element.tag != "data":  # head, comments: before the first chunk they are the header
                    piece = etree.tostring(element, with_tail=True)
                    if number or lead:
                        lead.append(piece)
                    else:
                        self._header += piece
                else:
                    for item in self._xml_chunk(element, index, lead, number):
                        number = item.number
                        yield item
                    lead.append(b"</data>" + (element.tail or "").encode("utf-8"))
                root.remove(element)
        except etree.XMLSyntaxError as err:
            self._footer = b""
            reason = (
                f"invalid XML ({err.msg}); the rest of the file from line {err.lineno} cannot be split into datasets"
            )
            yield Item(number + 1, Unreadable(reason, ""), err.lineno)
            return
        if root is None:
            raise RecordsError(self.input.name, "not an ICAT dump: the file is empty")
        if not self._header:
            self._header = _XML_DECLARATION + _open_tag(root) + (root.text or "").encode("utf-8")
        self._footer = b"".join(lead) + f"</{root.tag}>\n".encode()

    def _xml_chunk(self, data: Any, index: _Index, lead: list[bytes], number: int) -> Iterator[Item]:
        """The Datasets of one ``<data>`` element, after indexing the objects it defines; ``lead``
        (the output before the next Dataset) is emptied at each Dataset and extended after it."""
        from lxml import etree

        for child in data:
            if isinstance(child.tag, str):
                kind = child.tag.removesuffix("Ref")
                index.add(kind, child.get("id"), _xml_object(child), reference=kind != child.tag)
        techniques = dict(index.techniques)  # a snapshot: items may be pickled while the next chunk is read
        lead.append(_open_tag(data) + (data.text or "").encode("utf-8"))
        for child in data:
            if child.tag != DATASET:
                lead.append(etree.tostring(child, with_tail=True))
                continue
            number += 1
            key = child.get("id") or _text(child.findtext("name")) or f"dataset {number}"
            instruments = [_xml_ref(i) for link in child.iterchildren("datasetInstruments") for i in link]
            context = index.context(
                {
                    "investigation": _xml_ref(child.find("investigation")),
                    "instruments": instruments,
                    "type": _xml_ref(child.find("type")),
                }
            )
            context.techniques = techniques
            body = etree.tostring(child, with_tail=False)
            yield Item(number, Payload("xml", b"".join(lead), body, key, context), child.sourceline)
            lead.clear()
            lead.append((child.tail or "").encode("utf-8"))

    # YAML --------------------------------------------------------------------------------------

    def _yaml_items(self) -> Iterator[Item]:
        import yaml

        text_head = self.file.read(1 << 16).decode("utf-8", errors="replace")
        self.file.seek(0)
        start = _YAML_START.search(text_head)
        prolog = text_head[: start.start()] if start else ""
        if start and start.group(1) == "%YAML":  # the directive line belongs with the comments
            line_end = text_head.find("\n", start.start())
            prolog = text_head[: line_end + 1] if line_end >= 0 else text_head
            rest = text_head[line_end + 1 :]
            comments = re.match(r"(?:[ \t]*(?:#[^\n]*)?\n)*", rest)
            prolog += comments.group(0) if comments else ""
        self._header = prolog.encode("utf-8")
        index = _Index()
        lead: list[bytes] = []
        number = 0
        # the safe loader, in C where PyYAML has libyaml (the same rules, ~8× faster)
        documents = yaml.load_all(self.file, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        chunk = 0
        while True:
            try:
                document = next(documents)
            except StopIteration:
                break
            except yaml.YAMLError as err:
                mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
                line = mark.line + 1 if mark is not None else None
                problem = getattr(err, "problem", None) or str(err)
                yield Item(number + 1, Unreadable(f"invalid YAML ({problem}, line {line}); the rest of the file "
                                                  "cannot be split into datasets", ""), line)  # fmt: skip
                self._footer = b""
                return
            chunk += 1
            if document is None:
                continue
            if not isinstance(document, dict):
                raise RecordsError(
                    self.input.name,
                    f"YAML document {chunk} is not an ICAT data chunk (a mapping of entity types to objects): "
                    f"found {type(document).__name__}",
                )
            for kind, objects in document.items():
                if isinstance(objects, dict):
                    for key, value in objects.items():
                        if isinstance(value, dict):
                            index.add(kind, str(key), _yaml_object(value))
            techniques = dict(index.techniques)
            lead.append(b"---\n")
            for kind, objects in document.items():
                if kind != DATASET or not isinstance(objects, dict) or not objects:
                    lead.append(yaml.safe_dump({kind: objects}, **_YAML_OPTIONS).encode("utf-8"))
                    continue
                lead.append(f"{DATASET}:\n".encode())
                for key, value in objects.items():
                    number += 1
                    if not isinstance(value, dict):  # rejected; what came before it goes with the next one
                        reason = f"dataset {str(key)!r} is not a mapping of attributes (found {type(value).__name__})"
                        yield Item(number, Unreadable(reason, yaml.safe_dump({key: value}, **_YAML_OPTIONS)))
                        continue
                    references = {
                        "investigation": value.get("investigation"),
                        "instruments": [link.get("instrument") for link in _list(value, "datasetInstruments")],
                        "type": value.get("type"),
                    }
                    context = index.context(references)
                    context.techniques = techniques
                    yield Item(number, Payload("yaml", b"".join(lead), value, str(key), context))
                    lead = []
                if lead and lead[-1] == f"{DATASET}:\n".encode():  # every Dataset of the chunk was rejected
                    lead[-1] = f"{DATASET}: {{}}\n".encode()
        self._footer = b"".join(lead)


_XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'


def _open_tag(element: Any) -> bytes:
    from xml.sax.saxutils import quoteattr

    attributes = "".join(f" {k}={quoteattr(v)}" for k, v in element.attrib.items())
    return f"<{element.tag}{attributes}>".encode()


def _type_name(ref: Any) -> str:
    """The case-folded name of the DatasetType a reference (a key, or attributes) points to.

    >>> _type_name("DatasetType_facility-(name-ESNF)_name-other"), _type_name({"name": "Raw"}), _type_name(None)
    ('other', 'raw', '')
    """
    name = key_name(ref) if isinstance(ref, str) else ref.get("name") if isinstance(ref, dict) else None
    return name.casefold() if isinstance(name, str) else ""


def _xml_ref(element: Any) -> Any:
    """A many-to-one reference: its key (``ref``), or its attributes (a reference by attributes)."""
    if element is None:
        return None
    return element.get("ref") or {k: v for k, v in element.attrib.items()}


def _xml_object(element: Any) -> dict[str, Any]:
    """The attributes and references of an object definition (or a ``…Ref`` element's attributes)
    that a Dataset's context needs."""
    value: dict[str, Any] = dict(element.attrib)
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "investigationInstruments":
            instrument = child.find("instrument")
            value.setdefault("instruments", []).append(_xml_ref(instrument))
        elif child.tag == "keywords":
            value.setdefault("keywords", []).append((child.findtext("name") or "").strip())
        elif child.tag == "parameters":
            parameter = _parameter(_xml_ref(child.find("type")), child.findtext("stringValue"))
            value.setdefault("parameters", []).append(parameter)
        elif len(child) == 0 and child.get("ref") is None and child.text is not None:
            value[child.tag] = child.text
        elif child.tag == "facility":
            value["facility"] = _xml_ref(child)
    return value


def _yaml_object(value: dict[str, Any]) -> dict[str, Any]:
    found = dict(value)
    found["instruments"] = [link.get("instrument") for link in _list(value, "investigationInstruments")]
    found["keywords"] = [str(k.get("name")) for k in _list(value, "keywords") if k.get("name") is not None]
    found["parameters"] = [_parameter(p.get("type"), p.get("stringValue")) for p in _list(value, "parameters")]
    return found


def _list(value: Any, key: str) -> list[dict[str, Any]]:
    found = value.get(key) if isinstance(value, dict) else None
    return [v for v in found if isinstance(v, dict)] if isinstance(found, list) else []


# ---------------------------------------------------------------------------------------------
# the Technique definitions of an annotated dump


def add_technique_definitions(source: Any, output: Path, ontology: Ontology, header: bytes) -> int:
    """Define, once each, the PaNET Techniques the annotated dump ``output`` references and its
    input ``source`` (a path) did not mention: one chunk placed after ``header`` (the output's
    first bytes: declaration and head), so that icatingest creates them before any Dataset. The
    file is replaced atomically. Returns the number of Techniques defined.

    >>> import tempfile, panet
    >>> from pathlib import Path
    >>> out = Path(tempfile.mkdtemp()) / "out.xml"
    >>> head = b"<icatdata>\\n"
    >>> link = b'<technique ref="Technique_name-small=20angle=20neutron=20scattering"/>'
    >>> dataset = b'<dataset id="d"><datasetTechniques>' + link + b"</datasetTechniques></dataset>"
    >>> _ = out.write_bytes(head + b"<data>" + dataset + b"</data></icatdata>")
    >>> add_technique_definitions(b"<icatdata/>", out, panet.load(), head)
    1
    >>> print(out.read_text().split("<data>")[1].strip())
    <technique id="Technique_name-small=20angle=20neutron=20scattering">
        <description>...</description>
        <name>small angle neutron scattering</name>
        <pid>http://purl.org/pan-science/PaNET/PaNET01189</pid>
      </technique>
    </data>
    """
    import os
    import shutil
    from pathlib import Path

    from panet.records.inputs import InputFile

    reader = InputFile(source)
    try:
        mentioned = _technique_keys(reader.file)
    finally:
        reader.close()
    output = Path(output)
    with open(output, "rb") as file:
        starts_right = file.read(len(header)) == header
        file.seek(0)
        referenced = _technique_keys(file)
    terms: dict[str, Term] = {}
    for found in sorted(referenced - mentioned):
        key = found.decode("ascii")
        name = _unquote(key[len(TECHNIQUE_PREFIX) :])
        term = next((t for t in ontology.terms_by_label(name) if t.kind == "technique"), None)
        if term is not None and technique_key(term) == key:
            terms[key] = term
    if not terms or not starts_right:
        return 0
    chunk = _xml_definitions(terms) if header.lstrip().startswith(b"<") else _yaml_definitions(terms)
    temporary = output.with_name(f".{output.name}.techniques")
    try:
        with open(output, "rb") as old, open(temporary, "wb") as new:
            new.write(old.read(len(header)) + chunk)
            shutil.copyfileobj(old, new, 1 << 20)
        os.replace(temporary, output)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise RecordsError(output, f"cannot add the Technique definitions: {err.strerror}") from None
    return len(terms)


def _technique_keys(file: Any) -> set[bytes]:
    """Every ``Technique_name-…`` key in a binary file, read in chunks (memory stays flat)."""
    found: set[bytes] = set()
    carry = b""
    while True:
        chunk = file.read(1 << 20)
        buffer = carry + chunk
        if not chunk:
            found.update(_TECHNIQUE_KEYS.findall(buffer))
            return found
        cut = max(len(buffer) - 1024, 0)  # a key starting after the cut is read again with the next chunk
        found.update(
            m.group()
            for m in _TECHNIQUE_KEYS.finditer(buffer, 0, len(buffer))
            if m.start() < cut and m.end() < len(buffer)
        )
        carry = buffer[cut:]


def _definition(term: Term) -> dict[str, str]:
    return {"description": (term.definition or term.label).strip(), "name": term.label, "pid": term.iri}


def _xml_definitions(terms: dict[str, Term]) -> bytes:
    from lxml import etree

    data = etree.Element("data")
    for key, term in terms.items():
        technique = etree.SubElement(data, "technique", id=key)
        for name, text in _definition(term).items():
            etree.SubElement(technique, name).text = text
    return etree.tostring(data, pretty_print=True)


def _yaml_definitions(terms: dict[str, Term]) -> bytes:
    import yaml

    chunk = {"technique": {key: _definition(term) for key, term in terms.items()}}
    return yaml.safe_dump(chunk, explicit_start=True, **_YAML_OPTIONS).encode("utf-8")
