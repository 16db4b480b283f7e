"""DataCite JSON as the REST API serves it (issue 14, item 2): one DOI ``{"data": {...}}``, a list
``{"data": [...], "meta", "links"}`` streamed record by record, an element or the attributes alone;
the same evidence as the XML reader, techniques written back as PaNET subjects. Two real responses
are in tests/data/records (provenance in its README)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic

import panet
import panet.records
from panet.records import formats
from panet.records.datacite import DataciteFormat, DataciteJsonFormat

DATA = Path(__file__).parents[1] / "data" / "records"
FULL = DATA / "datacite_rest_full_example.json"  # DataCite's full example (software, computer science)
ZENODO = DATA / "datacite_rest_zenodo.json"  # a Zenodo dataset on COVID-19 data, one line
PANET = "http://purl.org/pan-science/PaNET/"
TOMOGRAPHY, SANS, XRR = (PANET + i for i in ("PaNET01207", "PaNET01189", "PaNET01149"))
DCT_LICENSE = rdflib.URIRef("http://purl.org/dc/terms/license")
SCHEMA_LICENSE = rdflib.URIRef("http://schema.org/license")


def subject(iri: str, label: str) -> dict:
    """A PaNET subject as panet writes it (the XML writer's attributes, in the JSON's spelling)."""
    return {"subject": label, "subjectScheme": "PaNET", "schemeUri": PANET, "valueUri": iri}


def element(doi: str, title: str, **attributes) -> dict:
    return {"id": doi, "type": "dois", "attributes": {"doi": doi, "titles": [{"title": title}], **attributes}}


# A list response written here in the REST API's shape (PaN facility records with their instruments)
LIST = {
    "data": [
        element(
            "10.15151/esrf-dc-1",
            "Beamtime 2023-11, sample A",
            descriptions=[{"description": "Trabecular bone of mice", "descriptionType": "Abstract"}],
            relatedItems=[
                {"relationType": "IsCollectedBy", "relatedItemType": "Instrument", "titles": [{"title": "ID19"}]}
            ],
            contributors=[{"name": "ESRF", "contributorType": "HostingInstitution"}],
        ),
        element(
            "10.5291/ill-data.1-2",
            "run 1234",
            relatedIdentifiers=[
                {"relationType": "IsCollectedBy", "relatedIdentifier": "D22", "relatedIdentifierType": "Other"}
            ],
            subjects=[{"subject": "SANS", "subjectScheme": "PaNET", "valueUri": "PaNET:PaNET01189"}],
        ),
        element("10.1234/birds", "Survey of seabirds", subjects=[{"subject": "ornithology"}]),
    ],
    "meta": {"total": 3, "totalPages": 1, "page": 1},
    "links": {"self": "https://api.datacite.org/dois?query=x"},
}
EXPECTED_SUBJECTS = [
    [subject(TOMOGRAPHY, "x-ray tomography")],  # ID19 at the ESRF, the instrument of one technique
    [subject(SANS, "small angle neutron scattering")],  # corrected in place: its pid was another spelling
    [{"subject": "ornithology"}],
]


def annotate(tmp_path: Path, text: str, name: str = "in.json", **options):
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    summary = panet.records.annotate_file(source, tmp_path / ("out-" + name), **options)
    rejects = [json.loads(r) for r in (tmp_path / ("out-" + name + ".rejects.jsonl")).read_text().splitlines()]
    return (tmp_path / ("out-" + name)).read_text(encoding="utf-8"), rejects, summary


# -- real responses ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [FULL, ZENODO])
def test_real_responses_are_detected_read_and_copied_unchanged(tmp_path, path):
    assert formats.detect(path) == "datacite"
    out, rejects, summary = annotate(tmp_path, path.read_text(encoding="utf-8"))
    assert (summary.read, summary.unchanged, rejects) == (1, 1, [])  # no technique in other sciences' records
    assert out == path.read_text(encoding="utf-8")  # byte for byte


def test_real_responses_exported_with_identifier_title_and_licence(tmp_path):
    expected = {
        FULL: (
            "https://doi.org/10.17596/qf5s-pc52",
            "Full DataCite XML Example",
            "https://creativecommons.org/publicdomain/zero/1.0/legalcode",
        ),
        ZENODO: (
            "https://doi.org/10.5281/zenodo.3763274",
            "Linked COVID-19 Data: Robert Koch-Institut (RKI)",
            "http://creativecommons.org/licenses/by/4.0/legalcode",
        ),
    }
    for path, (iri, title, licence) in expected.items():
        out = tmp_path / (path.stem + ".ttl")
        panet.records.annotate_file(path, out, to="ttl")
        graph = rdflib.Graph().parse(out, format="turtle")
        dataset = rdflib.URIRef(iri)
        assert str(graph.value(dataset, rdflib.URIRef("http://purl.org/dc/terms/title"))) == title
        assert graph.value(dataset, DCT_LICENSE) == rdflib.URIRef(licence) == graph.value(dataset, SCHEMA_LICENSE)


# -- the list response ---------------------------------------------------------------------------


@pytest.mark.parametrize("indent", [None, 2])
def test_a_list_response_is_streamed_and_its_envelope_kept(tmp_path, indent):
    out, rejects, summary = annotate(tmp_path, json.dumps(LIST, indent=indent))
    assert (summary.read, summary.annotated, summary.unchanged, rejects) == (3, 2, 1, [])
    written = json.loads(out)
    assert written["meta"] == LIST["meta"] and written["links"] == LIST["links"]
    assert [r["attributes"].get("subjects") for r in written["data"]] == EXPECTED_SUBJECTS
    if indent:  # pretty in, pretty out: what was not annotated is as it was
        assert out.endswith(json.dumps({"meta": LIST["meta"], "links": LIST["links"]}, indent=2)[1:] + "\n")
        assert json.dumps(LIST["data"][2], indent=2).replace("\n", "\n    ") in out


def test_evidence_is_the_xml_readers(tmp_path):
    fmt = DataciteJsonFormat()
    first, second, _ = (fmt.load(r) for r in LIST["data"])
    assert fmt.instrument_names(first) == ["ID19", "ESRF"] and fmt.instrument_names(second) == ["D22"]
    outcome = panet.records.annotate(LIST["data"][1], format="datacite")
    assert [t.iri for t in outcome.techniques] == [SANS]
    assert {"existing entry", "instrument"} <= set(outcome.evidence[SANS])
    outcome = panet.records.annotate({"data": LIST["data"][0]}, format="datacite")  # one DOI's response
    assert outcome.record["data"]["attributes"]["subjects"] == EXPECTED_SUBJECTS[0]
    assert LIST["data"][0]["attributes"].get("subjects") is None  # the caller's record is left alone


def test_the_attributes_alone_and_xml_through_the_same_format(tmp_path):
    flat = {"doi": "10.1234/x", "titles": [{"title": "GISAXS of block copolymer films"}], "creators": []}
    outcome = panet.records.annotate(flat, format="datacite")
    assert [s["subject"] for s in outcome.record["subjects"]] == ["grazing incidence small angle x-ray scattering"]
    assert formats.detect_bytes(json.dumps(flat).encode()) == "datacite"
    xml = (DATA / "datacite_resource.xml").read_text()
    assert isinstance(panet.records.annotate(xml, format="datacite").record, str)
    results = list(panet.records.annotate_stream(json.dumps(LIST).encode()))
    assert [r.status.value for r in results] == ["annotated", "annotated", "unchanged"]
    assert type(DataciteFormat().parse(b' {"doi": "1"}')) is dict


def test_an_existing_subject_is_corrected_in_place(tmp_path):
    wrong = element(
        "10.1234/y", "data", subjects=[{"subject": "X-ray reflectometry", "subjectScheme": "panet", "lang": "en"}]
    )
    outcome = panet.records.annotate(wrong, format="datacite")
    assert outcome.record["attributes"]["subjects"] == [{**subject(XRR, "x-ray reflectivity"), "lang": "en"}]


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"data": "10.1234/x"}, "wrong type: 'data' must be an object, found a string"),
        ({"data": {"attributes": [1]}}, "wrong type: 'attributes' must be an object, found an array"),
        (element("10.1234/x", "x", titles={"title": "x"}), "wrong type: 'titles' must be a list, found an object"),
        ({"meta": {}, "data": [element("10.1234/x", "SAXS")]}, "a DataCite list response"),
    ],
)
def test_wrong_shapes_are_rejected_with_their_reason(tmp_path, record, reason):
    text = json.dumps(element("10.1234/ok", "SAXS")) + "\n" + json.dumps(record) + "\n"
    out, (reject,), summary = annotate(tmp_path, text, "in.jsonl", format="datacite")
    assert reason in reject["reason"] and (reject["record"], reject["line"]) == (2, 2)
    assert (summary.read, summary.annotated) == (2, 1) and len(out.splitlines()) == 1


def test_a_broken_list_keeps_every_record_before_and_stays_a_json_document(tmp_path):
    text = json.dumps(LIST, indent=2)
    broken = text.replace('"title": "run 1234"', '"title": "run 1234",,', 1)
    out, rejects, summary = annotate(tmp_path, broken)
    assert (summary.read, summary.rejected) == (2, 1)
    (reject,) = rejects
    line = broken[: broken.index(",,")].count("\n") + 1
    assert f"line {line}, column" in reject["reason"] and "rest of the file" in reject["reason"]
    assert broken.encode()[reject["offset"] :].startswith(b'{\n      "id": "10.5291/ill-data.1-2"')
    assert [r["id"] for r in json.loads(out)["data"]] == ["10.15151/esrf-dc-1"]  # closed although cut


def test_cli_annotates_a_list_response(tmp_path):
    source = tmp_path / "dois.json"
    source.write_text(json.dumps(LIST))
    run = subprocess.run(
        [sys.executable, "-m", "panet", "annotate-records", str(source), "-o", str(tmp_path / "out.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert [
        r["attributes"].get("subjects") for r in json.loads((tmp_path / "out.json").read_text())["data"]
    ] == EXPECTED_SUBJECTS


# -- the exports validate ------------------------------------------------------------------------


def test_list_exports_validate_with_both_engines(tmp_path):
    source = tmp_path / "dois.json"
    source.write_text(json.dumps(LIST))
    for to in ("ttl", "jsonld"):
        panet.records.annotate_file(source, tmp_path / f"out.{to}", to=to)
    turtle = rdflib.Graph().parse(tmp_path / "out.ttl", format="turtle")
    assert isomorphic(turtle, rdflib.Graph().parse(tmp_path / "out.jsonld", format="json-ld"))
    for engine in ("fast", "pyshacl"):
        report = panet.validate(turtle, engine=engine)
        violations = {str(r.focus) for r in report.results if r.severity_name == "Violation"}
        assert violations == {"https://doi.org/10.1234/birds"}, engine  # no technique: the one the input caused


def test_loose_values_are_passed_over_not_fatal(tmp_path):
    loose = {
        "doi": "10.1234/x",
        "titles": [{"title": "SAXS"}, "a string"],
        "subjects": ["SANS", {"subject": 3, "subjectScheme": 7}],
    }
    outcome = panet.records.annotate(loose, format="datacite")
    assert outcome.record["subjects"][2:] == [subject(PANET + "PaNET01188", "small angle x-ray scattering")]
    assert outcome.record["subjects"][:2] == loose["subjects"]
