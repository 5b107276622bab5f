"""The warm-up requests (api/warmup.py) are valid against the schema the server builds: a
request the schema refuses would warm nothing."""

from __future__ import annotations

import pytest
from graphql import parse, validate

from api import warmup
from api.schema import build_schema
from graph.settings import AppSettings

QUERIES = {k: v for k, v in vars(warmup).items() if k.isupper() and isinstance(v, str)}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_each_warm_up_request_is_valid(name: str) -> None:
    schema = build_schema(AppSettings())._schema
    assert validate(schema, parse(QUERIES[name])) == []


def test_the_requests_follow_what_the_sample_holds() -> None:
    ids = {"paper": "p", "year": 2000, "author": "a", "coauthor": "b", "category": "c"}
    full = warmup.requests(ids)
    expected = [warmup.PAGE, warmup.PAGE_PAPERS, warmup.COUNT, warmup.INFLUENCE, warmup.RISING,
                warmup.PROFILE, warmup.PATH, warmup.PAPER]  # fmt: skip
    assert [q for q, _ in full] == expected
    assert full[0][1]["where"] == {"category": {"in": ["c"]}}  # a whole category: full pages
    assert full[2][1]["where"]["year"] == {"gte": 1999, "lte": 2000}
    assert full[6][1] == {"from": "a", "to": "b"}
    assert [q for q, _ in warmup.requests({"paper": "p", "year": 2000})] == [warmup.PAPER]
