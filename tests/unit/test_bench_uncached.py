"""The uncached benchmark's pure parts: statistics, the Bolt log reader, answer comparison."""

from __future__ import annotations

import base64
import random

import orjson

from bench.bench_uncached import (
    Outcome,
    cursor_kind,
    first_difference,
    normalise_page,
    normalise_profile,
    parse_bolt_log,
    split_runs,
    stats_ms,
    summarise,
    title_word,
    unwrap,
)

PY_LOG = """[#C1A2]  C: RUN 'MATCH (n:Author {id: $id}) RETURN n' {'id': 'a'} {}
[#C1A2]  S: SUCCESS {'t_first': 3, 'fields': ['id', 'node'], 'qid': 0}
[#C1A2]  S: SUCCESS {'bookmark': 'FB:x', 'type': 'r', 't_last': 12, 'db': 'neo4j'}
[#C1A3]  C: RUN 'MATCH (p:Paper) RETURN p' {} {}
[#C1A3]  S: SUCCESS {'t_first': 40, 'fields': ['p']}
[#C1A3]  S: SUCCESS {'t_last': 1, 'db': 'neo4j'}
"""
JS_LOG = """Connection [0][bolt-3] C: RUN MATCH (this:Author) RETURN this {} {}
Connection [0][bolt-3] S: SUCCESS {"signature":112,"fields":[{"t_first":{"low":286,"high":0}}]}
Connection [0][bolt-3] S: SUCCESS {"fields":[{"type":"r","t_last":{"low":7,"high":0}}]}
Connection [0][] S: SUCCESS {"signature":112,"fields":[{"advertised_address":"localhost:7687"}]}
"""


def test_bolt_log_counts_queries_and_server_time_of_both_drivers() -> None:
    assert parse_bolt_log(PY_LOG) == (2, 3 + 12 + 40 + 1)
    assert parse_bolt_log(JS_LOG) == (1, 286 + 7)
    assert parse_bolt_log("") == (0, 0)


def test_each_query_is_paired_with_the_server_time_that_followed_it() -> None:
    runs = split_runs(PY_LOG)
    assert [ms for _, ms in runs] == [15, 41]
    assert "MATCH (n:Author" in runs[0][0] and "MATCH (p:Paper)" in runs[1][0]


def test_stats_of_latencies() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100 ms
    s = stats_ms(values)
    assert s["n"] == 100
    assert s["p50_ms"] in (50.0, 51.0)
    assert s["p99_ms"] == 99.0
    assert s["max_ms"] == 100.0
    assert s["mean_ms"] == 50.5
    assert stats_ms([])["p99_ms"] is None


def test_summary_keeps_errors_apart_but_counts_them_in_the_tail() -> None:
    outcomes = [Outcome("profile", 10.0, None)] * 98 + [Outcome("profile", 900.0, "timeout")] * 2
    s = summarise(outcomes, elapsed=2.0, not_run=3)
    c = s["classes"]["profile"]
    assert c["n"] == 98 and c["errors"] == 2 and c["error_kinds"] == {"timeout": 2}
    assert c["p99_ms"] == 10.0
    assert c["p99_ms_errors_included"] == 900.0
    assert s["requests"] == 100 and s["not_run_budget"] == 3 and s["requests_per_s"] == 50.0


def test_title_words_are_real_words_of_the_title() -> None:
    rng = random.Random(1)
    title = "Duality in Supersymmetric Yang-Mills Theory"
    for _ in range(20):
        assert title_word(title, rng) in {"duality", "supersymmetric", "mills", "theory"}
    assert title_word("On the of it", rng) is None


def test_unwrap_turns_connections_into_lists() -> None:
    data = {"papers": {"edges": [{"node": {"id": "p1"}}, {"node": {"id": "p2"}}]}, "n": 2}
    assert unwrap(data) == {"papers": [{"id": "p1"}, {"id": "p2"}], "n": 2}


def test_both_sides_profiles_normalise_to_one_shape() -> None:
    paper = {"id": "p1", "title": "T", "year": 1995, "citationCount": 3}
    ours = {"author": {
        "id": "a", "name": "A", "paperCount": 1, "citationCount": 3, "hIndex": 1,
        "papers": {"edges": [{"node": {**paper, "authors": [{"id": "a", "name": "A"}]}}]},
        "coauthors": [{"jointPaperCount": 1, "author": {"id": "b", "name": "B"}}]}}  # fmt: skip
    peer = {"authors": [{
        "id": "a", "name": "A", "paperCount": 1, "citationCount": 3, "hIndex": 1,
        "papers": [{**paper, "authorsConnection": {"edges": [{"node": {"id": "a", "name": "A"}}]}}],
        "coauthors": [{"id": "b", "name": "B", "jointPaperCount": 1}]}]}  # fmt: skip
    a, b = normalise_profile(ours, peer=False), normalise_profile(peer, peer=True)
    assert a == b
    assert first_difference(a, b) is None
    peer["authors"][0]["coauthors"][0]["jointPaperCount"] = 2
    assert first_difference(a, normalise_profile(peer, peer=True)) == ".coauthors[0][2]: 1 vs 2"
    assert normalise_profile({"author": None}, peer=False) is None


def test_pages_compare_in_order() -> None:
    rows = [{"id": "p1", "title": "T", "year": 1995, "citationCount": 3},
            {"id": "p2", "title": "U", "year": 1994, "citationCount": 1}]  # fmt: skip
    ours = {"papers": {"edges": [{"cursor": "c", "node": r} for r in rows]}}
    mine = normalise_page(ours, peer=False)
    assert mine == normalise_page({"papers": rows}, peer=True)
    swapped = normalise_page({"papers": rows[::-1]}, peer=True)
    assert first_difference(mine, swapped) == "[0].citationCount: 3 vs 1"


def test_cursor_kind_tells_keyset_from_offset() -> None:
    keyset = base64.urlsafe_b64encode(orjson.dumps({"v": "k1", "o": "x", "k": [3, "p1"]}))
    assert cursor_kind(keyset.decode().rstrip("=")) == "keyset"
    assert cursor_kind(base64.urlsafe_b64encode(b"sg1:180").decode()) == "offset"
    assert cursor_kind(None) == "unknown"
