"""An author's co-author network (1–2 hops, capped), read with one GraphQL document
(``coauthorNetwork``, answered from the co-author graph of the analytics snapshot:
``graph.collaboration.coauthor_network``), laid out with igraph and written as cytoscape.js JSON
(the interactive page), SVG or PNG (``scholargraph draw``).

The network (``compose``; ``compose_from_lists`` builds the same one from GraphQL ``coauthors``
lists, a document per batch of authors — how it was read before, kept as the reference the tests
compare with):

1. the author and up to ``FIRST_HOP`` co-authors, most joint papers first (``NETWORK_EGO``);
2. for two hops, the co-authors of every first-hop author shown (``NETWORK_BATCH``, at most
   ``PER_AUTHOR`` each, most joint papers first); second-hop authors are ranked by their joint
   papers with the first-hop authors and kept up to the cap;
3. the co-author lists of the second-hop authors kept, so links among them are drawn too.

An edge is drawn between two shown authors when either lists the other among its
``PER_AUTHOR`` most frequent co-authors; its weight is their joint paper count. The cap and the
number of authors found are part of the answer ("showing N of M").
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import quote

from api.pages import queries
from api.pages.gql import PageError
from graph.collaboration import NETWORK_FIRST_HOP, NETWORK_MAX_LIMIT, NETWORK_PER_AUTHOR

FIRST_HOP = NETWORK_FIRST_HOP  # co-authors of the author read (most joint papers first)
PER_AUTHOR = NETWORK_PER_AUTHOR  # co-authors read per other author
BATCH = 40  # authors per batched co-author document (keeps it under the cost budget)
DEFAULT_LIMIT = 150
MAX_LIMIT = NETWORK_MAX_LIMIT

# Colour-blind-safe qualitative palette (Okabe–Ito, then Tableau 10 tones); the rest is grey.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#D55E00",
    "#56B4E9",
    "#8C6D31",
    "#7F3C8D",
    "#3969AC",
    "#11A579",
    "#E73F74",
    "#80BA5A",
)
OTHER_COLOUR = "#9AA0A6"

Run = Callable[[str, Mapping[str, Any]], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    name: str
    papers: int
    pagerank: float | None
    community: int | None
    hop: int  # 0 = the author, 1 = co-author, 2 = co-author of a co-author


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    weight: int  # joint papers


@dataclass(frozen=True, slots=True)
class Network:
    centre: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    found: int  # authors found within the hops read (before the cap)
    limit: int
    hops: int


class AuthorNotFound(LookupError):
    def __init__(self, author_id: str) -> None:
        super().__init__(f"no author {author_id!r} in the graph")
        self.author_id = author_id


def _node(raw: Mapping[str, Any], hop: int) -> Node:
    scores = raw.get("scores") or {}
    return Node(
        id=str(raw["id"]),
        name=str(raw.get("name") or raw["id"]),
        papers=int(raw.get("paperCount") or 0),
        pagerank=scores.get("pagerank"),
        community=raw.get("community"),
        hop=hop,
    )


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


async def _coauthor_lists(run: Run, ids: list[str]) -> dict[str, list[Mapping[str, Any]]]:
    """``id -> coauthors`` for every id, in concurrent batches of ``BATCH``."""
    answers = await asyncio.gather(
        *(
            run(queries.NETWORK_BATCH, {"ids": chunk, "first": len(chunk), "coauthors": PER_AUTHOR})
            for chunk in _chunks(ids, BATCH)
        )
    )
    lists: dict[str, list[Mapping[str, Any]]] = {}
    for answer in answers:
        for edge in answer["authors"]["edges"]:
            lists[edge["node"]["id"]] = edge["node"]["coauthors"]
    return lists


async def compose(run: Run, author_id: str, limit: int = DEFAULT_LIMIT, hops: int = 2) -> Network:
    """The author's co-author network (see the module docstring); ``limit`` authors at most."""
    limit = max(2, min(limit, MAX_LIMIT))
    hops = 1 if hops <= 1 else 2
    try:
        answer = await run(queries.NETWORK, {"id": author_id, "hops": hops, "limit": limit})
    except PageError as e:
        if e.status == 404:
            raise AuthorNotFound(author_id) from e
        raise
    net = answer["coauthorNetwork"]
    nodes = {str(n["author"]["id"]): _node(n["author"], int(n["hop"])) for n in net["nodes"]}
    weights = {
        (str(e["source"]), str(e["target"])): int(e["jointPaperCount"]) for e in net["links"]
    }
    return _network(str(net["centre"]), nodes, weights, int(net["found"]), limit, hops)


async def compose_from_lists(
    run: Run, author_id: str, limit: int = DEFAULT_LIMIT, hops: int = 2
) -> Network:
    """The same network from ``coauthors`` lists, a GraphQL document per batch of authors."""
    limit = max(2, min(limit, MAX_LIMIT))
    hops = 1 if hops <= 1 else 2
    ego = (await run(queries.NETWORK_EGO, {"id": author_id, "first": FIRST_HOP}))["author"]
    if ego is None:
        raise AuthorNotFound(author_id)
    centre = _node(ego, 0)
    nodes: dict[str, Node] = {centre.id: centre}
    weights: dict[tuple[str, str], int] = {}

    def link(a: str, b: str, w: int) -> None:
        if a != b:
            key = (a, b) if a < b else (b, a)
            weights[key] = max(weights.get(key, 0), w)

    first = [(c["author"], int(c["jointPaperCount"])) for c in ego["coauthors"]]
    for raw, w in first[: limit - 1]:
        n = _node(raw, 1)
        nodes[n.id] = n
        link(centre.id, n.id, w)
    found = 1 + len(first)
    if hops == 1:
        return _network(centre.id, nodes, weights, found, limit, hops)

    hop1 = [n.id for n in nodes.values() if n.hop == 1]
    lists = await _coauthor_lists(run, hop1)
    strength: dict[str, int] = {}
    candidates: dict[str, Node] = {}
    for source, coauthors in lists.items():
        for c in coauthors:
            other, w = c["author"], int(c["jointPaperCount"])
            if other["id"] in nodes:
                link(source, other["id"], w)
            else:
                candidates.setdefault(other["id"], _node(other, 2))
                strength[other["id"]] = strength.get(other["id"], 0) + w
    found += len(candidates)
    room = limit - len(nodes)
    ranked = sorted(candidates.values(), key=lambda n: (-strength[n.id], -n.papers, n.id))
    for n in ranked[: max(room, 0)]:
        nodes[n.id] = n
    for source, coauthors in lists.items():
        for c in coauthors:
            if c["author"]["id"] in nodes:
                link(source, c["author"]["id"], int(c["jointPaperCount"]))
    hop2 = [n.id for n in nodes.values() if n.hop == 2]
    for source, coauthors in (await _coauthor_lists(run, hop2)).items():
        for c in coauthors:
            if c["author"]["id"] in nodes:
                link(source, c["author"]["id"], int(c["jointPaperCount"]))
    return _network(centre.id, nodes, weights, found, limit, hops)


def _network(
    centre: str,
    nodes: dict[str, Node],
    weights: dict[tuple[str, str], int],
    found: int,
    limit: int,
    hops: int,
) -> Network:
    edges = tuple(Edge(a, b, w) for (a, b), w in sorted(weights.items()))
    return Network(centre, tuple(nodes.values()), edges, found, limit, hops)


# --------------------------------------------------------------------------- layout and style


def layout(net: Network, width: float = 1000.0, height: float = 720.0) -> list[tuple[float, float]]:
    """Fruchterman–Reingold positions (igraph, weighted by joint papers), deterministic (a
    circle as the start), scaled into ``width`` × ``height`` with a margin."""
    import igraph as ig

    n = len(net.nodes)
    if n == 0:
        return []
    if n == 1:
        return [(width / 2, height / 2)]
    index = {node.id: i for i, node in enumerate(net.nodes)}
    g = ig.Graph(n=n, edges=[(index[e.source], index[e.target]) for e in net.edges])
    start = [[math.cos(2 * math.pi * i / n), math.sin(2 * math.pi * i / n)] for i in range(n)]
    weights = [1.0 + math.log(e.weight) for e in net.edges] or None
    coords = g.layout_fruchterman_reingold(weights=weights, niter=500, seed=start).coords
    xs = [c[0] for c in coords]
    ys = [c[1] for c in coords]
    margin = 40.0
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0
    scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
    off_x = (width - scale * span_x) / 2
    off_y = (height - scale * span_y) / 2
    return [
        (round(off_x + (x - min(xs)) * scale, 1), round(off_y + (y - min(ys)) * scale, 1))
        for x, y in zip(xs, ys, strict=True)
    ]


def community_colours(net: Network) -> dict[int, str]:
    """Community id -> colour: the communities with most authors in the picture get the
    palette in order; the others are drawn grey."""
    counts: dict[int, int] = {}
    for n in net.nodes:
        if n.community is not None:
            counts[n.community] = counts.get(n.community, 0) + 1
    ranked = sorted(counts, key=lambda c: (-counts[c], c))
    return {c: PALETTE[i] for i, c in enumerate(ranked[: len(PALETTE)])}


def node_radius(papers: int, largest: int) -> float:
    """Area proportional to papers, 4..20 px."""
    if largest <= 0:
        return 6.0
    return round(4.0 + 16.0 * math.sqrt(max(papers, 0) / largest), 1)


def edge_width(weight: int) -> float:
    return round(min(1.0 + 1.4 * math.log(max(weight, 1)), 8.0), 2)


def labelled(net: Network, count: int = 30) -> set[str]:
    """The authors whose names are written on the picture: the author, then the most prolific."""
    ranked = sorted(net.nodes, key=lambda n: (n.hop != 0, -n.papers, n.id))
    return {n.id for n in ranked[:count]}


def author_href(author_id: str) -> str:
    return "/authors/" + quote(author_id, safe=":")


def to_json(net: Network) -> dict[str, Any]:
    """The cytoscape.js elements (positions precomputed: the page uses the ``preset`` layout)
    and what the page says about the cap."""
    positions = layout(net)
    colours = community_colours(net)
    largest = max((n.papers for n in net.nodes), default=0)
    shown_labels = labelled(net)
    nodes = [
        {
            "data": {
                "id": n.id,
                "name": n.name,
                "label": n.name if n.id in shown_labels else "",
                "papers": n.papers,
                "pagerank": n.pagerank,
                "community": n.community,
                "hop": n.hop,
                "size": 2 * node_radius(n.papers, largest),
                "colour": colours.get(n.community, OTHER_COLOUR)
                if n.community is not None
                else OTHER_COLOUR,
                "href": author_href(n.id),
            },
            "position": {"x": x, "y": y},
        }
        for n, (x, y) in zip(net.nodes, positions, strict=True)
    ]
    edges = [
        {
            "data": {
                "id": f"e{i}",
                "source": e.source,
                "target": e.target,
                "weight": e.weight,
                "width": edge_width(e.weight),
            }
        }
        for i, e in enumerate(net.edges)
    ]
    return {
        "centre": net.centre,
        "hops": net.hops,
        "limit": net.limit,
        "found": net.found,
        "nodeCount": len(nodes),
        "edgeCount": len(edges),
        "perAuthor": PER_AUTHOR,
        "communities": [
            {"community": c, "colour": colour, "authors": sum(n.community == c for n in net.nodes)}
            for c, colour in colours.items()
        ],
        "elements": {"nodes": nodes, "edges": edges},
    }


def to_svg(net: Network, title: str, width: int = 1000, height: int = 720) -> str:
    """A self-contained SVG picture (no scripts, no external references)."""
    positions = layout(net, width, height)
    at = {n.id: p for n, p in zip(net.nodes, positions, strict=True)}
    names = {n.id: n.name for n in net.nodes}
    colours = community_colours(net)
    largest = max((n.papers for n in net.nodes), default=0)
    shown_labels = labelled(net)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + 50}" '
        f'width="{width}" height="{height + 50}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width}" height="{height + 50}" fill="#ffffff"/>',
        '<g stroke="#8a94a6" stroke-opacity="0.45" stroke-linecap="round">',
    ]
    for e in net.edges:
        (x1, y1), (x2, y2) = at[e.source], at[e.target]
        out.append(
            f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" '
            f'stroke-width="{edge_width(e.weight)}"><title>{escape(names[e.source])} – '
            f"{escape(names[e.target])}: {e.weight} joint papers</title></line>"
        )
    out.append("</g>")
    out.append('<g stroke="#ffffff" stroke-width="1.2">')
    order = sorted(net.nodes, key=lambda n: (n.hop == 0, n.papers))  # big ones on top
    for n in order:
        x, y = at[n.id]
        fill = colours.get(n.community, OTHER_COLOUR) if n.community is not None else OTHER_COLOUR
        ring = ' stroke="#111111" stroke-width="3"' if n.hop == 0 else ""
        community = "none" if n.community is None else str(n.community)
        out.append(
            f'<circle cx="{x}" cy="{y}" r="{node_radius(n.papers, largest)}" fill="{fill}"{ring}>'
            f"<title>{escape(n.name)}: {n.papers} papers, community {community}</title></circle>"
        )
    out.append("</g>")
    out.append(
        '<g font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12" '
        'fill="#1f2328" paint-order="stroke" stroke="#ffffff" stroke-width="3">'
    )
    for n in order:
        if n.id in shown_labels:
            x, y = at[n.id]
            r = node_radius(n.papers, largest)
            weight = ' font-weight="bold"' if n.hop == 0 else ""
            out.append(
                f'<text x="{x}" y="{round(y - r - 3, 1)}" text-anchor="middle"{weight}>'
                f"{escape(n.name)}</text>"
            )
    out.append("</g>")
    caption = caption_text(net)
    font = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif" fill="#444c56"'
    out.append(
        f'<text x="12" y="{height + 18}" {font} font-size="14" font-weight="bold">'
        f"{escape(title)}</text>"
    )
    out.append(f'<text x="12" y="{height + 38}" {font} font-size="12">{escape(caption)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def caption_text(net: Network) -> str:
    return (
        f"showing {len(net.nodes)} of {net.found} authors within {net.hops} "
        f"hop{'s' if net.hops > 1 else ''}, {len(net.edges)} co-author links; "
        "size: papers, colour: Leiden community, line width: joint papers"
    )


def write_png(net: Network, title: str, path: str, width: int = 1000, height: int = 720) -> None:
    """The same picture as :func:`to_svg`, drawn by matplotlib (needed only for PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    positions = layout(net, width, height)
    at = {n.id: p for n, p in zip(net.nodes, positions, strict=True)}
    colours = community_colours(net)
    largest = max((n.papers for n in net.nodes), default=0)
    shown_labels = labelled(net)
    dpi = 100
    total = height + 50
    fig = plt.figure(figsize=(width / dpi, total / dpi), dpi=dpi)
    ax = fig.add_axes((0.0, 50 / total, 1.0, height / total))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    segments = [(at[e.source], at[e.target]) for e in net.edges]
    ax.add_collection(
        LineCollection(
            segments,
            linewidths=[edge_width(e.weight) for e in net.edges],
            colors="#8a94a6",
            alpha=0.45,
            zorder=1,
        )
    )
    order = sorted(net.nodes, key=lambda n: (n.hop == 0, n.papers))
    for n in order:
        x, y = at[n.id]
        fill = colours.get(n.community, OTHER_COLOUR) if n.community is not None else OTHER_COLOUR
        r = node_radius(n.papers, largest)
        ax.scatter(
            [x],
            [y],
            s=(r * 72 / dpi * 2) ** 2,
            c=fill,
            edgecolors="#111111" if n.hop == 0 else "#ffffff",
            linewidths=2.5 if n.hop == 0 else 1.0,
            zorder=2,
        )
        if n.id in shown_labels:
            text = ax.text(
                x,
                y - r - 3,
                n.name,
                ha="center",
                va="bottom",
                fontsize=8.5,
                fontweight="bold" if n.hop == 0 else "normal",
                color="#1f2328",
                zorder=3,
            )
            from matplotlib import patheffects

            text.set_path_effects([patheffects.withStroke(linewidth=3, foreground="white")])
    fig.text(0.012, 30 / total, title, fontsize=10.5, fontweight="bold", color="#444c56")
    fig.text(0.012, 10 / total, caption_text(net), fontsize=9, color="#444c56")
    fig.savefig(path, dpi=dpi, facecolor="white")
    plt.close(fig)
