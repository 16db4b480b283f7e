"""Accuracy rules of `panet.records.evidence` on whole records (each rule has a case that fails without it)."""

import panet
import panet.records

PANET = "http://purl.org/pan-science/PaNET/"


def found(record, format="pan"):
    out = panet.records.annotate(record, format=format)
    return {iri.rpartition("/")[2]: how for iri, how in out.evidence.items()}


def test_the_most_specific_technique_wins_across_fields():
    # "crystallography" in the title, "serial synchrotron crystallography" in a keyword: SSX only
    record = {
        "pid": "d1",
        "title": "serial crystallography of lysozyme",
        "keywords": ["serial synchrotron crystallography"],
    }
    assert found(record, "scicat") == {"PaNET01169": ["text"]}


def test_a_broader_technique_next_to_a_narrower_one_in_one_text_is_dropped():
    assert found({"pid": "d1", "title": "Reflectometry curves (XRR)"}) == {"PaNET01149": ["text"]}


def test_a_list_of_a_technique_and_a_narrower_one_keeps_both():
    assert found({"pid": "d1", "title": "SAXS and GISAXS of block copolymer films"}) == {
        "PaNET01188": ["text"],
        "PaNET01162": ["text"],
    }
    assert set(found({"pid": "d1", "title": "SAXS/GISAXS of films"})) == {"PaNET01188", "PaNET01162"}


def test_test_data_does_not_get_its_instruments_technique():
    record = {
        "pid": "d1",
        "title": "Sample Data from NMX 1",
        "documents": [{"title": "NMX", "summary": "It consists of test data for the detector."}],
        "instrument": {"name": "NMX", "facility": "ESS"},
    }
    assert found(record) == {}
    record["documents"][0]["summary"] = "Lysozyme crystals"
    assert found(record) == {"PaNET01164": ["instrument"]}


def test_a_single_technique_instrument_yields_to_a_text_naming_what_was_done():
    # P23 (PETRA III) is listed with surface x-ray diffraction; the record says x-ray reflectivity
    record = {"pid": "d1", "datasetName": "x-ray reflectivity of a BTO film", "creationLocation": "/DESY/PETRA III/P23"}
    assert found(record, "scicat") == {"PaNET01149": ["text"]}
    record["datasetName"] = "BTO film growth"
    assert found(record, "scicat") == {"PaNET01172": ["instrument"]}


def test_a_general_word_does_not_confirm_a_candidate_when_the_text_names_what_was_done():
    # P08 serves surface x-ray diffraction and x-ray reflectivity; "diffractometer" names the device
    record = {
        "pid": "d1",
        "datasetName": "Strontium chloride XRR",
        "description": "p08 / Liquid diffractometer (LISA)",
        "creationLocation": "/DESY/PETRA III/P08",
    }
    assert "PaNET01172" not in found(record, "scicat")


def test_a_facility_doi_gives_the_facility_probe():
    proposal = {
        "pid": "10.5291/ILL-DATA.8-02-1023",
        "title": "Lipids",
        "summary": "specular reflectometry of a bilayer",
    }
    assert found(proposal) == {"PaNET01239": ["text", "probe"]}
    proposal["pid"] = "10.5072/elsewhere"
    assert found(proposal) == {"PaNET01121": ["text"]}


def test_a_general_term_made_specific_is_not_refined_by_the_probe():
    record = {
        "pid": "d1",
        "datasetName": "anomalous diffraction on perovskite films",
        "description": "Huber 6-circle diffractometer",
        "scientificMetadata": {"probe": "x-ray"},
    }
    assert found(record, "scicat") == {"PaNET01122": ["text"]}


def test_anomalous_x_ray_diffraction_is_resonant_diffraction():
    assert found({"pid": "d1", "title": "Anomalous X-ray diffraction on thin films"}) == {"PaNET01122": ["text"]}


def test_a_technique_named_only_through_a_device_yields_to_the_others():
    # "Liquid diffractometer" names the device; the record says what was measured with it
    record = {"pid": "d1", "datasetName": "Strontium chloride XRR", "description": "p08 / Liquid diffractometer"}
    assert found(record, "scicat") == {"PaNET01149": ["text"]}
    # alone, the device is all the record says
    assert found({"pid": "d1", "datasetName": "vanadium on the powder diffractometer"}, "scicat") == {
        "PaNET01030": ["text"]  # powder diffraction
    }


def test_general_names_inside_methods_of_other_fields_are_not_techniques():
    assert found({"pid": "d1", "title": "NMR spectroscopy of the buffer"}) == {}
    assert found({"pid": "d1", "title": "domains seen by piezoresponse force microscopy"}) == {}
    assert found({"pid": "d1", "title": "x-ray spectroscopy of the buffer"}) != {}


def test_a_numbered_reference_list_is_not_evidence():
    description = (
        "Thin films grown in situ, studied by x-ray reflectivity [1,2].\\n[1]\\tV. Author, Micro- and nanodomain "
        "imaging in ferroelectrics, J. Appl. Phys. 116, 066802 (2014).\\n[2]\\tA. Other, Ptychography, Nature (2013)."
    )
    assert found({"pid": "d1", "datasetName": "BTO growth", "description": description}, "scicat") == {
        "PaNET01149": ["text"]
    }


def test_an_instrument_of_the_records_facility_in_any_capitalised_spelling():
    # MAX IV's DOI prefix names the facility: "Biomax" is its BioMAX
    assert found({"pid": "10.48391/b0179486", "title": "OSC collection in Biomax for Sample 47910"}) == {
        "PaNET01164": ["instrument"]
    }
    assert found({"pid": "10.5072/b0179486", "title": "OSC collection in Biomax for Sample 47910"}) == {}


def test_test_data_does_not_get_the_beam_settings_its_text_names():
    # an ESS detector test ("TOF mode" of the detector): how the detector ran, not what was measured
    record = {
        "pid": "d1",
        "datasetName": "TOF mode, no collimation, pixelated, thrs: 50",
        "description": "It consists of test data for the detector.",
        "creationLocation": "SoNDe",
        "keywords": ["neutron"],
    }
    assert found(record, "scicat") == {}
    record["description"] = "Vanadium standard"  # not test data: the text's technique counts
    assert found(record, "scicat") == {"PaNET01001": ["text", "probe"]}
    # test data whose text states a technique that is not a beam setting keeps it (ESS V20 data)
    record.update(datasetName="Iron BCC with WFM overnight", keywords=["reflectometry", "neutron"])
    record["description"] = "It consists of test data for the detector."
    assert found(record, "scicat") == {"PaNET01239": ["text", "probe"]}


def test_a_probes_scattering_technique_yields_to_its_reflectometry():
    # ILL proposal at FIGARO: "grazing incidence neutron scattering" ... "off-specular reflectivity"
    record = {
        "pid": "d1",
        "title": "Lipid bilayers studied by grazing incidence neutron scattering",
        "summary": "Specular and off-specular reflectivity will probe the in-plane organisation.",
    }
    assert found(record) == {"PaNET01239": ["text", "probe"]}
    record["summary"] = "X-ray reflectivity will probe the in-plane organisation."  # another probe's: both stay
    assert set(found(record)) == {"PaNET01242", "PaNET01149"}


def test_a_two_letter_acronym_is_confirmed_by_the_station_it_names():
    record = {"pid": "d1", "title": "The Pilatus 6M pixel-detector at the MX station 14.1"}
    assert found(record) == {"PaNET01164": ["text"]}
    assert found({"pid": "d1", "title": "Shipped to MX 14.1"}) == {}
