"""ICAT dump files (python-icat's icatdump / icatingest format), XML and YAML: one record per Dataset.

The fixtures are python-icat's own example dumps (tests/data/icat/README.md: provenance, licence)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from lxml import etree

import panet.records
from panet.cli import main
from panet.errors import RecordsError
from panet.records import formats
from panet.records.icat import IcatFormat, IcatReader, key_name, quote_key

DATA = Path(__file__).parents[1] / "data" / "icat"
DUMPS = [DATA / "icatdump-5.0.xml", DATA / "icatdump-5.0.yaml"]
PANET = "http://purl.org/pan-science/PaNET/"
SAXS = PANET + "PaNET01188"
DATASETS = ["e201215", "e201216", "e208339", "e208341", "e208342", "e208945", "e208946", "e208947", "pub-00027"]
HEAD_XML = b'<?xml version="1.0" encoding="utf-8"?>\n<icatdata>\n<head>\n  <generator>test</generator>\n</head>\n'


def cli(*args: object) -> int:
    return main(["annotate-records", *map(str, args)])


def read(path: Path) -> tuple[IcatReader, list]:
    reader = IcatReader(path)
    try:
        return reader, list(reader.items())
    finally:
        reader.close()


def xml_dump(*datasets: str, chunk_before: str = "") -> bytes:
    """A small XML dump: a facility, an instrument, an investigation and ``datasets`` in one chunk."""
    before = f"<data>\n{chunk_before}</data>\n" if chunk_before else ""
    body = "\n".join(datasets)
    return (
        HEAD_XML
        + before.encode()
        + f"""<data>
  <facility id="Facility_name-PSI"><name>PSI</name><fullName>Paul Scherrer Institut</fullName></facility>
  <instrument id="Instrument_facility-(name-PSI)_name-SANS=2DI">
    <name>SANS-I</name>
    <facility ref="Facility_name-PSI"/>
  </instrument>
  <investigation id="inv_1">
    <name>20231234</name>
    <summary>Micelles in solution</summary>
    <title>Structure of micelles</title>
    <visitId>1</visitId>
    <facility ref="Facility_name-PSI"/>
    <investigationInstruments>
      <instrument ref="Instrument_facility-(name-PSI)_name-SANS=2DI"/>
    </investigationInstruments>
  </investigation>
{body}
</data>
</icatdata>
""".encode()
    )


def dataset(name: str, *children: str) -> str:
    inner = "".join(f"\n    {child}" for child in children)
    return f'  <dataset id="ds_{name}">\n    <name>{name}</name>\n    <investigation ref="inv_1"/>{inner}\n  </dataset>'


# -- reading ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", DUMPS, ids=["xml", "yaml"])
def test_every_dataset_is_one_record_with_its_investigation_instruments_and_techniques(path):
    reader, items = read(path)
    fmt = reader.format
    records = [fmt.parse(item.payload) for item in items]
    assert [r.view["name"] for r in records] == DATASETS
    first = records[0]
    assert list(fmt.texts(first, ())) == [
        "e201215",
        "Durol single crystal",
        "Durol",
        "HIKE",
        "HIKE - High Kinetic Energy Photoelectron Spectroscopy",
    ]  # the facility's names are looked up with the instruments, not read as text
    assert fmt.instrument_names(first)[2:] == ["ESNF", "Example Synchrotron and Neutron Facility"]
    assert fmt.instrument_names(records[2])[:2] == ["E2", "E2 - Flat-Cone Diffractometer"]
    # the existing DatasetTechnique: ICAT's "PaNET:PaNET01103" pid read as the PaNET IRI
    assert [(e.pid, e.name) for e in fmt.entries(first)] == [
        (PANET + "PaNET01103", "Hard X-ray Photoelectron Spectroscopy")
    ]
    assert fmt.entries(records[5]) == []
    # the Investigation's "Probe" parameter: neutron for E2; "photon" does not say x-ray or ultraviolet
    assert fmt.probes(records[2]) == {"neutron"} and fmt.probes(records[0]) == set()
    if path.suffix == ".xml":
        assert [item.line for item in items][:2] == [1544, 1560]


@pytest.mark.parametrize("path", DUMPS, ids=["xml", "yaml"])
def test_the_dump_reads_back_byte_for_byte(path):
    """Header, every record's output as read (what came before its Dataset, then the Dataset) and
    footer are the file again: nothing of the dump is lost or moved."""
    reader, items = read(path)
    fmt = reader.format
    out = reader.header() + b"".join(fmt.dump(fmt.parse(i.payload)) for i in items) + reader.footer(len(items))
    assert out == path.read_bytes()


def test_references_by_local_key_and_by_attributes(tmp_path):
    """python-icat's documented example: an ``investigationRef`` by attributes, then Datasets
    referencing it by its local key."""
    refs = (
        '  <investigationRef id="inv_x" name="20231234" visitId="1"/>\n'
        '  <dataset id="d9">\n    <name>run_9</name>\n    <investigation ref="inv_x"/>\n  </dataset>\n'
    )
    text = xml_dump(dataset("run_1")).replace(b"</icatdata>", b"<data>\n" + refs.encode() + b"</data>\n</icatdata>")
    reader = IcatReader(text)
    records = [reader.format.parse(item.payload) for item in reader.items()]
    assert [r.view["investigation"].get("title") for r in records] == ["Structure of micelles"] * 2
    assert records[1].payload.context.instruments == ["SANS-I"]
    assert reader.format.instrument_names(records[1]) == ["SANS-I", "PSI", "Paul Scherrer Institut"]
    # an instrument the dump does not define: its name and facility from its python-icat key
    undefined = text.replace(b'<instrument ref="Instrument_facility-(name-PSI)_name-SANS=2DI"/>', b"")
    undefined = undefined.replace(b'<visitId>1</visitId>\n    <facility ref="Facility_name-PSI"/>', b"").replace(
        b"</name>\n    <investigation",
        b'</name>\n    <datasetInstruments><instrument ref="Instrument_facility-'
        b'(name-ISIS)_name-LARMOR"/></datasetInstruments>\n    <investigation',
    )
    first = IcatFormat().parse(next(IcatReader(undefined).items()).payload)
    assert IcatFormat().instrument_names(first) == ["LARMOR", "ISIS"]


def test_keys_are_python_icats():
    assert quote_key("Hard X-ray Photoelectron Spectroscopy") == "Hard=20X=2Dray=20Photoelectron=20Spectroscopy"
    assert key_name("Dataset_investigation-(facility-(name-ESNF)_name-08100122=2DEF_visitId-1=2E1=2DP)_name-e201215")
    assert key_name("Technique_name-Caf=C3=A9") == "Café"


def test_formats_are_detected_from_the_content(tmp_path):
    for path in DUMPS:
        assert panet.records.detect_format(path) == "icat"
    assert panet.records.detect_format(b'<resource xmlns="http://datacite.org/schema/kernel-4"/>') == "datacite"
    plain = tmp_path / "chunk.yaml"
    plain.write_text("dataset:\n  d1:\n    name: saxs_run_1\n")  # no head, no "---": still python-icat's layout
    assert panet.records.detect_format(plain) == "icat"


# -- annotating a whole dump -------------------------------------------------------------------


@pytest.mark.parametrize("path", DUMPS, ids=["xml", "yaml"])
def test_annotate_file_links_techniques_and_defines_each_once_before_use(tmp_path, path, capsys):
    out = tmp_path / f"out{path.suffix}"
    assert cli(path, "-o", out) == 0
    assert "read 9:" in capsys.readouterr().out
    data = out.read_bytes()
    definitions = re.findall(rb'<technique id="(Technique_name-[^"]+)"|^  (Technique_name-\S+):$', data, re.M)
    defined = [a or b for a, b in definitions]
    assert len(defined) == len(set(defined))  # each Technique once
    added = [key for key in defined if key not in path.read_bytes()]
    assert added, "the annotated dump defines the Techniques it added"
    for key in added:  # defined before any Dataset references it, with the PaNET label and IRI
        where = data.index(key)
        assert where < data.index(b"dataset"), key
    # every Dataset is still there, each once, and the output is a valid dump of the same syntax
    reader, items = read(out)
    records = [reader.format.parse(i.payload) for i in items]
    assert [r.view["name"] for r in records] == DATASETS
    if path.suffix == ".xml":  # valid for python-icat's schema of ICAT 5.0 data files
        schema = etree.XMLSchema(etree.parse(DATA / "icatdata-5.0.xsd"))
        tree = etree.fromstring(data)
        assert schema.validate(tree.getroottree()), schema.error_log
        pids = {t.findtext("pid") for t in tree.iter("technique") if t.get("id", "").encode() in added}
    else:
        chunks = list(yaml.safe_load_all(data))
        pids = {t["pid"] for c in chunks for k, t in (c.get("technique") or {}).items() if k.encode() in added}
    assert pids and all(pid.startswith(PANET) for pid in pids)
    # every link of every Dataset points at a Technique the dump defines
    for record in records:
        for entry in reader.format.entries(record):
            assert entry.pid and entry.pid.startswith(PANET) and entry.name
    # annotating the output again changes nothing and adds no second definition
    again = tmp_path / f"again{path.suffix}"
    summary = panet.records.annotate_file(out, again)
    assert (summary.read, summary.unchanged, summary.added) == (9, 9, 0)
    assert again.read_bytes() == data


def test_xml_and_yaml_dumps_get_the_same_techniques(tmp_path):
    found = []
    for path in DUMPS:
        results = list(panet.records.annotate_stream(path.read_bytes(), "icat"))
        assert [r.number for r in results] == list(range(1, 10))
        found.append([(r.status, r.added, r.corrected) for r in results])
    assert found[0] == found[1]


SANS_DEFINED = (
    '  <technique id="Technique_name-small=20angle=20neutron=20scattering">\n'
    "    <name>small angle neutron scattering</name>\n    <pid>http://purl.org/pan-science/PaNET/PaNET01189</pid>\n"
    "  </technique>\n"
)
SANS_LINK = (
    '<datasetTechniques>\n      <technique ref="Technique_name-small=20angle=20neutron=20scattering"/>\n'
    "    </datasetTechniques>"
)


def test_unchanged_dump_is_written_byte_for_byte(tmp_path):
    """Datasets whose techniques are all there already: the output is the input, byte for byte."""
    source = tmp_path / "calibration.xml"
    source.write_bytes(xml_dump(dataset("run_1", SANS_LINK), dataset("run_2", SANS_LINK), chunk_before=SANS_DEFINED))
    out = tmp_path / "out.xml"
    summary = panet.records.annotate_file(source, out)
    assert (summary.read, summary.unchanged) == (2, 2)
    assert out.read_bytes() == source.read_bytes()


def test_text_and_instrument_evidence_and_a_corrected_entry(tmp_path):
    wrong = '<datasetTechniques>\n      <technique name="SAXS"/>\n    </datasetTechniques>'
    source = tmp_path / "in.xml"
    source.write_bytes(xml_dump(dataset("saxs_run_3"), dataset("calibration", wrong)))
    out = tmp_path / "out.xml"
    summary = panet.records.annotate_file(source, out)
    assert (summary.read, summary.annotated, summary.corrected) == (2, 2, 1)
    tree = etree.fromstring(out.read_bytes())
    refs = {d.findtext("name"): [t.get("ref") for t in d.iter("technique")] for d in tree.iter("dataset")}
    sans = "Technique_name-small=20angle=20neutron=20scattering"
    saxs = "Technique_name-small=20angle=20x=2Dray=20scattering"
    assert sans in refs["saxs_run_3"] and saxs in refs["saxs_run_3"]  # instrument SANS-I; text "saxs"
    assert refs["calibration"][0] == saxs  # the entry "SAXS" is pointed at the PaNET technique
    ids = [t.get("id") for t in tree.iter("technique") if t.get("id")]
    assert sorted(ids) == sorted({sans, saxs})
    first = tree.find("data")
    assert [t.findtext("pid") for t in first] == [{sans: PANET + "PaNET01189", saxs: SAXS}[t.get("id")] for t in first]


@pytest.mark.parametrize("path", DUMPS, ids=["xml", "yaml"])
def test_a_dataset_of_type_other_inherits_nothing_from_its_investigation(path):
    """python-icat's pub-00027 (type "other", an OEIS sequence) in the EDDI investigation: not a
    measurement, so neither EDDI ("Energy Dispersive Diffraction") nor the investigation's texts
    count; its raw sibling e208945 keeps them."""
    reader, items = read(path)
    records = {r.view["name"]: r for r in (reader.format.parse(item.payload) for item in items)}
    other, raw = records["pub-00027"], records["e208945"]
    assert list(reader.format.texts(other, ())) == ["pub-00027"] and reader.format.instrument_names(other) == []
    assert "EDDI" in reader.format.instrument_names(raw)
    found = {t.label for t in panet.records.annotate(items[-1].payload, format="icat").techniques}
    assert found == set()
    raw_found = {t.label for t in panet.records.annotate(items[5].payload, format="icat").techniques}
    assert raw_found == {"energy dispersive diffraction"}


@pytest.mark.parametrize("syntax", ["xml", "yaml"])
def test_a_corrected_entry_never_links_a_technique_twice(tmp_path, syntax):
    """ICAT allows one DatasetTechnique per Dataset and Technique: an entry corrected to a technique
    the Dataset already links is removed, not duplicated."""
    if syntax == "xml":
        twice = '<datasetTechniques>\n      <technique name="SANS"/>\n    </datasetTechniques>'
        text = xml_dump(dataset("run_1", SANS_LINK, twice), chunk_before=SANS_DEFINED)
    else:
        text = (
            b"---\ntechnique:\n  Technique_name-small=20angle=20neutron=20scattering:\n"
            b"    name: small angle neutron scattering\n    pid: http://purl.org/pan-science/PaNET/PaNET01189\n"
            b"---\ndataset:\n  d1:\n    datasetTechniques:\n"
            b"    - technique: Technique_name-small=20angle=20neutron=20scattering\n"
            b"    - technique: Technique_name-SANS\n    name: run_1\n"
        )
    source = tmp_path / f"in.{syntax}"
    source.write_bytes(text)
    out = tmp_path / f"out.{syntax}"
    summary = panet.records.annotate_file(source, out)
    assert (summary.annotated, summary.corrected) == (1, 1)
    reader, items = read(out)
    record = reader.format.parse(items[0].payload)
    assert [(e.pid, e.name) for e in reader.format.entries(record)] == [
        (PANET + "PaNET01189", "small angle neutron scattering")
    ]
    if syntax == "xml":
        assert out.read_bytes() == source.read_bytes().replace(b"\n    " + twice.encode(), b"")


def test_an_existing_technique_of_the_dump_is_reused_not_defined_again(tmp_path):
    source = tmp_path / "in.xml"
    source.write_bytes(xml_dump(dataset("run_1"), chunk_before=SANS_DEFINED.replace("PaNET/", "PaNET:")))
    out = tmp_path / "out.xml"
    summary = panet.records.annotate_file(source, out)  # SANS-I: small angle neutron scattering
    assert summary.added == 1
    data = out.read_bytes()
    assert SANS_LINK.encode() in data
    assert data.count(b"<technique id=") == 1


def test_in_memory_one_dataset_and_the_jsonld_export(tmp_path):
    outcome = panet.records.annotate(xml_dump(dataset("saxs_run_3")), format="icat")
    assert SAXS in outcome.evidence and "text" in outcome.evidence[SAXS]
    assert '<technique ref="Technique_name-small=20angle=20x=2Dray=20scattering"/>' in outcome.record
    out = tmp_path / "out.jsonld"
    panet.records.annotate_file(DUMPS[0], out, to="jsonld")
    assert b"e201215" in out.read_bytes()


def test_worker_processes_and_a_gzipped_dump_write_the_same_dump(tmp_path):
    import gzip

    one, two, three = tmp_path / "one.yaml", tmp_path / "two.yaml", tmp_path / "three.yaml"
    panet.records.annotate_file(DUMPS[1], one)
    panet.records.annotate_file(DUMPS[1], two, processes=2)
    zipped = tmp_path / "dump.yaml.gz"
    zipped.write_bytes(gzip.compress(DUMPS[1].read_bytes()))
    assert panet.records.detect_format(zipped) == "icat"
    panet.records.annotate_file(zipped, three)
    assert one.read_bytes() == two.read_bytes() == three.read_bytes()


# -- bad input ----------------------------------------------------------------------------------


def test_a_dtd_is_refused_naming_the_file(tmp_path, capsys):
    source = tmp_path / "evil.xml"
    source.write_bytes(
        b'<?xml version="1.0"?>\n<!DOCTYPE icatdata [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        b"<icatdata><data><dataset><name>&x;</name></dataset></data></icatdata>"
    )
    assert cli(source, "-o", tmp_path / "out.xml", "--format", "icat") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("panet: error:") and "evil.xml" in err[0] and "DOCTYPE" in err[0]
    assert not (tmp_path / "out.xml").exists()


def test_broken_xml_rejects_the_rest_with_its_line_and_keeps_the_count(tmp_path, capsys):
    source = tmp_path / "broken.xml"
    text = xml_dump(dataset("saxs_run_3"), dataset("run_4"))
    broken = b'<data>\n  <dataset id="d5">\n    <name>run_5</nam>\n  </dataset>\n</data>\n</icatdata>'
    source.write_bytes(text.replace(b"</icatdata>", broken))
    out = tmp_path / "out.xml"
    assert cli(source, "-o", out) == 1
    assert "read 3: 2 annotated, 0 unchanged, 1 rejected" in capsys.readouterr().out
    reject = (tmp_path / "out.xml.rejects.jsonl").read_text()
    assert '"record":3' in reject and '"line":33' in reject and "invalid XML" in reject


def test_broken_yaml_and_yaml_that_is_not_a_dump(tmp_path, capsys):
    source = tmp_path / "broken.yaml"
    source.write_text("%YAML 1.1\n---\ndataset:\n  d1:\n    name: saxs_1\n---\ndataset:\n  d2: [unclosed\n")
    summary = panet.records.annotate_file(source, tmp_path / "out.yaml")
    assert (summary.read, summary.annotated, summary.rejected) == (2, 1, 1)
    assert "invalid YAML" in (tmp_path / "out.yaml.rejects.jsonl").read_text()
    listed = tmp_path / "list.yaml"
    listed.write_text("---\ndataset:\n  d1:\n    name: saxs_1\n---\n- 1\n- 2\n")
    with pytest.raises(RecordsError, match=r"list\.yaml: YAML document 2 is not an ICAT data chunk"):
        panet.records.annotate_file(listed, tmp_path / "out2.yaml")
    other = tmp_path / "other.xml"
    other.write_text("<catalogue><dataset/></catalogue>")
    with pytest.raises(RecordsError, match="not an ICAT dump"):
        formats.get("icat").reader(other)
    capsys.readouterr()


def test_a_dataset_that_is_not_a_mapping_is_rejected_and_nothing_else_is_lost(tmp_path):
    source = tmp_path / "in.yaml"
    source.write_text(
        "---\ndataset:\n  d0: just text\n  d1:\n    name: saxs_1\n"
        "---\ndataset:\n  d2: [1]\ninvestigation:\n  i1:\n    title: micelles\n"
    )
    out = tmp_path / "out.yaml"
    summary = panet.records.annotate_file(source, out)
    assert (summary.read, summary.annotated, summary.rejected) == (3, 1, 2)
    rejects = (tmp_path / "out.yaml.rejects.jsonl").read_text()
    assert "dataset 'd0' is not a mapping" in rejects and "dataset 'd2' is not a mapping" in rejects
    chunks = list(yaml.safe_load_all(out.read_text()))
    assert list(chunks[-2]["dataset"]) == ["d1"]
    assert chunks[-1] == {"dataset": {}, "investigation": {"i1": {"title": "micelles"}}}
