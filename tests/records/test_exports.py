"""Every output is valid where it goes (issue 19): OAI-PMH documents against OAI-PMH.xsd and the
metadata schemas (tests/data/xsd, local copies), RDF exports against panet's own SHACL shapes
with both engines, Turtle and JSON-LD isomorphic."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from rdflib.compare import isomorphic
from xml_schemas import RefusedLocation, problems

import panet
import panet.records
from panet.records.export import date_literal

DATA = Path(__file__).parents[1] / "data" / "records"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
SCHEMA = "http://schema.org/"
DCAT_DATASET = rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset")
SCHEMA_DATASET = rdflib.URIRef(SCHEMA + "Dataset")
DCT_IDENTIFIER = rdflib.URIRef("http://purl.org/dc/terms/identifier")
TOMBSTONE = rdflib.URIRef("https://www.w3.org/ns/activitystreams#Tombstone")
XSD_DATE, XSD_DATETIME = rdflib.XSD.date, rdflib.XSD.dateTime


# -- the validators themselves ------------------------------------------------------------------


def test_xsd_validator_accepts_official_examples_and_refuses_the_network(tmp_path):
    assert problems((DATA / "datacite_resource.xml").read_bytes()) == []
    bare = b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"></OAI-PMH>'  # what issue 19 found
    assert "responseDate" in problems(bare)[0]
    # every record but the MODS one (unknown metadata, which panet rejects) is valid input
    assert all("mods" in p for p in problems((DATA / "oai_datacite_records.xml").read_bytes()))
    from xml_schemas import LocalOnly

    remote = tmp_path / "remote.xsd"
    remote.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<xs:import namespace="urn:x" schemaLocation="http://example.org/x.xsd"/></xs:schema>'
    )
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(LocalOnly())
    with pytest.raises((RefusedLocation, etree.XMLSchemaParseError)):
        etree.XMLSchema(etree.parse(str(remote), parser))


# -- OAI-PMH and DataCite XML outputs -----------------------------------------------------------


def annotate_xml(tmp_path: Path, text: str, name: str = "in.xml") -> tuple[bytes, panet.records.Summary]:
    source = tmp_path / name
    source.write_text(text)
    summary = panet.records.annotate_file(source, tmp_path / ("out-" + name))
    return (tmp_path / ("out-" + name)).read_bytes(), summary


def test_oai_pmh_outputs_are_valid(tmp_path):
    for name in ("oai_datacite_records.xml", "oai_dc_records.xml", "datacite_resource.xml"):
        output, summary = annotate_xml(tmp_path, (DATA / name).read_text(), name)
        assert summary.annotated > 0 and problems(output) == [], name
        assert output.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')


def test_declaration_comments_and_resumption_token_kept(tmp_path):
    text = (DATA / "oai_datacite_records.xml").read_text()
    text = text.replace("<OAI-PMH ", "<!-- page 1 of 2 -->\n<OAI-PMH ", 1)
    text = text.replace("<ListRecords>", "<!-- before the list -->\n  <ListRecords>\n  <!-- first -->", 1)
    token = '<resumptionToken cursor="0" completeListSize="20">page-2</resumptionToken>'
    text = text.replace("</ListRecords>", f"  {token}\n  <!-- last -->\n  </ListRecords>\n  <!-- after -->")
    text += "<!-- the end -->\n"
    output, summary = annotate_xml(tmp_path, text)
    assert problems(output) == [] and summary.read == 9
    decoded = output.decode()
    for part in ("<!-- page 1 of 2 -->", "<!-- before the list -->", "<!-- first -->", token, "<!-- last -->"):
        assert part in decoded
    assert decoded.index("<!-- after -->") > decoded.index("</ListRecords>")
    assert decoded.rstrip().endswith("</OAI-PMH>\n<!-- the end -->")
    assert decoded.index(token) > decoded.rindex("</record>")


def envelope(content: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">\n'
        "  <responseDate>2024-05-01T10:00:00Z</responseDate>\n"
        '  <request verb="ListRecords" metadataPrefix="oai_dc">https://example.org/oai</request>\n'
        f"  {content}\n</OAI-PMH>\n"
    )


def mods_record() -> str:
    """The test data's OAI-PMH record holding MODS metadata, which panet rejects."""
    text = (DATA / "oai_datacite_records.xml").read_text()
    start = text.index("<record>", text.index("loc.gov/mods") - 600)
    record = text[start : text.index("</record>", start) + len("</record>")]
    assert "mods" in record and record.count("<record>") == 1
    return record


def test_error_responses_and_empty_results_keep_their_envelope(tmp_path):
    only_rejected = mods_record()
    for content, code in (
        ('<error code="noRecordsMatch">nothing in this set</error>', "noRecordsMatch"),
        ('<error code="badArgument">from is not a date</error>', "badArgument"),
        (f"<ListRecords>{only_rejected}</ListRecords>", "noRecordsMatch"),  # all records rejected
        ("<ListRecords></ListRecords>", "noRecordsMatch"),  # an (invalid) empty list
    ):
        output, summary = annotate_xml(tmp_path, envelope(content))
        assert problems(output) == [], content
        root = etree.fromstring(output)
        assert root.findtext(OAI + "responseDate") == "2024-05-01T10:00:00Z"
        assert root.find(OAI + "request").get("verb") == "ListRecords"
        assert root.find(OAI + "error").get("code") == code
        assert root.find(OAI + "ListRecords") is None
    assert summary.read == 0
    output, summary = annotate_xml(tmp_path, envelope(f"<ListRecords>{only_rejected}</ListRecords>"))
    assert summary.rejected == 1 and b"every record was rejected (1 read)" in output
    text = envelope('<error code="noRecordsMatch">nothing in this set</error>')
    assert annotate_xml(tmp_path, text)[0] == text.encode()  # an error response comes out as it came


def test_harvest_outputs_are_valid(tmp_path):
    from oai_server import Repository, serving

    repository = Repository(
        {"oai_datacite": DATA / "oai_datacite_records.xml", "oai_dc": DATA / "oai_dc_records.xml"}, page_size=3
    )
    with serving(repository) as url:
        for prefix in ("oai_datacite", "oai_dc"):
            panet.records.harvest(url, tmp_path / f"{prefix}.xml", metadata_prefix=prefix)
            assert problems((tmp_path / f"{prefix}.xml").read_bytes()) == [], prefix
        panet.records.harvest(url, tmp_path / "none.xml", set="no-such-set")
    output = (tmp_path / "none.xml").read_bytes()
    assert problems(output) == []
    assert etree.fromstring(output).find(OAI + "error").get("code") == "noRecordsMatch"
    (tmp_path / "mods.xml").write_text(envelope(f"<ListRecords>{mods_record()}</ListRecords>"))  # all rejected
    with serving(Repository({"oai_datacite": tmp_path / "mods.xml"})) as url:
        summary = panet.records.harvest(url, tmp_path / "rejected.xml")
    output = (tmp_path / "rejected.xml").read_bytes()
    assert summary.rejected == 1 and problems(output) == [] and b"every record was rejected (1 read)" in output


# -- RDF exports --------------------------------------------------------------------------------


@contextlib.contextmanager
def literals_as_written():
    """rdflib rewrites "2023-01-05"^^xsd:dateTime to "2023-01-05T00:00:00" while parsing unless told not to."""
    saved = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        yield
    finally:
        rdflib.NORMALIZE_LITERALS = saved


def exports(tmp_path: Path, source: Path, **options) -> tuple[rdflib.Graph, rdflib.Graph, Path]:
    """The Turtle and JSON-LD exports of ``source``, parsed with literals as written."""
    graphs = []
    for to, rdf_format in (("ttl", "turtle"), ("jsonld", "json-ld")):
        output = tmp_path / f"{source.stem}.{to}"
        panet.records.annotate_file(source, output, to=to, **options)
        with literals_as_written():
            graphs.append(rdflib.Graph().parse(output, format=rdf_format))
    return graphs[0], graphs[1], tmp_path / f"{source.stem}.jsonld"


def oxigraph_datasets(path: Path, rdf_format: pyoxigraph.RdfFormat) -> set[str]:
    store = pyoxigraph.Store()
    store.load(path=str(path), format=rdf_format)
    kind = pyoxigraph.NamedNode(SCHEMA + "Dataset")
    return {str(q.subject) for q in store.quads_for_pattern(None, pyoxigraph.NamedNode(str(rdflib.RDF.type)), kind)}


def test_identifiers_dates_and_isomorphism(tmp_path):
    source = tmp_path / "pan.jsonl"
    records = [
        {"pid": "local-9", "title": "SAXS of casein"},  # issue 19: was a blank node with schema:identifier only
        {"pid": "https://example.org/a|b", "title": "SAXS of casein", "creationDate": "2023-01-05"},
        {"pid": "10.5281/zenodo.7", "title": "SAXS", "creationDate": "2023-01-05T10:00:00Z"},
        {"pid": "x", "title": "SAXS", "creationDate": "2023-02-30"},
    ]
    source.write_text("".join(json.dumps(r) + "\n" for r in records))
    turtle, jsonld, jsonld_path = exports(tmp_path, source, format="pan")
    assert isomorphic(turtle, jsonld)
    datasets = set(turtle.subjects(rdflib.RDF.type, SCHEMA_DATASET))
    assert len(datasets) == 4 == len(set(turtle.subjects(rdflib.RDF.type, DCAT_DATASET)))
    assert rdflib.URIRef("https://example.org/a%7Cb") in datasets  # the same encoding in both exports
    assert {str(turtle.value(d, DCT_IDENTIFIER)) for d in datasets} == {r["pid"] for r in records}
    dates = {str(o): o.datatype for o in turtle.objects(None, rdflib.URIRef(SCHEMA + "dateCreated"))}
    assert dates == {"2023-01-05": XSD_DATE, "2023-01-05T10:00:00Z": XSD_DATETIME, "2023-02-30": None}
    term_set = rdflib.URIRef("http://purl.org/pan-science/PaNET/PaNET.owl")
    for graph in (turtle, jsonld):
        assert (term_set, rdflib.RDF.type, rdflib.URIRef(SCHEMA + "DefinedTermSet")) in graph
    oxigraph = oxigraph_datasets(jsonld_path, pyoxigraph.RdfFormat.JSON_LD)
    assert len(oxigraph) == 4 and "<https://example.org/a%7Cb>" in oxigraph
    assert len(oxigraph_datasets(tmp_path / "pan.ttl", pyoxigraph.RdfFormat.TURTLE)) == 4
    for engine in ("fast", "pyshacl"):
        report = panet.validate(turtle, engine=engine)
        assert report.violations == []
        assert [str(r.value) for r in report.results if "date" in str(r.path)] == ["2023-02-30"]


def test_scicat_mongodb_id_is_the_identifier(tmp_path):
    source = tmp_path / "scicat.json"
    records = [
        {"_id": {"$oid": "5f1e0b0c9d3e2a0012345678"}, "datasetName": "SAXS of casein"},
        {"_id": "20.500.12269/abc", "datasetName": "SANS of micelles"},  # old SciCat: _id holds the pid
        {"pid": "20.500.12269/def", "_id": "ignored", "datasetName": "SANS of micelles"},
    ]
    source.write_text(json.dumps(records))
    turtle, jsonld, _ = exports(tmp_path, source, format="scicat")
    assert isomorphic(turtle, jsonld)
    identifiers = {str(o) for o in turtle.objects(None, DCT_IDENTIFIER)}
    assert identifiers == {"5f1e0b0c9d3e2a0012345678", "20.500.12269/abc", "20.500.12269/def"}
    assert rdflib.URIRef("https://hdl.handle.net/20.500.12269/abc") in set(turtle.subjects())
    for engine in ("fast", "pyshacl"):
        assert panet.validate(turtle, engine=engine).violations == []


def test_deleted_oai_records_are_tombstones_not_datasets(tmp_path):
    source = tmp_path / "oai.xml"
    source.write_text((DATA / "oai_datacite_records.xml").read_text())
    turtle, jsonld, _ = exports(tmp_path, source)
    assert isomorphic(turtle, jsonld)
    tombstones = list(turtle.subjects(rdflib.RDF.type, TOMBSTONE))
    assert len(tombstones) == 1 and (tombstones[0], rdflib.RDF.type, SCHEMA_DATASET) not in turtle
    assert str(turtle.value(tombstones[0], DCT_IDENTIFIER)).startswith("oai:zenodo.org:")
    deleted = turtle.value(tombstones[0], rdflib.URIRef("https://www.w3.org/ns/activitystreams#deleted"))
    assert deleted.datatype in (XSD_DATE, XSD_DATETIME)
    datasets = set(turtle.subjects(rdflib.RDF.type, SCHEMA_DATASET))
    assert datasets and all(isinstance(d, rdflib.URIRef) for d in datasets)  # DOIs
    for engine in ("fast", "pyshacl"):  # one record names no technique: that is the input's doing
        violations = panet.validate(turtle, engine=engine).violations
        assert {str(r.source_shape).rpartition("-")[2] for r in violations} == {"technique"}


def test_oai_item_identifier_when_the_metadata_has_none(tmp_path):
    text = (DATA / "oai_dc_records.xml").read_text()
    first = text.index("<dc:identifier>")
    source = tmp_path / "dc.xml"
    source.write_text(text[:first] + text[text.index("</dc:identifier>", first) + len("</dc:identifier>") :])
    turtle, _, _ = exports(tmp_path, source)
    assert "oai:zenodo.org:1000001" in {str(o) for o in turtle.objects(None, DCT_IDENTIFIER)}
    for engine in ("fast", "pyshacl"):
        assert not [r for r in panet.validate(turtle, engine=engine).violations if "technique" not in r.message]


def test_shapes_flag_ill_typed_dates():
    """The issue's "2023-01-05"^^xsd:dateTime, read as written, is reported by both engines."""
    data = """@prefix schema: <http://schema.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    <http://x/1> a schema:Dataset ; schema:name "x" ; schema:identifier "1" ;
        schema:measurementTechnique <http://purl.org/pan-science/PaNET/PaNET01188> ;
        schema:dateCreated "2023-01-05"^^xsd:dateTime, "2023-01-05T10:00:00Z"^^xsd:dateTime,
                           "2023-01-05"^^xsd:date, "2023-01-05+01:00"^^xsd:date, "2023-01-05T10:00:00"^^xsd:date ."""
    with literals_as_written():
        graph = rdflib.Graph().parse(data=data, format="turtle")
    for engine in ("fast", "pyshacl"):
        flagged = sorted(str(r.value) for r in panet.validate(graph, engine=engine).results if r.value is not None)
        assert flagged == ["2023-01-05", "2023-01-05T10:00:00"], engine


def test_date_literal_types_only_valid_dates():
    assert date_literal("2024-02-29").datatype == "xsd:date"
    assert date_literal("2023-02-29").datatype is None
    assert date_literal("2023-01-05T23:59:59.123-05:00").datatype == "xsd:dateTime"
    for text in ("2023-01-05T24:00:00", "2023-01-05T10:00:00+15:00", "0000-01-01", "12023-01-01", " 2023-01-05"):
        assert date_literal(text).datatype is None, text


# -- property: any record panet reads, exported, gives no violation its input did not cause -----

TECHNIQUE = "small angle x-ray scattering"
_XML_CHARS = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
_TEXT = st.text(max_size=25) | st.just("\ud800 lone surrogate")  # JSON reads "\ud800" escapes too
_XML_TEXT = st.text(_XML_CHARS, max_size=25)
_PID = st.one_of(
    st.none(),
    st.just(""),
    st.from_regex(r"10\.[0-9]{4,6}/[a-zA-Z0-9._|<>^-]{1,12}", fullmatch=True),  # DOIs, some with | < > ^
    st.from_regex(r"20\.500\.[0-9]{5}/[a-zA-Z0-9._-]{1,12}", fullmatch=True),  # Handles
    st.text(_XML_CHARS, max_size=12).map(lambda s: "https://example.org/" + s),  # IRIs, some not valid ones
    st.sampled_from(["http://[bad", "urn:x:1", "doi:10.1234/x", "oai:zenodo.org:7", "local-9", "  "]),
    st.text(_XML_CHARS, max_size=12),
)
_DATE = st.one_of(
    st.none(),
    st.dates().map(lambda d: (d.isoformat(), True)),
    st.datetimes(timezones=st.just(UTC)).map(lambda d: (d.isoformat(), True)),
    st.datetimes().map(lambda d: (d.isoformat(timespec="seconds"), True)),
    st.sampled_from(["2023-02-30", "2023-01-05 10:00:00", "2023", "05/01/2023", ""]).map(lambda s: (s, False)),
)


@st.composite
def records(draw, text=_TEXT):
    """What a record says, whatever its format: pid, title (maybe naming a technique), date."""
    title = draw(st.none() | text | text.map(lambda t: f"{t} {TECHNIQUE}"))
    date = draw(_DATE)
    return {"pid": draw(_PID), "title": title, "date": date}


def _json_record(fmt: str, about: dict, n: int) -> dict:
    date = about["date"][0] if about["date"] else None
    if fmt == "pan":
        record = {"pid": about["pid"], "title": about["title"], "documents": [{"summary": f"record-{n}"}]}
        record["creationDate"] = date
    elif fmt == "scicat":
        record = {"datasetName": about["title"], "description": f"record-{n}", "creationTime": date}
        if about["pid"] and n % 2:  # a SciCat export from before the pid field: only MongoDB's _id
            record["_id"] = {"$oid": about["pid"]} if n % 4 == 1 else about["pid"]
        else:
            record["pid"] = about["pid"]
    else:
        record = {"id": about["pid"], "title": about["title"], "description": f"record-{n}"}
    return {k: v for k, v in record.items() if v is not None}


def _oai_record(about: dict, n: int, kind: str) -> str:
    def text(tag: str, value: str | None, **attributes: str) -> str:
        if value is None:
            return ""
        element = etree.Element(tag, attributes)
        element.text = value
        return etree.tostring(element, encoding="unicode")

    header = f"<header><identifier>oai:example.org:{n}</identifier><datestamp>2024-05-01</datestamp></header>"
    if kind == "deleted":
        return f'<record><header status="deleted">{header[8:]}</record>'
    if kind == "oai_dc":
        metadata = (
            '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/">'
            + text("{http://purl.org/dc/elements/1.1/}identifier", about["pid"])
            + text("{http://purl.org/dc/elements/1.1/}title", about["title"])
            + text("{http://purl.org/dc/elements/1.1/}description", f"record-{n}")
            + "</oai_dc:dc>"
        )
    else:
        kernel = "{http://datacite.org/schema/kernel-4}"
        metadata = (
            '<oai_datacite xmlns="http://schema.datacite.org/oai/oai-1.1/"><schemaVersion>4</schemaVersion>'
            "<datacentreSymbol>X</datacentreSymbol><payload>"
            '<resource xmlns="http://datacite.org/schema/kernel-4">'
            + text(kernel + "identifier", about["pid"], identifierType="DOI")
            + "<creators><creator><creatorName>Facility</creatorName></creator></creators><titles>"
            + text(kernel + "title", about["title"])
            + "</titles><publisher>Facility</publisher><publicationYear>2024</publicationYear>"
            + '<resourceType resourceTypeGeneral="Dataset"/><descriptions>'
            + text(kernel + "description", f"record-{n}", descriptionType="Abstract")
            + "</descriptions></resource></payload></oai_datacite>"
        )
    return f"<record>{header}<metadata>{metadata}</metadata></record>"


def _write(tmp_path: Path, fmt: str, abouts: list[dict], kinds: list[str]) -> tuple[Path, dict]:
    """The input file of ``abouts`` in ``fmt``, and the options to read it."""
    if fmt in ("pan", "scicat", "jsonl"):
        source = tmp_path / f"{fmt}.json"
        source.write_text(json.dumps([_json_record(fmt, a, n) for n, a in enumerate(abouts)]))
        return source, {"format": fmt, "fields": ("title",) if fmt == "jsonl" else ()}
    if fmt == "csv":
        import csv

        source = tmp_path / "records.csv"
        with open(source, "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file, quoting=csv.QUOTE_ALL)
            writer.writerow(["pid", "title", "description"])
            writer.writerows([a["pid"] or "", a["title"] or "", f"record-{n}"] for n, a in enumerate(abouts))
        return source, {"format": "csv", "fields": ("title",)}
    if fmt == "nexus":
        import h5py

        folder = tmp_path / "nexus"
        folder.mkdir()
        for n, about in enumerate(abouts):
            with h5py.File(folder / f"record-{n}.nxs", "w") as file:
                entry = file.create_group("entry")
                entry.attrs["NX_class"] = "NXentry"
                if about["title"] is not None:
                    entry["title"] = about["title"]
                if kinds[n] == "NXsas":
                    entry["definition"] = "NXsas"
        return folder, {"format": "nexus"}
    page = "".join(_oai_record(a, n, kind) for n, (a, kind) in enumerate(zip(abouts, kinds, strict=True)))
    source = tmp_path / "page.xml"
    source.write_text(envelope(f"<ListRecords>{page}</ListRecords>"))
    return source, {"format": "datacite"}


_CAUSES = {"SchemaDataset": "identifier", "DcatDataset": "identifier", "title": "title", "titleText": "title"}


def _check_exports(tmp_path: Path, source: Path, options: dict, abouts: list[dict], kinds: list[str], fmt: str) -> None:
    turtle, jsonld, jsonld_path = exports(tmp_path, source, **options)
    assert isomorphic(turtle, jsonld)
    datasets = len([k for k in kinds if k != "deleted"])
    assert len(set(turtle.subjects(rdflib.RDF.type, SCHEMA_DATASET))) == datasets
    assert len(set(turtle.subjects(rdflib.RDF.type, TOMBSTONE))) == len(kinds) - datasets
    for path, rdf_format in ((jsonld_path, pyoxigraph.RdfFormat.JSON_LD), (jsonld_path.with_suffix(".ttl"), None)):
        assert len(oxigraph_datasets(path, rdf_format or pyoxigraph.RdfFormat.TURTLE)) == datasets
    for engine in ("fast", "pyshacl"):
        for result in panet.validate(turtle, engine=engine).results:
            shape = str(result.source_shape).rpartition("#")[2]
            aspect = shape.rpartition("-")[2] if "-" in shape else shape
            marker = turtle.value(result.focus, rdflib.URIRef(SCHEMA + "description")) or result.focus
            about = abouts[int(str(marker).rpartition("record-")[2].removesuffix(".nxs"))]
            if result.severity_name == "Violation":
                cause = _CAUSES.get(aspect, aspect)
                caused = {  # an OAI-PMH record always has its item identifier
                    "identifier": not (about["pid"] or "").strip() and fmt != "datacite",
                    "title": not (about["title"] or "").strip(),
                    "technique": TECHNIQUE not in (about["title"] or ""),
                }
                assert caused.get(cause), f"{engine}: {result.message} for {about}"
            elif aspect == "dateCreated":
                assert about["date"] and not about["date"][1], f"{engine}: {result.message} for {about}"
            else:
                assert aspect in ("license", "licenseIRI"), f"{engine}: {result.message}"


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["pan", "scicat", "jsonl", "csv", "datacite", "nexus"])
def test_any_record_exports_without_violations_it_did_not_cause(fmt, tmp_path_factory):
    # XML and HDF5 hold no lone surrogate; CSV text that the dialect sniffer cannot misread
    text = {"datacite": _XML_TEXT, "nexus": _XML_TEXT, "csv": st.text(st.sampled_from("abc XYZ-09"), max_size=20)}
    text = text.get(fmt, _TEXT)
    kinds = {
        "datacite": st.sampled_from(["oai_datacite", "oai_dc", "deleted"]),
        "nexus": st.sampled_from(["NXsas", ""]),
    }
    kinds = kinds.get(fmt, st.just("json"))

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.tuples(records(text), kinds), min_size=1, max_size=3, unique_by=lambda d: d[0]["pid"]))
    def check(drawn):
        abouts, kinds_drawn = [d[0] for d in drawn], [d[1] for d in drawn]
        tmp_path = tmp_path_factory.mktemp(fmt)
        source, options = _write(tmp_path, fmt, abouts, kinds_drawn)
        if fmt == "nexus":
            abouts = [dict(a, pid="file") for a in abouts]  # a file's URI identifies it
        summary = panet.records.annotate_file(source, tmp_path / "same.out", **options)
        assert summary.rejected == 0, (tmp_path / "same.out.rejects.jsonl").read_text()
        if fmt == "datacite" and not problems(source.read_bytes()):  # valid XML in, valid XML out
            assert problems((tmp_path / "same.out").read_bytes()) == []
        _check_exports(tmp_path, source, options, abouts, kinds_drawn, fmt)

    check()


def test_records_only_the_standard_library_reads_are_annotated(tmp_path):
    """Found by the property above: a SciCat record with a lone surrogate escape (read by the
    standard library, not orjson) had none of its text read."""
    source = tmp_path / "scicat.json"
    source.write_text('[{"datasetName": "\\ud800 small angle x-ray scattering", "pid": "local-1"}]')
    turtle, jsonld, _ = exports(tmp_path, source, format="scicat")
    names = {str(o) for o in turtle.objects(None, rdflib.URIRef(SCHEMA + "name"))}
    assert isomorphic(turtle, jsonld) and "\ufffd small angle x-ray scattering" in names
    for engine in ("fast", "pyshacl"):
        assert panet.validate(turtle, engine=engine).violations == []
