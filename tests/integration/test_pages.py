"""The server-rendered pages over plain HTTP: status codes, 404 pages, HTML escaping, links
between pages, and figures equal to the GraphQL answers for the same question.

Data: the real profile page, Paperscape 1991–1993 (a slice of the real sample, so paths, fields
and networks have substance) and one BibTeX record whose title holds a <script> tag, loaded by
the real loaders into the session's Neo4j, with Leiden and PageRank written.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import markupsafe
import pytest
import pytest_asyncio
from neo4j import Driver

from api.app import create_app
from graph.analytics.runs import analyze
from graph.analytics.spec import GraphKind, GraphSpec
from graph.settings import AppSettings, Neo4jSettings
from loaders.writer import load_paths
from tests.conftest import wipe
from tests.integration.api_helpers import app_client

pytestmark = pytest.mark.asyncio(loop_scope="session")
DB = "neo4j"
OWNER = "name:lizhu zhang"  # the profile page's owner
SCRIPT_TITLE = "<script>alert('pages')</script> Escaping in titles"
PAPERSCAPE_YEARS = ("1991", "1992", "1993")
BIBTEX = """@article{tester2020escaping,
  title = {<script>alert('pages')</script> Escaping in titles},
  author = {Tester, Zed Q. and Checker, Ada},
  journal = {Journal of Page Tests},
  year = {2020}
}
"""


def load_pages_sample(driver: Driver, data_dir: Path, tmp: Path) -> None:
    """The pages' test graph (see the module docstring); shared with test_pages_browser.py."""
    wipe(driver)
    bib = tmp / "escaping.bib"
    bib.write_text(BIBTEX, encoding="utf-8")
    folder = data_dir / "paperscape-arxiv-1991-1996"
    paths = [data_dir / "profile-page", bib] + [folder / f"pscp-{y}.csv" for y in PAPERSCAPE_YEARS]
    summary = load_paths(driver, DB, paths)
    assert not summary.failed_files
    analyze(driver, DB, GraphSpec(GraphKind.COAUTHORSHIP), "leiden", write=True)
    analyze(driver, DB, GraphSpec(GraphKind.COAUTHORSHIP), "pagerank", write=True)


@pytest.fixture(scope="module")
def loaded(driver: Driver, data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Driver:
    load_pages_sample(driver, data_dir, tmp_path_factory.mktemp("pages"))
    return driver


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def client(loaded: Driver, neo4j_settings: Neo4jSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(AppSettings(response_cache_ttl=0), neo4j_settings)
    async for c in app_client(app):
        yield c


async def gql(client: httpx.AsyncClient, query: str, **variables: Any) -> Any:
    resp = await client.post("/graphql", json={"query": query, "variables": variables})
    body = resp.json()
    assert "errors" not in body, body
    return body["data"]


def esc(value: str) -> str:
    """As the templates escape (Jinja2's autoescape)."""
    return str(markupsafe.escape(value))


def text_of(page: str) -> str:
    """The visible text, roughly: tags dropped, entities decoded, spaces collapsed."""
    no_tags = re.sub(r"<script\b.*?</script>|<[^>]+>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(no_tags))


def hrefs(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', page)]


async def top_author(client: httpx.AsyncClient) -> dict[str, Any]:
    data = await gql(
        client,
        "{ authors(first: 1, orderBy: [PAPER_COUNT_DESC]) { edges { node { id name "
        "paperCount } } } }",
    )
    node: dict[str, Any] = data["authors"]["edges"][0]["node"]
    return node


# --------------------------------------------------------------------------- profile


async def test_profile_shows_computed_and_reported_figures_as_graphql_answers(
    client: httpx.AsyncClient,
) -> None:
    want = (
        await gql(
            client,
            """query($id: ID!) { author(id: $id) { id name paperCount hIndex citationCount
                 primaryCategory { id } reported { hIndex citationCount paperCount novelty
                 aiScore } papers(first: 20) { totalCount edges { node { id title } } } } }""",
            id=OWNER,
        )
    )["author"]
    resp = await client.get("/authors/" + quote(OWNER))
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    page = resp.text
    text = text_of(page)
    assert f'<h1 id="author-name">{esc(want["name"])}</h1>' in page
    assert want["primaryCategory"]["id"] in text
    # computed and reported side by side, each in its labelled cell
    rep = want["reported"]
    assert f'data-computed="{want["hIndex"]}"' in page
    assert f'data-reported="{rep["hIndex"]}"' in page
    assert f'data-computed="{want["citationCount"]}"' in page
    assert f'data-reported="{rep["citationCount"]}"' in page
    assert f'data-reported="{rep["novelty"]}"' in page
    assert f"{round(rep['novelty'] * 100)}%" in text  # the page printed "Novelty64%"
    assert "not computed" in re.search(r'id="m-novelty".*?</tr>', page, re.S).group(0)  # type: ignore[union-attr]
    assert "reported" in text and "computed in the graph" in text
    assert f'<span id="paper-total">{want["papers"]["totalCount"]}</span>' in page
    for edge in want["papers"]["edges"]:
        assert esc(edge["node"]["title"]) in page
    # the source's truncated lists: three names, "et al.", the rest behind <details>
    assert text.count("et al.") >= 1 and '<details class="more-authors">' in page


async def test_profile_sorts_and_pages_with_query_parameters(client: httpx.AsyncClient) -> None:
    author = await top_author(client)
    want = (
        await gql(
            client,
            """query($id: ID!) { author(id: $id) { p1: papers(first: 5, orderBy: [TITLE_ASC]) {
                 edges { node { title } } pageInfo { endCursor hasNextPage } } } }""",
            id=author["id"],
        )
    )["author"]["p1"]
    base = "/authors/" + quote(author["id"])
    first = await client.get(base, params={"sort": "title", "size": "5"})
    assert first.status_code == 200
    titles = [
        html.unescape(t) for t in re.findall(r'class="paper-title"[^>]*>([^<]*)<', first.text)
    ]
    assert titles == [e["node"]["title"] for e in want["edges"]]
    assert want["pageInfo"]["hasNextPage"]
    nxt = re.search(r'id="next-page" href="([^"]+)"', first.text)
    assert nxt, "a next-page link"
    second = await client.get(html.unescape(nxt.group(1)))
    assert second.status_code == 200
    more = [html.unescape(t) for t in re.findall(r'class="paper-title"[^>]*>([^<]*)<', second.text)]
    assert more and not set(more) & set(titles)
    bad = await client.get(base, params={"sort": "sideways"})
    assert bad.status_code == 400 and "sideways" in text_of(bad.text)


async def test_unknown_author_and_paper_get_a_404_page(client: httpx.AsyncClient) -> None:
    for url in ("/authors/name:nobody%20at%20all", "/papers/arxiv:hep-th/9999999"):
        resp = await client.get(url)
        assert resp.status_code == 404, url
        assert resp.headers["content-type"].startswith("text/html")
        assert "not found" in text_of(resp.text).lower()
        assert 'action="/search"' in resp.text  # the header's search box is still there
    bad_form = await client.get("/papers/not-an-id-form:x")
    assert bad_form.status_code == 400


async def test_a_script_in_a_title_is_shown_as_text(client: httpx.AsyncClient) -> None:
    hits = await gql(
        client,
        "query($q: String!) { search(query: $q, types: [PAPER]) { ... on PaperHit { paper { id "
        "title authors { id } } } } }",
        q="Escaping titles",
    )
    paper = next(h["paper"] for h in hits["search"] if h["paper"]["title"] == SCRIPT_TITLE)
    pages = [
        await client.get("/papers/" + quote(paper["id"], safe=":/")),
        await client.get("/authors/" + quote(paper["authors"][0]["id"])),
        await client.get("/search", params={"q": "Escaping titles"}),
    ]
    for resp in pages:
        assert resp.status_code == 200
        assert "<script>alert" not in resp.text
        assert esc(SCRIPT_TITLE) in resp.text
    # a query string with markup is escaped too
    resp = await client.get("/search", params={"q": '"><script>x()</script>'})
    assert "<script>x()" not in resp.text


async def test_pages_link_to_each_other(client: httpx.AsyncClient) -> None:
    author = await top_author(client)
    profile = (await client.get("/authors/" + quote(author["id"]))).text
    links = hrefs(profile)
    assert any(h.startswith("/papers/") for h in links)
    assert any(h.startswith("/fields/") for h in links)
    assert any(h.startswith("/path?") for h in links)
    assert any(h.startswith("/network?") for h in links)
    assert {"/search", "/fields", "/path", "/graphql"} <= set(links)
    paper_link = next(h for h in links if h.startswith("/papers/"))
    paper = await client.get(paper_link)
    assert paper.status_code == 200
    assert any(h == "/authors/" + quote(author["id"], safe=":") for h in hrefs(paper.text))
    field_link = next(h for h in links if h.startswith("/fields/"))
    field = await client.get(field_link)
    assert field.status_code == 200, text_of(field.text)[:500]
    assert any(h.startswith(field_link + "/influence") for h in hrefs(field.text))
    influence = await client.get("/fields/arxiv:hep-th/influence")
    assert influence.status_code == 200, text_of(influence.text)[:500]
    assert any(h.startswith("/authors/") for h in hrefs(influence.text))
    assert any(h.startswith("/papers/") for h in hrefs(influence.text))
    search = await client.get("/search", params={"q": author["name"].split()[-1]})
    assert search.status_code == 200
    assert any(h.startswith("/authors/") for h in hrefs(search.text))
    # everything a page loads comes from this server (outbound links are rel="external")
    for page in (profile, paper.text, field.text, influence.text, search.text):
        loaded = re.findall(r'<(?:script|img|link|iframe)\b[^>]*?(?:src|href)="([^"]*)"', page)
        assert loaded and all(u.startswith(("/", "data:")) for u in loaded), loaded
        for tag in re.findall(r"<a\b[^>]*>", page):
            href = re.search(r'href="([^"]*)"', tag)
            if href and not href.group(1).startswith(("/", "#", "?")):
                assert 'rel="external"' in tag, tag


async def test_every_asset_a_page_names_is_served_here(client: httpx.AsyncClient) -> None:
    author = await top_author(client)
    page = (await client.get("/network", params={"author": author["id"]})).text
    assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', page)
    assert "/assets/vendor/cytoscape/cytoscape.min.js" in assets
    for a in assets:
        resp = await client.get(a)
        assert resp.status_code == 200, a
    assert "cdn" not in page.lower() and "googleapis" not in page


async def test_network_json_matches_the_coauthor_answers(client: httpx.AsyncClient) -> None:
    author = await top_author(client)
    want = (
        await gql(
            client,
            "query($id: ID!) { author(id: $id) { coauthors(first: 100) { jointPaperCount "
            "author { id } } } }",
            id=author["id"],
        )
    )["author"]["coauthors"]
    resp = await client.get("/network.json", params={"author": author["id"], "hops": "1"})
    assert resp.status_code == 200
    net = resp.json()
    ids = {n["data"]["id"] for n in net["elements"]["nodes"]}
    assert ids == {author["id"]} | {c["author"]["id"] for c in want}
    assert net["nodeCount"] == len(ids) and net["edgeCount"] == len(net["elements"]["edges"])
    weights = {
        frozenset((e["data"]["source"], e["data"]["target"])): e["data"]["weight"]
        for e in net["elements"]["edges"]
    }
    for c in want:
        assert weights[frozenset((author["id"], c["author"]["id"]))] == c["jointPaperCount"]
    capped = (
        await client.get("/network.json", params={"author": author["id"], "limit": "5"})
    ).json()
    assert capped["nodeCount"] == 5 and capped["found"] > 5
    assert (
        await client.get("/network.json", params={"author": "name:no such person"})
    ).status_code == 404
    assert (
        await client.get("/network.json", params={"author": author["id"], "limit": "9999"})
    ).status_code == 400


async def test_the_network_in_one_document_is_the_one_composed_from_coauthor_lists(
    client: httpx.AsyncClient,
) -> None:
    """``coauthorNetwork`` (the co-author graph of the snapshot, or of the export before it is
    built) gives the network that the per-batch ``coauthors`` documents compose."""
    from api.pages import network

    async def run(document: str, variables: Any) -> Any:
        return await gql(client, document, **dict(variables))

    data = await gql(
        client,
        "{ authors(first: 3, orderBy: [PAPER_COUNT_DESC]) { edges { node { id } } } }",
    )
    for edge in data["authors"]["edges"]:
        aid = edge["node"]["id"]
        for hops, limit in ((1, 150), (2, 5), (2, 150), (2, 500)):
            got = await network.compose(run, aid, limit, hops)
            want = await network.compose_from_lists(run, aid, limit, hops)
            assert got.nodes == want.nodes, (aid, hops, limit)
            assert got.edges == want.edges, (aid, hops, limit)
            assert (got.found, got.centre) == (want.found, want.centre)
            assert len(got.nodes) <= limit and got.edges


async def test_path_page_lists_every_hop_with_its_joint_papers(client: httpx.AsyncClient) -> None:
    author = await top_author(client)
    two_hops = (
        await gql(
            client,
            "query($id: ID!) { author(id: $id) { coauthors(first: 1) { author { id coauthors("
            "first: 50) { author { id } } } } } }",
            id=author["id"],
        )
    )["author"]["coauthors"][0]["author"]
    target = next(
        c["author"]["id"] for c in two_hops["coauthors"] if c["author"]["id"] != author["id"]
    )
    want = (
        await gql(
            client,
            "query($a: ID!, $b: ID!) { collaborationPath(from: $a, to: $b, k: 3) { length "
            "authors { id } hops { jointPaperCount papers { id } } alternatives { length } } }",
            a=author["id"],
            b=target,
        )
    )["collaborationPath"]
    resp = await client.get("/path", params={"from": author["id"], "to": target})
    assert resp.status_code == 200
    page = resp.text
    block = page.split('id="path-main"', 1)[1].split('id="alternatives-h"', 1)[0]
    assert block.count("data-author-id=") == len(want["authors"]) == want["length"] + 1
    for hop in want["hops"]:
        assert f'data-joint="{hop["jointPaperCount"]}"' in block
        for p in hop["papers"]:
            assert 'href="/papers/' + quote(p["id"], safe=":/") + '"' in block
    assert page.count('<ol class="path"') == 1 + len(want["alternatives"])
    empty = await client.get("/path")
    assert empty.status_code == 200 and 'id="from"' in empty.text
    unknown = await client.get("/path", params={"from": author["id"], "to": "name:nobody x y"})
    assert unknown.status_code in (400, 404) and "error-box" in unknown.text


async def test_field_page_counts_equal_graphql(client: httpx.AsyncClient) -> None:
    want = await gql(
        client,
        """{ category(id: "arxiv:hep-th") { paperCount }
             y: papers(where: { category: { in: ["arxiv:hep-th"] }, year: { eq: 1992 } }, first: 0)
               { totalCount }
             influentialPapers(category: "arxiv:hep-th", first: 10) { paper { id } } }""",
    )
    resp = await client.get("/fields/arxiv:hep-th")
    assert resp.status_code == 200
    page = resp.text
    assert f'<span id="field-papers">{want["category"]["paperCount"]}</span>' in page
    years = await client.get("/fields/arxiv:hep-th/years", params={"fragment": "1"})
    assert years.status_code == 200
    assert f'data-year="1992" data-value="{want["y"]["totalCount"]}"' in years.text
    # the analytics sections: fragments the page loads, and pages of their own
    fragment = re.search(r'data-fragment="([^"]*/influence[^"]*)"', page)
    assert fragment
    for url, whole_page in ((html.unescape(fragment.group(1)), False),
                            ("/fields/arxiv:hep-th/influence", True)):  # fmt: skip
        section = await client.get(url)
        assert section.status_code == 200
        assert ("<html" in section.text) == whole_page
        for s in want["influentialPapers"]:
            assert 'href="/papers/' + quote(s["paper"]["id"], safe=":/") + '"' in section.text
    for name in ("years", "rising", "communities"):
        assert (await client.get(f"/fields/arxiv:hep-th/{name}?fragment=1")).status_code == 200
    assert (await client.get("/fields/arxiv:hep-th/nonsense")).status_code == 404
    assert (await client.get("/fields/arxiv:no-such")).status_code == 404
    listing = await client.get("/fields")
    assert listing.status_code == 200 and 'href="/fields/arxiv:hep-th"' in listing.text


async def test_search_page_shows_the_hits_and_type_facets(client: httpx.AsyncClient) -> None:
    want = await gql(
        client,
        'query { search(query: "string", first: 50) { __typename score } }',
    )
    resp = await client.get("/search", params={"q": "string"})
    assert resp.status_code == 200
    page = resp.text
    kinds = re.findall(r'<li data-kind="(\w+)">', page)
    assert len(kinds) == len(want["search"])
    for name in ("paper", "author", "venue"):
        n = sum(h["__typename"] == f"{name.capitalize()}Hit" for h in want["search"])
        assert f'data-facet="{name}" data-count="{n}"' in page
    only = await client.get("/search", params={"q": "string", "type": "author"})
    assert set(re.findall(r'<li data-kind="(\w+)">', only.text)) <= {"author"}
    broken = await client.get("/search", params={"q": "string AND ("})
    assert broken.status_code == 400 and "error-box" in broken.text


async def test_graphiql_get_from_a_browser_is_the_ide_and_runs_nothing(
    client: httpx.AsyncClient,
) -> None:
    query = "{ stats { papers } }"
    browser = await client.get(
        "/graphql", params={"query": query}, headers={"Accept": "text/html,*/*;q=0.8"}
    )
    assert browser.status_code == 200
    assert browser.headers["content-type"].startswith("text/html")
    assert '"data"' not in browser.text and "graphiql" in browser.text.lower()
    assert str(Path(__file__).resolve().parents[2]) not in browser.text  # no server path
    assert "ScholarGraph" in browser.text and "author(id:" in browser.text  # default query
    api = await client.get(
        "/graphql", params={"query": query}, headers={"Accept": "application/json"}
    )
    assert api.status_code == 200 and "papers" in api.json()["data"]["stats"]


# --------------------------------------------------------------------------- the static picture


async def test_draw_writes_the_same_network_as_svg_and_png(
    client: httpx.AsyncClient,
    neo4j_settings: Neo4jSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import xml.etree.ElementTree as ET

    from typer.testing import CliRunner

    from cli.main import app

    # the command runs its own event loop (asyncio.run): in a thread, as from a shell

    author = await top_author(client)
    net = (await client.get("/network.json", params={"author": author["id"]})).json()
    monkeypatch.setenv("NEO4J_URI", neo4j_settings.uri)
    monkeypatch.setenv("NEO4J_DATABASE", neo4j_settings.database)
    svg_path = tmp_path / "net.svg"
    result = await asyncio.to_thread(
        CliRunner().invoke, app, ["draw", author["id"], "--out", str(svg_path)]
    )
    assert result.exit_code == 0, result.output
    root = ET.parse(svg_path).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f".//{ns}circle")) == net["nodeCount"]
    assert len(root.findall(f".//{ns}line")) == net["edgeCount"]
    labels = {t.text for t in root.findall(f".//{ns}text")}
    assert author["name"] in labels
    assert "href" not in svg_path.read_text() and "<script" not in svg_path.read_text()
    png_path = tmp_path / "net.png"
    result = await asyncio.to_thread(
        CliRunner().invoke, app, ["draw", author["id"], "--out", str(png_path), "--hops", "1"]
    )
    assert result.exit_code == 0, result.output
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = await asyncio.to_thread(
        CliRunner().invoke, app, ["draw", author["id"], "--out", str(tmp_path / "net.gif")]
    )
    assert bad.exit_code == 2 and ".svg or .png" in bad.output
    unknown = await asyncio.to_thread(
        CliRunner().invoke, app, ["draw", "name:nobody here", "--out", str(svg_path)]
    )
    assert unknown.exit_code == 2 and "no author" in unknown.output
