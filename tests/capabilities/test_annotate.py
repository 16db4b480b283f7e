"""Free text -> PaNET terms: the matching contract of issue 5, one test per rule."""

from __future__ import annotations

import io
import json
import pickle
import warnings
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import panet
from panet.annotate import AMBIGUOUS, MATCH_TYPES, Annotation, Annotator
from panet.errors import OptionError


def found(onto, text, **options):
    """(text, term id, match type) of every annotation."""
    return [(a.text, a.term.id, a.match_type) for a in onto.annotate(text, **options)]


def ids(onto, text, **options):
    return [a.term.id for a in onto.annotate(text, **options)]


def test_issue_example(onto):
    text = "in-situ GISAXS and x ray diffraction of thin films"
    anns = onto.annotate(text)
    assert [(a.start, a.end, a.text, a.term.id, a.match_type) for a in anns] == [
        (8, 14, "GISAXS", "PaNET01162", "acronym"),
        (19, 36, "x ray diffraction", "PaNET01216", "label"),
    ]
    assert all(isinstance(a, Annotation) and a.matched and 0 < a.score <= 1 for a in anns)


@pytest.mark.parametrize(
    "text",
    ["Small-Angle X-ray Scattering", "SMALL ANGLE X-RAY SCATTERING", "small angle xray scattering",
     "small-angle x ray scattering", "Small angle X‐ray scattering", "small angle x-ray scatterings"],
)  # fmt: skip
def test_words_fold_case_hyphens_spaces_plurals(onto, text):
    assert found(onto, text) == [(text, "PaNET01188", "label")]


@pytest.mark.parametrize("text", ["x-ray diffraction", "x ray diffraction", "xray diffraction", "X-Ray Diffraction"])
def test_x_ray_spellings(onto, text):
    assert ids(onto, text) == ["PaNET01216"]


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("diffractions", "PaNET01022"),
        ("spectroscopies", "PaNET01125"),
        ("tomographies", "PaNET01129"),
        ("micro-tomography", "PaNET01206"),
        ("micro tomography", "PaNET01206"),
        ("microtomography", "PaNET01206"),
        ("polarized reflectivity", "PaNET01118"),  # label 'polarised reflectivity'
        ("time-of-flight spectrometry", "PaNET01244"),
    ],
)
def test_plurals_prefixes_and_spelling_variants(onto, text, term):
    assert ids(onto, text) == [term]


@pytest.mark.parametrize("text", ["Röntgen technique", "Roentgen technique", "Rontgen technique", "RÖNTGEN TECHNIQUE"])
def test_roentgen_spellings(onto, text):
    assert ids(onto, text) == ["PaNET01012"]


@pytest.mark.parametrize("text", ["PPC-SrμCT", "PPC-SrµCT", "PPC SrµCT"])  # Greek mu and the micro sign
def test_mu_and_micro_sign(onto, text):
    assert found(onto, text) == [(text, "PaNET01333", "acronym")]


@pytest.mark.parametrize(
    "text",
    [
        "x-ray\u00a0diffraction of alloys",  # no-break space
        "x-ray\u2011diffraction",  # non-breaking hyphen
        "x-ray\tdiffraction",
        "x-ray\n diffraction",
        "X-ray\u3000diffraction",  # ideographic space
        "x-ray dif\u00adfraction",  # soft hyphen
        "x\u200bray diffraction",  # zero-width space
        "\ufeffx-ray diffraction",  # byte order mark
    ],
)
def test_unicode_spaces_and_hyphens(onto, text):
    assert ids(onto, text) == ["PaNET01216"]


@pytest.mark.parametrize(
    "text",
    ["Ro\u0308ntgen technique (NFD)", "ﬁne XRD data", "Ⅻ SAXS Ⅻ", "ＳＡＸＳ", "x\u0301-ray diffraction", "𝐒𝐀𝐗𝐒 data"],
)
def test_offsets_point_into_the_original_text(onto, text):
    anns = onto.annotate(text)
    assert anns, text
    for a in anns:
        assert text[a.start : a.end] == a.text
        assert a.text.strip() == a.text and a.text


def test_offsets_after_characters_that_fold_to_two(onto):
    text = "ﬁne ﬂat Straße: Röntgen technique"  # ligatures fold to two letters each
    (a,) = onto.annotate(text)
    assert a.text == "Röntgen technique" and text[a.start : a.end] == a.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(SAXS)", ["SAXS"]),
        ("[XRD]", ["XRD"]),
        ("SAXS/WAXS", ["SAXS", "WAXS"]),
        ("'x-ray diffraction',", ["x-ray diffraction"]),
        ("SAXS-measurements", ["SAXS"]),
        ("«GISAXS»", ["GISAXS"]),
    ],
)
def test_punctuation_and_brackets_around_terms(onto, text, expected):
    assert [a.text for a in onto.annotate(text)] == expected


def test_punctuation_breaks_a_phrase(onto):
    assert ids(onto, "small angle x-ray. Scattering") == []
    assert ids(onto, "small angle (x-ray scattering)") == ["PaNET01184"]


def test_words_are_not_split_to_make_a_name(onto):
    # "in elastic" must not become "inelastic scattering"
    assert ids(onto, "a change in elastic scattering") == ["PaNET01020"]


@pytest.mark.parametrize("text", ["pdf file", "cd /tmp", "I am sad", "Saxs", "Xrd", "sans serif", "mad", "pes film"])
def test_acronyms_are_case_sensitive(onto, text):
    assert ids(onto, text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("saxs", "PaNET01188"), ("xrd", "PaNET01216"), ("exafs", "PaNET01198"), ("gisaxs", "PaNET01162")],
)
def test_acronyms_that_are_not_words_match_in_lower_case(onto, text, expected):
    # decided with a word-frequency list (panet/lowercase_acronyms.txt): "sans", "sad", "pes" are words
    assert ids(onto, text) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("saxs_sample_03", ["PaNET01188"]),
        ("xanes_fe_foil.h5", ["PaNET01199"]),
        ("tomo_scan_001", ["PaNET01129"]),
        ("tomoScan01", ["PaNET01129"]),
        ("gisaxs03", ["PaNET01162"]),
        ("sans_run_01", []),
    ],
)
def test_file_name_titles(onto, text, expected):
    assert ids(onto, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x-ray tomographic imaging", ["PaNET01207", "PaNET01106"]),
        ("ptychographic nanotomography", ["PaNET01213"]),
        ("spectroscopic ellipsometry", ["PaNET01125", "PaNET01255"]),
        ("TOF spectrometer", ["PaNET01244"]),
        ("x-ray powder diffractometer", ["PaNET01101"]),
        ("neutron reflectivity", ["PaNET01239"]),
        ("micro-tomography", ["PaNET01206"]),
        ("γ-ray emission", []),
        ("γ-ray emission technique", ["PaNET01046"]),
    ],
)
def test_word_forms(onto, text, expected):
    assert ids(onto, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Journal of Applied Crystallography 45 (2012)",
        "published in Biomedical Spectroscopy and Imaging",
        "Spectroscopy Letters",
        "Powder Diffraction, 35",
    ],
)
def test_journal_names_are_not_techniques(onto, text):
    assert ids(onto, text) == []


def test_every_journal_title_has_a_word_the_quick_test_looks_for():
    """`_may_cite` skips the title search when no `_JOURNAL_TITLE_WORDS` word is in the text."""
    from panet.annotate import _JOURNAL_TITLE_WORDS, _JOURNAL_TITLES

    for title in _JOURNAL_TITLES.pattern.split("|"):
        assert any(word in title for word in _JOURNAL_TITLE_WORDS), title


def test_a_journal_word_elsewhere_does_not_hide_a_technique(onto):
    assert ids(onto, "powder diffraction of LaB6; see the journal") == ["PaNET01030"]


def test_generic_one_word_mapping_labels_are_left_out(onto):
    # "Scattering" is a Way-for-Light label of x-ray scattering; PaNET's own names say which scattering
    assert ids(onto, "Scattering experiment with x-rays") == []
    assert ids(onto, "neutron scattering") == ["PaNET01242"]


@pytest.mark.parametrize("text", ["SAXS", "XRD", "GISAXS", "EXAFS", "XANES", "HAXPES", "MuSR", "XMChiD"])
def test_acronyms_match_whole_words(onto, text):
    assert found(onto, text) == [(text, onto.term(text).id, "acronym")]
    assert ids(onto, f"nano{text}") == []
    assert ids(onto, f"{text}2") == []


@pytest.mark.parametrize(
    "text", ["HR-XPS", "HR XPS", "HRXPS", "TR-SFX of photosystem II", "AFM-IR"]
)  # fmt: skip
def test_hyphenated_acronyms(onto, text):
    assert len(onto.annotate(text)) == 1


def test_hyphenated_acronym_is_still_case_sensitive(onto):
    assert ids(onto, "Hr-Xps") == []
    assert ids(onto, "hr-xps") == ["PaNET01297"]  # all lower case: "hrxps" is not a word


@pytest.mark.parametrize("acronym", [a.upper() for a, policy in AMBIGUOUS.items() if policy == "refused"])
def test_refused_acronyms_never_match(onto, acronym):
    spelled = "PhD" if acronym == "PHD" else acronym
    assert ids(onto, spelled) == []
    assert ids(onto, f"{spelled} measurements at the synchrotron beamline, with SAXS") == ["PaNET01188"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PDF", []),
        ("See the attached PDF.", []),
        ("Download the beamline manual as PDF.", []),  # the cue word is too far away
        ("Samples for SAXS are listed in the attached PDF", ["PaNET01188"]),  # the other term is too far away
        ("Attached: PDF. Measurements start Monday", []),  # punctuation between
        ("PDF measurements of glasses", ["PaNET01181"]),
        ("x-ray PDF of glasses", ["PaNET01181"]),
        ("PDF analysis of total scattering", ["PaNET01181", "PaNET01190"]),
        ("CD spectra of proteins", ["PaNET01192"]),
        ("MX beamline", ["PaNET01164"]),
        ("sulfur SAD phasing", ["PaNET01170"]),
        ("Unit testing of the control software", []),
        ("Physical therapy", []),
    ],
)
def test_ambiguous_names_need_context_nearby(onto, text, expected):
    assert ids(onto, text) == expected


def test_context_penalty_shows_in_score(onto):
    (pdf,) = onto.annotate("PDF measurements")
    (saxs,) = onto.annotate("SAXS measurements")
    assert pdf.score < saxs.score


def test_longest_match_wins(onto):
    assert found(onto, "small angle x-ray scattering") == [("small angle x-ray scattering", "PaNET01188", "label")]
    assert ids(onto, "grazing incidence small angle x-ray scattering tomography") == ["PaNET01162", "PaNET01129"]


def test_longest_only_false_reports_nested_matches(onto):
    nested = {(a.text, a.term.id) for a in onto.annotate("small angle x-ray scattering", longest_only=False)}
    assert ("small angle x-ray scattering", "PaNET01188") in nested
    assert ("x-ray scattering", "PaNET01184") in nested
    assert len(nested) == len(onto.annotate("small angle x-ray scattering", longest_only=False))


def test_each_occurrence_reported_once(onto):
    anns = onto.annotate("SAXS, then SAXS again; x-ray diffraction (XRD)")
    assert [(a.start, a.term.id) for a in anns] == [
        (0, "PaNET01188"),
        (11, "PaNET01188"),
        (23, "PaNET01216"),
        (42, "PaNET01216"),
    ]


def test_shared_label_gives_the_technique_unless_kinds_say_otherwise(onto):
    assert ids(onto, "diffraction") == ["PaNET01022"]
    assert ids(onto, "diffraction", kinds=("technique", "specifier")) == ["PaNET01022"]
    assert ids(onto, "diffraction", kinds=("specifier",)) == ["PaNET2020018"]
    assert ids(onto, "x-ray") == []  # a probe: a specifier, never a technique by default
    assert ids(onto, "x-ray", kinds="specifier") == [onto.term("x-ray", kind="specifier").id]


def test_former_labels_are_used_with_provenance(onto):
    (a,) = onto.annotate("x-ray probe")
    assert (a.term.id, a.match_type) == ("PaNET01012", "former label")
    assert a.matched == "x-ray probe [PaNET 1.3.0]"
    (old,) = onto.annotate("photoemission microscopy")  # renamed after v1.0.0
    assert (old.term.id, old.matched) == ("PaNET01146", "photoemission microscopy [PaNET 1.0.0]")


def test_current_names_beat_former_labels(onto):
    # 'grazing incidence wide angle scattering' is a former label of 01316 and a prefix of nothing else
    (a,) = onto.annotate("grazing incidence wide angle x-ray scattering")
    assert (a.term.id, a.match_type) == ("PaNET01316", "label")


def test_mapping_labels_are_used_with_provenance(onto):
    (a,) = onto.annotate("Angular Resolved PES")
    assert (a.term.id, a.match_type, a.matched) == ("PaNET01089", "mapping", "Angular Resolved PES [wfl:1409]")
    assert a.score < 1
    assert ids(onto, "Angular Resolved PES", include_mappings=False) == []


def test_ontology_names_beat_mapping_labels(onto):
    # WFL maps 'Diffraction' (exactMatch) to x-ray diffraction; the ontology's own label wins
    assert found(onto, "Diffraction") == [("Diffraction", "PaNET01022", "label")]


def test_one_word_mapping_labels_need_context(onto):
    assert ids(onto, "Photogrammetry of the sample") == []
    assert found(onto, "Photogrammetry measurements") == [("Photogrammetry", "PaNET01106", "mapping")]
    assert ids(onto, "Absorption measurements") == []  # a word of PaNET's own names: left out


def test_mapping_label_shared_by_several_terms_is_left_out(onto):
    # HI: 'Bio-medical tomography' and 'Neuroimaging' are narrowMatch of two techniques each
    assert found(onto, "Bio-medical tomography") == [("tomography", "PaNET01129", "label")]
    assert ids(onto, "Neuroimaging") == []


def test_user_mapping_sets(onto, tmp_path):
    from panet.mappings import load

    path = tmp_path / "my.sssom.tsv"
    path.write_text(
        "# curie_map:\n#   my: https://example.org/my/\n# mapping_set_id: my-set\n"
        "subject_id\tsubject_label\tpredicate_id\tobject_id\tobject_label\tconfidence\n"
        "panet:PaNET01188\tsmall angle x-ray scattering\tskos:exactMatch\tmy:1\tRöntgen-Kleinwinkelstreuung\t1\n"
        "panet:PaNET01216\tx-ray diffraction\tskos:broadMatch\tmy:2\tBeugungsmethoden\t1\n"
        "panet:PaNET01204\tx-ray photoelectron spectroscopy\tskos:narrowMatch\tmy:3\tESCA mit Röntgenlicht\t0.8\n",
        encoding="utf-8",
    )
    mine = load(path, ontology=onto)
    assert mine.warnings == ()
    text = "Roentgen-Kleinwinkelstreuung, Beugungsmethoden und ESCA mit Rontgenlicht"
    anns = onto.annotate(text, include_mappings=[mine])
    assert [(a.term.id, a.matched) for a in anns] == [
        ("PaNET01188", "Röntgen-Kleinwinkelstreuung [my:1]"),
        ("PaNET01204", "ESCA mit Röntgenlicht [my:3]"),  # a broadMatch object is broader: not used
    ]
    assert anns[1].score == pytest.approx(0.7 * 0.8)
    assert ids(onto, "Röntgen-Kleinwinkelstreuung") == []  # the shipped sets alone do not know it


def test_include_synonyms_false(onto):
    assert ids(onto, "SAXS", include_synonyms=False) == []
    assert ids(onto, "protein crystallography", include_synonyms=False) == ["PaNET01082"]  # crystallography
    assert ids(onto, "small angle x-ray scattering", include_synonyms=False) == ["PaNET01188"]


def test_min_length(onto):
    assert ids(onto, "XRD and GISAXS", min_length=5) == ["PaNET01162"]
    assert ids(onto, "XRD and GISAXS", min_length=426) == []  # no name left: nothing found, no error


def test_stop_words(onto):
    assert ids(onto, "imaging", stop_words=("Imaging",)) == []
    assert ids(onto, "x-ray imaging", stop_words=("imaging",)) == ["PaNET01285"]


def test_expand_ancestors(onto):
    anns = onto.annotate("SAXS", expand="ancestors")
    assert anns[0].term.id == "PaNET01188" and anns[0].match_type == "acronym"
    expanded = anns[1:]
    assert {a.term for a in expanded} == set(onto.ancestors("SAXS")) - set(onto.terms("specifier"))
    assert all(a.match_type == "ancestor" and (a.start, a.end) == (0, 4) for a in expanded)
    assert {"PaNET01124", "PaNET01012"} <= {a.term.id for a in expanded}
    # an ancestor shared by two matches is reported once
    both = onto.annotate("SAXS and WAXS", expand="ancestors")
    assert len({a.term for a in both}) == len(both)


def test_whole_words_false_matches_inside_words(onto):
    anns = onto.annotate("nanoSAXS and rawXRD", whole_words=False)
    assert [(a.text, a.term.id) for a in anns] == [("SAXS", "PaNET01188"), ("XRD", "PaNET01216")]
    # micro-XRD is microfocus diffraction (`FACILITY_SYNONYMS`), also written inside a word
    assert [a.term.id for a in onto.annotate("microXRD", whole_words=False)] == ["PaNET01032"]
    assert ids(onto, "nanoSAXS") == []


def test_whole_words_false_keeps_offsets_and_case_rules(onto):
    text = "Röntgen-technique, pdfs and saxsdata"
    anns = onto.annotate(text, whole_words=False)
    assert [(a.text, a.term.id) for a in anns] == [("Röntgen-technique", "PaNET01012")]


def test_fuzzy(onto):
    assert ids(onto, "small angle x-ray scatering") == []
    (a,) = onto.annotate("small angle x-ray scatering", fuzzy=True)
    assert (a.term.id, a.match_type, a.text) == ("PaNET01188", "fuzzy", "small angle x-ray scatering")
    assert a.score < 0.6
    assert ids(onto, "imagine a longer sentence", fuzzy=True) == []
    assert ids(onto, "SAXS and x-ray difraction", fuzzy=True) == ["PaNET01188", "PaNET01216"]


def test_match_types_are_the_documented_ones(onto):
    text = "SAXS, x-ray probe, Angular Resolved PES, imaging, protein crystallography, difraction"
    types = {a.match_type for a in onto.annotate(text, fuzzy=True, expand="ancestors")}
    assert types == set(MATCH_TYPES)


def test_annotator_is_compiled_once_per_options(onto):
    assert onto.annotator() is onto.annotator()
    assert onto.annotator(kinds=["technique"]) is onto.annotator(kinds="technique")
    assert onto.annotator(fuzzy=True) is not onto.annotator()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"kinds": ("probe",)}, "kinds must name 'technique' and/or 'specifier'"),
        ({"expand": "parents"}, "expand must be 'none' or 'ancestors'"),
        ({"min_length": 0}, "min_length must be a positive integer"),
        ({"longest": True}, "unknown annotation option(s) longest"),
    ],
)
def test_bad_options_raise_one_clear_error(onto, options, message):
    with pytest.raises(OptionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        onto.annotate("SAXS", **options)


def test_none_and_non_strings(onto):
    assert onto.annotate(None) == []
    with pytest.raises(TypeError, match="takes a str"):
        onto.annotate(b"SAXS")


def test_annotate_many_keeps_order(onto):
    texts = ["SAXS", None, "", "no technique", "XRD and SANS", "PDF file"] * 50
    annotator = onto.annotator()
    serial = [annotator.annotate(t) for t in texts]
    assert list(annotator.annotate_many(texts)) == serial
    assert list(annotator.annotate_many(iter(texts), processes=2)) == serial


def test_thread_safe(onto):
    annotator = onto.annotator()
    texts = [f"sample {i}: SAXS and x-ray diffraction, PDF measurements" for i in range(300)]
    serial = [annotator.annotate(t) for t in texts]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(annotator.annotate, texts)) == serial


def test_picklable(onto):
    annotator = onto.annotator(expand="ancestors")
    copy = pickle.loads(pickle.dumps(annotator))
    text = "in-situ GISAXS and x ray diffraction, Angular Resolved PES"
    assert copy.annotate(text) == annotator.annotate(text)
    assert pickle.loads(pickle.dumps(annotator.annotate(text))) == annotator.annotate(text)


def test_to_dict(onto):
    (a,) = onto.annotate("SAXS")
    assert a.to_dict() == {
        "start": 0,
        "end": 4,
        "text": "SAXS",
        "iri": "http://purl.org/pan-science/PaNET/PaNET01188",
        "id": "PaNET01188",
        "curie": "panet:PaNET01188",
        "label": "small angle x-ray scattering",
        "kind": "technique",
        "matched": "SAXS",
        "match_type": "acronym",
        "score": 0.9,
    }


def test_other_ontology_release(ontology_dir):
    old = panet.load(ontology_dir / "releases" / "v1.0.0" / "PaNET.owl")
    assert [a.term.label for a in old.annotate("x-ray probe and SAXS", include_mappings=False)] == [
        "x-ray probe",
        "small angle x-ray scattering",
    ]


def test_long_text(onto):
    text = "SAXS and XRD of films. " * 20_000
    anns = onto.annotate(text)
    assert len(anns) == 40_000 and anns[-1].end == len(text) - len(" of films. ")


# -- never raises, deterministic, offsets always valid ------------------------------------------
_ANNOTATORS = {}


def _annotator(onto, variant):
    if variant not in _ANNOTATORS:
        options = {"plain": {}, "all": {"longest_only": False, "expand": "ancestors"}, "chars": {"whole_words": False}}
        _ANNOTATORS[variant] = Annotator(onto, **options[variant])
    return _ANNOTATORS[variant]


_TEXT = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8")),
    st.text(
        alphabet=st.sampled_from(list("SAXS xray-diffraction PDF ()\u00a0µμöﬁ\x00\x1f\u0308\u00ad\u200b/.İß")),
        max_size=80,
    ),
    st.lists(
        st.sampled_from(["SAXS", "x-ray", "diffraction", "PDF", "small", "angle", ",", "Röntgen", "technique"])
    ).map(" ".join),
)


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, variant=st.sampled_from(["plain", "all", "chars"]))
def test_never_raises_and_offsets_are_valid(onto, text, variant):
    annotator = _annotator(onto, variant)
    anns = annotator.annotate(text)
    assert anns == annotator.annotate(text)  # deterministic
    for a in anns:
        assert 0 <= a.start < a.end <= len(text)
        assert text[a.start : a.end] == a.text
        assert a.match_type in MATCH_TYPES
    if variant != "all":  # longest only: in text order, no overlaps
        assert all(a.end <= b.start for a, b in pairwise(anns))


@settings(max_examples=50, deadline=None)
@given(text=st.text(min_size=1000, max_size=5000))
def test_never_raises_on_long_random_text(onto, text):
    onto.annotate(text, fuzzy=True)


# -- command line -------------------------------------------------------------------------------
def run(capsys, *args: str) -> tuple[int, str, str]:
    from panet.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_text(capsys):
    code, out, _ = run(capsys, "annotate", "in-situ GISAXS and x ray diffraction of thin films")
    assert code == 0
    assert out.splitlines() == [
        "8-14\tGISAXS\tPaNET01162\tgrazing incidence small angle x-ray scattering\tacronym",
        "19-36\tx ray diffraction\tPaNET01216\tx-ray diffraction\tlabel",
    ]


def test_cli_json(capsys):
    code, out, _ = run(capsys, "annotate", "SAXS and diffraction", "--json", "--kind", "specifier")
    assert code == 0
    assert [(a["text"], a["id"], a["kind"]) for a in json.loads(out)] == [("diffraction", "PaNET2020018", "specifier")]


def test_cli_stdin_is_json_lines_one_per_input_line(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("SAXS\n\nPDF file\nXRD (powder)\r\nlast line without newline"))
    code, out, _ = run(capsys, "annotate", "-")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [r["line"] for r in records] == [1, 2, 3, 4, 5]
    assert [r["text"] for r in records][3:] == ["XRD (powder)", "last line without newline"]
    assert [[a["id"] for a in r["annotations"]] for r in records] == [["PaNET01188"], [], [], ["PaNET01216"], []]


def test_cli_options(capsys, tmp_path):
    mine = tmp_path / "mine.tsv"
    mine.write_text(
        "# curie_map:\n#   my: https://example.org/\n"
        "subject_id\tsubject_label\tpredicate_id\tobject_id\tobject_label\n"
        "panet:PaNET01188\tSAXS \tskos:exactMatch\tmy:1\tRöntgen-Kleinwinkelstreuung\n",
        encoding="utf-8",
    )
    args = ["Röntgen-Kleinwinkelstreuung and imaging", "--mappings", str(mine), "--json", "--stop-word", "imaging"]
    code, out, err = run(capsys, "annotate", *args, "--expand", "ancestors")
    found = json.loads(out)
    assert code == 0 and found[0]["matched"] == "Röntgen-Kleinwinkelstreuung [my:1]"
    assert "imaging" not in {a["text"] for a in found} and {a["match_type"] for a in found[1:]} == {"ancestor"}
    assert err == "panet: warning: mine.tsv, line 4: spaces around subject_label 'SAXS '; stripped\n"
    _, out, _ = run(capsys, "annotate", "nanoSAXS, x-ray difraction, SAXS", "--substrings", "--fuzzy", "--no-synonyms")
    assert [line.split("\t")[1] for line in out.splitlines()] == ["x-ray difraction"]
    _, out, _ = run(capsys, "annotate", "nanoSAXS", "--substrings")
    assert out.split("\t")[1] == "SAXS"
    _, out, _ = run(capsys, "annotate", "small angle x-ray scattering", "--all")
    assert len(out.splitlines()) > 1
    _, out, _ = run(capsys, "annotate", "Angular Resolved PES", "--no-mappings")
    assert out == ""


def test_cli_bad_mapping_file_exits_2(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    code, out, err = run(capsys, "annotate", "SAXS", "--mappings", str(bad))
    assert (code, out) == (2, "")
    assert err.startswith("panet: error: ") and "bad.csv, line 1: the table has no subject_id" in err


RETIRED = """
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix obo: <http://purl.obolibrary.org/obo/> .
@prefix panet: <http://purl.org/pan-science/PaNET/> .

panet:PaNET00001 a owl:Class ; rdfs:label "photon and neutron technique" .
panet:PaNET01188 a owl:Class ; rdfs:label "small angle x-ray scattering" ; skos:altLabel "SAXS" ;
    rdfs:subClassOf panet:PaNET00001 .
panet:PaNET09001 a owl:Class ; rdfs:label "kleinwinkel scattering" ; skos:altLabel "KWS" ;
    owl:deprecated true ; obo:IAO_0100001 panet:PaNET01188 .
panet:PaNET09002 a owl:Class ; rdfs:label "retired technique" ; owl:deprecated true .
"""


def test_deprecated_terms_stand_for_their_replacement(tmp_path):
    path = tmp_path / "retired.ttl"
    path.write_text(RETIRED, encoding="utf-8")
    retired = panet.load(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # annotating never warns about deprecated terms
        anns = retired.annotate("kleinwinkel scattering, KWS, retired technique and SAXS", expand="ancestors")
    assert [(a.text, a.term.id, a.match_type, a.matched) for a in anns] == [
        ("kleinwinkel scattering", "PaNET01188", "former label", "kleinwinkel scattering [obsolete PaNET09001]"),
        ("kleinwinkel scattering", "PaNET00001", "ancestor", "small angle x-ray scattering"),
        ("KWS", "PaNET01188", "former label", "KWS [obsolete PaNET09001]"),
        ("SAXS", "PaNET01188", "acronym", "SAXS"),
    ]


# -- PROFILE traps: names as PaNET writes them -------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "term", "match_type", "matched"),
    [
        # labels with a trailing space in the file (§2)
        ("x-ray birefringence imaging", "PaNET01327", "label", "x-ray birefringence imaging"),
        ("high resolution neutron imaging", "PaNET01250", "label", "high resolution neutron imaging"),
        # a synonym with a typo is matched as written (§2)
        ("x-ray magnetic circular dichorism total electron yield", "PaNET01221", "synonym",
         "x-ray magnetic circular dichorism total electron yield"),
        # renamed labels (§6)
        ("grazing incidence wide angle scattering", "PaNET01316", "former label",
         "grazing incidence wide angle scattering [PaNET 1.2.0]"),
        ("inelastic small angle scatteringng", "PaNET01107", "former label",
         "inelastic small angle scatteringng [PaNET 1.0.0]"),
        ("THz photon probe", "PaNET01006", "former label", "THz photon probe [PaNET 1.3.0]"),
        ("spin echo  scattering", "PaNET01119", "label", "spin echo scattering"),
    ],
)  # fmt: skip
def test_names_as_panet_writes_them(onto, text, term, match_type, matched):
    (a,) = onto.annotate(text)
    assert (a.text, a.term.id, a.match_type, a.matched) == (text, term, match_type, matched)


def test_non_ascii_specifier_synonym(onto):
    assert ids(onto, "Röntgen radiation") == []  # a specifier
    assert ids(onto, "Roentgen radiation", kinds="specifier") == ["PaNET2020009"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ED-XRD of a steel weld", [("ED-XRD", "PaNET01160")]),  # EDXRD written apart where XRD starts
        ("GI-SAXS and TR SFX", [("GI-SAXS", "PaNET01162"), ("TR SFX", "PaNET01309")]),
        ("A SAXS study", [("SAXS", "PaNET01188")]),  # a one-letter start is a word, not ASAXS
        ("x-ray tomographic microscopy of a rat lung", [("x-ray tomographic microscopy", "PaNET01208")]),
        ("tomographic microscopy", [("tomographic microscopy", "PaNET01206")]),
        ("NRIXS of iron", [("NRIXS", "PaNET01270")]),
        ("EM micrographs of a cell", [("EM", "PaNET01145")]),  # micrographs: a cue for the ambiguous EM
        ("EM units", []),
    ],
)
def test_facility_names_and_split_acronyms(onto, text, expected):
    assert [(a.text, a.term.id) for a in onto.annotate(text)] == expected


_PIECES = "SAXS saxs x-ray X_ray small angle scattering neutron diffraction powder tomographic micro-CT Journal of"
_PIECES += " Applied PDF µCT Röntgen , . ( ) - / GISAXS in-situ"
_WORDS_AND_BREAKS = st.lists(st.sampled_from(_PIECES.split())).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(text=_WORDS_AND_BREAKS, variant=st.sampled_from(["plain", "all"]))
def test_automaton_finds_what_the_trie_walk_finds(onto, text, variant):
    """The Aho-Corasick scan (words one space apart) and the word-trie walk are one matcher."""
    from panet.text import fold_for_matching

    annotator = _annotator(onto, variant)
    folded, positions = fold_for_matching(text)
    if "  " not in folded:
        assert annotator._scan_phrases(text, folded, positions) == annotator._walk_words(text, folded, positions)


def test_options_that_leave_no_name_find_nothing(onto):
    assert Annotator(onto, min_length=500).annotate("SAXS and small angle x-ray scattering") == []
    assert Annotator(onto, min_length=500, longest_only=False, fuzzy=True).annotate("SAXS, WAXS") == []
