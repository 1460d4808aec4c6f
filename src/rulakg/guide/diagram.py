"""The model diagram as SVG, drawn from the Mermaid ``classDiagram`` of ``ontology/README.md`` (one source for
the diagram GitHub shows and the one the guide shows; no JavaScript or external renderer needed).

Layout: classes in columns by their depth in the class hierarchy, ordered within a column by the mean position
of their neighbours; straight edges. Plain, but legible for
the model's few dozen classes, and deterministic."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

INHERIT = re.compile(r"^\s*(\w+)\s*<\|--\s*(\w+)\s*$")
ASSOC = re.compile(r"^\s*(\w+)\s*-->\s*(\w+)\s*(?::\s*(\w+))?\s*$")
CLASS = re.compile(r"^\s*class\s+(\w+)")


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str
    inheritance: bool  # source is the sub-class, target the super-class


def mermaid_block(markdown: str) -> str:
    """The first ```mermaid block of a Markdown text."""
    m = re.search(r"```mermaid\n(.*?)```", markdown, re.S)
    if not m:
        raise ValueError("no ```mermaid block")
    return m.group(1)


def parse(mermaid: str) -> tuple[list[str], list[Edge]]:
    nodes: dict[str, None] = {}
    edges: list[Edge] = []
    for line in mermaid.splitlines():
        if m := INHERIT.match(line):
            parent, child = m.groups()
            edges.append(Edge(child, parent, "", True))
            nodes.update({parent: None, child: None})
        elif m := ASSOC.match(line):
            a, b, label = m.groups()
            edges.append(Edge(a, b, label or "", False))
            nodes.update({a: None, b: None})
        elif m := CLASS.match(line):
            nodes[m.group(1)] = None
    return list(nodes), edges


def _layers(nodes: list[str], edges: list[Edge]) -> dict[str, int]:
    """Columns by depth in the class hierarchy (super-classes left); classes outside the hierarchy (citations,
    documents, offices…) in a last column, where the relations point."""
    parents: dict[str, list[str]] = {n: [] for n in nodes}
    in_hierarchy: set[str] = set()
    for e in edges:
        if e.inheritance:
            parents[e.source].append(e.target)
            in_hierarchy.update((e.source, e.target))

    def depth(n: str, seen: frozenset[str] = frozenset()) -> int:
        return 1 + max((depth(p, seen | {n}) for p in parents[n] if p not in seen), default=-1)

    layer = {n: depth(n) for n in nodes if n in in_hierarchy}
    last = max(layer.values(), default=-1) + 1
    return {n: layer.get(n, last) for n in nodes}


def svg(mermaid: str) -> str:
    nodes, edges = parse(mermaid)
    layer = _layers(nodes, edges)
    columns: dict[int, list[str]] = {}
    for n in nodes:
        columns.setdefault(layer[n], []).append(n)
    neighbours: dict[str, list[str]] = {n: [] for n in nodes}
    for e in edges:
        neighbours[e.source].append(e.target)
        neighbours[e.target].append(e.source)
    order: dict[str, float] = {n: float(i) for members in columns.values() for i, n in enumerate(members)}
    for sweep in range(4):  # barycentre ordering: sweeps left to right and back, to shorten the edges
        for col in sorted(columns, reverse=bool(sweep % 2)):
            members = columns[col]
            for n in members:
                placed = [order[m] for m in neighbours[n] if layer[m] != col]
                order[n] = sum(placed) / len(placed) if placed else order[n]
            members.sort(key=lambda n: (order[n], n))
            for i, n in enumerate(members):
                order[n] = float(i) * max(1, max(len(c) for c in columns.values()) / len(members))
    box_w, box_h, gap_x, gap_y = 200, 30, 150, 26
    height = max(len(c) for c in columns.values()) * (box_h + gap_y) + gap_y
    pos: dict[str, tuple[float, float]] = {}
    for col, members in columns.items():
        offset = (height - len(members) * (box_h + gap_y)) / 2
        for i, n in enumerate(members):
            pos[n] = (20 + col * (box_w + gap_x), offset + gap_y / 2 + i * (box_h + gap_y))
    width = 40 + (max(columns) + 1) * (box_w + gap_x) - gap_x + 60  # room for the arcs right of the last column
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        'font-family="sans-serif" font-size="12" role="img" aria-labelledby="model-title">',
        '<title id="model-title">The RuLA KG model: classes, sub-classes (hollow arrows) and relations</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker>'
        '<marker id="inherit" viewBox="0 0 12 12" refX="12" refY="6" markerWidth="10" markerHeight="10" '
        'orient="auto"><path d="M0,0 L12,6 L0,12 z" fill="white" stroke="#1f4e79"/></marker></defs>',
    ]
    seen_pairs: dict[tuple[str, str], int] = {}
    for e in edges:
        (x1, y1), (x2, y2) = pos[e.source], pos[e.target]
        pair = (min(e.source, e.target), max(e.source, e.target))
        nth = seen_pairs[pair] = seen_pairs.get(pair, -1) + 1  # parallel edges: labels at different places
        style = 'stroke="#1f4e79" marker-end="url(#inherit)"' if e.inheritance else (
            'stroke="#555" stroke-dasharray="4 3" marker-end="url(#arrow)"')
        if x1 == x2:  # same column: an arc to the right of it, not a line through the boxes between
            a, b = (x1 + box_w, y1 + box_h / 2), (x2 + box_w, y2 + box_h / 2)
            bulge = min(gap_x * 0.8, 30 + abs(y2 - y1) / 4) + 12 * nth
            out.append(f'<path d="M{a[0]:.0f},{a[1]:.0f} Q{a[0] + bulge:.0f},{(a[1] + b[1]) / 2:.0f} '
                       f'{b[0]:.0f},{b[1]:.0f}" fill="none" {style}/>')
            lx, ly = a[0] + bulge / 2 + 4, (a[1] + b[1]) / 2 + 3
            anchor = "start"
        else:
            a = (x1 + box_w if x2 > x1 else x1, y1 + box_h / 2)
            b = (x2 if x2 > x1 else x2 + box_w, y2 + box_h / 2)
            out.append(f'<line x1="{a[0]:.0f}" y1="{a[1]:.0f}" x2="{b[0]:.0f}" y2="{b[1]:.0f}" {style}/>')
            t = (0.5, 0.3, 0.7)[nth % 3]
            lx, ly = a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t - 3
            anchor = "middle"
        if e.label:
            out.append(f'<text x="{lx:.0f}" y="{ly:.0f}" text-anchor="{anchor}" fill="#333" font-size="10">'
                       f"{escape(e.label)}</text>")
    for n in nodes:
        x, y = pos[n]
        out.append(f'<rect x="{x:.0f}" y="{y:.0f}" width="{box_w}" height="{box_h}" rx="4" fill="#eef4fb" '
                   'stroke="#1f4e79"/>')
        out.append(f'<text x="{x + box_w / 2:.0f}" y="{y + 19:.0f}" text-anchor="middle">rula:{escape(n)}</text>')
    out.append("</svg>")
    return "\n".join(out)
