"""Pictures of sub-hierarchies: Graphviz when installed, the built-in SVG layout otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.dom.minidom

import pytest

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (apt graphviz)")


def panet_cli(*args: str, path: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if path is not None:
        env["PATH"] = path
    return subprocess.run([sys.executable, "-m", "panet", *args], capture_output=True, env=env, check=False)


def test_drawing_holds_the_subtree(onto):
    drawing = onto.plot("small angle scattering", depth=1)
    assert drawing.root == onto.term("small angle scattering")
    assert set(drawing.nodes) == {drawing.root} | onto.children("small angle scattering")
    assert {(c, p) for c, p in drawing.edges} == {(c, drawing.root) for c in onto.children(drawing.root)}
    everything = onto.plot("small angle scattering")
    assert set(everything.nodes) == onto.descendants("small angle scattering", include_self=True)


def test_dot_source(onto):
    dot = onto.plot("SAXS").dot
    assert dot.startswith("digraph panet {") and dot.rstrip().endswith("}")
    assert '"PaNET01162" -> "PaNET01188";' in dot  # GISAXS under SAXS
    assert dot.count("->") == len(onto.plot("SAXS").edges)


@needs_dot
def test_graphviz_renders_svg_and_png(onto, tmp_path):
    drawing = onto.plot("SAXS")
    assert drawing.renderer == "graphviz"
    xml.dom.minidom.parseString(drawing.svg)
    assert "small angle x&#45;ray scattering" in drawing._repr_svg_()  # dot escapes "-"
    drawing.save(tmp_path / "saxs.png")
    assert (tmp_path / "saxs.png").read_bytes().startswith(b"\x89PNG")


@needs_dot
def test_cli_writes_pictures(tmp_path):
    done = panet_cli("tree", "SAXS", "--format", "png", "-o", str(tmp_path / "t.png"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"
    done = panet_cli("tree", "SAXS", "--format", "dot")
    assert done.stdout.startswith(b"digraph panet {")


def test_without_graphviz_svg_falls_back_and_png_says_why(tmp_path):
    python_only = os.path.dirname(sys.executable)  # a PATH without dot
    done = panet_cli("tree", "small angle scattering", "--format", "svg", path=python_only)
    assert done.returncode == 0
    assert b"simple layout" in done.stderr
    svg = xml.dom.minidom.parseString(done.stdout)
    titles = [t.firstChild.data for t in svg.getElementsByTagName("title")]
    assert "small angle x-ray scattering (PaNET01188)" in titles
    assert len(titles) == 22  # the root and its 21 descendants

    done = panet_cli("tree", "SAXS", "--format", "png", "-o", str(tmp_path / "t.png"), path=python_only)
    assert done.returncode == 2
    assert b"PNG needs Graphviz" in done.stderr
    assert not (tmp_path / "t.png").exists()
