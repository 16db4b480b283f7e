"""SSSOM mappings between PaNET and other vocabularies: read tolerantly, query as a crosswalk.

`load` reads SSSOM TSV and the comma-padded CSV files PaNET keeps in ``mappings/`` (``# ``
YAML metadata lines padded with commas by a spreadsheet, a ``curie_map``, then the table).
Problems in a file are never fixed silently: each repair is reported in
`MappingSet.warnings` with its line number, and rows are kept, never dropped.

>>> import panet
>>> onto = panet.load()
>>> [(m.term.id, m.predicate_id) for m in mapped(onto, "wfl:1425")][:2]
[('PaNET01162', 'skos:broadMatch'), ('PaNET01188', 'skos:exactMatch')]
>>> hi = load(shipped_path("HI"), ontology=onto)
>>> print(hi.warnings[0])
mapping_HI.csv, line 19: object_id '3D slicing tomography' is free text and object_label 'hi:99' is a CURIE: ...

The parsed table of a file is cached like the ontology index (keyed by the file's bytes), so
PyYAML is imported only for a file not seen before. CURIEs are handled by the few lines of
`Prefixes` rather than the `curies` package, whose import (pydantic) costs more than 100 ms.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from panet import cache
from panet.errors import MappingLoadError
from panet.term import NAMESPACE, PREFIX
from panet.text import normalize

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from panet.ontology import Ontology
    from panet.term import Term

__all__ = [
    "SHIPPED",
    "Mapping",
    "MappingSet",
    "Prefixes",
    "load",
    "mapped",
    "mappings_for",
    "shipped",
    "shipped_path",
]

# name -> file in the shipped ontology/mappings/ folder
SHIPPED = {"WFL": "mapping_WFL.csv", "HI": "mapping_HI.csv"}

# Prefixes every mapping file may use without declaring them (SSSOM's built-in prefixes).
_DEFAULT_PREFIXES = {
    PREFIX: NAMESPACE,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "semapv": "https://w3id.org/semapv/vocab/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "orcid": "https://orcid.org/",
    "sssom": "https://w3id.org/sssom/",
}
_REQUIRED = ("subject_id", "predicate_id", "object_id")
_CURIE = re.compile(r"([A-Za-z_][\w.-]*):(\S+)")
_PANET_LOCAL = re.compile(r"(?:PaNET)+(\d+)", re.IGNORECASE)


class Prefixes:
    """A prefix map that reads prefixes in any letter case (``Hi:`` is ``hi:``).

    >>> wfl = Prefixes({"wfl": "https://www.wayforlight.eu/technique/"})
    >>> wfl.standardize("WFL:1425"), wfl.expand("wfl:1425"), wfl.compress("https://www.wayforlight.eu/technique/1")
    ('wfl:1425', 'https://www.wayforlight.eu/technique/1425', 'wfl:1')
    """

    def __init__(self, prefix_map: dict[str, str]) -> None:
        self.prefix_map = dict(prefix_map)
        self._by_fold = {prefix.casefold(): prefix for prefix in reversed(self.prefix_map)}
        self._longest_first = sorted(self.prefix_map.items(), key=lambda item: -len(item[1]))

    def standardize(self, value: str) -> str | None:
        """``value`` with the declared prefix spelling, or None if not a CURIE with a known prefix."""
        match = _CURIE.fullmatch(value)
        if match is None or value.startswith(("http:", "https:")):
            return None
        prefix = self._by_fold.get(match.group(1).casefold())
        return None if prefix is None else f"{prefix}:{match.group(2)}"

    def expand(self, curie: str) -> str | None:
        standard = self.standardize(curie)
        if standard is None:
            return None
        prefix, _, local = standard.partition(":")
        return self.prefix_map[prefix] + local

    def compress(self, iri: str) -> str | None:
        for prefix, uri in self._longest_first:
            if iri.startswith(uri) and len(iri) > len(uri):
                return f"{prefix}:{iri[len(uri) :]}"
        return None


class Mapping(NamedTuple):
    """One mapping row: a PaNET term (subject) related to an outside concept (object)."""

    subject_id: str
    """``panet:PaNET01188``, repaired if the file had it wrong (see the set's warnings)."""
    subject_label: str
    predicate_id: str
    """``skos:exactMatch``, ``skos:closeMatch``, ``skos:broadMatch``, ``skos:narrowMatch``, ..."""
    object_id: str
    """A CURIE such as ``wfl:1425``, or free text where the file has no identifier."""
    object_label: str
    confidence: float | None
    term: Term | None
    """The subject as a term of the ontology the set was checked against; None if unknown."""
    object_iri: str | None
    mapping_justification: str
    author_id: str
    mapping_date: str
    mapping_set_id: str
    line: int
    """Line of the row in its file (1-based)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with ``term`` as its IRI."""
        data = self._asdict()
        data["term"] = None if self.term is None else self.term.iri
        return data


class MappingSet:
    """The mappings of one file, its metadata and the problems found while reading it."""

    def __init__(
        self,
        path: str,
        metadata: dict[str, Any],
        prefixes: Prefixes,
        mappings: tuple[Mapping, ...],
        warnings: tuple[str, ...],
    ) -> None:
        self.path = path
        self.metadata = metadata
        self.prefixes = prefixes
        self.mappings = mappings
        self.warnings = warnings

    @property
    def id(self) -> str:
        """``mapping_set_id`` from the metadata, else the file name."""
        return str(self.metadata.get("mapping_set_id") or Path(self.path).name)

    @property
    def curie_map(self) -> dict[str, str]:
        """Prefix -> IRI prefix, as declared plus SSSOM's built-in prefixes."""
        return dict(self.prefixes.prefix_map)

    def __iter__(self) -> Iterator[Mapping]:
        return iter(self.mappings)

    def __len__(self) -> int:
        return len(self.mappings)

    def __repr__(self) -> str:
        return f"<MappingSet {self.id}: {len(self)} mappings, {len(self.warnings)} warnings, from {self.path}>"


def shipped_path(name: str) -> Path:
    """Path of a shipped mapping file: ``"WFL"`` (Way for Light) or ``"HI"`` (Helmholtz Imaging)."""
    from panet.loader import shipped_path as ontology_file

    if name not in SHIPPED:
        raise MappingLoadError(name, f"no such shipped mapping set; choose one of {', '.join(SHIPPED)}")
    return ontology_file(os.path.join("mappings", SHIPPED[name]))


def shipped(ontology: Ontology) -> tuple[MappingSet, ...]:
    """The shipped mapping sets (WFL, HI) checked against ``ontology``; read once per ontology."""
    return ontology.memo(
        ("panet.mappings", "shipped"), lambda onto: tuple(load(shipped_path(name), ontology=onto) for name in SHIPPED)
    )


def mapped(ontology: Ontology, key: str, sets: Iterable[MappingSet] | None = None) -> tuple[Mapping, ...]:
    """Mappings whose object is ``key``: a CURIE (any prefix case), an IRI, or an object label."""
    key = key.strip()
    if not key:
        return ()
    label = normalize(key)
    found = []
    for mapping_set in shipped(ontology) if sets is None else sets:
        wanted = _standard_id(mapping_set.prefixes, key)
        for m in mapping_set:
            if m.object_id == wanted or m.object_iri == key or normalize(m.object_label) == label:
                found.append(m)
    return tuple(sorted(found, key=_order))


def mappings_for(ontology: Ontology, key: Term | str, sets: Iterable[MappingSet] | None = None) -> tuple[Mapping, ...]:
    """Mappings whose subject is the term ``key`` names (any key `Ontology.term` accepts)."""
    term = ontology.term(key, kind="any")
    found = [m for mapping_set in (shipped(ontology) if sets is None else sets) for m in mapping_set if m.term == term]
    return tuple(sorted(found, key=_order))


def _order(m: Mapping) -> tuple[str, str, str, str, int]:
    return (m.subject_id, m.predicate_id, m.object_id, m.mapping_set_id, m.line)


def load(path: str | os.PathLike[str], *, ontology: Ontology | None = None) -> MappingSet:
    """Read an SSSOM TSV or a PaNET mapping CSV; rows are checked against ``ontology``
    (default: the shipped PaNET). `MappingLoadError` only when nothing usable can be read.

    >>> wfl = load(shipped_path("WFL"))
    >>> len(wfl), wfl.id
    (151, 'mapping_WFL_PaNET_v1.0')
    """
    if ontology is None:
        from panet.loader import load as load_ontology

        ontology = load_ontology()
    path = os.fspath(path)
    hint = "pass the path of an SSSOM .tsv or a PaNET mapping .csv"
    content = MappingLoadError.read_bytes(path, expected="a mapping file", hint=hint)
    key = cache.key_for(content, "sssom")
    table = cache.read(key)
    if table is None:
        table = _parse(path, content)
        cache.write(key, table)
    return _Checker(path, table, ontology).mapping_set()


def _standard_id(prefixes: Prefixes, value: str) -> str:
    """``value`` as a CURIE with the declared prefix, if it is a CURIE or IRI the set knows."""
    if value.startswith(("http://", "https://")):
        return prefixes.compress(value) or value
    return prefixes.standardize(value) or value


def _parse(path: str, content: bytes) -> dict[str, Any]:
    """The file as plain data (cacheable): metadata, prefixes, header, rows with line numbers,
    and the problems found at this level as [line, message]."""
    import csv

    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise MappingLoadError(path, f"is not UTF-8 text ({err.reason} at byte {err.start})") from None
    lines = text.splitlines()
    header_at = next((i for i, line in enumerate(lines) if not line.startswith("#") and line.strip()), None)
    if header_at is None:
        raise MappingLoadError(path, "has no mapping table (only metadata or blank lines)")
    problems: list[list[Any]] = []
    metadata = _metadata(lines[:header_at], problems)
    declared = metadata.get("curie_map")
    prefixes = dict(_DEFAULT_PREFIXES)
    if isinstance(declared, dict):
        prefixes.update({str(p): str(uri) for p, uri in declared.items() if re.fullmatch(r"[A-Za-z_][\w.-]*", str(p))})
    elif declared is not None:
        problems.append([1, "curie_map is not a mapping of prefixes; only SSSOM's built-in prefixes are known"])
    delimiter = "\t" if "\t" in lines[header_at] else ","
    rows = csv.reader(lines[header_at:], delimiter=delimiter)
    header = [cell.strip() for cell in next(rows)]
    missing = [column for column in _REQUIRED if column not in header]
    if missing:
        expected = ", ".join(_REQUIRED)
        problem = f"the table has no {', '.join(missing)} column; an SSSOM header is needed ({expected}, ...)"
        raise MappingLoadError(path, problem, line=header_at + 1)
    table = []
    for line, cells in enumerate(rows, start=header_at + 2):
        if not any(cell.strip() for cell in cells):
            continue  # spreadsheet padding
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            problems.append([line, f"{len(cells)} cells for {len(header)} columns; the extra cells are ignored"])
        table.append([line, *cells[: len(header)], *[""] * (len(header) - len(cells))])
    return {
        "format": cache.FORMAT,
        "metadata": metadata,
        "prefixes": prefixes,
        "header": header,
        "rows": table,
        "problems": problems,
    }


def _metadata(lines: list[str], problems: list[list[Any]]) -> dict[str, Any]:
    """The ``#`` YAML header; commas and tabs a spreadsheet padded lines with are removed."""
    import yaml

    text = "\n".join(re.sub(r"[,\t]+$", "", line[1:]) for line in lines)
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = 1 + (mark.line if mark is not None else 0)
        problems.append(
            [line, f"the metadata is not valid YAML ({getattr(err, 'problem', err)}); prefixes read line by line"]
        )
        found = (re.fullmatch(r"#\s{2,}([A-Za-z_][\w.-]*):\s*(https?://\S+?)[,\t]*", line) for line in lines)
        return {"curie_map": {match.group(1): match.group(2) for match in found if match}}
    if not isinstance(data, dict):
        problems.append([1, "the metadata is not a YAML mapping; ignored"])
        return {}
    return {str(key): _plain(value) for key, value in data.items()}


def _plain(value: Any) -> Any:
    """YAML values as str, list and dict only (dates become ISO strings), so marshal can cache them."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value)


class _Checker:
    """Turns a parsed table into `Mapping` rows, checking each against the ontology."""

    def __init__(self, path: str, table: dict[str, Any], ontology: Ontology) -> None:
        self.path = path
        self.name = Path(path).name
        self.table = table
        self.ontology = ontology
        self.prefixes = Prefixes(table["prefixes"])
        self.terms = {term.curie: term for term in ontology.terms(include_obsolete=True)}
        self.problems: list[tuple[int, str]] = [(line, problem) for line, problem in table["problems"]]

    def warn(self, line: int, problem: str) -> None:
        self.problems.append((line, problem))

    def mapping_set(self) -> MappingSet:
        metadata = self.table["metadata"]
        set_id = str(metadata.get("mapping_set_id") or self.name)
        header = self.table["header"]
        mappings = tuple(
            self.mapping(row[0], dict(zip(header, row[1:], strict=True)), set_id) for row in self.table["rows"]
        )
        self.problems.sort(key=lambda problem: problem[0])  # stable: per line, in the order found
        warnings = tuple(f"{self.name}, line {line}: {problem}" for line, problem in self.problems)
        return MappingSet(self.path, metadata, self.prefixes, mappings, warnings)

    def mapping(self, line: int, row: dict[str, str], set_id: str) -> Mapping:
        padded = [column for column, value in row.items() if value != value.strip()]
        if padded:
            self.warn(line, "spaces around " + ", ".join(f"{c} {row[c]!r}" for c in padded) + "; stripped")
        row = {column: value.strip() for column, value in row.items()}
        subject_id, term = self.subject(line, row["subject_id"])
        if term is not None:
            self.check_label(line, term, row.get("subject_label", ""))
        predicate_id = self.curie(line, "predicate_id", row["predicate_id"])
        object_id, object_label = self.object(line, row["object_id"], row.get("object_label", ""))
        return Mapping(
            subject_id=subject_id,
            subject_label=row.get("subject_label", ""),
            predicate_id=predicate_id,
            object_id=object_id,
            object_label=object_label,
            confidence=self.confidence(line, row.get("confidence", "")),
            term=term,
            object_iri=self.prefixes.expand(object_id),
            mapping_justification=row.get("mapping_justification", ""),
            author_id=row.get("author_id", ""),
            mapping_date=row.get("mapping_date", ""),
            mapping_set_id=set_id,
            line=line,
        )

    def object(self, line: int, object_id: str, object_label: str) -> tuple[str, str]:
        """object_id as a CURIE where possible; columns written the wrong way round are swapped back."""
        known = self.prefixes.standardize(object_id) or self.prefixes.compress(object_id)
        if known is not None:
            return self.curie(line, "object_id", object_id), object_label
        swapped = self.prefixes.standardize(object_label)
        if swapped is not None:
            self.warn(
                line,
                f"object_id {object_id!r} is free text and object_label {object_label!r} is a CURIE: the two "
                f"columns look swapped; read as object_id {swapped!r}, object_label {object_id!r}",
            )
            return swapped, object_id
        if _CURIE.fullmatch(object_id) and not object_id.startswith(("http:", "https:")):
            prefix = object_id.partition(":")[0]
            self.warn(line, f"object_id {object_id!r} has prefix {prefix!r}, which curie_map does not declare")
        else:
            self.warn(line, f"object_id {object_id!r} is free text, not a CURIE or IRI; kept as written")
        return object_id, object_label

    def curie(self, line: int, column: str, value: str) -> str:
        """``value`` with its declared prefix; a repair (``Hi:`` -> ``hi:``) is reported."""
        standard = _standard_id(self.prefixes, value)
        if standard != value and not value.startswith(("http://", "https://")):
            self.warn(line, f"{column} {value!r} uses an undeclared prefix spelling; read as {standard!r}")
        return standard

    def subject(self, line: int, value: str) -> tuple[str, Term | None]:
        """The subject as ``panet:PaNET<digits>`` and its term; malformed IDs repaired with a warning."""
        match = _CURIE.fullmatch(value)
        iri = value.startswith(("http://", "https://"))
        local = value.rpartition("/")[2] if iri else match.group(2) if match else value
        digits = _PANET_LOCAL.fullmatch(local)
        if digits is None or (match is not None and not iri and match.group(1).casefold() != PREFIX):
            self.warn(line, f"subject_id {value!r} is not a PaNET CURIE; the row has no term")
            return value, None
        subject_id = f"{PREFIX}:PaNET{digits.group(1)}"
        if iri and value != NAMESPACE + subject_id.partition(":")[2]:
            self.warn(line, f"subject_id {value!r} is not a PaNET IRI; read as {subject_id!r}")
        elif not iri and value != subject_id:
            self.warn(line, f"subject_id {value!r} is malformed; read as {subject_id!r}")
        term = self.terms.get(subject_id)  # not Ontology.get: a deprecated subject is a warning here
        if term is None:
            version = self.ontology.version
            self.warn(line, f"subject_id {subject_id} is not a term of PaNET {version}; the row has no term")
        elif term.deprecated:
            replaced = f", replaced by {term.replaced_by}" if term.replaced_by else ""
            self.warn(line, f"subject_id {subject_id} is deprecated{replaced}; its labels are not used for annotation")
        return subject_id, term

    def check_label(self, line: int, term: Term, label: str) -> None:
        """Report a subject_label that is not the term's label or synonym today."""
        if not label or normalize(label) in {normalize(name) for name in term.names}:
            return
        former = self.ontology.former_labels().get(normalize(label))
        if former is not None and former[0] == term:
            self.warn(
                line,
                f"subject_label {label!r} is out of date: {term.id} was labelled so up to PaNET {former[2]}; "
                f"today it is {term.label!r}",
            )
        else:
            self.warn(
                line, f"subject_label {label!r} does not match {term.id}, which is {term.label!r}; kept as written"
            )

    def confidence(self, line: int, value: str) -> float | None:
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if not 0.0 <= number <= 1.0:
            self.warn(line, f"confidence {value!r} is not a number from 0 to 1; read as none")
            return None
        return number
