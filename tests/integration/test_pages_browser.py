"""The pages as a person sees them: headless Chromium (driven over the DevTools protocol, with
every non-loopback request blocked) against the real app served by uvicorn on the pages' test
graph (tests/integration/test_pages.py). What the page shows is compared with the GraphQL
answer to the same question, POSTed by the test; nothing is hard-coded.

Under CI=true a missing Chromium or missing assets fail the tests; locally they skip.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest
from neo4j import Driver

from api.app import create_app
from api.pages.routes import VENDOR
from graph.settings import AppSettings, Neo4jSettings
from tests.integration.api_helpers import serve_in_thread
from tests.integration.test_graphiql_browser import (
    LOOPBACK_HOSTS,
    Cdp,
    assert_no_failed_request_or_page_error,
    query_editor_value,
    require,
)
from tests.integration.test_graphiql_browser import (
    browser as browser,  # the Chromium fixture, re-exported for this module
)
from tests.integration.test_pages import OWNER, load_pages_sample

pytestmark = pytest.mark.browser
PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def base_url(
    driver: Driver,
    data_dir: Path,
    neo4j_settings: Neo4jSettings,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    require(
        (VENDOR / "cytoscape" / "cytoscape.min.js").is_file(),
        "cytoscape.js is missing from api/static/vendor: run `make assets`",
    )
    load_pages_sample(driver, data_dir, tmp_path_factory.mktemp("pages-browser"))
    app = create_app(AppSettings(response_cache_ttl=0), neo4j_settings)
    with serve_in_thread(app) as url:
        yield url


def gql(base: str, query: str, **variables: Any) -> Any:
    req = urllib.request.Request(
        f"{base}/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        body = json.load(resp)
    assert "errors" not in body, body
    return body["data"]


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=60) as resp:
        return json.load(resp)


def open_page(cdp: Cdp, url: str, ready: str = "document.readyState === 'complete'") -> None:
    cdp.send("Page.navigate", url=url)
    time.sleep(0.2)
    cdp.wait_for(f"document.readyState === 'complete' && ({ready})", f"{url} to load", 60)


def assert_stayed_local(cdp: Cdp) -> None:
    urls = [
        e["params"]["request"]["url"]
        for e in cdp.events
        if e["method"] == "Network.requestWillBeSent"
    ]
    assert urls
    remote = [
        u
        for u in urls
        if urlsplit(u).scheme not in {"data", "about", "blob"}
        and urlsplit(u).hostname not in {h.strip("[]") for h in LOOPBACK_HOSTS}
    ]
    assert not remote, f"requests left loopback: {remote}"
    assert_no_failed_request_or_page_error(cdp)


def assert_labelled_and_focusable(cdp: Cdp) -> None:
    """Every form control has a label; Tab moves focus through links and controls."""
    unlabelled = cdp.evaluate(
        """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
             .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
             .map(el => el.outerHTML)"""
    )
    assert unlabelled == [], unlabelled
    assert cdp.evaluate("document.querySelectorAll('main h1').length") == 1
    focused = []
    cdp.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(8):  # skip link, brand, four nav links, the search box, its button
        cdp.send("Input.dispatchKeyEvent", type="keyDown", key="Tab", code="Tab",
                 windowsVirtualKeyCode=9)  # fmt: skip
        cdp.send("Input.dispatchKeyEvent", type="keyUp", key="Tab", code="Tab")
        focused.append(cdp.evaluate("document.activeElement.tagName"))
    assert set(focused) <= {"A", "INPUT", "BUTTON", "SELECT", "SUMMARY"}, focused
    assert "A" in focused and "INPUT" in focused  # the skip link, the nav, the search box


def test_profile_shows_what_graphql_answers(browser: Cdp, base_url: str, tmp_path: Path) -> None:
    cdp = browser
    want = gql(
        base_url,
        """query($id: ID!) { author(id: $id) { name paperCount hIndex citationCount
             primaryCategory { id } reported { hIndex citationCount novelty }
             papers(first: 100) { totalCount edges { node { year title } } }
             coauthors(first: 25) { author { name } } } }""",
        id=OWNER,
    )["author"]
    open_page(cdp, f"{base_url}/authors/{quote(OWNER)}", "!!document.querySelector('h1')")
    try:
        shown = cdp.evaluate(
            """(() => {
              const t = s => document.querySelector(s)?.textContent.trim();
              const bars = s => [...document.querySelectorAll(s + ' rect.bar')]
                  .map(r => [r.dataset.year, +r.dataset.value]);
              return {
                name: t('#author-name'), total: t('#paper-total'),
                category: t('#primary-category'),
                hComputed: document.querySelector('#m-hindex [data-computed]').dataset.computed,
                hReported: document.querySelector('#m-hindex [data-reported]').dataset.reported,
                citations: t('#m-citations td'),
                novelty: t('#m-novelty'),
                titles: [...document.querySelectorAll('#papers .paper-title')]
                    .map(a => a.textContent.trim()),
                papersChart: bars('#chart-papers'),
                coauthors: [...document.querySelectorAll('#coauthors tbody tr td:nth-child(2)')]
                    .map(td => td.textContent.trim()),
                abstracts: document.querySelectorAll('#papers details.abstract').length,
                openAbstracts: document.querySelectorAll('#papers details.abstract[open]').length,
              };
            })()"""
        )
    finally:
        cdp.screenshot(tmp_path / "profile.png")
    assert shown["name"] == want["name"]
    assert int(shown["total"]) == want["papers"]["totalCount"]
    assert shown["category"] == want["primaryCategory"]["id"]
    assert int(shown["hComputed"]) == want["hIndex"]
    assert int(shown["hReported"]) == want["reported"]["hIndex"]
    assert shown["citations"].startswith(str(want["citationCount"]))
    assert f"{round(want['reported']['novelty'] * 100)}%" in shown["novelty"]
    assert "not computed" in shown["novelty"]
    years: dict[str, int] = {}
    for e in want["papers"]["edges"]:
        if e["node"]["year"] is not None:
            years[str(e["node"]["year"])] = years.get(str(e["node"]["year"]), 0) + 1
    assert {y: v for y, v in shown["papersChart"] if v} == years  # the chart has the data
    assert shown["coauthors"] == [c["author"]["name"] for c in want["coauthors"]]
    assert shown["abstracts"] > 0 and shown["openAbstracts"] == 0  # collapsed
    assert len(shown["titles"]) == min(20, want["papers"]["totalCount"])
    assert_labelled_and_focusable(cdp)
    assert_stayed_local(cdp)


def test_network_draws_every_node_and_edge_and_clicks_through(
    browser: Cdp, base_url: str, tmp_path: Path
) -> None:
    cdp = browser
    top = gql(
        base_url,
        "{ authors(first: 1, orderBy: [PAPER_COUNT_DESC]) { edges { node { id name } } } }",
    )["authors"]["edges"][0]["node"]
    params = {"author": top["id"], "limit": 500, "hops": 2}
    data = get_json(f"{base_url}/network.json?{urlencode(params)}")
    coauthors = gql(
        base_url,
        "query($id: ID!) { author(id: $id) { coauthors(first: 100) { author { id } } } }",
        id=top["id"],
    )["author"]["coauthors"]
    ids = {n["data"]["id"] for n in data["elements"]["nodes"]}
    assert {c["author"]["id"] for c in coauthors} <= ids  # every co-author is drawn
    started = time.monotonic()
    open_page(
        cdp,
        f"{base_url}/network?{urlencode(params)}",
        "document.getElementById('network').dataset.ready === 'true'",
    )
    ready_s = time.monotonic() - started
    try:
        drawn = cdp.evaluate(
            """({nodes: sgNetwork.nodes().length, edges: sgNetwork.edges().length,
                 status: document.getElementById('net-status').textContent,
                 listed: document.querySelectorAll('#net-list a').length,
                 legend: document.querySelectorAll('#net-legend li').length})"""
        )
        assert drawn["nodes"] == data["nodeCount"] == len(data["elements"]["nodes"])
        assert drawn["edges"] == data["edgeCount"] == len(data["elements"]["edges"])
        assert drawn["listed"] == data["nodeCount"]  # the keyboard-friendly list
        assert f"Showing {data['nodeCount']} of {data['found']} authors" in drawn["status"]
        assert drawn["legend"] == len(data["communities"]) > 0
        assert ready_s < 20, f"the network took {ready_s:.1f}s to draw"
        # hover shows the name, a click opens the profile
        node = data["elements"]["nodes"][1]["data"]
        pos = cdp.evaluate(
            f"(() => {{ const n = sgNetwork.getElementById({json.dumps(node['id'])});"
            "const p = n.renderedPosition(); const b = document.getElementById('network')"
            ".getBoundingClientRect(); return {x: b.x + p.x, y: b.y + p.y}; })()"
        )
        cdp.send("Input.dispatchMouseEvent", type="mouseMoved", x=pos["x"], y=pos["y"])
        tip = cdp.wait_for(
            "document.getElementById('net-tip').style.display === 'block' && "
            "document.getElementById('net-tip').textContent",
            "the hover tooltip",
        )
        assert tip.startswith(node["name"])
    finally:
        cdp.screenshot(tmp_path / "network.png")
    for kind in ("mousePressed", "mouseReleased"):
        cdp.send("Input.dispatchMouseEvent", type=kind, x=pos["x"], y=pos["y"],
                 button="left", clickCount=1)  # fmt: skip
    cdp.wait_for(
        f"location.pathname === {json.dumps('/authors/' + quote(node['id'], safe=':'))}",
        "the click to open the profile",
    )
    assert_stayed_local(cdp)


def test_path_page_lists_the_joint_papers_of_every_hop(browser: Cdp, base_url: str) -> None:
    cdp = browser
    top = gql(
        base_url,
        """{ authors(first: 1, orderBy: [PAPER_COUNT_DESC]) { edges { node { id
             coauthors(first: 1) { author { coauthors(first: 30) { author { id } } } } } } } }""",
    )["authors"]["edges"][0]["node"]
    target = [c["author"]["id"] for c in top["coauthors"][0]["author"]["coauthors"]][-1]
    want = gql(
        base_url,
        """query($a: ID!, $b: ID!) { collaborationPath(from: $a, to: $b, k: 3) {
             authors { name } hops { jointPaperCount papers { title } }
             alternatives { length } } }""",
        a=top["id"],
        b=target,
    )["collaborationPath"]
    open_page(
        cdp,
        f"{base_url}/path?{urlencode({'from': top['id'], 'to': target})}",
        "!!document.querySelector('#path-main') || !!document.querySelector('#no-path')",
    )
    shown = cdp.evaluate(
        """[...document.querySelectorAll('#path-main > li')].map(li => ({
             name: li.querySelector('strong').textContent.trim(),
             joint: li.querySelector('.hop')?.dataset.joint,
             papers: [...li.querySelectorAll('.hop-papers a')].map(a => a.textContent.trim())}))"""
    )
    assert [s["name"] for s in shown] == [a["name"] for a in want["authors"]]
    for s, hop in zip(shown, want["hops"], strict=False):
        assert int(s["joint"]) == hop["jointPaperCount"]
        assert s["papers"] == [p["title"] for p in hop["papers"]] and s["papers"]
    alternatives = cdp.evaluate("document.querySelectorAll('ol.path').length") - 1
    assert alternatives == len(want["alternatives"])
    assert_labelled_and_focusable(cdp)
    assert_stayed_local(cdp)


def test_field_page_charts_and_rankings(browser: Cdp, base_url: str, tmp_path: Path) -> None:
    cdp = browser
    want = gql(
        base_url,
        """{ category(id: "arxiv:hep-th") { paperCount }
             influentialAuthors(category: "arxiv:hep-th", first: 10) { author { name } } }""",
    )
    open_page(
        cdp,
        f"{base_url}/fields/arxiv:hep-th",
        "document.querySelectorAll('.field-section[data-loaded=true]').length === 4",
    )
    try:
        shown = cdp.evaluate(
            """({papers: document.getElementById('field-papers').textContent,
                 bars: [...document.querySelectorAll('#chart-papers rect.bar')]
                   .reduce((s, r) => s + +r.dataset.value, 0),
                 barCount: document.querySelectorAll('#chart-papers rect.bar').length,
                 authors: [...document.querySelectorAll('#influential-authors tbody a')]
                   .map(a => a.textContent.trim())})"""
        )
    finally:
        cdp.screenshot(tmp_path / "field.png")
    assert int(shown["papers"]) == want["category"]["paperCount"]
    assert shown["barCount"] > 0 and shown["bars"] == want["category"]["paperCount"]
    assert shown["authors"] == [a["author"]["name"] for a in want["influentialAuthors"]]
    assert_labelled_and_focusable(cdp)
    assert_stayed_local(cdp)


def test_search_from_the_header_with_the_keyboard(browser: Cdp, base_url: str) -> None:
    cdp = browser
    open_page(cdp, f"{base_url}/fields", "!!document.getElementById('site-q')")
    cdp.evaluate("document.getElementById('site-q').focus()")
    cdp.send("Input.insertText", text="string")
    cdp.send("Input.dispatchKeyEvent", type="keyDown", key="Enter", code="Enter",
             windowsVirtualKeyCode=13, text="\r")  # fmt: skip
    cdp.send("Input.dispatchKeyEvent", type="keyUp", key="Enter", code="Enter")
    cdp.wait_for("location.pathname === '/search' && !!document.getElementById('hits')", "hits")
    want = gql(base_url, '{ search(query: "string", first: 50) { score } }')["search"]
    assert cdp.evaluate("document.querySelectorAll('#hits > li[data-kind]').length") == len(want)
    assert_stayed_local(cdp)


def test_graphiql_puts_a_linked_query_in_the_editor_and_does_not_run_it(
    browser: Cdp, base_url: str
) -> None:
    cdp = browser
    query = "{ stats { papers authors } }"
    open_page(
        cdp,
        f"{base_url}/graphql?{urlencode({'query': query})}",
        "!!document.querySelector('.graphiql-query-editor .CodeMirror')",
    )
    assert query_editor_value(cdp).strip() == query
    time.sleep(1.0)  # give an (unwanted) automatic run the time to happen
    response_pane = cdp.evaluate(
        "(document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue()) || ''"
    )
    assert '"data"' not in response_pane
    posts = [
        e["params"]
        for e in cdp.events
        if e["method"] == "Network.requestWillBeSent" and e["params"]["request"]["method"] == "POST"
    ]
    assert all("stats" not in (p["request"].get("postData") or "") for p in posts), posts
    gets = [
        e["params"]["requestId"]
        for e in cdp.events
        if e["method"] == "Network.requestWillBeSent"
        and urlsplit(e["params"]["request"]["url"]).path == "/graphql"
        and e["params"]["request"]["method"] == "GET"
    ]
    source = cdp.send("Network.getResponseBody", requestId=gets[0])["body"]
    assert "<html" in source and str(PROJECT) not in source and "/site-packages/" not in source
    assert_stayed_local(cdp)


def test_graphiql_without_a_query_opens_on_a_scholargraph_example(
    browser: Cdp, base_url: str
) -> None:
    cdp = browser
    cdp.send("Storage.clearDataForOrigin", origin=base_url, storageTypes="all")
    open_page(
        cdp, f"{base_url}/graphql", "!!document.querySelector('.graphiql-query-editor .CodeMirror')"
    )
    text = query_editor_value(cdp)
    assert "ScholarGraph" in text and "author(id:" in text
    assert_stayed_local(cdp)
