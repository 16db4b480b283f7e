"""ROBOT template reader: PaNET's editable source (``source/PaNET.csv``), any release.

Reads a template the way ROBOT (``robot template``) does, for everything PaNET uses:

* row 1 holds headers, row 2 the template strings ("directives"), every later row one entity;
  rows with an empty ID are skipped (PaNET's blank separator rows, "ID number", "Base IRI");
  a UTF-8 BOM is ignored (v1.0/v1.1 files have one); ``.tsv`` files are tab-separated;
* ``ID``, ``LABEL``, ``TYPE``, annotations ``A``/``AT``/``AL``/``AI`` (label, altLabel,
  definition, definition source, owl:deprecated, IAO:0100001 'term replaced by'; ``SPLIT=``),
  ``SC %``, ``EC %`` (several on a row make ONE intersection), ``DC %``, the old layout of
  v1.0–v1.2 (``CLASS_TYPE`` + ``C``/``CI`` columns; there, several ``EC`` cells made an n-ary
  equivalence, as ROBOT up to 1.8.3 wrote them), ``SP %``/``EP %``, ``DOMAIN``, ``RANGE``,
  ``CHARACTERISTIC``; individual columns (``TI``, ``I``) are read past, individuals not kept;
* cells are Manchester syntax naming classes by label (quoted or not), CURIE or IRI, with
  ``and``, ``some`` and parentheses (OWL EL). A label several rows share means the *last*
  such row, as in ROBOT; each such reference is reported in ``onto.warnings`` with its row
  and column. A name that matches nothing is reported and its cell skipped.

Malformed templates (no directive row, unknown directive, unparseable cell, git conflict
markers, one ID with two labels) raise `OntologyLoadError` with line and column.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from panet import axioms as ax
from panet.errors import OntologyLoadError
from panet.formats import OntologyData, TermRecord, is_panet_iri
from panet.term import NAMESPACE
from panet.text import normalize

__all__ = ["read"]

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OBO = "http://purl.obolibrary.org/obo/"
PREFIXES = {
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": SKOS,
    "obo": OBO,
    "oboInOwl": "http://www.geneontology.org/formats/oboInOwl#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "PaNET": NAMESPACE,
    "panet": NAMESPACE,
}
# annotation property IRI -> TermRecord field
ANNOTATIONS = {
    RDFS + "label": "label",
    SKOS + "altLabel": "synonyms",
    PREFIXES["oboInOwl"] + "hasExactSynonym": "synonyms",
    OBO + "IAO_0000115": "definition",
    OBO + "IAO_0000119": "definition_source",
    OWL + "deprecated": "deprecated",
    OBO + "IAO_0100001": "replaced_by",
}
TYPES = {
    "": "class",
    "class": "class",
    OWL + "Class": "class",
    "object property": "property",
    OWL + "ObjectProperty": "property",
    "data property": "other",
    OWL + "DataProperty": "other",
    OWL + "DatatypeProperty": "other",
    "annotation property": "other",
    OWL + "AnnotationProperty": "other",
    "datatype": "other",
    RDFS + "Datatype": "other",
    OWL + "Datatype": "other",
}
CLASS_TYPES = ("subclass", "equivalent", "disjoint")
CLASS_ROLES = {"SC": "subclass", "EC": "ec", "DC": "disjoint"}  # "ec": one intersection of the row's EC cells
CONFLICT_MARKER = re.compile(r"^(<{7}|>{7}|={7})(\s|$)", re.MULTILINE)
_OBO_CURIE = re.compile(r"([A-Za-z][A-Za-z0-9_]*):(\d+)")
_CURIE = re.compile(r"([A-Za-z][\w.-]*):(\S*)")
_TOKEN = re.compile(r"""\s*(?:('(?:[^'\\]|\\.)*')|("(?:[^"\\]|\\.)*")|<([^>]*)>|([()])|([^\s()'"<>]+))""")
_KEYWORDS = {"and", "some"}
_NOT_EL = {"or", "not", "only", "value", "min", "max", "exactly", "that", "inverse", "self"}


def read(path: Path, content: bytes, delimiter: str = ",") -> OntologyData:
    """Parse the ROBOT template ``content`` (the bytes of ``path``) into `OntologyData`."""
    return _Template(path, content, delimiter).read()


def expand(name: str) -> str | None:
    """The IRI a CURIE or IRI names; None for anything else (a label).

    Unknown prefixes with a numeric local part are OBO IDs, as ROBOT reads them.

    >>> expand("PaNET:PaNET01188"), expand("CHMO:0000182"), expand("small angle")
    ('http://purl.org/pan-science/PaNET/PaNET01188', 'http://purl.obolibrary.org/obo/CHMO_0000182', None)
    """
    name = name.strip()
    if name.startswith("<") and name.endswith(">"):
        name = name[1:-1]
    if re.match(r"https?://\S+$", name):
        return name
    match = _CURIE.fullmatch(name)
    if match and match.group(1) in PREFIXES:
        return PREFIXES[match.group(1)] + match.group(2)
    match = _OBO_CURIE.fullmatch(name)
    return f"{OBO}{match.group(1)}_{match.group(2)}" if match else None


class _Column:
    """One column's directive, parsed."""

    __slots__ = ("field", "header", "kind", "number", "split", "template")

    def __init__(self, number: int, header: str, kind: str, template: str = "", field: str = "", split: str = ""):
        self.number = number  # 1-based
        self.header = header
        self.kind = kind  # ID, LABEL, TYPE, CLASS_TYPE, A, SC, EC, DC, C, SP, EP, DOMAIN, RANGE, CHARACTERISTIC, skip
        self.template = template  # for class expressions: the text with % to fill in
        self.field = field  # for annotations: the TermRecord field
        self.split = split

    def values(self, cell: str) -> list[str]:
        parts = cell.split(self.split) if self.split else [cell]
        return [part for part in parts if part.strip()]

    def where(self) -> str:
        return f"column {self.number} ({self.header or self.kind})"


class _Dangling(Exception):
    """A name in a cell matches no label, CURIE or IRI."""


class _Template:
    def __init__(self, path: Path, content: bytes, delimiter: str) -> None:
        self.path = path
        self.content = content
        self.delimiter = delimiter
        self.out = OntologyData(path)
        self.class_labels: dict[str, list[str]] = {}  # label as written -> IRIs, in row order
        self.property_labels: dict[str, list[str]] = {}
        self.normalised: dict[str, list[str]] = {}  # normalised class label -> IRIs
        self.line = 0
        self.column: _Column | None = None

    def error(self, problem: str, line: int | None = None, column: _Column | None = None) -> OntologyLoadError:
        return OntologyLoadError(self.path, problem, line=line, column=column.number if column is not None else None)

    def warn(self, message: str) -> None:
        where = f"row {self.line}"
        if self.column is not None:
            where += f", {self.column.where()}"
        self.out.warnings.append(f"{where}: {message}")

    # -- structure --------------------------------------------------------------------------
    def read(self) -> OntologyData:
        rows = self._rows()
        if len(rows) < 2:
            raise self.error(
                "a ROBOT template needs a header row and a template-string row (ID, A rdfs:label, SC %, …)"
            )
        (_, headers), (directive_line, directives) = rows[0], rows[1]
        if "ID" not in (cell.strip() for cell in directives):
            raise self.error(
                "row 2 must hold ROBOT template strings with an ID column (ID, A rdfs:label, TYPE, SC %, EC %, …); "
                "is the directive row missing?",
                line=directive_line,
            )
        columns = self._columns(headers, directives, directive_line)
        by_kind = {c.kind: c for c in columns}
        id_column = by_kind["ID"]
        row_iri, kinds = self._entities(rows[2:], columns, id_column)
        legacy = "CLASS_TYPE" in by_kind
        for line, cells in rows[2:]:
            iri = row_iri.get(line)
            if iri is not None:
                self._row(line, cells, iri, kinds[iri], columns, legacy)
        self._finish()
        return self.out

    def _rows(self) -> list[tuple[int, list[str]]]:
        try:
            text = self.content.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            line = self.content[: err.start].count(b"\n") + 1
            raise self.error("is not UTF-8 text; save the template as UTF-8 CSV", line=line) from None
        marker = CONFLICT_MARKER.search(text)
        if marker:
            line = text.count("\n", 0, marker.start()) + 1
            raise self.error(
                f"git conflict marker {marker.group(1)!r}: resolve the merge conflict first "
                "(ROBOT template does not notice it)",
                line=line,
            )
        reader = csv.reader(io.StringIO(text), delimiter=self.delimiter, strict=True)
        rows: list[tuple[int, list[str]]] = []
        start = 1
        try:
            for cells in reader:
                rows.append((start, cells))
                start = reader.line_num + 1
        except csv.Error as err:
            raise self.error(f"malformed CSV ({err}); is a quote left open?", line=start) from None
        return rows

    def _columns(self, headers: list[str], directives: list[str], line: int) -> list[_Column]:
        columns: list[_Column] = []
        for i, raw in enumerate(directives):
            directive = raw.strip()
            header = headers[i].strip() if i < len(headers) else ""
            column = self._column(i + 1, header, directive)
            if column is None:
                raise self.error(
                    f"unknown ROBOT template string {directive!r} in column {i + 1} ({header or 'no header'}); "
                    "expected ID, LABEL, TYPE, A …, SC %, EC %, DC %, CLASS_TYPE, C %, SP %, DOMAIN, RANGE, "
                    "CHARACTERISTIC, …",
                    line=line,
                    column=_Column(i + 1, header, "?"),
                )
            columns.append(column)
        return columns

    @staticmethod
    def _column(number: int, header: str, directive: str) -> _Column | None:
        split = ""
        body = directive
        if "SPLIT=" in directive:
            body, _, split = directive.partition("SPLIT=")
            body = body.strip()
        if not body or body.startswith(">"):  # empty, or an axiom annotation (not kept)
            return _Column(number, header, "skip")
        if body in ("ID", "LABEL", "CLASS_TYPE", "DOMAIN", "RANGE", "TYPE", "CHARACTERISTIC"):
            return _Column(number, header, body, template="%", split=split)
        if body in ("PROPERTY_TYPE", "INDIVIDUAL_TYPE"):
            return _Column(number, header, "skip")
        match = re.fullmatch(r"(A[LTI]?) (.+)", body)
        if match:
            prop = match.group(2).strip()
            prop = prop.split("^^")[0] if match.group(1) == "AT" else prop
            prop = prop.split("@")[0] if match.group(1) == "AL" else prop
            iri = {"label": RDFS + "label"}.get(prop.strip()) or expand(prop.strip()) or ""
            return _Column(number, header, "A", field=ANNOTATIONS.get(iri, ""), split=split)
        match = re.fullmatch(r"(SC|EC|DC|C) (.*)", body) or re.fullmatch(r"(CI)(.?)", body)
        if match:
            template = match.group(2).strip() if match.group(1) != "CI" else "%"
            return _Column(number, header, match.group(1), template=template or "%", split=split)
        match = re.fullmatch(r"(SP|EP|DP|IP|P) (.*)", body)
        if match:
            return _Column(number, header, match.group(1), template=match.group(2).strip() or "%", split=split)
        if re.fullmatch(r"PI.?", body):
            return _Column(number, header, "PI")
        if re.fullmatch(r"(I .*|II.?|[TSD]I .*)", body):
            return _Column(number, header, "skip")
        return None

    # -- pass 1: entities and the label maps ------------------------------------------------
    def _entities(
        self, rows: list[tuple[int, list[str]]], columns: list[_Column], id_column: _Column
    ) -> tuple[dict[int, str], dict[str, str]]:
        """IRI per row (by line) and kind per IRI; fills the label maps."""
        by_kind = {c.kind: c for c in columns}
        label_column = by_kind.get("LABEL") or next((c for c in columns if c.field == "label"), None)
        type_column = by_kind.get("TYPE")

        def cell(cells: list[str], column: _Column | None) -> str:
            return cells[column.number - 1] if column is not None and column.number <= len(cells) else ""

        row_iri: dict[int, str] = {}
        labels: dict[str, tuple[str, int]] = {}  # IRI -> (label, line) as first seen
        named: list[tuple[str, str]] = []  # (label, IRI) in row order
        declared: dict[str, str] = {}  # IRI -> kind from a TYPE cell
        for line, cells in rows:
            identifier = cell(cells, id_column).strip()
            if not identifier:
                continue
            iri = expand(identifier)
            if iri is None:
                raise self.error(
                    f"ID {identifier!r} is neither an IRI nor a CURIE with a known prefix (e.g. PaNET:PaNET01188)",
                    line=line,
                    column=id_column,
                )
            row_iri[line] = iri
            label = cell(cells, label_column)
            if label.strip():
                named.append((label, iri))
                seen = labels.get(iri)
                if seen is None:
                    labels[iri] = (label, line)
                elif seen[0].strip() != label.strip():
                    raise self.error(
                        f"ID {identifier} appears again with another label: {label.strip()!r} here, "
                        f"{seen[0].strip()!r} on line {seen[1]}; merge the rows or fix the ID",
                        line=line,
                        column=label_column,
                    )
            type_text = cell(cells, type_column).strip()
            if type_text:
                kind = TYPES.get(expand(type_text) or type_text, "individual")
                if declared.setdefault(iri, kind) != kind:
                    raise self.error(
                        f"ID {identifier} is typed both {declared[iri]} and {kind}", line=line, column=type_column
                    )
        kinds = {iri: declared.get(iri, "class") for iri in row_iri.values()}
        for label, iri in named:  # ROBOT maps labels row by row: the last row with a label wins it
            if kinds[iri] == "class":
                self.class_labels.setdefault(label, []).append(iri)
                self.normalised.setdefault(normalize(label), []).append(iri)
            elif kinds[iri] == "property":
                self.property_labels.setdefault(label, []).append(iri)
        for iri, kind in kinds.items():
            if kind == "individual" and is_panet_iri(iri):
                self.out.warnings.append(
                    f"{iri}: its TYPE is no class or property type, so ROBOT makes it an individual; "
                    "panet keeps classes only"
                )
        return row_iri, kinds

    # -- pass 2: annotations and axioms ------------------------------------------------------
    def _row(self, line: int, cells: list[str], iri: str, kind: str, columns: list[_Column], legacy: bool) -> None:
        self.line = line
        out = self.out
        is_term = kind == "class" and is_panet_iri(iri)
        record = out.term(iri) if is_term else None
        if kind == "property" and is_panet_iri(iri):
            out.properties.setdefault(iri, "")
        class_type = "subclass"
        equivalents: list[ax.ClassExpression] = []
        combined: list[ax.ClassExpression] = []  # C columns of an "equivalent" CLASS_TYPE row
        for column in columns:
            value = cells[column.number - 1] if column.number <= len(cells) else ""
            if not value.strip() or column.kind in ("skip", "ID", "TYPE"):
                continue
            self.column = column
            if column.kind == "CLASS_TYPE":
                class_type = value.strip().lower()
                if class_type not in CLASS_TYPES:
                    raise self.error(
                        f"CLASS_TYPE {value.strip()!r}: expected subclass, equivalent or disjoint", line, column
                    )
            elif column.kind in ("A", "LABEL"):
                self._annotate(iri, kind, record, column, value)
            elif kind == "class" and column.kind in ("SC", "EC", "DC", "C", "CI"):
                role = class_type if column.kind in ("C", "CI") else CLASS_ROLES[column.kind]
                for text in column.values(value):
                    expression = self._expression(column, text)
                    if expression is not None:
                        self._class_axiom(iri, role, expression, equivalents, combined)
            elif kind == "property":
                self._property_axiom(iri, column, value)
        self.column = None
        if equivalents:  # several EC cells: one intersection (ROBOT >= 1.8.4), n-ary in the old layout
            if len(equivalents) == 1 or legacy:
                self._equivalence((iri, *equivalents))
            else:
                self._equivalence((iri, ax.And(tuple(equivalents))))
        if combined:
            self._equivalence((iri, combined[0] if len(combined) == 1 else ax.And(tuple(combined))))

    def _annotate(self, iri: str, kind: str, record: TermRecord | None, column: _Column, value: str) -> None:
        field = "label" if column.kind == "LABEL" else column.field
        if kind == "property" and field == "label" and iri in self.out.properties:
            self.out.properties[iri] = value.strip()
        if record is None or not field:
            return
        for raw in column.values(value):
            text = raw.strip()
            if field == "synonyms":
                record.synonyms.append(text)
            elif field == "deprecated":
                record.deprecated = record.deprecated or text.lower() in ("true", "1")
            elif field == "replaced_by":
                record.replaced_by = expand(text) or self._replacement(text)
            elif getattr(record, field) is None:
                setattr(record, field, text)

    def _class_axiom(
        self,
        iri: str,
        role: str,
        expression: ax.ClassExpression,
        equivalents: list[ax.ClassExpression],
        combined: list[ax.ClassExpression],
    ) -> None:
        if role == "subclass":
            self.out.axioms.append(ax.SubClassOf(iri, expression))
            if isinstance(expression, str) and is_panet_iri(iri) and is_panet_iri(expression):
                self.out.subclass_of.add((iri, expression))
        elif role == "ec":
            equivalents.append(expression)
        elif role == "equivalent":
            combined.append(expression)
        else:
            self.out.axioms.append(ax.DisjointClasses((iri, expression)))

    def _equivalence(self, operands: tuple[ax.ClassExpression, ...]) -> None:
        self.out.axioms.append(ax.EquivalentClasses(operands))
        named = [o for o in operands if isinstance(o, str) and is_panet_iri(o)]
        self.out.equivalent_to.update((named[0], other) for other in named[1:])

    def _property_axiom(self, iri: str, column: _Column, value: str) -> None:
        out = self.out
        for text in column.values(value):
            if column.kind in ("SP", "EP"):
                content = self._fill(column.template, text)
                tokens = self._tokens(content, column)
                if len(tokens) != 1 or tokens[0][0] not in ("quoted", "iri", "word"):
                    raise self._syntax(content, column, "a property expression here is one property name")
                kind, name = tokens[0]
                try:
                    other = self._property(name if kind != "iri" else f"<{name}>")
                except _Dangling as err:
                    self.warn(f"{err}; this {column.kind} cell is skipped")
                    continue
                out.axioms.append(ax.SubPropertyOf(iri, other))
                if column.kind == "EP":
                    out.axioms.append(ax.SubPropertyOf(other, iri))
            elif column.kind in ("DOMAIN", "RANGE"):
                expression = self._expression(column, text)
                if expression is not None:
                    out.axioms.append((ax.Domain if column.kind == "DOMAIN" else ax.Range)(iri, expression))
            elif column.kind == "CHARACTERISTIC":
                name = text.strip().lower()
                if name not in ax.CHARACTERISTICS:
                    raise self.error(
                        f"unknown property characteristic {text.strip()!r}; expected one of "
                        + ", ".join(ax.CHARACTERISTICS),
                        self.line,
                        column,
                    )
                out.axioms.append(ax.Characteristic(iri, name))
            elif column.kind in ("DP", "IP", "P", "PI"):
                self.warn(f"{column.kind} (disjoint/inverse property) axioms are not used by panet; skipped")

    def _finish(self) -> None:
        for record in self.out.terms.values():
            if record.label is not None:
                record.label = record.label.strip()
            record.synonyms = sorted({s for s in record.synonyms if s != record.label}, key=str.casefold)
        if not self.out.terms:
            raise self.error(
                "no PaNET classes found (IDs http://purl.org/pan-science/PaNET/PaNET<digits> or PaNET:PaNET<digits>)"
            )

    # -- Manchester syntax ------------------------------------------------------------------
    @staticmethod
    def _fill(template: str, value: str) -> str:
        """ROBOT's QuotedEntityChecker.wrap: quote a bare value that contains spaces, then substitute."""
        text = value.strip()
        if not text.startswith(("'", '"', "(")) and re.search(r"\s", text):
            text = "'" + text.replace("'", "\\'") + "'"
        return template.replace("%", text)

    def _expression(self, column: _Column, value: str) -> ax.ClassExpression | None:
        """The class expression of one cell; None (reported) when it names something unknown."""
        content = self._fill(column.template, value)
        label = content.strip()
        if label[:1] in "'\"" and label[-1:] == label[:1]:
            label = label[1:-1]
        if label in self.class_labels:  # ROBOT first tries the whole cell as one label
            return self._class(label)
        tokens = self._tokens(content, column)
        expression, rest = self._conjunction(tokens, 0, content, column)
        if rest != len(tokens):
            raise self._syntax(content, column, f"unexpected {tokens[rest][1]!r}")
        try:
            return self._resolve(expression)
        except _Dangling as err:
            self.warn(f"{err}; this cell is skipped")
            return None

    def _resolve(self, expression: ax.ClassExpression) -> ax.ClassExpression:
        """The parsed ``expression`` with its names (labels, CURIEs, <IRI>s) turned into IRIs."""
        if isinstance(expression, str):
            return self._class(expression)
        if isinstance(expression, ax.Some):
            return ax.Some(self._property(expression.property), self._resolve(expression.filler))
        return ax.And(tuple(self._resolve(operand) for operand in expression.operands))

    def _syntax(self, content: str, column: _Column, reason: str) -> OntologyLoadError:
        return self.error(
            f"cannot read {column.kind} cell {content!r}: {reason}; write Manchester syntax such as "
            "'label', PaNET:PaNET00001, ('property' some 'label') or ('a' and 'b')",
            self.line,
            column,
        )

    def _tokens(self, content: str, column: _Column) -> list[tuple[str, str]]:
        tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(content):
            match = _TOKEN.match(content, position)
            if match is None or match.end() == position:
                if not content[position:].strip():
                    break
                raise self._syntax(content, column, f"unexpected character {content[position]!r}")
            position = match.end()
            single, double, iri, paren, word = match.groups()
            if single or double:
                text = (single or double)[1:-1]
                tokens.append(("quoted", re.sub(r"\\(.)", r"\1", text)))
            elif iri is not None:
                tokens.append(("iri", iri))
            elif paren:
                tokens.append((paren, paren))
            elif word is not None:
                lowered = word.lower()
                if lowered in _NOT_EL:
                    raise self._syntax(content, column, f"{word!r} is outside OWL EL (panet reads 'and' and 'some')")
                tokens.append((lowered if lowered in _KEYWORDS else "word", word))
        if not tokens:
            raise self._syntax(content, column, "empty expression")
        return tokens

    # The parser builds expressions whose strings are still names; `_resolve` maps them to IRIs.
    def _conjunction(
        self, tokens: list[tuple[str, str]], i: int, content: str, column: _Column
    ) -> tuple[ax.ClassExpression, int]:
        operands = []
        expression, i = self._primary(tokens, i, content, column)
        operands.append(expression)
        while i < len(tokens) and tokens[i][0] == "and":
            expression, i = self._primary(tokens, i + 1, content, column)
            operands.append(expression)
        return (operands[0] if len(operands) == 1 else ax.And(tuple(operands))), i

    def _primary(
        self, tokens: list[tuple[str, str]], i: int, content: str, column: _Column
    ) -> tuple[ax.ClassExpression, int]:
        if i >= len(tokens):
            raise self._syntax(content, column, "the expression ends too early")
        kind, text = tokens[i]
        if kind == "(":
            expression, i = self._conjunction(tokens, i + 1, content, column)
            if i >= len(tokens) or tokens[i][0] != ")":
                raise self._syntax(content, column, "a '(' is not closed")
            return expression, i + 1
        if kind not in ("quoted", "iri", "word"):
            raise self._syntax(content, column, f"unexpected {text!r}")
        if i + 1 < len(tokens) and tokens[i + 1][0] == "some":
            filler, end = self._primary(tokens, i + 2, content, column)
            return ax.Some(text if kind != "iri" else f"<{text}>", filler), end
        return (text if kind != "iri" else f"<{text}>"), i + 1

    def _replacement(self, text: str) -> str:
        try:
            return self._class(text)
        except _Dangling as err:
            self.warn(f"{err}; kept as written")
            return text

    def _class(self, name: str) -> str:
        """The IRI of a class named by label, CURIE or IRI (ROBOT's order: labels first)."""
        iris = self.class_labels.get(name)
        if iris is None:
            iri = expand(name)
            if iri is not None:
                return iri
            iris = self.normalised.get(normalize(name))
            if iris is None:
                raise _Dangling(f"{name!r} is no class label, CURIE or IRI in this template")
            self.warn(f"{name!r} matches the label {self._label(iris[-1])!r} only after normalising spaces and case")
        if len(set(iris)) > 1:
            names = ", ".join(dict.fromkeys(iri.rpartition("/")[2] for iri in iris))
            chosen = iris[-1].rpartition("/")[2]
            self.warn(
                f"{name!r} is the label of several classes ({names}); like ROBOT, panet takes the last row's, "
                f"{chosen}; write its CURIE (e.g. PaNET:{chosen}) to say which one is meant"
            )
        return iris[-1]

    def _property(self, name: str) -> str:
        iris = self.property_labels.get(name)
        if iris:
            return iris[-1]
        iri = expand(name)
        if iri is None:
            raise _Dangling(f"{name!r} is no object property label, CURIE or IRI in this template")
        return iri

    def _label(self, iri: str) -> str:
        return next(label for label, iris in self.class_labels.items() if iri in iris)
