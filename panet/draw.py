"""Pictures of a sub-hierarchy: Graphviz DOT, rendered to SVG/PNG by ``dot``, or drawn by a
small pure-Python layered layout (SVG only) when Graphviz is not installed.

>>> import panet
>>> drawing = draw(panet.load(), "small angle scattering", depth=1)
>>> drawing.dot.splitlines()[0]
'digraph panet {'
>>> drawing.svg.lstrip().startswith(("<?xml", "<svg"))
True
"""

from __future__ import annotations

import shutil
import subprocess
from html import escape

from panet.errors import PanetError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from panet.ontology import Key, Ontology
    from panet.term import Term

__all__ = ["FORMATS", "Drawing", "DrawingError", "draw"]

FORMATS = ("dot", "svg", "png")
_FILL = {"technique": "#dbe9f6", "specifier": "#f6ecd6"}


class DrawingError(PanetError):
    """A picture could not be made (e.g. PNG without Graphviz)."""


class Drawing:
    """The sub-hierarchy under one term; shows itself as SVG in Jupyter.

    ``dot`` is the Graphviz source; ``svg`` is rendered by Graphviz's ``dot`` when installed,
    else by panet's own layered layout (``renderer`` says which).
    """

    def __init__(self, root: Term, nodes: list[Term], edges: list[tuple[Term, Term]]) -> None:
        self.root = root
        self.nodes = nodes
        self.edges = edges  # (child, parent)
        self._svg: str | None = None
        self.renderer = "graphviz" if shutil.which("dot") else "panet"

    @property
    def dot(self) -> str:
        """Graphviz DOT source: parents above children, the root highlighted."""
        lines = [
            "digraph panet {",
            '  rankdir="BT";',
            '  node [shape=box, style="rounded,filled", fontname="Helvetica"];',
        ]
        for term in self.nodes:
            width = 2 if term == self.root else 1
            label = f"{term.label}\\n{term.id}".replace('"', '\\"')
            lines.append(f'  "{term.id}" [label="{label}", fillcolor="{_FILL[term.kind]}", penwidth={width}];')
        lines.extend(f'  "{child.id}" -> "{parent.id}";' for child, parent in self.edges)
        lines.append("}")
        return "\n".join(lines) + "\n"

    @property
    def svg(self) -> str:
        """The picture as SVG text."""
        if self._svg is None:
            self._svg = self.render("svg").decode() if self.renderer == "graphviz" else _layered_svg(self)
        return self._svg

    def render(self, fmt: str) -> bytes:
        """The picture in ``fmt`` (dot, svg or png); PNG needs Graphviz."""
        if fmt == "dot":
            return self.dot.encode()
        if fmt not in FORMATS:
            raise DrawingError(f"unknown picture format {fmt!r}; use one of {', '.join(FORMATS)}")
        if shutil.which("dot") is None:
            if fmt == "svg":
                return _layered_svg(self).encode()
            raise DrawingError("PNG needs Graphviz's dot (Debian: apt install graphviz); SVG and DOT work without it")
        done = subprocess.run(["dot", f"-T{fmt}"], input=self.dot.encode(), capture_output=True, check=False)
        if done.returncode != 0:
            raise DrawingError(f"Graphviz dot failed: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout

    def save(self, path: str | Path, fmt: str | None = None) -> None:
        """Write the picture; the format defaults to the file's suffix."""
        from pathlib import Path

        path = Path(path)
        path.write_bytes(self.render(fmt or path.suffix.lstrip(".").lower() or "svg"))

    def _repr_svg_(self) -> str:
        return self.svg


def draw(onto: Ontology, key: Key, depth: int | None = None) -> Drawing:
    """The sub-hierarchy under ``key``, ``depth`` levels deep (all levels by default)."""
    root = onto[key]
    nodes, edges, frontier, level = {root: None}, [], [root], 0
    while frontier and (depth is None or level < depth):
        below = []
        for parent in frontier:
            for child in sorted(onto.children(parent), key=lambda t: t.label.casefold()):
                edges.append((child, parent))
                if child not in nodes:
                    nodes[child] = None
                    below.append(child)
        frontier, level = below, level + 1
    return Drawing(root, list(nodes), edges)


def _layered_svg(drawing: Drawing) -> str:
    """A plain layered layout: each term one row below its lowest drawn parent."""
    row = {drawing.root: 0}
    for child, parent in drawing.edges:  # edges come breadth first, parents before children
        row[child] = max(row.get(child, 0), row[parent] + 1)
    rows: dict[int, list[Term]] = {}
    for term in drawing.nodes:
        rows.setdefault(row[term], []).append(term)
    box_w, box_h, gap_x, gap_y = 210, 40, 20, 50
    width = max(len(r) for r in rows.values()) * (box_w + gap_x) + gap_x
    height = len(rows) * (box_h + gap_y) + gap_y
    centre: dict[Term, tuple[float, float]] = {}
    boxes = []
    for r, terms in rows.items():
        offset = (width - len(terms) * (box_w + gap_x) + gap_x) / 2
        for n, term in enumerate(terms):
            x, y = offset + n * (box_w + gap_x), gap_y + r * (box_h + gap_y)
            centre[term] = (x + box_w / 2, y)
            label = term.label if len(term.label) <= 30 else term.label[:29] + "…"
            middle = f'x="{x + box_w / 2:.0f}" text-anchor="middle"'
            boxes.append(
                f"<g><title>{escape(term.label)} ({term.id})</title>"
                f'<rect x="{x:.0f}" y="{y:.0f}" width="{box_w}" height="{box_h}" rx="6" fill="{_FILL[term.kind]}" '
                f'stroke="#333" stroke-width="{2 if term == drawing.root else 1}"/>'
                f'<text {middle} y="{y + 17:.0f}" font-size="12">{escape(label)}</text>'
                f'<text {middle} y="{y + 32:.0f}" font-size="10" fill="#555">{term.id}</text></g>'
            )
    lines = []
    for child, parent in drawing.edges:
        (x1, y1), (x2, y2) = centre[child], centre[parent]
        lines.append(f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2 + box_h:.0f}" stroke="#777"/>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height}" '
        f'viewBox="0 0 {width:.0f} {height}" font-family="Helvetica, Arial, sans-serif">'
        + "".join(lines)
        + "".join(boxes)
        + "</svg>\n"
    )
