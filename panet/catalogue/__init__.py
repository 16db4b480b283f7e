"""A PaN search API catalogue: records annotated with PaNET techniques, stored and searchable.

A facility with only an OAI-PMH feed or a record export joins the PaN data portal with two
steps: `build` reads its records (any format `panet.records` reads, PaN search API objects, or a
LoopBack database file), annotates them and stores Documents, Datasets, Instruments,
Techniques, Parameters, Samples, Files, Members, Persons and Affiliations in one SQLite file
or a PostgreSQL database (``postgresql://…``, `panet.catalogue.dialect`);
`Catalogue` answers the PaN search API's ``/datasets``, ``/documents`` and ``/instruments``
queries over it (``panet serve --catalogue STORE``), technique conditions expanded through
the PaNET hierarchy, parameters compared across units, free text ranked by BM25
(`panet.catalogue.text_index`, the same on both stores).

Modules: `panet.catalogue.model` (the data model), `panet.catalogue.store` (tables, writing),
`panet.catalogue.dialect` (what differs between SQLite and PostgreSQL),
`panet.catalogue.build` (reading sources), `panet.catalogue.query` (LoopBack filters to SQL),
`panet.catalogue.search` (`Catalogue`), `panet.catalogue.text_index` (free text),
`panet.catalogue.units` (unit conversion).
"""

from __future__ import annotations

from panet.catalogue.build import BuildSummary, build
from panet.catalogue.search import Catalogue, NotFound, QueryTimeout, StoreError

__all__ = ["BuildSummary", "Catalogue", "NotFound", "QueryTimeout", "StoreError", "build"]
