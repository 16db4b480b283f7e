"""Instrument knowledge and record evidence (panet.records.instruments, panet.records.evidence), and
the real-record evaluation set's consistency (benchmarks/data/real)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import panet.errors
import panet.records
from panet.errors import RecordsError
from panet.records.instruments import TABLE, InstrumentTable

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "benchmarks" / "data" / "real"
PANET = "http://purl.org/pan-science/PaNET/"


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as file:
        return list(csv.DictReader(line for line in file if not line.startswith("#")))


def found(record, format="pan", **options):
    outcome = panet.records.annotate(record, format=format, **options)
    return {t.id: outcome.evidence[t.iri] for t in outcome.techniques}


# -- the shipped table --------------------------------------------------------------------------
def test_shipped_rows_name_current_technique_labels_and_a_source(onto):
    rows = rows_of(TABLE)
    assert len(rows) > 300
    for row in rows:
        terms = [onto.get(i, kind="any") for i in row["panet"].split()]
        assert all(t is not None and t.kind == "technique" for t in terms), row
        assert row["label"] == "; ".join(t.label for t in terms), row
        assert row["source"].startswith("https://"), row
        assert row["probe"] in ("x-ray", "neutron", "muon", "ultraviolet", "infrared"), row


def test_shipped_table_covers_the_facilities_of_the_issue():
    facilities = {row["facility"] for row in rows_of(TABLE)}
    assert {"ESS", "ILL", "ISIS", "PSI", "MLZ", "SNS", "HFIR", "ANSTO"} <= facilities  # neutrons
    assert {"ESRF", "PETRA III", "MAX IV", "DLS", "SOLEIL", "ALBA", "Elettra", "BESSY II"} <= facilities
    assert {"European XFEL", "SESAME", "APS"} <= facilities


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["/PSI/SLS/TOMCAT"], [("PSI", "TOMCAT")]),
        (["/PSI/SLS/MX"], [("PSI", "PXI")]),  # "MX" alone is a PaNET acronym: needs its facility
        (["/DESY/PETRA III/P08"], [("PETRA III", "P08")]),
        (["SANS at SINQ"], [("PSI", "SANS-I")]),
        (["DMC", "SINQ"], [("PSI", "DMC")]),
        (["BioMAX"], [("MAX IV", "BioMAX")]),
        (["Advanced Photon Source Undulator A, sector 15ID-D"], [("APS", "15-ID-D")]),
        (["MX"], []),
        (["EMU"], []),  # ISIS and ANSTO both have an EMU
        (["EMU at ANSTO"], [("ANSTO", "EMU")]),
        (["a sample holder"], []),
    ],
)
def test_find_instruments(onto, names, expected):
    generic = frozenset(n.casefold() for t in onto.terms() for n in t.names)
    found_rows = InstrumentTable.shipped().find(names, generic=generic)
    assert [(i.facility, i.name) for i in found_rows] == expected


# -- the user's rows ----------------------------------------------------------------------------
HEADER = "facility,instrument,aliases,panet,probe,source\n"


def test_user_rows_add_and_override(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(HEADER + "HZB,V20,,PaNET01249,neutron,\nESS,LoKI,,PaNET01276,neutron,\n", encoding="utf-8")
    table = InstrumentTable.shipped().with_rows(path)
    assert [i.techniques for i in table.find(["V20"])] == [("PaNET01249",)]
    assert [i.techniques for i in table.find(["LoKI"])] == [("PaNET01276",)]
    record = {"pid": "x", "title": "run 1", "instrument": {"name": "V20", "facility": "HZB"}}
    assert found(record, instruments=path) == {"PaNET01249": ["instrument"]}
    assert found(record) == {}


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        (HEADER + "ESS,LoKI,,SANS,neutron,\n", 2, "panet"),
        (HEADER + "ESS,LoKI,,PaNET01189,electrons,\n", 2, "probe"),
        (HEADER + "# a comment\nESS,LoKI,,PaNET01189,neutron,\nESS,ODIN\n", 4, "aliases"),
        (HEADER + ",LoKI,,PaNET01189,neutron,\n", 2, "facility"),
        ("facility,instrument,panet\nESS,LoKI,PaNET01189\n", 1, "aliases"),
    ],
)
def test_malformed_user_rows_name_file_line_and_field(tmp_path, text, line, field):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RecordsError) as err:
        InstrumentTable.shipped().with_rows(path)
    assert str(err.value).startswith(f"{path}, line {line}: ")
    assert field in str(err.value)


def test_missing_user_file_is_one_clear_error(tmp_path):
    with pytest.raises(RecordsError, match="cannot read the instrument table"):
        panet.records.annotator("pan", instruments=tmp_path / "nope.csv")


# -- evidence -----------------------------------------------------------------------------------
def pan(title, instrument=None, facility=None, **more):
    record = {"pid": "d1", "title": title, **more}
    if instrument:
        record["instrument"] = {"name": instrument, "facility": facility}
    return record


def test_single_technique_instrument_asserts_it():
    assert found(pan("PaNOSC Test Dataset 1", "LoKI", "ESS")) == {"PaNET01189": ["instrument"]}


def test_multi_technique_instrument_needs_the_text():
    assert found(pan("scan 12", "cSAXS", "PSI")) == {}
    assert found(pan("ptychography of a chip", "cSAXS", "PSI")) == {"PaNET01212": ["text", "instrument"]}
    # the text names the general technique, the instrument says which one
    assert found(pan("small angle scattering of micelles", "cSAXS", "PSI")) == {"PaNET01188": ["instrument", "text"]}


def test_probe_refines_a_generic_technique():
    assert found(pan("reflectometry of a lipid bilayer", "FREIA", "ESS")) == {"PaNET01239": ["instrument", "text"]}
    assert found(pan("reflectometry with neutrons")) == {"PaNET01239": ["text", "probe"]}
    assert found(pan("reflectometry with neutrons and x-rays")) == {"PaNET01121": ["text"]}


def test_probe_refines_through_any_name_of_the_narrower_technique():
    # x-ray reflectivity is also called x-ray reflectometry: "reflectometry" + x-rays is x-ray reflectivity
    assert found(pan("specular reflectometry of water", parameters=[{"name": "probe", "value": "x-ray"}])) == {
        "PaNET01149": ["text", "probe"]
    }


def test_the_text_says_which_kind_of_the_instruments_technique():
    # BioMAX serves macromolecular crystallography; a text naming another crystallography wins
    assert found(pan("OSC collection in Biomax", "BioMAX", "MAX IV")) == {"PaNET01164": ["instrument"]}
    assert found(pan("lysozyme, serial synchrotron crystallography", "BioMAX", "MAX IV")) == {"PaNET01169": ["text"]}


def test_instrument_written_in_the_text():
    # mixed-case instrument names count when the structure names no instrument
    assert found(pan("Remote experiments at BioMAX")) == {"PaNET01164": ["instrument"]}
    assert found(pan("remote experiments at biomax")) == {}
    assert found(pan("HiFi recordings made on a NeXT computer")) == {}
    # the structure's instrument wins over a name in the text
    assert found(pan("compared with data from BioMAX", "LoKI", "ESS")) == {"PaNET01189": ["instrument"]}


def test_instrument_contradicting_the_definition_wins():
    # I16 (materials and magnetism diffraction) writes NXmx for its scans: not macromolecular crystallography
    assert found(REAL / "nexus" / "DLS_i16_538039.nxs", format="nexus") == {"PaNET01102": ["instrument"]}


def test_a_probe_alone_gives_no_technique():
    # no definition and an x-ray source (a SOLEIL restart scan): the source says what the facility
    # emits, not which technique was done
    assert found(REAL / "nexus" / "Soleil_file_2.nxs", format="nexus") == {}
    assert found(REAL / "nexus" / "APS_ID34_not_complete.nxs", format="nexus") == {"PaNET01032": ["text"]}


def test_existing_entries_are_evidence_too():
    record = pan("SAXS", techniques=[{"pid": PANET + "PaNET01188", "name": "small angle x-ray scattering"}])
    assert found(record) == {"PaNET01188": ["existing entry", "text"]}


def test_scicat_creation_location():
    record = {"pid": "s1", "datasetName": "817b_B2_", "creationLocation": "/PSI/SLS/TOMCAT"}
    assert found(record, format="scicat") == {"PaNET01208": ["instrument"]}


def test_pan_document_summary_and_its_datasets():
    """The summary's GISAXS and the dataset's instrument (D22, neutrons) both count: a text
    technique of another probe does not block the instrument's technique."""
    document = {
        "pid": "10.5072/p1",
        "title": "Proposal 1",
        "summary": "We will measure GISAXS of block copolymer films.",
        "datasets": [{"pid": "d1", "title": "run 3", "instrument": {"name": "D22", "facility": "ILL"}}],
    }
    assert found(document) == {"PaNET01162": ["text"], "PaNET01189": ["instrument"]}


# -- NeXus: the whole file ------------------------------------------------------------------------
def test_nexus_subentry_definition_and_named_instrument_groups():
    pytest.importorskip("h5py")
    thaumatin = panet.records.annotate(REAL / "nexus" / "DLS_reflections_thaumatin_integrated.nxs", format="nexus")
    assert [t["name"] for t in thaumatin.record["techniques"]] == ["macromolecular crystallography"]
    dmc = panet.records.annotate(REAL / "nexus" / "SINQ_dmc01.nxs", format="nexus")
    assert dmc.record["entries"][0]["instrument"] == ["DMC", "DMC at SINQ", "SINQ"]
    assert dmc.record["techniques"] == [
        {"pid": PANET + "PaNET01100", "name": "neutron powder diffraction", "evidence": ["instrument"]}
    ]


# -- the evaluation set ------------------------------------------------------------------------
def test_evaluation_set_is_consistent(onto):
    expected = rows_of(REAL / "expectations.csv")
    keys = {(row["kind"], row["record"]) for row in expected}
    assert len(keys) == len(expected)
    for row in expected:
        for i in row["expected"].split():
            assert onto.get(i, kind="any").kind == "technique", row
    records = {("nexus", p.name) for p in (REAL / "nexus").iterdir()}
    records |= {("datacite", p.name) for p in (REAL / "datacite").glob("*.xml")}
    for kind, name in (("scicat", "scicat_records.json"), ("pan", "pan_records.json")):
        records |= {(kind, r.get("pid") or r["_id"]) for r in json.loads((REAL / name).read_text(encoding="utf-8"))}
    with (REAL / "esrf_techniques.jsonl").open(encoding="utf-8") as file:
        records |= {("esrf", json.loads(line)["iri"]) for line in file}
    from panet.records.icat import IcatReader

    for path in (REAL / "icat").iterdir():  # one record per Dataset, named FILE#name
        reader = IcatReader(path)
        records |= {("icat", f"{path.name}#{reader.format.parse(i.payload).view['name']}") for i in reader.items()}
        reader.close()
    assert records == keys
    size = sum(p.stat().st_size for p in REAL.rglob("*") if p.is_file())
    assert size < 3_000_000


def test_cli_instruments_option(tmp_path, capsys):
    from panet.cli import main

    records = tmp_path / "in.json"
    records.write_text(json.dumps([pan("run 1", "V20", "HZB")]), encoding="utf-8")
    mine = tmp_path / "mine.csv"
    mine.write_text(HEADER + "HZB,V20,,PaNET01249,neutron,\n", encoding="utf-8")
    assert main(["annotate-records", str(records), "-o", str(tmp_path / "out.json"), "--instruments", str(mine)]) == 0
    out = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert out[0]["techniques"] == [{"pid": PANET + "PaNET01249", "name": "cold neutron imaging"}]
    mine.write_text(HEADER + "HZB,V20,,imaging,neutron,\n", encoding="utf-8")
    assert main(["annotate-records", str(records), "-o", str(tmp_path / "out2.json"), "--instruments", str(mine)]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert error == [
        f"panet: error: {mine}, line 2: field 'panet': imaging: give PaNET technique IDs such as PaNET01189"
    ]


def test_datacite_related_item_collected_by_an_instrument():
    xml = (
        '<resource xmlns="http://datacite.org/schema/kernel-4"><identifier identifierType="DOI">10.1/x</identifier>'
        "<titles><title>Run 4 of sample Y</title></titles><relatedItems>"
        '<relatedItem relationType="IsCollectedBy" relatedItemType="Instrument"><titles><title>BioMAX</title></titles>'
        "</relatedItem></relatedItems></resource>"
    )
    assert found(xml, format="datacite") == {"PaNET01164": ["instrument"]}


def test_nexus_hdf4_and_xml_are_named_unsupported(tmp_path):
    pytest.importorskip("h5py")
    hdf4 = tmp_path / "old.hdf"
    hdf4.write_bytes(b"\x0e\x03\x13\x01" + bytes(200))
    with pytest.raises(panet.errors.BadRecord, match="NeXus HDF4 file: not supported"):
        panet.records.annotate(hdf4, format="nexus")
    with pytest.raises(panet.errors.BadRecord, match="NeXus XML file: not supported"):
        panet.records.annotate(REAL / "nexus" / "APS_scan2nexus_sample1.xml", format="nexus")


def test_nexus_folder_reads_dot_nexus_files_and_names_hdf4(tmp_path):
    pytest.importorskip("h5py")
    import shutil

    folder = tmp_path / "run"
    folder.mkdir()
    shutil.copy(REAL / "nexus" / "SINQ_sans2009n012333.nxs", folder / "sans.nexus")
    (folder / "old.hdf").write_bytes(b"\x0e\x03\x13\x01" + bytes(100))
    summary = panet.records.annotate_file(folder, tmp_path / "out.jsonl", format="nexus")
    assert (summary.read, summary.annotated, summary.rejected) == (2, 1, 1)
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [t["name"] for t in out[0]["techniques"]] == ["small angle neutron scattering"]
    rejects = (tmp_path / "out.jsonl.rejects.jsonl").read_text()
    assert "NeXus HDF4 file: not supported" in rejects
