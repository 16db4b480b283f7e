"""The dataset's licence goes to the RDF exports (issue 14, item 2): SciCat ``license``, a PaN
Document's ``license``, DataCite ``rightsList`` (XML and JSON) and ``dc:rights`` become
``schema:license`` and ``dct:license``, an IRI when the licence is a URL, else text; panet's
shapes pass on both engines (a text licence is the shapes' own warning, nothing else)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib.compare import isomorphic

import panet
import panet.records

CC_BY = "https://creativecommons.org/licenses/by/4.0/"
DCT_LICENSE = rdflib.URIRef("http://purl.org/dc/terms/license")
SCHEMA_LICENSE = rdflib.URIRef("http://schema.org/license")
OPEN_ACCESS = "info:eu-repo/semantics/openAccess"


def scicat(licence: str | None) -> dict:
    return {"pid": "10.1234/s", "datasetName": "SAXS of gold", "license": licence}


def pan(licence: str | None) -> dict:
    return {"pid": "10.1234/p", "title": "SAXS of gold", "documents": [{"title": "proposal", "license": licence}]}


def datacite_json(licence: str | None) -> dict:
    rights = [{"rights": "Open Access", "rightsUri": OPEN_ACCESS}]
    if licence is not None:
        rights.append({"rightsUri": licence} if "://" in licence else {"rights": licence})
    return {
        "data": {
            "id": "10.1234/d",
            "type": "dois",
            "attributes": {"doi": "10.1234/d", "titles": [{"title": "SAXS of gold"}], "rightsList": rights},
        }
    }


def datacite_xml(licence: str | None) -> str:
    from xml.sax.saxutils import quoteattr

    rights = f"<rights rightsURI={quoteattr(OPEN_ACCESS)}>Open Access</rights>"
    if licence is not None:
        rights += f"<rights rightsURI={quoteattr(licence)}/>" if "://" in licence else f"<rights>{licence}</rights>"
    return (
        '<resource xmlns="http://datacite.org/schema/kernel-4"><identifier identifierType="DOI">10.1234/x</identifier>'
        f"<titles><title>SAXS of gold</title></titles><rightsList>{rights}</rightsList></resource>"
    )


def oai_dc(licence: str | None) -> str:
    rights = f"<dc:rights>{OPEN_ACCESS}</dc:rights>" + (f"<dc:rights>{licence}</dc:rights>" if licence else "")
    return (
        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:identifier>10.1234/dc</dc:identifier><dc:title>SAXS of gold</dc:title>{rights}</oai_dc:dc>"
    )


WRITERS = {"scicat": scicat, "pan": pan, "datacite_json": datacite_json, "datacite_xml": datacite_xml, "oai_dc": oai_dc}


def write(tmp_path: Path, kind: str, licence: str | None) -> Path:
    record = WRITERS[kind](licence)
    source = tmp_path / (f"{kind}.xml" if isinstance(record, str) else f"{kind}.json")
    source.write_text(record if isinstance(record, str) else json.dumps(record), encoding="utf-8")
    return source


def exported(tmp_path: Path, source: Path) -> rdflib.Graph:
    graphs = []
    for to, rdf_format in (("ttl", "turtle"), ("jsonld", "json-ld")):
        panet.records.annotate_file(source, tmp_path / f"out.{to}", to=to)
        graphs.append(rdflib.Graph().parse(tmp_path / f"out.{to}", format=rdf_format))
    assert isomorphic(*graphs)
    return graphs[0]


@pytest.mark.parametrize("kind", list(WRITERS))
@pytest.mark.parametrize(
    ("licence", "expected"),
    [(CC_BY, rdflib.URIRef(CC_BY)), ("CC BY 4.0", rdflib.Literal("CC BY 4.0")), (None, None)],
)
def test_licence_exported_as_iri_or_text(tmp_path, kind, licence, expected):
    graph = exported(tmp_path, write(tmp_path, kind, licence))
    (dataset,) = graph.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset"))
    assert graph.value(dataset, DCT_LICENSE) == expected == graph.value(dataset, SCHEMA_LICENSE)
    assert len(list(graph.objects(dataset, DCT_LICENSE))) == (expected is not None)  # access rights are not licences


# -- property: any licence, any format: the shapes say only what the licence causes ----------------

_LICENCES = st.one_of(
    st.none(),
    st.sampled_from(["", "  ", CC_BY, "http://creativecommons.org/licenses/by/4.0/legalcode", "urn:spdx:MIT"]),
    st.sampled_from(["https://example.org/a licence", "https://example.org/a|b", "http://[bad", "CC-BY-4.0"]),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12).map(lambda s: "https://example.org/" + s),
)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["scicat", "pan", "datacite_json"])
def test_any_licence_validates_with_only_the_warning_it_causes(kind, tmp_path_factory):
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(_LICENCES)
    def check(licence):
        tmp_path = tmp_path_factory.mktemp(kind)
        graph = exported(tmp_path, write(tmp_path, kind, licence))
        (dataset,) = graph.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset"))
        written = graph.value(dataset, DCT_LICENSE)
        if licence and licence.strip():
            assert written is not None
        expected = {"license"} if written is None else set() if isinstance(written, rdflib.URIRef) else {"licenseIRI"}
        for engine in ("fast", "pyshacl"):
            report = panet.validate(graph, engine=engine)
            assert report.violations == [], engine
            aspects = {str(r.source_shape).rpartition("-")[2] for r in report.results}
            assert aspects == expected, (engine, licence, [r.message for r in report.results])

    check()


def test_scicat_mongoexport_dates_are_dates(tmp_path):
    lines = [
        {
            "_id": {"$oid": "5f1e0b0c9d3e2a0012345678"},
            "datasetName": "SAXS",
            "creationTime": {"$date": "2023-01-05T10:00:00Z"},
        },
        {
            "_id": {"$oid": "5f1e0b0c9d3e2a0012345679"},
            "datasetName": "SAXS",
            "creationTime": {"$date": {"$numberLong": "1672912800000"}},
        },
        {
            "_id": {"$oid": "5f1e0b0c9d3e2a001234567a"},
            "datasetName": "SAXS",
            "creationTime": {"$date": {"$numberLong": "x"}},
        },
    ]
    source = tmp_path / "mongoexport.json"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert panet.records.detect_format(source) == "scicat"
    exported(tmp_path, source)
    turtle = (tmp_path / "out.ttl").read_text()
    assert turtle.count("schema:dateCreated") == 2  # the third date is no date: left out
    for date in ("2023-01-05T10:00:00Z", "2023-01-05T10:00:00.000Z"):
        assert f'schema:dateCreated "{date}"^^xsd:dateTime' in turtle
