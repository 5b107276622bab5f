"""Property-based fuzzing of the GraphQL endpoint over real HTTP: the app served by uvicorn (h11,
as ``scholargraph serve``) against the real Neo4j loaded with real samples.

Generated from the committed SDL (api/schema.graphql) with hypothesis-graphql: valid queries and
mutations, queries with one schema violation (wrong argument types, missing arguments, unknown
enum values), and bodies mutated below GraphQL (broken syntax, random text and bytes, JSON of
every shape, huge integers, odd unicode). Every answer must be a clean refusal or an answer:
never an HTTP 5xx, never an internal detail (a traceback, a file path, a Neo4j or Cypher error
text), and the server stays healthy. Derandomized (the same examples on every run, so CI is
reproducible) and bounded: 2,350 requests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, queries
from neo4j import Driver

from api.app import create_app
from graph.settings import AppSettings, Neo4jSettings
from tests.integration.api_helpers import DB, serve_in_thread, served_client

# A Bolt socket of the served app's async driver is sometimes collected unclosed during this
# module (twice in CI runs of 2026-12-02, never reproduced on its own; the socket is closed when
# collected). Thousands of requests here run into request deadlines, and a request cancelled
# while the driver's pool opens a connection for it is the suspected path. Only that warning is
# let through here; every other module keeps unclosed resources an error.
# The same requests cancelled at their deadline leave the field resolvers graphql-core had not
# started yet; Python reports each such coroutine as "never awaited" when it is collected (1,825
# of them once in a CI run of 2026-12-02, not reproduced on its own). They are let through here
# too, and nowhere else but the deadline test.
pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:Exception ignored in. <function StreamWriter.__del__"
        ":pytest.PytestUnraisableExceptionWarning"
    ),
    pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning"),
]

SDL = (Path(__file__).resolve().parents[2] / "api" / "schema.graphql").read_text(encoding="utf-8")
SAMPLES = ("profile-page", "openalex-works-api")

# What must never reach a client: Python tracebacks and paths, driver and Cypher error texts.
LEAKS = re.compile(
    r"Traceback|File \"|\.py\"|line \d+, in |site-packages|/work/|neo4j\.|Neo\.\w+Error|"
    r"Cypher|ClientError|TransientError|ServiceUnavailable|Exception|"
    r"object has no attribute|NoneType",
)
COUNTS: dict[str, int] = {}


def fuzz(examples: int) -> Any:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=False,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


@pytest.fixture(scope="module")
def base_url(driver: Driver, data_dir: Path, neo4j_settings: Neo4jSettings) -> Iterator[str]:
    from loaders.writer import load_paths
    from tests.conftest import wipe

    wipe(driver)
    load_paths(driver, DB, [data_dir / name for name in SAMPLES])
    with serve_in_thread(create_app(AppSettings(), neo4j_settings)) as base:
        yield base
        with served_client(base, timeout=10) as c:
            assert c.get("/healthz").status_code == 200, "the server is not healthy after fuzzing"


@pytest.fixture(scope="module")
def http(base_url: str) -> Iterator[httpx.Client]:
    with served_client(base_url, timeout=60) as c:
        yield c


def check(r: httpx.Response, sent: object) -> None:
    assert r.status_code < 500, f"HTTP {r.status_code} for {sent!r}: {r.text[:500]}"
    for leak in LEAKS.finditer(r.text):  # the client's own input echoed back is no leak
        assert leak.group(0) in str(sent), (
            f"{leak.group(0)!r} in the answer to {sent!r}: {r.text[:800]}"
        )
    body = r.json()  # every answer, refusals included, is JSON
    assert isinstance(body, dict) and ("data" in body or "errors" in body), r.text[:300]
    for error in body.get("errors") or []:
        assert error.get("extensions", {}).get("code"), f"an error without a code: {error}"
        assert error["message"] != "Internal server error", f"masked error for {sent!r}"


def post_query(http: httpx.Client, query: str, kind: str, **extra: Any) -> None:
    COUNTS[kind] = COUNTS.get(kind, 0) + 1
    payload = {"query": query, **extra}
    check(http.post("/graphql", json=payload), payload)


def post_raw(http: httpx.Client, body: bytes, kind: str) -> None:
    COUNTS[kind] = COUNTS.get(kind, 0) + 1
    r = http.post("/graphql", content=body, headers={"content-type": "application/json"})
    check(r, body[:300])


# --- generated from the SDL -----------------------------------------------------------------

VALID, INVALID, MUTATIONS, MUTATED, RAW, VARIABLES = 700, 500, 150, 250, 400, 350


@fuzz(VALID)
@given(query=queries(SDL, mode=Mode.POSITIVE, allow_x00=False))
def test_valid_queries_are_answered_cleanly(http: httpx.Client, query: str) -> None:
    post_query(http, query, "valid")


@fuzz(INVALID)
@given(query=queries(SDL, mode=Mode.NEGATIVE))
def test_schema_violations_are_refused_cleanly(http: httpx.Client, query: str) -> None:
    post_query(http, query, "invalid")


@fuzz(MUTATIONS)
@given(
    mutation=st.one_of(mutations(SDL, mode=Mode.POSITIVE), mutations(SDL, mode=Mode.NEGATIVE)),
    header=st.sampled_from(
        ["", "Bearer", "Bearer x", "Basic abc", "bearer x", "Bearer " + "x" * 32]
    ),
)
def test_mutations_without_a_configured_token_are_refused(
    http: httpx.Client, mutation: str, header: str
) -> None:
    COUNTS["mutations"] = COUNTS.get("mutations", 0) + 1
    headers = {"Authorization": header} if header else {}
    r = http.post("/graphql", json={"query": mutation}, headers=headers)
    check(r, mutation)
    body = r.json()
    assert not any(v is not None for v in (body.get("data") or {}).values()), body


# --- mutated below GraphQL ------------------------------------------------------------------

ODD_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=200
) | st.sampled_from(
    ["\u0000", "\ufeff", "\u202e", "\U0010ffff", "\ud7ff", "𝕏" * 50, "é" * 300, "\\u0000", "%00"]
)


@st.composite
def mutated_documents(draw: st.DrawFn) -> str:
    """A valid query, then cut, spliced or salted with odd characters."""
    query = draw(queries(SDL, mode=Mode.POSITIVE, allow_x00=False))
    how = draw(st.sampled_from(["cut", "insert", "swap", "repeat", "numbers"]))
    at = draw(st.integers(0, len(query)))
    if how == "cut":
        return query[:at]
    if how == "insert":
        return query[:at] + draw(ODD_TEXT) + query[at:]
    if how == "swap":
        return re.sub(r'"[^"]*"', lambda _: json.dumps(draw(ODD_TEXT)), query, count=3)
    if how == "repeat":
        return query[:at] + query[at:] * draw(st.integers(2, 30))
    big = draw(st.sampled_from(["2147483648", "-9223372036854775809", "1e400", "9" * 400]))
    return re.sub(r"\b\d+\b", big, query, count=2)


@fuzz(MUTATED)
@given(query=mutated_documents())
def test_mutated_documents_are_refused_cleanly(http: httpx.Client, query: str) -> None:
    post_query(http, query, "mutated")


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | ODD_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ODD_TEXT, inner, max_size=4),
    max_leaves=12,
)


@fuzz(RAW)
@given(
    body=st.one_of(
        st.binary(max_size=300),
        ODD_TEXT.map(lambda t: t.encode("utf-8")),
        JSON_VALUES.map(lambda v: json.dumps(v).encode()),
        st.fixed_dictionaries(
            {"query": JSON_VALUES},
            optional={"variables": JSON_VALUES, "operationName": JSON_VALUES},
        ).map(lambda v: json.dumps(v).encode()),
        st.sampled_from(
            [
                b'{"query": "{ search(query: \\"\\ud800\\") { __typename } }"}',
                b'{"query": "{ stats { papers } }", "variables": {"a": "\\udfff"}}',
                b'{"query": "{ stats { papers } }"' + b"\xff\xfe",
                b'{"query": "{ stats { papers } }", "operationName": {"x": 1}}',
                b'{"query": "' + b"{ stats { papers } }" * 3000 + b'"}',
                b'{"query": "' + b"[" * 5000 + b'"}',
            ]
        ),
    )
)
def test_raw_bodies_are_refused_cleanly(http: httpx.Client, body: bytes) -> None:
    post_raw(http, body, "raw")


ARGUMENT_QUERIES = [
    "query($v: ID!) { paper(id: $v) { id title } }",
    "query($v: ID!) { author(id: $v) { id name } }",
    "query($v: String) { papers(after: $v, first: 2) { totalCount } }",
    "query($v: String!) { search(query: $v, first: 3) { __typename } }",
    "query($v: Int) { papers(first: $v) { totalCount } }",
    'query($v: [SearchType!]) { search(query: "graph", types: $v) { __typename } }',
    "query($v: PaperWhere) { papers(where: $v, first: 2) { totalCount } }",
    "query($v: AuthorWhere) { authors(where: $v, first: 2) { totalCount } }",
]


@fuzz(VARIABLES)
@given(query=st.sampled_from(ARGUMENT_QUERIES), value=JSON_VALUES)
def test_variables_of_any_shape_are_refused_cleanly(
    http: httpx.Client, query: str, value: object
) -> None:
    post_query(http, query, "variables", variables={"v": value})


def test_the_fuzzer_sent_enough_requests(base_url: str) -> None:
    """Reported by the module's tests above (run in file order): at least 2,000 in all."""
    planned = VALID + INVALID + MUTATIONS + MUTATED + RAW + VARIABLES
    assert planned >= 2000
    if len(COUNTS) == 6:  # the whole module ran
        assert sum(COUNTS.values()) >= 2000, COUNTS
