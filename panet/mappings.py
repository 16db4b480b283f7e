"""SSSOM mappings between PaNET and other vocabularies: read tolerantly, query as a crosswalk.

`load` reads SSSOM TSV and the comma-padded CSV files PaNET keeps in ``mappings/`` (``# ``
YAML metadata lines padded with commas by a spreadsheet, a ``curie_map``, then the table).
Problems in a file are never fixed silently: each repair is reported in
`MappingSet.warnings` with its line number, and rows are kept, never dropped.

>>> import panet
>>> onto = panet.load()
>>> [(m.term.id, m.predicate_id) for m in onto.mapped("wfl:1425")][:2]
[('PaNET01162', 'skos:broadMatch'), ('PaNET01188', 'skos:exactMatch')]
>>> hi = load(shipped_path("HI"), ontology=onto)
>>> print(hi.warnings[0])
mapping_HI.csv, line 19: object_id '3D slicing tomography' is free text and object_label 'hi:99' is a CURIE: ...
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from panet.errors import MappingLoadError
from panet.term import NAMESPACE, PREFIX
from panet.text import normalize

if TYPE_CHECKING:
    from collections.abc import Iterable

    import curies

    from panet.ontology import Ontology
    from panet.term import Term

__all__ = ["SHIPPED", "Mapping", "MappingSet", "load", "mapped", "mappings_for", "shipped", "shipped_path"]

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
        converter: curies.Converter,
        mappings: tuple[Mapping, ...],
        warnings: tuple[str, ...],
    ) -> None:
        self.path = path
        self.metadata = metadata
        self.converter = converter
        self.mappings = mappings
        self.warnings = warnings

    @property
    def id(self) -> str:
        """``mapping_set_id`` from the metadata, else the file name."""
        return str(self.metadata.get("mapping_set_id") or Path(self.path).name)

    @property
    def curie_map(self) -> dict[str, str]:
        """Prefix -> IRI prefix, as declared plus SSSOM's built-in prefixes."""
        return {record.prefix: record.uri_prefix for record in self.converter.records}

    def __iter__(self):
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
    sets = ontology._memo.get("mappings")
    if sets is None:
        sets = ontology._memo["mappings"] = tuple(load(shipped_path(name), ontology=ontology) for name in SHIPPED)
    return sets


def mapped(ontology: Ontology, key: str, sets: Iterable[MappingSet] | None = None) -> tuple[Mapping, ...]:
    """Mappings whose object is ``key``: a CURIE (any prefix case), an IRI, or an object label."""
    key = key.strip()
    label = normalize(key)
    found = []
    for mapping_set in shipped(ontology) if sets is None else sets:
        wanted = _standard_id(mapping_set.converter, key)
        for m in mapping_set:
            if m.object_id == wanted or m.object_iri == key or normalize(m.object_label) == label:
                found.append(m)
    return tuple(sorted(found, key=_order))


def mappings_for(ontology: Ontology, key: Term | str, sets: Iterable[MappingSet] | None = None) -> tuple[Mapping, ...]:
    """Mappings whose subject is the term ``key`` names (any key `Ontology.term` accepts)."""
    term = ontology.term(key, kind="any")
    found = [m for mapping_set in (shipped(ontology) if sets is None else sets) for m in mapping_set if m.term == term]
    return tuple(sorted(found, key=_order))


def _order(m: Mapping) -> tuple:
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
    try:
        with open(path, encoding="utf-8-sig", newline="") as file:
            text = file.read()
    except FileNotFoundError:
        raise MappingLoadError(path, "no such file; pass the path of an SSSOM .tsv or a PaNET mapping .csv") from None
    except UnicodeDecodeError as err:
        raise MappingLoadError(path, f"is not UTF-8 text ({err.reason} at byte {err.start})") from None
    except OSError as err:
        raise MappingLoadError(path, f"cannot be read ({err.strerror})") from None
    return _Reader(path, text, ontology).read()


def _standard_id(converter: curies.Converter, value: str) -> str:
    """``value`` as a CURIE with the declared prefix, if it is a CURIE or IRI the set knows."""
    if value.startswith(("http://", "https://")):
        return converter.compress(value) or value
    return (converter.standardize_curie(value) or value) if converter.is_curie(value) else value


class _Reader:
    """One pass over one file; collects warnings as it goes."""

    def __init__(self, path: str, text: str, ontology: Ontology) -> None:
        self.path = path
        self.name = Path(path).name
        self.lines = text.splitlines()
        self.ontology = ontology
        self.warnings: list[str] = []

    def warn(self, line: int, problem: str) -> None:
        self.warnings.append(f"{self.name}, line {line}: {problem}")

    def read(self) -> MappingSet:
        import csv

        header_at = next((i for i, line in enumerate(self.lines) if not line.startswith("#") and line.strip()), None)
        if header_at is None:
            raise MappingLoadError(self.path, "has no mapping table (only metadata or blank lines)")
        metadata = self.metadata(self.lines[:header_at])
        converter = self.converter(metadata.get("curie_map"))
        delimiter = "\t" if "\t" in self.lines[header_at] else ","
        rows = csv.reader(self.lines[header_at:], delimiter=delimiter)
        header = [cell.strip() for cell in next(rows)]
        missing = [column for column in _REQUIRED if column not in header]
        if missing:
            raise MappingLoadError(
                self.path,
                f"the table has no {', '.join(missing)} column; an SSSOM header is needed "
                f"({', '.join(_REQUIRED)}, ...)",
                line=header_at + 1,
            )
        set_id = str(metadata.get("mapping_set_id") or self.name)
        mappings = []
        for offset, cells in enumerate(rows, start=header_at + 2):
            if any(cell.strip() for cell in cells):
                mappings.append(self.mapping(offset, header, cells, converter, set_id))
        return MappingSet(self.path, metadata, converter, tuple(mappings), tuple(self.warnings))

    def metadata(self, lines: list[str]) -> dict[str, Any]:
        """The ``#`` YAML header; commas and tabs a spreadsheet padded lines with are removed."""
        import yaml

        text = "\n".join(re.sub(r"[,\t]+$", "", line[1:]) for line in lines)
        try:
            data = yaml.safe_load(text) if text.strip() else {}
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = 1 + (mark.line if mark is not None else 0)
            self.warn(
                where, f"the metadata is not valid YAML ({getattr(err, 'problem', err)}); prefixes read line by line"
            )
            return {"curie_map": self.prefix_lines(lines)}
        if not isinstance(data, dict):
            self.warn(1, "the metadata is not a YAML mapping; ignored")
            return {}
        return {str(key): value if isinstance(value, dict | list) else str(value) for key, value in data.items()}

    @staticmethod
    def prefix_lines(lines: list[str]) -> dict[str, str]:
        found = (re.fullmatch(r"#\s{2,}([A-Za-z_][\w.-]*):\s*(https?://\S+?)[,\t]*", line) for line in lines)
        return {match.group(1): match.group(2) for match in found if match}

    def converter(self, declared: Any) -> curies.Converter:
        """A `curies.Converter` of the declared prefixes that also reads other letter cases."""
        import curies

        prefixes = dict(_DEFAULT_PREFIXES)
        if isinstance(declared, dict):
            prefixes.update(
                {str(p): str(uri) for p, uri in declared.items() if re.fullmatch(r"[A-Za-z_][\w.-]*", str(p))}
            )
        elif declared is not None:
            self.warn(1, "curie_map is not a mapping of prefixes; only SSSOM's built-in prefixes are known")
        records, seen = [], set()
        for prefix, uri in prefixes.items():
            if prefix.casefold() in seen:
                continue
            seen.add(prefix.casefold())
            variants = {prefix.lower(), prefix.upper(), prefix.capitalize(), "PaNET" if prefix == PREFIX else prefix}
            records.append(curies.Record(prefix=prefix, uri_prefix=uri, prefix_synonyms=sorted(variants - {prefix})))
        return curies.Converter(records)

    def mapping(self, line: int, header: list[str], cells: list[str], converter: curies.Converter, set_id: str):
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            self.warn(line, f"{len(cells)} cells for {len(header)} columns; the extra cells are ignored")
        row = dict(zip(header, cells, strict=False))
        padded = [column for column, value in row.items() if value != value.strip()]
        if padded:
            self.warn(line, "spaces around " + ", ".join(f"{c} {row[c]!r}" for c in padded) + "; stripped")
        row = {column: value.strip() for column, value in row.items()}
        subject_id, term = self.subject(line, row["subject_id"])
        if term is not None:
            self.check_label(line, term, row.get("subject_label", ""))
        predicate_id = self.curie(line, "predicate_id", row["predicate_id"], converter)
        object_id, object_label = row["object_id"], row.get("object_label", "")
        if not converter.is_curie(object_id) and not converter.is_uri(object_id):
            if object_label and converter.is_curie(object_label):
                self.warn(
                    line,
                    f"object_id {object_id!r} is free text and object_label {object_label!r} is a CURIE: the two "
                    f"columns look swapped; read as object_id {converter.standardize_curie(object_label)!r}, "
                    f"object_label {object_id!r}",
                )
                object_id, object_label = converter.standardize_curie(object_label), object_id
            elif _CURIE.fullmatch(object_id) and not object_id.startswith(("http:", "https:")):
                prefix = object_id.partition(":")[0]
                self.warn(line, f"object_id {object_id!r} has prefix {prefix!r}, which curie_map does not declare")
            else:
                self.warn(line, f"object_id {object_id!r} is free text, not a CURIE or IRI; kept as written")
        if converter.is_curie(object_id) or converter.is_uri(object_id):
            object_id = self.curie(line, "object_id", object_id, converter)
        return Mapping(
            subject_id=subject_id,
            subject_label=row.get("subject_label", ""),
            predicate_id=predicate_id,
            object_id=object_id,
            object_label=object_label,
            confidence=self.confidence(line, row.get("confidence", "")),
            term=term,
            object_iri=converter.expand(object_id) if converter.is_curie(object_id) else None,
            mapping_justification=row.get("mapping_justification", ""),
            author_id=row.get("author_id", ""),
            mapping_date=row.get("mapping_date", ""),
            mapping_set_id=set_id,
            line=line,
        )

    def curie(self, line: int, column: str, value: str, converter: curies.Converter) -> str:
        """``value`` with its declared prefix; a repair (``Hi:`` -> ``hi:``) is reported."""
        standard = _standard_id(converter, value)
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
        term = self.ontology.get(subject_id, kind="any")
        if term is None:
            self.warn(
                line, f"subject_id {subject_id} is not a term of PaNET {self.ontology.version}; the row has no term"
            )
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
