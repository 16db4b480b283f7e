"""PaN search API ``Dataset`` records (JSON array or JSON Lines), as served by SciCat's and ICAT's
search API implementations: https://github.com/panosc-eu/search-api (doc/data-model.md).

Text read by default: ``title``, the documents' ``title``, ``summary`` and ``keywords``, and the
string values of ``parameters``; for a ``Document`` record, its own ``summary``, ``keywords`` and the
titles of the datasets it holds. The ``instrument`` (``name``, ``facility``) of the record and of a
Document's datasets is looked up in the instrument table (`panet.records.instruments`); a DOI of a
facility whose instruments all use one probe (ILL's 10.5291/…) gives that probe, which refines a
generic technique ("reflectometry" in an ILL proposal is neutron reflectometry).
Techniques are written to ``techniques`` as ``{"pid": <PaNET IRI>, "name": <current label>}``,
which is what the API's technique filters (`Ontology.pan_search_filter`) match.
"""

from __future__ import annotations

from panet.records.base import Description
from panet.records.jsonl import JsonFormat, handle_iri

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["PanFormat"]

_FIELDS = ("title", "documents.title", "documents.summary", "documents.keywords", "parameters.value")
_DEFAULT_PATHS = tuple(tuple(f.split(".")) for f in _FIELDS)


class PanFormat(JsonFormat):
    """PaN search API ``Dataset`` objects."""

    name = "pan"
    default_fields = _FIELDS
    required_strings = ("pid", "title")

    def texts(self, record: Any, fields: tuple[tuple[str, ...], ...]) -> list[str]:
        if fields != _DEFAULT_PATHS:
            return super().texts(record, fields)
        found = []  # the default fields, read without walking paths: this runs for every record
        title = record.get("title")
        if type(title) is str:
            found.append(title)
        if "summary" in record or "datasets" in record:  # a Document: its summary, keywords, datasets
            found += _document_texts(record)
        add = found.append
        for document in record.get("documents") or ():
            if type(document) is dict:
                value = document.get("title")
                if type(value) is str:
                    add(value)
                value = document.get("summary")
                if type(value) is str:
                    add(value)
                keywords = document.get("keywords")
                if type(keywords) is list:
                    for value in keywords:  # (a loop: a comprehension is one more call per document)
                        if type(value) is str:
                            add(value)
        for parameter in record.get("parameters") or ():
            if type(parameter) is dict:
                value = parameter.get("value")
                if type(value) is str:
                    add(value)
        return found

    def instrument_names(self, record: Any) -> list[str]:
        """The ``instrument``'s ``name`` and ``facility``, of the record and of the datasets a
        Document holds."""
        if "instrument" not in record and "datasets" not in record:
            return []
        names = []
        for holder in (record, *(d for d in record.get("datasets") or () if isinstance(d, dict))):
            instrument = holder.get("instrument")
            if isinstance(instrument, dict):
                names += [instrument.get("name"), instrument.get("facility")]
        return [name for name in names if isinstance(name, str) and name]

    def probes(self, record: Any) -> set[str]:
        """The probe of the facility whose DOI the record has (``pid`` or ``doi``: an ILL proposal's
        10.5291/ILL-DATA.… is neutron data; `InstrumentTable.probe_of_identifier`).

        >>> sorted(PanFormat().probes({"pid": "10.5291/ILL-DATA.8-02-1023", "title": "t"}))
        ['neutron']
        """
        found = set()
        for key in ("pid", "doi"):
            value = record.get(key)
            if type(value) is str and "10." in value:  # a DOI, perhaps (this runs for every record)
                from panet.records.instruments import InstrumentTable

                probe = InstrumentTable.shipped().probe_of_identifier(value)
                if probe:
                    found.add(probe)
        return found

    def describe(self, record: Any) -> Description:
        pid = record.get("pid")
        documents = [d for d in record.get("documents") or () if isinstance(d, dict)]
        summary = next((d["summary"] for d in documents if isinstance(d.get("summary"), str)), None)
        created = record.get("creationDate")
        licence = next((h["license"] for h in (record, *documents) if isinstance(h.get("license"), str)), None)
        return Description(
            handle_iri(pid),
            pid,
            record.get("title"),
            summary,
            created if isinstance(created, str) else None,
            license=licence.strip() or None if licence else None,
        )


def _document_texts(document: dict) -> list[str]:
    """A PaN ``Document``'s own texts: summary, keywords, and its datasets' titles."""
    found = [document["summary"]] if type(document.get("summary")) is str else []
    keywords = document.get("keywords")
    if type(keywords) is list:
        found += [k for k in keywords if type(k) is str]
    for dataset in document.get("datasets") or ():
        if type(dataset) is dict and type(dataset.get("title")) is str:
            found.append(dataset["title"])
    return found
