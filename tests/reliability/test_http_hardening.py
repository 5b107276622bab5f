"""The API as an attacker meets it, against real Neo4j loaded with the real profile-page sample:
an empty API token, oversized and malformed bodies, forged cursors, lone surrogates, huge
echoed inputs, CORS, and the error codes every refusal carries."""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from neo4j import Driver
from pydantic import SecretStr
from starlette.applications import Starlette

from api.app import create_app
from api.response_cache import operation_of
from graph.settings import MIN_API_TOKEN_CHARS, AppSettings, Neo4jSettings
from tests.integration.api_helpers import DB, app_client, serve_in_thread, served_client

pytestmark = pytest.mark.asyncio(loop_scope="session")

STATS = {"query": "{ stats { papers authors } }"}
RUN = "mutation($input: AnalysisInput!) { runAnalysis(input: $input) { id nodeCount } }"
RUN_INPUT = {"input": {"graph": "CITATION", "algorithm": "PAGERANK"}}
TOKEN = "s3cret-token-of-32-characters-xx"
KNOWN_CODES = {
    "BAD_REQUEST",
    "BAD_USER_INPUT",
    "PAYLOAD_TOO_LARGE",
    "UNAUTHENTICATED",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "NOT_FOUND",
    "COST_LIMIT_EXCEEDED",
}


@pytest.fixture(scope="module")
def profile_loaded(driver: Driver, data_dir: Path) -> Driver:
    from loaders.writer import load_paths
    from tests.conftest import wipe

    wipe(driver)
    load_paths(driver, DB, [data_dir / "profile-page"])
    return driver


def analysis_runs(driver: Driver) -> int:
    records, _, _ = driver.execute_query("MATCH (r:AnalysisRun) RETURN count(r) AS n", database_=DB)
    return int(records[0]["n"])


@pytest_asyncio.fixture(loop_scope="session")
async def client(
    profile_loaded: Driver, neo4j_settings: Neo4jSettings
) -> AsyncIterator[httpx.AsyncClient]:
    async for c in app_client(create_app(AppSettings(max_body_bytes=64 * 1024), neo4j_settings)):
        yield c


def codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body["errors"]]


# --- item 2: the API token ------------------------------------------------------------------


@pytest.mark.parametrize("configured", ["", "   ", "short-token"])
async def test_an_empty_or_short_token_refuses_runanalysis_and_writes_nothing(
    configured: str,
    profile_loaded: Driver,
    neo4j_settings: Neo4jSettings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("SCHOLARGRAPH_API_TOKEN", configured)
    with caplog.at_level(logging.WARNING):
        settings = AppSettings()  # as `scholargraph serve` reads it at startup
    assert settings.api_token is None
    assert any("SCHOLARGRAPH_API_TOKEN" in r.getMessage() for r in caplog.records)
    before = analysis_runs(profile_loaded)
    async for c in app_client(create_app(settings, neo4j_settings)):
        for header in ("Bearer", "Bearer ", f"Bearer {configured}", "Bearer short-token"):
            r = await c.post(
                "/graphql",
                json={"query": RUN, "variables": RUN_INPUT},
                headers={"Authorization": header},
            )
            body = r.json()
            assert body["data"] is None, body
            assert codes(body) == ["UNAUTHENTICATED"]
            assert "SCHOLARGRAPH_API_TOKEN" in body["errors"][0]["message"]
    assert analysis_runs(profile_loaded) == before


async def test_a_long_enough_token_still_opens_runanalysis(
    profile_loaded: Driver, neo4j_settings: Neo4jSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(TOKEN) >= MIN_API_TOKEN_CHARS
    monkeypatch.setenv("SCHOLARGRAPH_API_TOKEN", f"  {TOKEN}\n")  # blanks around it are dropped
    settings = AppSettings()
    assert settings.api_token == SecretStr(TOKEN)
    before = analysis_runs(profile_loaded)
    async for c in app_client(create_app(settings, neo4j_settings)):
        refused = await c.post(
            "/graphql",
            json={"query": RUN, "variables": RUN_INPUT},
            headers={"Authorization": "Bearer "},
        )
        assert codes(refused.json()) == ["UNAUTHENTICATED"]
        assert analysis_runs(profile_loaded) == before
        r = await c.post(
            "/graphql",
            json={"query": RUN, "variables": RUN_INPUT},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        body = r.json()
        assert "errors" not in body, body
        assert body["data"]["runAnalysis"]["id"]
    assert analysis_runs(profile_loaded) > before


# --- item 3: the body is bounded before anything parses it -----------------------------------


async def test_a_body_over_the_limit_is_413_by_its_length(client: httpx.AsyncClient) -> None:
    padding = "x" * (64 * 1024)
    r = await client.post("/graphql", json={"query": "{ stats { papers } }", "pad": padding})
    assert r.status_code == 413
    [error] = r.json()["errors"]
    assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert "65536 byte limit" in error["message"]


async def test_a_chunked_body_over_the_limit_is_413_while_it_streams(
    client: httpx.AsyncClient,
) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"query": "{ stats { papers } }", "pad": "'
        for _ in range(1000):  # 16 MB if it were all read
            sent += 16 * 1024
            yield b"x" * (16 * 1024)
        yield b'"}'

    r = await client.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in r.request.headers  # really chunked
    assert r.status_code == 413
    assert r.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert sent < 200 * 1024, f"the server read {sent} bytes of a body over a 64 KiB limit"


async def test_the_cache_parse_keeps_the_token_limit() -> None:
    fields = " ".join(f"f{i}" for i in range(200_000))
    body = ('{"query": "{ ' + fields + ' }"}').encode()
    started = time.perf_counter()
    assert operation_of(body, max_tokens=2000) is None  # aborted at the limit
    limited = time.perf_counter() - started
    assert limited < 1.0, f"parsing with the token limit took {limited:.3f} s"  # 5 s without
    assert operation_of(b'{"query": "{ stats { papers } }"}', max_tokens=2000) is not None


async def test_a_20_mb_body_does_not_stall_other_clients(
    profile_loaded: Driver, neo4j_settings: Neo4jSettings
) -> None:
    await asyncio.to_thread(_flood_while_querying, create_app(AppSettings(), neo4j_settings))


def _flood_while_querying(app: Starlette) -> None:
    with serve_in_thread(app) as base, served_client(base, timeout=30) as cheap:
        assert cheap.post("/graphql", json=STATS).status_code == 200
        outcome: dict[str, Any] = {}

        def flood() -> None:
            big = b'{"query": "{ stats { papers } }", "pad": "' + b"x" * 20_000_000 + b'"}'
            try:
                with served_client(base, timeout=30) as c:
                    r = c.post(
                        "/graphql", content=big, headers={"content-type": "application/json"}
                    )
                outcome["status"] = r.status_code
            except httpx.TransportError as e:  # the server may close before all is sent
                outcome["error"] = repr(e)

        thread = threading.Thread(target=flood)
        thread.start()
        slowest = 0.0
        while thread.is_alive():
            started = time.perf_counter()
            r = cheap.post("/graphql", json={"query": "{ stats { papers } }", "n": time.time()})
            slowest = max(slowest, time.perf_counter() - started)
            assert r.status_code == 200
        thread.join()
    assert outcome.get("status", 413) == 413, outcome
    assert slowest < 1.0, f"a cheap query waited {slowest:.2f} s behind a 20 MB body"


async def test_garbage_and_refused_mutations_do_not_empty_the_cache(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/graphql", json=STATS)
    assert (await client.post("/graphql", json=STATS)).headers["x-cache"] == "hit"
    for body in (b"garbage", b'{"query": "{{{"}', b'{"query": "mutation { nope }"}'):
        await client.post("/graphql", content=body, headers={"content-type": "application/json"})
    refused = await client.post("/graphql", json={"query": RUN, "variables": RUN_INPUT})
    assert codes(refused.json()) == ["UNAUTHENTICATED"]
    assert (await client.post("/graphql", json=STATS)).headers["x-cache"] == "hit"


async def test_get_query_strings_are_bounded_like_bodies(
    profile_loaded: Driver, neo4j_settings: Neo4jSettings
) -> None:
    app = create_app(AppSettings(max_body_bytes=16 * 1024), neo4j_settings)
    await asyncio.to_thread(_long_get, app)


def _long_get(app: Starlette) -> None:
    with serve_in_thread(app) as base, served_client(base, timeout=30) as c:
        ok = c.get("/graphql", params={"query": "{ stats { papers } }"})
        assert ok.status_code == 200 and ok.json()["data"]["stats"]["papers"] > 0
        long = "{ stats { papers } }" + " " * 50_000
        r = c.get("/graphql", params={"query": long})
        assert r.status_code == 413, r.status_code  # refused, never executed
        assert r.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
        assert c.get("/healthz").status_code == 200


# --- item 11: malformed requests are 400s that say why --------------------------------------


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'"a string"', "JSON string"),
        (b"42", "JSON number"),
        (b"null", "JSON null"),
        (b"true", "JSON boolean"),
        (b"[]", "array"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"query": "{ stats { papers } }\xc3"}', "not UTF-8"),
        (b"{not json", "not valid JSON"),
        (b'{"query": 5}', "`query` must be a string"),
        (b'{"query": "{ stats { papers } }", "variables": []}', "`variables`"),
        (b'{"query": "{ stats { papers } }", "operationName": 7}', "`operationName`"),
    ],
)
async def test_bodies_that_are_not_a_graphql_request_are_400(
    client: httpx.AsyncClient, body: bytes, says: str
) -> None:
    r = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    [error] = r.json()["errors"]
    assert says in error["message"] and error["extensions"]["code"] == "BAD_REQUEST"


async def test_a_body_that_is_not_json_is_415(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/graphql", content=b"{ stats { papers } }", headers={"content-type": "text/plain"}
    )
    assert r.status_code == 415 and "application/json" in r.json()["errors"][0]["message"]


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor("sg1:9223372036854775808"),  # 2**63
        _cursor("sg1:18446744073709551616"),
        _cursor("sg1:-1"),
        _cursor("sg1:1_0"),
        _cursor("sg1:" + "9" * 5000),
        "not a cursor!",
        "\u00e9\u00e9\u00e9",
        "A" * 10_000,
    ],
)
async def test_forged_cursors_are_input_errors_naming_the_argument(
    client: httpx.AsyncClient, cursor: str
) -> None:
    query = "query($a: String) { papers(after: $a) { totalCount } }"
    r = await client.post("/graphql", json={"query": query, "variables": {"a": cursor}})
    assert r.status_code == 200
    [error] = r.json()["errors"]
    assert error["message"].startswith("invalid after "), error["message"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert len(error["message"]) < 400


async def test_lone_surrogates_are_input_errors(client: httpx.AsyncClient) -> None:
    search = "query($q: String!) { search(query: $q) { __typename } }"
    # as a JSON escape, in a variable and in the query text
    for body in (
        b'{"query": "' + search.encode() + b'", "variables": {"q": "a\\ud800b"}}',
        b'{"query": "{ search(query: \\"\\udfff\\") { __typename } }"}',
    ):
        r = await client.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
        assert r.status_code == 400, r.text
        assert "surrogate" in r.json()["errors"][0]["message"]
    # as a GraphQL escape inside the query text
    r = await client.post("/graphql", json={"query": '{ search(query: "\\ud800") { __typename } }'})
    assert r.status_code == 200
    [error] = r.json()["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    # a real pair is fine
    r = await client.post("/graphql", json={"query": search, "variables": {"q": "\U0001f600"}})
    assert r.status_code == 200 and "errors" not in r.json(), r.text


async def test_error_messages_do_not_echo_a_huge_input(
    profile_loaded: Driver, neo4j_settings: Neo4jSettings
) -> None:
    huge = "isbn:" + "9" * 1_000_000
    async for c in app_client(create_app(AppSettings(max_body_bytes=2 * 2**20), neo4j_settings)):
        r = await c.post(
            "/graphql",
            json={"query": "query($id: ID!) { paper(id: $id) { id } }", "variables": {"id": huge}},
        )
    [error] = r.json()["errors"]
    assert error["message"].startswith("invalid paper id 'isbn:9999")
    assert "…" in error["message"] and len(r.content) < 2000


async def test_every_error_carries_a_code(client: httpx.AsyncClient) -> None:
    requests: list[dict[str, Any]] = [
        {"query": "{ stats { papers "},
        {"query": "{ nope }"},
        {"query": "{ " + " ".join(f"a{i}: stats {{ papers }}" for i in range(40)) + " }"},
        {"query": "{ " + "stats { papers } " * 1000 + "}"},
        {"query": "query($f: Int) { papers(first: $f) { totalCount } }", "variables": {"f": 2**40}},
        {"query": "{ papers(first: 1000) { totalCount } }"},
        {"query": '{ paper(id: "isbn:1") { id } }'},
        {"query": '{ search(query: "title:(") { __typename } }'},
        {"query": RUN, "variables": RUN_INPUT},
        {"query": "{ stats { papers } }", "operationName": "Missing"},
    ]
    for request in requests:
        r = await client.post("/graphql", json=request)
        assert r.status_code in (200, 400), (request, r.text)
        body = r.json()
        assert body["errors"], request
        for code in codes(body):
            assert code in KNOWN_CODES, (request, body)
        assert "Internal server error" not in r.text


# --- item 5: CORS ---------------------------------------------------------------------------


async def test_cors_is_off_by_default(client: httpx.AsyncClient) -> None:
    preflight = await client.options(
        "/graphql",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers
    r = await client.post("/graphql", json=STATS, headers={"Origin": "https://evil.example"})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


async def test_cors_answers_preflight_for_configured_origins(
    profile_loaded: Driver, neo4j_settings: Neo4jSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHOLARGRAPH_CORS_ORIGINS", "https://app.example, https://b.example")
    settings = AppSettings()
    assert settings.cors_origins == ["https://app.example", "https://b.example"]
    app: Starlette = create_app(settings, neo4j_settings)
    async for c in app_client(app):
        preflight = await c.options(
            "/graphql",
            headers={
                "Origin": "https://app.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type, authorization",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://app.example"
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
        r = await c.post("/graphql", json=STATS, headers={"Origin": "https://app.example"})
        assert r.headers["access-control-allow-origin"] == "https://app.example"
        other = await c.options(
            "/graphql",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert other.status_code == 400
        assert "access-control-allow-origin" not in other.headers
