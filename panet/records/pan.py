"""PaN search API ``Dataset`` records (JSON array or JSON Lines), as served by SciCat's and ICAT's
search API implementations: https://github.com/panosc-eu/search-api (doc/data-model.md).

Text read by default: ``title``, the documents' ``title``, ``summary`` and ``keywords``, and the
string values of ``parameters``. Techniques are written to ``techniques`` as
``{"pid": <PaNET IRI>, "name": <current label>}``, which is what the API's technique filters
(`Ontology.pan_search_filter`) match.
"""

from __future__ import annotations

from panet.records.base import Description
from panet.records.jsonl import JsonFormat, handle_iri

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["PanFormat"]


class PanFormat(JsonFormat):
    """PaN search API ``Dataset`` objects."""

    name = "pan"
    default_fields = ("title", "documents.title", "documents.summary", "documents.keywords", "parameters.value")
    required_strings = ("pid", "title")

    def describe(self, record: Any) -> Description:
        pid = record.get("pid")
        documents = [d for d in record.get("documents") or () if isinstance(d, dict)]
        summary = next((d["summary"] for d in documents if isinstance(d.get("summary"), str)), None)
        created = record.get("creationDate")
        return Description(
            handle_iri(pid), pid, record.get("title"), summary, created if isinstance(created, str) else None
        )
