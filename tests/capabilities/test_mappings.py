"""SSSOM mappings: tolerant reading of PaNET's mapping files (PROFILE §7) and the crosswalk."""

from __future__ import annotations

import json

import pytest

from panet.errors import MappingLoadError
from panet.mappings import SHIPPED, load, shipped, shipped_path

HEADER = "subject_id\tsubject_label\tpredicate_id\tobject_id\tobject_label\tconfidence\n"


@pytest.fixture(scope="module")
def wfl(onto):
    return load(shipped_path("WFL"), ontology=onto)


@pytest.fixture(scope="module")
def hi(onto):
    return load(shipped_path("HI"), ontology=onto)


def write(tmp_path, body: str, metadata: str = "# curie_map:\n#   ex: https://example.org/\n", name="m.sssom.tsv"):
    path = tmp_path / name
    path.write_text(metadata + HEADER + body, encoding="utf-8")
    return path


def warnings_at(mapping_set, line: int) -> list[str]:
    return [w for w in mapping_set.warnings if f", line {line}: " in w]


def test_wfl_reads_every_row(wfl):
    assert len(wfl) == 151
    assert wfl.id == "mapping_WFL_PaNET_v1.0"
    assert wfl.curie_map["wfl"] == "https://www.wayforlight.eu/technique/"
    assert wfl.metadata["mapping_set_version"] == "2025-11-12"
    assert {m.predicate_id for m in wfl} == {
        "skos:exactMatch",
        "skos:closeMatch",
        "skos:broadMatch",
        "skos:narrowMatch",
    }
    assert all(m.term is not None and m.object_id.startswith("wfl:") for m in wfl)
    assert {m.confidence for m in wfl} == {1.0, 0.99, 0.9}


def test_line_numbers_point_at_the_row(wfl):
    first = wfl.mappings[0]
    assert (first.line, first.subject_id, first.object_id) == (19, "panet:PaNET00410", "wfl:1419")
    lines = (shipped_path("WFL")).read_text(encoding="utf-8").splitlines()
    assert all(lines[m.line - 1].startswith(m.subject_id) for m in wfl)


def test_out_of_date_subject_label_is_a_warning_not_a_fix(wfl):
    (row,) = [m for m in wfl if m.line == 20]
    assert row.subject_label == "THz photon probe"  # kept as written
    assert row.term.label == "THz photon probe technique"
    assert warnings_at(wfl, 20) == [
        "mapping_WFL.csv, line 20: subject_label 'THz photon probe' is out of date: PaNET01006 was labelled so "
        "up to PaNET 1.3.0; today it is 'THz photon probe technique'"
    ]


def test_wrong_subject_label_is_reported(wfl):
    # PROFILE §7: WFL labels PaNET01052 'magnetic scattering', but the ID is 'spin echo technique'
    (warning,) = warnings_at(wfl, 27)
    assert "subject_label 'magnetic scattering' does not match PaNET01052, which is 'spin echo technique'" in warning


def test_trailing_spaces_are_stripped_with_a_warning(wfl):
    (warning,) = warnings_at(wfl, 30)
    assert "spaces around subject_label 'angle resolved photoemission spectroscopy '; stripped" in warning
    assert [m.subject_label for m in wfl if m.line == 30] == ["angle resolved photoemission spectroscopy"]


def test_hi_malformed_curie_is_repaired_with_a_warning(hi):
    (row,) = [m for m in hi if m.line == 34]
    assert row.subject_id == "panet:PaNET01211" and row.term.label == "ultrafast microtomography"
    assert any("subject_id 'panet:PaNETPaNET01211' is malformed; read as 'panet:PaNET01211'" in w for w in hi.warnings)
    assert any("panet:PaNETPaNET01032" in w for w in warnings_at(hi, 48))


def test_hi_free_text_object_ids(hi):
    # HI writes the name in object_id and the CURIE ('Hi:172') in object_label: read swapped, with a warning
    (row,) = [m for m in hi if m.line == 20]
    assert (row.object_id, row.object_label) == ("hi:172", "Adaptive radiotherapy")
    assert row.object_iri == "https://connect.helmholtz-imaging.de/application/172"
    assert any("the two columns look swapped" in w for w in warnings_at(hi, 20))
    assert len(hi) == 31 and all(m.object_id.startswith("hi:") for m in hi)


def test_mappings_to_specifiers_keep_their_term(hi):
    (row,) = [m for m in hi if m.subject_id == "panet:PaNET2020008"]
    assert row.term.kind == "specifier" and row.term.label == "EUV photon"


@pytest.mark.parametrize(
    ("row", "warning", "subject_id", "object_id"),
    [
        ("Panet:PaNET01188\tsmall angle x-ray scattering\tskos:exactMatch\tex:1\tA\t1\n",
         "subject_id 'Panet:PaNET01188' is malformed; read as 'panet:PaNET01188'", "panet:PaNET01188", "ex:1"),
        ("PaNET:PaNET01188\tsmall angle x-ray scattering\tskos:exactMatch\tex:1\tA\t1\n",
         "subject_id 'PaNET:PaNET01188' is malformed; read as 'panet:PaNET01188'", "panet:PaNET01188", "ex:1"),
        ("panet:PaNET01188\tsmall angle x-ray scattering\tskos:exactMatch\tex:1 \tA\t1\n",
         "spaces around object_id 'ex:1 '; stripped", "panet:PaNET01188", "ex:1"),
        ("panet:PaNET01188\tsmall angle x-ray scattering\tskos:exactMatch\tEX:1\tA\t1\n",
         "object_id 'EX:1' uses an undeclared prefix spelling; read as 'ex:1'", "panet:PaNET01188", "ex:1"),
        ("panet:PaNET01188\tsmall angle x-ray scattering\tskos:exactMatch\tsome free text\tA\t1\n",
         "object_id 'some free text' is free text, not a CURIE or IRI; kept as written", "panet:PaNET01188",
         "some free text"),
        ("panet:PaNET01188\tsmall angle x-ray scattering\tskos:exactMatch\tzz:1\tA\t1\n",
         "object_id 'zz:1' has prefix 'zz', which curie_map does not declare", "panet:PaNET01188", "zz:1"),
        ("http://purl.org/pan-science/PaNET/PaNET01188\tSAXS\tskos:exactMatch\thttps://example.org/7\tA\t1\n",
         None, "panet:PaNET01188", "ex:7"),
    ],
)  # fmt: skip
def test_tolerated_problems(onto, tmp_path, row, warning, subject_id, object_id):
    mapping_set = load(write(tmp_path, row), ontology=onto)
    (m,) = mapping_set.mappings
    assert (m.subject_id, m.object_id, m.term.id) == (subject_id, object_id, "PaNET01188")
    if warning is None:
        assert mapping_set.warnings == ()
    else:
        assert mapping_set.warnings == (f"m.sssom.tsv, line 4: {warning}",)


@pytest.mark.parametrize(
    ("row", "warning"),
    [
        ("panet:PaNET09999\tnothing\tskos:exactMatch\tex:1\tA\t1\n", "is not a term of PaNET"),
        ("obo:CHMO_0000182\tsomething\tskos:exactMatch\tex:1\tA\t1\n", "is not a PaNET CURIE; the row has no term"),
    ],
)
def test_rows_without_a_term_are_kept(onto, tmp_path, row, warning):
    mapping_set = load(write(tmp_path, row), ontology=onto)
    (m,) = mapping_set.mappings
    assert m.term is None
    assert len(mapping_set.warnings) == 1 and warning in mapping_set.warnings[0]


def test_bad_confidence_and_extra_cells(onto, tmp_path):
    body = (
        "panet:PaNET01188\tsmall angle x-ray scattering\tskos:exactMatch\tex:1\tA\thigh\n"
        "panet:PaNET01188\tsmall angle x-ray scattering\tskos:exactMatch\tex:2\tB\t1.5\n"
        "panet:PaNET01188\tsmall angle x-ray scattering\tskos:exactMatch\tex:3\tC\t0.5\tstray\n"
        "\t\t\t\t\t\n"  # spreadsheet padding: skipped
    )
    mapping_set = load(write(tmp_path, body), ontology=onto)
    assert [m.confidence for m in mapping_set] == [None, None, 0.5]
    assert mapping_set.warnings == (
        "m.sssom.tsv, line 4: confidence 'high' is not a number from 0 to 1; read as none",
        "m.sssom.tsv, line 5: confidence '1.5' is not a number from 0 to 1; read as none",
        "m.sssom.tsv, line 6: 7 cells for 6 columns; the extra cells are ignored",
    )


def test_sssom_tsv_metadata_is_yaml(onto, tmp_path):
    metadata = (
        "# curie_map:\n#   ex: https://example.org/\n# mapping_set_id: https://example.org/set.sssom.tsv\n"
        "# creator_id:\n#   - orcid:0000-0002-5850-4469\n# mapping_date: 2025-01-31\n"
    )
    mapping_set = load(
        write(tmp_path, "panet:PaNET01188\tSAXS\tskos:exactMatch\tex:1\tA\t1\n", metadata), ontology=onto
    )
    assert mapping_set.id == "https://example.org/set.sssom.tsv"
    assert mapping_set.metadata["creator_id"] == ["orcid:0000-0002-5850-4469"]
    assert mapping_set.metadata["mapping_date"] == "2025-01-31"
    assert mapping_set.warnings == ()


def test_template_metadata_that_is_not_yaml(onto):
    template = load(shipped_path("WFL").parent / "mapping_template.csv", ontology=onto)
    assert "line 8: the metadata is not valid YAML" in template.warnings[0]
    assert template.curie_map["panet"] == "http://purl.org/pan-science/PaNET/"
    assert "license" not in template.curie_map
    assert len(template) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("# only: metadata\n", "has no mapping table"),
        ("a,b,c\n1,2,3\n", "line 1: the table has no subject_id, predicate_id, object_id column"),
    ],
)
def test_unreadable_files_raise_one_clear_error(onto, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(MappingLoadError, match=message) as info:
        load(path, ontology=onto)
    assert str(info.value).startswith(str(path))


def test_not_utf8(onto, tmp_path):
    path = tmp_path / "latin1.tsv"
    path.write_bytes(HEADER.encode() + "panet:PaNET01188\tR\xf6ntgen\tskos:exactMatch\tex:1\tA\t1\n".encode("latin-1"))
    with pytest.raises(MappingLoadError, match="is not UTF-8 text"):
        load(path, ontology=onto)


def test_unknown_shipped_name():
    with pytest.raises(MappingLoadError, match="choose one of WFL, HI"):
        shipped_path("XYZ")


def test_shipped_sets_are_read_once_per_ontology(onto):
    assert shipped(onto) is shipped(onto)
    assert [s.id for s in shipped(onto)] == ["mapping_WFL_PaNET_v1.0", "mapping_IUCr_PaNET_v1.0"]
    assert len(SHIPPED) == 2


@pytest.mark.parametrize(
    "key", ["wfl:1425", "WFL:1425", "https://www.wayforlight.eu/technique/1425", "small angle scattering"]
)
def test_mapped_crosswalk(onto, key):
    found = onto.mapped(key)
    assert ("PaNET01188", "skos:exactMatch", 1.0) in [(m.term.id, m.predicate_id, m.confidence) for m in found]
    assert {m.object_id for m in found} == {"wfl:1425"}
    assert len(found) == 10


def test_mapped_free_text_and_unknown(onto):
    assert {m.term.id for m in onto.mapped("Hi:192")} == {"PaNET01206", "PaNET01211"}
    assert onto.mapped("wfl:0") == ()
    assert onto.mapped("  ") == ()


def test_mappings_for(onto):
    assert [(m.object_id, m.predicate_id, m.confidence) for m in onto.mappings_for("panet:PaNET01049")] == [
        ("wfl:5999", "skos:closeMatch", 1.0),
        ("wfl:6000", "skos:exactMatch", 0.99),
    ]
    assert {m.mapping_set_id for m in onto.mappings_for("PaNET00410")} == {
        "mapping_WFL_PaNET_v1.0",
        "mapping_IUCr_PaNET_v1.0",
    }


def test_user_sets_for_the_crosswalk(onto, tmp_path):
    mine = load(write(tmp_path, "panet:PaNET01188\tSAXS\tskos:exactMatch\tex:1\tA\t1\n"), ontology=onto)
    assert [m.term.id for m in onto.mapped("ex:1", mappings=[mine])] == ["PaNET01188"]
    assert onto.mapped("ex:1") == ()
    assert [m.object_id for m in onto.mappings_for("SAXS", mappings=[mine])] == ["ex:1"]


def test_to_dict_is_json(wfl):
    data = wfl.mappings[0].to_dict()
    assert json.loads(json.dumps(data))["term"] == "http://purl.org/pan-science/PaNET/PaNET00410"
    assert data["line"] == 19 and data["predicate_id"] == "skos:exactMatch"


def test_deprecated_subjects_are_reported(tmp_path):
    import warnings

    from test_annotate import RETIRED

    import panet

    ontology_file = tmp_path / "retired.ttl"
    ontology_file.write_text(RETIRED, encoding="utf-8")
    retired = panet.load(ontology_file)
    path = write(tmp_path, "panet:PaNET09001\tkleinwinkel scattering\tskos:exactMatch\tex:1\tKleinwinkel method\t1\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mapping_set = load(path, ontology=retired)
    assert mapping_set.mappings[0].term.deprecated
    assert mapping_set.warnings == (
        "m.sssom.tsv, line 4: subject_id panet:PaNET09001 is deprecated, replaced by "
        "http://purl.org/pan-science/PaNET/PaNET01188; its labels are not used for annotation",
    )
    assert retired.annotate("Kleinwinkel method", include_mappings=[mapping_set]) == []


def test_a_folder_is_not_a_mapping_file(onto, tmp_path):
    with pytest.raises(MappingLoadError, match="is a directory, not a mapping file") as info:
        load(tmp_path, ontology=onto)
    assert info.value.path == str(tmp_path)
