"""The novelty run on real samples in the session's Neo4j: written with COMPLETE AnalysisRun
nodes, read back through GraphQL equal to a value recomputed here from the definition
(plain dictionaries, no numpy), idempotent, and shown as "ours" on the profile and paper pages.

Data: Paperscape 1991–1992 (titles), the arXiv Kaggle head (titles + abstracts) and the real
profile page, loaded by the real loaders.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import pytest_asyncio
from neo4j import Driver

from api.app import create_app
from graph.analytics.novelty import run_novelty, tokens
from graph.analytics.runs import latest_runs
from graph.settings import AppSettings, Neo4jSettings
from loaders.writer import load_paths
from tests.conftest import wipe
from tests.integration.api_helpers import app_client

pytestmark = pytest.mark.asyncio(loop_scope="session")
DB = "neo4j"
OWNER = "name:lizhu zhang"

PAPERS = """
MATCH (p:Paper) WHERE NOT coalesce(p.stub, false)
OPTIONAL MATCH (p)-[r:IN_CATEGORY]->(c:Category)
WITH p, c ORDER BY coalesce(r.primary, false) DESC, c.id
RETURN p.id AS id, p.title AS title, p.abstract AS abstract, p.date AS date, p.year AS year,
       head(collect(c.id)) AS category
"""


@pytest.fixture(scope="module")
def loaded(driver: Driver, data_dir: Path) -> Driver:
    wipe(driver)
    paths = [
        data_dir / "profile-page",
        data_dir / "arxiv-kaggle-snapshot",
        data_dir / "paperscape-arxiv-1991-1996" / "pscp-1991.csv",
        data_dir / "paperscape-arxiv-1991-1996" / "pscp-1992.csv",
    ]
    summary = load_paths(driver, DB, paths)
    assert not summary.failed_files
    run_novelty(driver, DB, write=True)
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


def _key(date: str | None, year: int | None) -> tuple[int, ...]:
    parts = [int(x) for x in re.findall(r"\d+", date or "")[:3]] or [year or 0]
    return tuple(parts + [0] * (3 - len(parts)))


def recompute(driver: Driver, paper_id: str) -> float | None:
    """The definition, term by term: tf = 1 + ln(count), idf = ln((1+N)/(1+df)) + 1 over the
    N papers with text, unit vectors, max cosine over strictly earlier papers of the category."""
    rows = [dict(r) for r in driver.execute_query(PAPERS, database_=DB).records]
    docs = {r["id"]: tokens(" ".join(t for t in (r["title"], r["abstract"]) if t)) for r in rows}
    docs = {k: v for k, v in docs.items() if v}
    df: Counter[str] = Counter(t for words in docs.values() for t in set(words))
    n = len(docs)

    def vector(words: list[str]) -> dict[str, float]:
        v = {
            t: (1 + math.log(c)) * (math.log((1 + n) / (1 + df[t])) + 1)
            for t, c in Counter(words).items()
        }
        norm = math.sqrt(sum(x * x for x in v.values()))
        return {t: x / norm for t, x in v.items()}

    me = next(r for r in rows if r["id"] == paper_id)
    mine = vector(docs[paper_id])
    earlier = [
        r["id"]
        for r in rows
        if r["id"] in docs
        and r["category"] == me["category"]
        and _key(r["date"], r["year"]) < _key(me["date"], me["year"])
    ]
    if not earlier:
        return None
    best = max(sum(w * vector(docs[o]).get(t, 0.0) for t, w in mine.items()) for o in earlier)
    return 1 - min(best, 1.0)


async def test_graphql_novelty_equals_the_definition(
    client: httpx.AsyncClient, loaded: Driver
) -> None:
    # a 1992 Paperscape hep-th paper (titles only) and Kaggle papers (titles + abstracts)
    data = await gql(
        client,
        """{ a: papers(where: {year: {eq: 1992}}, first: 100) { edges { node { id novelty } } }
             b: papers(where: {year: {eq: 2007}}, first: 100) { edges { node { id novelty } } }
        }""",
    )
    ps = [e["node"] for e in data["a"]["edges"] if e["node"]["novelty"] is not None]
    kg = [e["node"] for e in data["b"]["edges"] if e["node"]["novelty"] is not None]
    assert ps and kg
    ps.sort(key=lambda p: p["novelty"])
    chosen = [ps[0], ps[len(ps) // 2], ps[-1], kg[0], kg[-1]]
    for p in chosen:
        assert p["novelty"] == pytest.approx(recompute(loaded, p["id"]), abs=1e-9), p["id"]


async def test_first_papers_and_textless_get_null(loaded: Driver) -> None:
    records = loaded.execute_query(
        "MATCH (p:Paper) WHERE NOT coalesce(p.stub, false) AND p.novelty IS NULL "
        "RETURN p.id AS id LIMIT 5",
        database_=DB,
    ).records
    for r in records:
        assert recompute(loaded, r["id"]) is None


async def test_runs_complete_and_rerun_is_idempotent(
    client: httpx.AsyncClient, loaded: Driver
) -> None:
    runs = latest_runs(loaded, DB, algorithm="novelty", limit=10)
    assert {r["label"] for r in runs} == {"Paper", "Author"}
    assert all(r["status"] == "COMPLETE" for r in runs)
    before = {
        r["id"]: (r["n"], r["c"])
        for r in loaded.execute_query(
            "MATCH (n) WHERE n.novelty IS NOT NULL RETURN n.id AS id, n.novelty AS n, "
            "n.novelty_papers AS c",
            database_=DB,
        ).records
    }
    outcome = run_novelty(loaded, DB, write=True)
    after = {
        r["id"]: (r["n"], r["c"])
        for r in loaded.execute_query(
            "MATCH (n) WHERE n.novelty IS NOT NULL RETURN n.id AS id, n.novelty AS n, "
            "n.novelty_papers AS c",
            database_=DB,
        ).records
    }
    assert after == before
    assert outcome.scored + outcome.authors == len(after)
    runs = latest_runs(loaded, DB, algorithm="novelty", limit=10)
    assert len(runs) == 4 and all(r["status"] == "COMPLETE" for r in runs)
    staged = loaded.execute_query(
        "MATCH (n) WHERE any(k IN keys(n) WHERE k STARTS WITH 'novelty__') RETURN count(n) AS c",
        database_=DB,
    ).records[0]["c"]
    assert staged == 0


async def test_author_novelty_is_the_mean_of_their_papers(client: httpx.AsyncClient) -> None:
    data = await gql(
        client,
        """query($id: ID!) { author(id: $id) { novelty { value papers }
             papers(first: 100) { edges { node { novelty } } } } }""",
        id=OWNER,
    )
    author = data["author"]
    values = [e["node"]["novelty"] for e in author["papers"]["edges"]]
    values = [v for v in values if v is not None]
    assert values, "the profile's papers have earlier papers of their categories"
    assert author["novelty"]["papers"] == len(values)
    assert author["novelty"]["value"] == pytest.approx(sum(values) / len(values))


async def test_pages_show_ours_next_to_reported(client: httpx.AsyncClient) -> None:
    data = await gql(
        client,
        "query($id: ID!) { author(id: $id) { novelty { value } reported { novelty } } }",
        id=OWNER,
    )
    ours = data["author"]["novelty"]["value"]
    page = (await client.get(f"/authors/{quote(OWNER)}")).text
    row = re.search(r'id="m-novelty".*?</tr>', page, re.S)
    assert row is not None
    assert "(ours)" in row.group(0) and "not computed" not in row.group(0)
    assert f"{round(ours * 100)}%" in row.group(0)
    assert f"{round(data['author']['reported']['novelty'] * 100)}%" in row.group(0)
    assert 'id="novelty-def"' in page and "docs/novelty.md" in page
    paper = await gql(
        client, "{ papers(where: {year: {eq: 2007}}, first: 50) { edges { node { id novelty } } } }"
    )
    p = next(e["node"] for e in paper["papers"]["edges"] if e["node"]["novelty"] is not None)
    page = (await client.get(f"/papers/{quote(p['id'])}")).text
    row = re.search(r'id="m-novelty".*?</tr>', page, re.S)
    assert row is not None and f"{round(p['novelty'] * 100)}%" in row.group(0)
