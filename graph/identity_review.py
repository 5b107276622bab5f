"""Reading the identity decisions back: every ``AUTHORED`` relationship carries how it came to
its author (``match_rule``, ``match_score``, ``match_evidence``: ``graph.author_clustering.Match``).

``least_certain`` lists the scored links closest to the threshold (the ones worth a look);
``author_links`` lists one author's links with their reasons. Both back
``scholargraph identity review``; the API reads the same properties (``Authorship.match``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from neo4j import Driver

from graph.ids import AUTHOR_ID_PROPERTY, parse_author_id
from graph.labels import Label

_LINK_FIELDS = """
RETURN a.id AS author, a.name AS name, p.id AS paper, p.title AS title, p.year AS year,
       r.raw_name AS printed, r.position AS position, r.match_rule AS rule,
       r.match_score AS score, r.match_evidence AS evidence
"""

#: The scored links, least certain first (lowest score: the nearest to the threshold).
LEAST_CERTAIN = f"""
MATCH (a:{Label.AUTHOR.value})-[r:AUTHORED]->(p:{Label.PAPER.value})
WHERE r.match_score IS NOT NULL AND ($rule IS NULL OR r.match_rule = $rule)
WITH a, r, p ORDER BY r.match_score, a.id, p.id LIMIT $first
{_LINK_FIELDS}
"""


def _links_of(prop: str) -> str:
    return f"""
MATCH (a:{Label.AUTHOR.value} {{{prop}: $value}})-[r:AUTHORED]->(p:{Label.PAPER.value})
WITH a, r, p ORDER BY p.year, p.id LIMIT $first
{_LINK_FIELDS}
"""


@dataclass(frozen=True, slots=True)
class Link:
    """One authorship and why it is on its author."""

    author: str
    name: str | None
    paper: str
    title: str | None
    year: int | None
    printed: str | None
    position: int | None
    rule: str | None
    score: float | None
    evidence: dict[str, Any] | None

    @classmethod
    def from_record(cls, r: Any) -> Link:
        evidence = r["evidence"]
        return cls(
            r["author"], r["name"], r["paper"], r["title"], r["year"], r["printed"],
            r["position"], r["rule"], r["score"], orjson.loads(evidence) if evidence else None,
        )  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return {
            "author": self.author, "name": self.name, "paper": self.paper, "title": self.title,
            "year": self.year, "printed": self.printed, "position": self.position,
            "match": None if self.rule is None else
            {"rule": self.rule, "score": self.score, "evidence": self.evidence},
        }  # fmt: skip


def least_certain(
    driver: Driver, database: str, first: int = 20, rule: str | None = None
) -> list[Link]:
    """The ``first`` scored links (rule ``evidence`` or ``relinked``, or only ``rule``) with
    the lowest scores."""
    records, _, _ = driver.execute_query(LEAST_CERTAIN, first=first, rule=rule, database_=database)
    return [Link.from_record(r) for r in records]


def author_links(driver: Driver, database: str, author: str, first: int = 100) -> list[Link]:
    """One author's links (any id form), oldest paper first; raises ``InvalidId``."""
    ref = parse_author_id(author)
    prop = "id" if ref.kind == "name" else AUTHOR_ID_PROPERTY[ref.kind]
    value = ref.node_id if ref.kind == "name" else ref.value
    records, _, _ = driver.execute_query(
        _links_of(prop), value=value, first=first, database_=database
    )
    return [Link.from_record(r) for r in records]
