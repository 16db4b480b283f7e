"""Facets: what defines a technique by axis, and the reverse query."""

from __future__ import annotations

import json

import pytest

import panet
from panet import axioms as ax
from panet.cli import main
from panet.formats import parse

AXIS_OF = {  # property -> axis, from the property ranges
    "PaNET1001000": "probe",
    "PaNET1002000": "process",
    "PaNET1003000": "functional_dependence",
    "PaNET1004000": "purpose",
    "PaNET1005000": "beam_characteristic",
}


def test_axes_are_named_after_property_ranges(onto):
    assert onto.facet_axes() == ("beam_characteristic", "functional_dependence", "probe", "process", "purpose")


def test_saxs_is_x_ray_small_angle_scattering(onto):
    facets = onto.facets("SAXS")
    assert [t.id for t in facets["probe"]] == ["PaNET2020009"]  # 'x-ray', a specifier
    assert [t.id for t in facets["process"]] == ["PaNET2020072"]  # the specifier, not technique PaNET01124
    assert facets["purpose"] == () and facets["no such axis"] == ()
    assert [t.id for t in facets.conjuncts] == ["PaNET01124", "PaNET01012"]  # by label
    assert all(t.kind == "specifier" for terms in facets.axes.values() for t in terms)


def test_facets_include_what_is_inherited(onto):
    # serial femtosecond crystallography: no conjunct names a probe; x-ray comes from far up
    facets = onto.facets("serial femtosecond crystallography")
    assert {t.label for t in facets["probe"]} == {"x-ray", "ultrafast probe"}
    assert [t.label for t in facets["purpose"]] == ["crystallographic study"]
    assert onto.facets("PaNET2020072").axes == {}  # a specifier has no facets


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (
            {"probe": "neutron", "process": "small angle scattering"},
            {"PaNET01189", "PaNET01240", "PaNET01276", "PaNET01277", "PaNET01278", "PaNET01127"},
        ),
        (
            {"probe": "x-ray", "process": "small angle scattering", "purpose": "obtain 3D spatial map"},
            {"PaNET01286", "PaNET01287"},  # (micro) (grazing incidence) small angle x-ray scattering tomography
        ),
        ({"probe": "muon", "process": "small angle scattering"}, set()),
    ],
)
def test_techniques_with_facets(onto, wanted, expected):
    found = onto.techniques_with(**wanted)
    assert {t.id for t in found} == expected
    assert all(t.kind == "technique" for t in found)


def test_techniques_with_agrees_with_every_umbrella_definition(onto, ontology_dir):
    """X has facet axis=S exactly when X is below the class defined as 'property some S'."""
    path = ontology_dir / "PaNET.csv"
    checked = 0
    for axiom in parse(path, path.read_bytes()).axioms:
        if not isinstance(axiom, ax.EquivalentClasses) or len(axiom.operands) != 2:
            continue
        umbrella, definition = axiom.operands
        if not isinstance(definition, ax.Some) or not isinstance(definition.filler, str):
            continue
        axis = AXIS_OF[definition.property.rpartition("/")[2]]
        below = onto.descendants(umbrella, include_self=True) | onto.equivalents(umbrella)
        below = {t for t in below if t.kind == "technique"}
        assert onto.techniques_with(**{axis: definition.filler}) == below, umbrella
        checked += 1
    assert checked == 128


def test_unknown_axis_is_one_clear_error(onto):
    with pytest.raises(panet.errors.UnknownAxis, match="no facet axis 'probes'; axes: beam_characteristic"):
        onto.techniques_with(probes="neutron")


def test_facets_command(capsys):
    assert main(["facets", "SAXS"]) == 0
    out = capsys.readouterr().out
    assert "probe                 x-ray (PaNET2020009)" in out
    assert "small angle scattering (PaNET01124) and x-ray probe technique (PaNET01012)" in out
    assert main(["facets", "SANS", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["term"]["id"] == "PaNET01189" and [t["label"] for t in data["axes"]["probe"]] == ["neutron"]


def test_facets_where_command(capsys):
    assert main(["facets", "--where", "probe=neutron", "-w", "process=small angle scattering"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 6
    assert main(["facets", "--where", "probe"]) == 2
    assert "AXIS=SPECIFIER" in capsys.readouterr().err
    assert main(["facets", "-w", "wavelength=short"]) == 2
    assert "no facet axis 'wavelength'" in capsys.readouterr().err
    assert main(["facets"]) == 2
