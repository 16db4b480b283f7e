"""ROBOT template reader: both PaNET layouts, ROBOT's label resolution, bad templates."""

from __future__ import annotations

import re

import networkx
import pytest
import rdflib

import panet
from panet import axioms as ax
from panet.formats import parse
from panet.formats.robot_csv import read

NS = "http://purl.org/pan-science/PaNET/"
HEADER = "ID,Label,Parent,Equivalent,Equivalent\nID,A rdfs:label,SC %,EC %,EC %\n"


def load_template(tmp_path, text: str, name: str = "t.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return panet.load(path)


def named_pairs(graph: rdflib.Graph) -> set[tuple[str, str]]:
    """Named (sub, super) subClassOf pairs of an rdflib graph, owl:Thing left out."""
    return {
        (str(s), str(o))
        for s, o in graph.subject_objects(rdflib.RDFS.subClassOf)
        if isinstance(s, rdflib.URIRef) and isinstance(o, rdflib.URIRef) and o != rdflib.OWL.Thing
    }


@pytest.fixture(scope="module")
def current_csv(ontology_dir):
    return panet.load(ontology_dir / "PaNET.csv")


def test_current_template_gives_the_built_ontology(current_csv, onto):
    assert [t.to_dict() for t in current_csv] == [t.to_dict() for t in onto]
    assert current_csv.properties == onto.properties and len(current_csv.properties) == 6
    for term in onto:
        assert current_csv.ancestors(term) == onto.ancestors(term)
        assert current_csv.parents(term) == onto.parents(term)
        assert current_csv.equivalents(term) == onto.equivalents(term)


def test_current_template_hierarchy_matches_an_independent_read_of_the_reasoned_file(current_csv, reasoned_graph):
    panet_only = {(s, o) for s, o in named_pairs(reasoned_graph) if s.startswith(NS) and o.startswith(NS)}
    ours = {(t.iri, a.iri) for t in current_csv for a in current_csv.ancestors(t)}
    assert len(panet_only) == 3666
    assert ours == panet_only


def test_ambiguous_label_references_are_resolved_like_robot_and_reported(current_csv):
    ambiguous = [w for w in current_csv.warnings if "is the label of several classes" in w]
    assert [w.split(":")[0] for w in ambiguous] == [
        "row 29, column 16 (Equivalent)",
        "row 512, column 9 (Parent IRI)",
        "row 514, column 9 (Parent IRI)",
    ]
    assert "PaNET00407, PaNET2014007" in ambiguous[1] and "takes the last row's, PaNET2014007" in ambiguous[1]
    # ROBOT maps a label to the last row carrying it: the specifier, which is the intended parent
    assert {t.id for t in current_csv.parents("PaNET2020065")} == {"PaNET2014007"}
    assert current_csv.facets("PaNET00206")["process"][0].id == "PaNET2012006"
    assert len(current_csv.warnings) == 3


def test_a_later_row_wins_a_shared_label_and_a_curie_chooses(tmp_path):
    onto = load_template(
        tmp_path,
        HEADER
        + "PaNET:PaNET00001,root,,,\n"
        + "PaNET:PaNET00010,diffraction,root,,\n"
        + "PaNET:PaNET2000010,diffraction,,,\n"
        + "PaNET:PaNET00011,bare reference,diffraction,,\n"
        + "PaNET:PaNET00012,curie reference,PaNET:PaNET00010,,\n",
    )
    assert {t.id for t in onto.parents("PaNET00011")} == {"PaNET2000010"}
    assert {t.id for t in onto.parents("PaNET00012")} == {"PaNET00010"}
    assert onto.warnings == (
        "row 6, column 3 (Parent): 'diffraction' is the label of several classes (PaNET00010, PaNET2000010); "
        "like ROBOT, panet takes the last row's, PaNET2000010; write its CURIE (e.g. PaNET:PaNET2000010) "
        "to say which one is meant",
    )


def test_bom_and_blank_separator_rows_are_ignored(tmp_path):
    text = HEADER + ",,,,\nPaNET:PaNET00001,root,,,\n,,,,\n\nPaNET:PaNET00002,child,root,,\n,,,,\n"
    with_bom = load_template(tmp_path, "\ufeff" + text, "bom.csv")
    plain = load_template(tmp_path, text, "plain.csv")
    assert [t.to_dict() for t in with_bom] == [t.to_dict() for t in plain]
    assert [t.id for t in with_bom.ancestors("PaNET00002")] == ["PaNET00001"]


def test_tab_separated_templates_read_the_same(tmp_path):
    text = HEADER + "PaNET:PaNET00001,root,,,\nPaNET:PaNET00002,child,root,,\n"
    tsv = load_template(tmp_path, text.replace(",", "\t"), "t.tsv")
    assert [t.id for t in tsv.ancestors("child")] == ["PaNET00001"]


def test_several_ec_cells_make_one_intersection(ontology_dir):
    data = parse(ontology_dir / "PaNET.csv", (ontology_dir / "PaNET.csv").read_bytes())
    definition = next(
        a for a in data.axioms if isinstance(a, ax.EquivalentClasses) and a.operands[0] == NS + "PaNET01088"
    )
    assert definition == ax.EquivalentClasses((NS + "PaNET01088", ax.And((NS + "PaNET00202", NS + "PaNET01106"))))
    # the duplicated 'diffraction' row adds a second, separate equivalence, as ROBOT merges rows
    assert ax.EquivalentClasses((NS + "PaNET01022", "https://www.wikidata.org/wiki/Q133900")) in data.axioms


def test_old_layout_class_type_and_ci_columns(ontology_dir):
    path = ontology_dir / "releases" / "v1.1.0" / "PaNET.csv"
    data = parse(path, path.read_bytes())
    assert len(data.terms) == 375
    assert ax.SubClassOf(NS + "PaNET00002", NS + "PaNET00001") in data.axioms  # CI + CLASS_TYPE subclass
    # CLASS_TYPE equivalent: the CI cells make one intersection
    assert ax.EquivalentClasses((NS + "PaNET01156", ax.And((NS + "PaNET01125", NS + "PaNET01012")))) in data.axioms
    # ROBOT 1.8.1 (v1.0-v1.2) turned several EC cells into an n-ary equivalence, as the v1.1.0 OWL shows
    diffraction = (
        NS + "PaNET01022",
        "http://purl.obolibrary.org/obo/CHMO_0000182",
        "https://www.wikidata.org/wiki/Q133900",
    )
    assert ax.EquivalentClasses(diffraction) in data.axioms
    assert not data.warnings


@pytest.mark.parametrize("release", ["v1.0.0", "v1.1.0", "v1.3.0"])
def test_release_templates_give_the_hierarchy_of_their_builds(ontology_dir, release):
    folder = ontology_dir / "releases" / release
    from_csv, from_owl = panet.load(folder / "PaNET.csv"), panet.load(folder / "PaNET.owl")
    shared = [t for t in from_owl if t in from_csv]
    assert len(shared) == len(from_owl)  # v1.0.0's OWL lacks only the placeholder PaNET00000
    assert {t.iri: t.label for t in shared} == {t.iri: from_csv[t.iri].label for t in shared}
    for term in shared:
        assert {a.iri for a in from_csv.ancestors(term)} == {a.iri for a in from_owl.ancestors(term)}, term


def test_v1_3_0_template_reproduces_the_v1_3_0_build(ontology_dir):
    from panet.reasoner import classify

    folder = ontology_dir / "releases" / "v1.3.0"
    built = networkx.DiGraph(named_pairs(rdflib.Graph().parse(folder / "PaNET.owl")))
    closure = set(networkx.transitive_closure_dag(built).edges())
    data = parse(folder / "PaNET.csv", (folder / "PaNET.csv").read_bytes())
    assert classify(data.axioms).strict_pairs() == closure
    assert len(closure) == 3712


def test_v1_2_0_exists_only_as_a_template_and_loads(ontology_dir):
    onto = panet.load(ontology_dir / "releases" / "v1.2.0" / "PaNET.csv")
    assert onto.version == "1.2.0" and len(onto) == 375
    assert onto["PaNET00000"].label == "PaNET00000"  # the unlabeled placeholder ROBOT still makes a class
    assert "PaNET01106" in {t.id for t in onto.ancestors("PaNET01176")}


def test_deprecation_columns(tmp_path):
    onto = load_template(
        tmp_path,
        "ID,Label,Obsolete,Replaced by\nID,LABEL,AT owl:deprecated^^xsd:boolean,AI IAO:0100001\n"
        "PaNET:PaNET00001,technique,,\nPaNET:PaNET00009,old technique,true,PaNET:PaNET00001\n",
    )
    with pytest.warns(panet.DeprecatedTermWarning):
        old = onto["PaNET00009"]
    assert old.deprecated and old.replaced_by == NS + "PaNET00001"


def test_dangling_label_is_reported_and_its_cell_skipped(tmp_path):
    onto = load_template(
        tmp_path,
        HEADER + "PaNET:PaNET00001,root,,,\nPaNET:PaNET00002,child,root,'no such class',\n",
    )
    assert [t.id for t in onto.ancestors("child")] == ["PaNET00001"]
    assert onto.warnings == (
        "row 4, column 4 (Equivalent): 'no such class' is no class label, CURIE or IRI in this template; "
        "this cell is skipped",
    )


@pytest.mark.parametrize(
    ("text", "line", "column", "problem"),
    [
        ("ID,Label\nPaNET:PaNET00001,root\n", 2, None, "directive row missing"),
        ("ID,Label,Parent\nID,A rdfs:label,SUPER %\nPaNET:PaNET00001,root,\n", 2, 3, "unknown ROBOT template string"),
        (HEADER + "PaNET:PaNET00001,root,('a' and,,\n", 3, 3, "the expression ends too early"),
        (HEADER + "PaNET:PaNET00001,root,(root,,\n", 3, 3, "a '(' is not closed"),
        (HEADER + "PaNET:PaNET00001,root,,(root or root),\n", 3, 4, "'or' is outside OWL EL"),
        (HEADER + "<<<<<<< HEAD\nPaNET:PaNET00001,root,,,\n=======\n>>>>>>> branch\n", 3, None, "conflict marker"),
        (HEADER + "PaNET:PaNET00001,root,,,\nPaNET:PaNET00001,other root,,,\n", 4, 2, "appears again with another"),
        (HEADER + 'PaNET:PaNET00001,"root,,,\n', 3, None, "malformed CSV"),
        (HEADER + "not an id,root,,,\n", 3, 1, "neither an IRI nor a CURIE"),
        ("ID,L,T\nID,LABEL,CLASS_TYPE\nPaNET:PaNET00001,root,sometimes\n", 3, 3, "CLASS_TYPE 'sometimes'"),
        (HEADER + ",,,,\n", None, None, "no PaNET classes"),
    ],
)
def test_malformed_templates_raise_one_error_with_line_and_column(tmp_path, text, line, column, problem):
    if problem == "directive row missing":
        problem = "is the directive row missing"
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(panet.OntologyLoadError, match=re.escape(problem)) as caught:
        read(path, path.read_bytes())
    assert (caught.value.line, caught.value.column) == (line, column)
    assert str(caught.value).startswith(str(path))


def test_non_utf8_template_is_refused(tmp_path):
    with pytest.raises(panet.OntologyLoadError, match="not UTF-8") as caught:
        load_template(tmp_path, HEADER + "PaNET:PaNET00001,Röntgen,,,\n", encoding="latin-1")
    assert caught.value.line == 3


def test_cli_reports_a_bad_template_on_one_line_with_exit_2(tmp_path, capsys):
    from panet.cli import main

    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "PaNET:PaNET00001,root,(root,,\n", encoding="utf-8")
    code = main(["term", "root", "--ontology", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "line 3, column 3" in err and "not closed" in err
