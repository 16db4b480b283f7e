"""The PaN data model as panet's catalogue stores it: models, their properties and relations.

The PaN search API (panosc-eu/search-api, ``doc/data-model.md``) has ten classes. Each is one
SQLite table with an integer key ``n``, the object's identifier ``id`` (its ``pid``, or ``id`` for
classes without one) and ``doc``, the object's own properties as JSON; relations are foreign key
columns or link tables. `RELATIONS` says, for each model, how to reach each related model in SQL.

>>> MODELS["Dataset"].fields
('pid', 'title', 'isPublic', 'creationDate', 'size')
>>> sorted(MODELS["Dataset"].relations)
['documents', 'files', 'instrument', 'parameters', 'samples', 'techniques']
>>> MODELS["Dataset"].relations["techniques"].target
'Technique'
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["MODELS", "OPERATORS", "Model", "Relation"]


OPERATORS = ("eq", "neq", "gt", "gte", "lt", "lte", "between", "inq", "nin", "like", "nlike", "ilike", "nilike")
"""The comparison operators of LoopBack's where that the catalogue takes."""


@dataclass(frozen=True, slots=True)
class Relation:
    """A relation of a model: the ``target`` model, whether it holds ``many`` objects, ``join``,
    the SQL ``FROM … WHERE …`` that selects the target rows ``{t}`` of the source row ``{s}``
    (through a link table ``{l}``), and ``owner``, the column of the related side that names the
    source row (None when the source row names its target: a belongsTo)."""

    target: str
    many: bool
    join: str
    owner: str | None = None

    def sql(self, source: str, target: str) -> tuple[str, str | None]:
        """``join`` and ``owner`` with the aliases of one use.

        >>> MODELS["Dataset"].relations["files"].sql("o", "f")
        ('FROM file f WHERE f.dataset = o.n', 'f.dataset')
        """
        names = {"s": source, "t": target, "l": f"{target}_link"}
        return self.join.format(**names), self.owner.format(**names) if self.owner else None


@dataclass(frozen=True, slots=True)
class Model:
    """One class of the data model: its ``table``, the properties clients may filter and see
    (``fields``), which of them the ``text`` operator searches, and its relations."""

    name: str
    table: str
    fields: tuple[str, ...]
    text_fields: tuple[str, ...]
    relations: dict[str, Relation] = field(default_factory=dict)
    id_field: str = "pid"
    #: properties kept in a column of their own (indexed), not only in ``doc``
    columns: tuple[str, ...] = ()
    #: foreign keys shown on the object, as LoopBack's belongsTo does: name -> (column, target table)
    foreign_keys: tuple[tuple[str, str, str], ...] = ()


def _link(target_model: str, table: str, source: str, target: str, target_table: str) -> Relation:
    join = f"FROM {table} {{l}} JOIN {target_table} {{t}} ON {{t}}.n = {{l}}.{target} WHERE {{l}}.{source} = {{s}}.n"
    return Relation(target_model, True, join, f"{{l}}.{source}")


def _many(target_model: str, table: str, column: str) -> Relation:
    return Relation(target_model, True, f"FROM {table} {{t}} WHERE {{t}}.{column} = {{s}}.n", f"{{t}}.{column}")


def _one(target_model: str, table: str, column: str) -> Relation:
    return Relation(target_model, False, f"FROM {table} {{t}} WHERE {{t}}.n = {{s}}.{column}")


MODELS: dict[str, Model] = {
    "Dataset": Model(
        "Dataset",
        "dataset",
        ("pid", "title", "isPublic", "creationDate", "size"),
        ("title",),
        {
            "documents": _link("Document", "document_dataset", "dataset", "document", "document"),
            "techniques": _link("Technique", "dataset_technique", "dataset", "technique", "technique"),
            "instrument": _one("Instrument", "instrument", "instrument"),
            "files": _many("File", "file", "dataset"),
            "parameters": _many("Parameter", "parameter", "dataset"),
            "samples": _link("Sample", "dataset_sample", "dataset", "sample", "sample"),
        },
        foreign_keys=(("instrumentId", "instrument", "instrument"),),
    ),
    "Document": Model(
        "Document",
        "document",
        (
            "pid",
            "isPublic",
            "type",
            "title",
            "summary",
            "doi",
            "startDate",
            "endDate",
            "releaseDate",
            "license",
            "keywords",
        ),
        ("title", "summary"),
        {
            "datasets": _link("Dataset", "document_dataset", "document", "dataset", "dataset"),
            "members": _many("Member", "member", "document"),
            "parameters": _many("Parameter", "parameter", "document"),
        },
    ),
    "Instrument": Model(
        "Instrument",
        "instrument",
        ("pid", "name", "facility"),
        ("name", "facility"),
        {"datasets": _many("Dataset", "dataset", "instrument")},
    ),
    "Technique": Model(
        "Technique",
        "technique",
        ("pid", "name"),
        ("name",),
        {"datasets": _link("Dataset", "dataset_technique", "technique", "dataset", "dataset")},
    ),
    "Parameter": Model(
        "Parameter",
        "parameter",
        ("id", "name", "value", "unit"),
        (),
        {
            "dataset": _one("Dataset", "dataset", "dataset"),
            "document": _one("Document", "document", "document"),
        },
        id_field="id",
        foreign_keys=(("datasetId", "dataset", "dataset"), ("documentId", "document", "document")),
        columns=("name",),
    ),
    "File": Model(
        "File",
        "file",
        ("id", "name", "path", "size"),
        ("name",),
        {"dataset": _one("Dataset", "dataset", "dataset")},
        id_field="id",
        foreign_keys=(("datasetId", "dataset", "dataset"),),
        columns=("name",),  # `text` and `like` on file names read a column, not each file's JSON
    ),
    "Sample": Model(
        "Sample",
        "sample",
        ("pid", "name", "description"),
        ("name", "description"),
        {"datasets": _link("Dataset", "dataset_sample", "sample", "dataset", "dataset")},
    ),
    "Member": Model(
        "Member",
        "member",
        ("id", "role"),
        (),
        {
            "document": _one("Document", "document", "document"),
            "person": _one("Person", "person", "person"),
            "affiliation": _one("Affiliation", "affiliation", "affiliation"),
        },
        id_field="id",
        foreign_keys=(
            ("documentId", "document", "document"),
            ("personId", "person", "person"),
            ("affiliationId", "affiliation", "affiliation"),
        ),
    ),
    "Person": Model(
        "Person",
        "person",
        ("id", "fullName", "orcid", "researcherId", "firstName", "lastName"),
        ("fullName",),
        {"members": _many("Member", "member", "person")},
        id_field="id",
    ),
    "Affiliation": Model(
        "Affiliation",
        "affiliation",
        ("id", "name", "address", "city", "country"),
        ("name",),
        {"members": _many("Member", "member", "affiliation")},
        id_field="id",
    ),
}
