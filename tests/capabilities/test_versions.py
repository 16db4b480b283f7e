"""Shipped versions, label history across them, and diff."""

from __future__ import annotations

import json

import pytest

import panet
from panet.cli import main


def test_shipped_versions():
    assert [(r.name, r.version) for r in panet.releases()] == [
        ("v1.0.0", "1.0.0"),
        ("v1.1.0", "1.1.0"),
        ("v1.2.0", "1.2.0"),
        ("v1.3.0", "1.3.0"),
        ("current", "1.3.0-48-g7011e6b"),
    ]
    assert panet.releases()[2].file.endswith("v1.2.0/PaNET.csv")  # no OWL build of v1.2.0 exists


@pytest.mark.parametrize(
    ("version", "expected", "size"),
    [("1.0.0", "1.0.0", 374), ("v1.1.0", "1.1.0", 375), ("1.2.0", "1.2.0", 375), ("latest", "1.3.0", 505)],
)
def test_load_a_version(version, expected, size):
    onto = panet.load(version=version)
    assert (onto.version, len(onto)) == (expected, size)


def test_version_comes_from_the_tag_not_versioninfo():
    old = panet.load(version="1.1.0")
    assert old.version == "1.1.0"
    assert old.version_info == "1.0.0-3-g6a0b629-dirty"


def test_current_is_the_default(onto):
    assert panet.load(version="current").checksum == onto.checksum
    assert panet.load(version="current").version == panet.releases()[-1].version == onto.version


def test_unknown_version_lists_the_shipped_ones():
    with pytest.raises(panet.UnknownVersion, match=r"'1\.1\.1'; shipped: v1\.0\.0, v1\.1\.0, v1\.2\.0"):
        panet.load(version="1.1.1")
    with pytest.raises(TypeError):
        panet.load("PaNET.owl", version="1.1.0")


@pytest.mark.parametrize(
    ("old_label", "term_id"),
    [
        ("hard x-ray probe", "PaNET01013"),  # v1.0-v1.3 label
        ("grazing incidence wide angle scattering", "PaNET01316"),  # v1.0-v1.2 label
        ("microfocussed probe", "PaNET00106"),  # v1.3.0: the technique's and the specifier's label
    ],
)
def test_labels_of_any_shipped_version_resolve(onto, old_label, term_id):
    term = onto.term(old_label)
    assert (term.id, term.match) == (term_id, "former label")


def test_an_old_version_resolves_todays_labels():
    old = panet.load(version="1.1.0")
    term = old.term("x-ray probe technique")
    assert (term.id, term.label, term.match) == ("PaNET01012", "x-ray probe", "former label")


def test_history_covers_every_shipped_version(onto):
    assert onto.history("PaNET01316") == (
        ("1.0.0", "grazing incidence wide angle scattering"),
        ("1.3.0", "grazing incidence wide angle x-ray scattering"),
    )
    assert onto.history("PaNET01107") == (
        ("1.0.0", "inelastic small angle scatteringng"),
        ("1.1.0", "inelastic small angle scattering"),
    )
    assert panet.load(version="1.1.0").history("PaNET01012")[-1] == ("1.3.0-48-g7011e6b", "x-ray probe technique")


def test_diff_v1_2_0_to_v1_3_0():
    change = panet.diff("v1.2.0", "v1.3.0")
    assert change.summary()["added"] == 136 and change.summary()["removed"] == 1
    assert [t.id for t in change.removed] == ["PaNET00000"]  # the unlabeled placeholder
    assert len(change.properties_added) == 5
    assert sum(t.kind == "specifier" for t in change.added) == 128
    assert sorted(t.id for t in change.added if t.kind == "technique") == ["PaNET01331", "PaNET01332", "PaNET01333"]
    assert [(c.term.id, c.before, c.after) for c in change.relabelled] == [
        ("PaNET01316", "grazing incidence wide angle scattering", "grazing incidence wide angle x-ray scattering")
    ]


def test_diff_v1_3_0_to_current(onto):
    change = panet.diff("1.3.0", onto)
    assert sorted(t.id for t in change.added) == [
        "PaNET00006",
        "PaNET00107",
        "PaNET01334",
        "PaNET2005000",
        "PaNET2011007",
    ]
    assert [c.term for c in change.properties_added] == ["http://purl.org/pan-science/PaNET/PaNET1005000"]
    counts = change.summary()
    assert (counts["added"], counts["removed"], counts["relabelled"], counts["ancestors_changed"]) == (6, 0, 28, 74)
    assert ("PaNET00107", "positron probe technique") in {(t.id, t.label) for t in change.added}
    assert ("spin echo  scattering", "spin echo scattering") in {(c.before, c.after) for c in change.relabelled}
    left = change.left("PaNET00001")  # PaNET00002 moved out of the technique root on purpose
    assert len(left) == 20
    assert all("PaNET00001" not in {a.id for a in onto.ancestors(t)} for t in left)
    assert all(t == onto["PaNET00002"] or onto["PaNET00002"] in onto.ancestors(t) for t in left)
    assert change.joined("PaNET00001") == ()


def test_diff_of_old_releases():
    assert len(panet.diff("v1.0.0", "v1.1.0").relabelled) == 3
    reparented = {c.term.id for c in panet.diff("v1.1.0", "v1.2.0").parents_changed}
    assert reparented == {"PaNET01236", "PaNET01106", "PaNET01196", "PaNET00401"}  # 00401 is 01106's equivalent


def test_diff_takes_paths(ontology_dir):
    change = panet.diff(ontology_dir / "releases" / "v1.3.0" / "PaNET.csv", str(ontology_dir / "PaNET.csv"))
    assert change.summary()["added"] == 6 and len(change.left("PaNET00001")) == 20


def test_diff_command(capsys):
    assert main(["diff", "v1.2.0", "v1.3.0"]) == 0
    out = capsys.readouterr().out
    assert "added 136 (131 terms, 5 object properties), removed 1, relabelled 1" in out
    assert (
        "PaNET01316  'grazing incidence wide angle scattering' -> 'grazing incidence wide angle x-ray scattering'"
        in out
    )
    assert main(["diff", "v1.3.0", "current", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["relabelled"] == 28 and data["new"]["version"] == "1.3.0-48-g7011e6b"
    assert {"iri", "id", "label", "before", "after"} <= set(data["parents_changed"][0])
    assert main(["diff", "v9", "current"]) == 2
    assert "no shipped PaNET release 'v9'" in capsys.readouterr().err


def test_releases_command(capsys):
    assert main(["releases", "--json"]) == 0
    assert [r["name"] for r in json.loads(capsys.readouterr().out)][-1] == "current"
