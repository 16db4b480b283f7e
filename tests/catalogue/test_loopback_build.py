"""`panet catalogue build` reading a LoopBack database file (the PaN search API reference
implementation's ``db.json``): every relation assembled from the link and owned tables, the older
``Dataset.documentId`` read as the document–dataset link, and free text in a filter given to
`Catalogue.find` from Python — on an SQLite store and a PostgreSQL one (conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from panet.catalogue import Catalogue, build
from panet.catalogue.build import read_objects
from panet.errors import PanetError
from panet.loopback import FilterError

WAVELENGTH_1000_1100_NM = {
    "include": [
        {
            "relation": "datasets",
            "scope": {
                "include": [
                    {
                        "relation": "parameters",
                        "scope": {
                            "where": {
                                "and": [{"name": "wavelength"}, {"value": {"between": [1000, 1100]}}, {"unit": "nm"}]
                            }
                        },
                    }
                ]
            },
        }
    ]
}


def write_loopback(path: Path, models: dict[str, list[dict]]) -> Path:
    """A LoopBack memory-connector file: each model's objects as JSON texts keyed by id."""
    stored = {name: {str(n): json.dumps(obj) for n, obj in enumerate(objs, 1)} for name, objs in models.items()}
    path.write_text(json.dumps({"ids": {name: len(objs) + 1 for name, objs in models.items()}, "models": stored}))
    return path


def dataset(pid: str, title: str, **more) -> dict:
    return {"pid": pid, "title": title, "isPublic": True, "creationDate": "2020-05-05T15:01:02.341Z", **more}


@pytest.fixture
def loopback_file(tmp_path: Path) -> Path:
    """Documents linked to datasets both ways: ``p1`` only through its datasets' own ``documentId``
    (the older form, as the federated search service's test data has it), ``p2`` through
    ``DocumentDataset`` links, one of them also written as ``documentId``."""
    return write_loopback(
        tmp_path / "db.json",
        {
            "Document": [
                {"pid": "p1", "isPublic": True, "type": "proposal", "title": "Casein micelles proposal"},
                {"pid": "p2", "isPublic": True, "type": "publication", "title": "Lysozyme paper"},
            ],
            "Dataset": [
                dataset("d1", "Casein micelles by SAXS", documentId="p1", instrumentId="i1"),
                dataset("d2", "Lysozyme crystals", documentId="p2"),
                dataset("d3", "Casein in D2O", documentId="p1"),
                dataset("d4", "Empty cell", documentId="no such document"),
            ],
            "DocumentDataset": [
                {"id": 1, "datasetId": "d2", "documentId": "p2"},
                {"id": 2, "datasetId": "d3", "documentId": "p2"},
            ],
            "Instrument": [{"pid": "i1", "name": "LoKI", "facility": "ESS"}],
            "Technique": [{"pid": "t1", "name": "small-angle neutron scattering"}],
            "DatasetTechnique": [{"id": 1, "datasetId": "d1", "techniqueId": "t1"}],
            "Sample": [{"pid": "s1", "name": "casein"}],
            "DatasetSample": [
                {"id": 1, "datasetId": "d1", "sampleId": "s1"},
                {"id": 2, "datasetId": "d3", "sampleId": "s1"},
            ],
            "Parameter": [
                {"id": 1, "name": "wavelength", "value": 1050, "unit": "nm", "datasetId": "d1"},
                {"id": 2, "name": "wavelength", "value": 500, "unit": "nm", "datasetId": "d2"},
                {"id": 3, "name": "sample_state", "value": "solid", "unit": "", "documentId": "p2"},
            ],
            "File": [
                {"id": 1, "name": "d1-a.h5", "datasetId": "d1"},
                {"id": 2, "name": "d3-a.h5", "datasetId": "d3"},
                {"id": 3, "name": "d1-b.h5", "datasetId": "d1"},
            ],
            "Person": [{"id": "person1", "fullName": "John Smith"}],
            "Affiliation": [{"id": 1, "name": "ESS"}],
            "Member": [
                {
                    "id": 1,
                    "role": "principal investigator",
                    "documentId": "p1",
                    "personId": "person1",
                    "affiliationId": 1,
                }
            ],
        },
    )


def test_each_object_is_assembled_from_the_tables_that_name_its_owner(loopback_file: Path):
    objects = list(read_objects(loopback_file, None, []))
    kinds = [kind for kind, _ in objects]
    assert kinds == ["document", "document", "instrument", "dataset", "dataset", "dataset", "dataset"]
    datasets = {obj["pid"]: obj for kind, obj in objects if kind == "dataset"}
    d1 = datasets["d1"]
    assert [f["name"] for f in d1["files"]] == ["d1-a.h5", "d1-b.h5"]  # file order, without the owner key
    assert d1["files"][0] == {"id": 1, "name": "d1-a.h5"}
    assert d1["parameters"] == [{"id": 1, "name": "wavelength", "value": 1050, "unit": "nm"}]
    assert d1["instrument"]["name"] == "LoKI" and "instrumentId" not in d1
    assert [t["name"] for t in d1["techniques"]] == ["small-angle neutron scattering"]
    assert [s["pid"] for s in d1["samples"]] == ["s1"]
    # the older link: a dataset's own documentId, read as a document link, not kept as a property
    assert [d["pid"] for d in d1["documents"]] == ["p1"] and "documentId" not in d1
    assert [d["pid"] for d in datasets["d2"]["documents"]] == ["p2"]  # both forms name p2: once
    assert [d["pid"] for d in datasets["d3"]["documents"]] == ["p1", "p2"]
    assert datasets["d4"]["documents"] == []  # a document the file does not have is no link
    p1, p2 = (obj for kind, obj in objects if kind == "document")
    assert p1["members"] == [
        {"id": 1, "role": "principal investigator", "person": {"id": "person1", "fullName": "John Smith"},
         "affiliation": {"id": 1, "name": "ESS"}}
    ]  # fmt: skip
    assert p2["parameters"] == [{"id": 3, "name": "sample_state", "value": "solid", "unit": ""}]


@pytest.mark.parametrize(
    ("models", "problem"),
    [
        ('{"Dataset": {"1": "not JSON"}}', r"not a LoopBack database file \(Expecting value"),
        ('{"Dataset": {"1": "1"}}', r"not a LoopBack database file \(Dataset 1 is not a JSON object\)"),
        ('{"Dataset": ["a list"]}', r"not a LoopBack database file"),
        ("[]", r"not a LoopBack database file"),
    ],
)
def test_a_file_that_is_no_loopback_database_is_one_clear_error(tmp_path: Path, models: str, problem: str):
    broken = tmp_path / "db.json"
    broken.write_text(f'{{"ids": {{}}, "models": {models}}}')
    with pytest.raises(PanetError, match=r"db\.json: " + problem):
        list(read_objects(broken, "loopback", []))


def test_an_object_without_a_pid_is_rejected_and_the_rest_is_built(tmp_path: Path, onto):
    source = write_loopback(
        tmp_path / "db.json",
        {"Dataset": [dataset("d1", "Casein"), {"title": "no pid"}], "Document": [{"pid": "  ", "title": "blank"}]},
    )
    summary = build([source], tmp_path / "c.sqlite", ontology=onto)
    assert (summary.datasets, summary.documents) == (1, 0)
    assert summary.rejected == [
        {"source": str(source), "model": "Dataset", "id": "2", "reason": "a Dataset needs a pid"},
        {"source": str(source), "model": "Document", "id": "1", "reason": "a Document needs a pid"},
    ]


def test_documents_are_found_through_datasets_linked_by_their_own_document_id(loopback_file: Path, new_store, onto):
    """The federated search service's example "documents containing datasets where wavelength
    is 1000-1100 nm" on data written in the older form: it found nothing before."""
    store = new_store("loopback")
    summary = build([loopback_file], store, ontology=onto)
    assert (summary.datasets, summary.documents, summary.rejected) == (4, 2, [])
    catalogue = Catalogue(store, onto)
    found = catalogue.find("Document", WAVELENGTH_1000_1100_NM)
    assert [d["pid"] for d in found] == ["p1"]
    assert [(d["pid"], [p["value"] for p in d["parameters"]]) for d in found[0]["datasets"]] == [("d1", [1050])]
    p1 = catalogue.get("Document", "p1", {"include": [{"relation": "datasets"}]})
    assert [d["pid"] for d in p1["datasets"]] == ["d1", "d3"]
    d3 = catalogue.get("Dataset", "d3", {"include": [{"relation": "documents"}]})
    assert [d["pid"] for d in d3["documents"]] == ["p1", "p2"]
    assert catalogue.count("Document", {"type": "proposal"}) == 1
    assert catalogue.get("Dataset", "d4", {"include": [{"relation": "documents"}]})["documents"] == []


def test_free_text_in_the_filter_is_the_query_from_python_too(loopback_file: Path, new_store, onto):
    store = new_store("loopback")
    build([loopback_file], store, ontology=onto)
    catalogue = Catalogue(store, onto)
    in_filter = catalogue.find("Dataset", {"query": "casein", "limit": 10})
    assert [d["pid"] for d in in_filter] == [d["pid"] for d in catalogue.find("Dataset", query="casein")]
    assert {d["pid"] for d in in_filter} == {"d1", "d3"}
    assert all(0 < d["score"] < 1 for d in in_filter)
    assert [d["pid"] for d in catalogue.find("Dataset", '{"query": "lysozyme"}')] == ["d2"]  # a JSON text
    both = catalogue.find("Dataset", {"query": "casein"}, query="casein")  # the same text twice: one search
    assert [d["pid"] for d in both] == [d["pid"] for d in in_filter]
    with pytest.raises(FilterError, match="two different free texts"):
        catalogue.find("Dataset", {"query": "casein"}, query="lysozyme")
    with pytest.raises(FilterError, match=r"filter\.query: free text is a string"):
        catalogue.find("Document", {"query": ["casein"]})
