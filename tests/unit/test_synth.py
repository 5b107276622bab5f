"""The synthetic OpenAlex corpus: seeded, readable by the OpenAlex parser, realistically shaped."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import numpy as np
import orjson
import pytest

from bench.synth import (
    SynthConfig,
    compare,
    corpus_stats,
    generate,
    issn_for,
    orcid_for,
    paperscape_stats,
    write_corpus,
)
from graph.ids import is_valid_orcid, normalize_openalex
from loaders import openalex
from loaders.records import Paper, ParseIssue


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "synth-5k.jsonl"
    write_corpus(SynthConfig(papers=5000, seed=7), out)
    return out


@pytest.fixture(scope="module")
def works(corpus: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in corpus.read_bytes().splitlines()]


def test_same_seed_same_bytes_other_seed_other_corpus(tmp_path: Path, corpus: Path) -> None:
    again = tmp_path / "again.jsonl"
    write_corpus(SynthConfig(papers=5000, seed=7), again)
    assert _digest(again) == _digest(corpus)
    other = tmp_path / "other.jsonl"
    write_corpus(SynthConfig(papers=5000, seed=8), other)
    assert _digest(other) != _digest(corpus)


def test_gzip_output_holds_the_same_works(tmp_path: Path) -> None:
    plain, packed = tmp_path / "s.jsonl", tmp_path / "s.jsonl.gz"
    write_corpus(SynthConfig(papers=300, seed=1), plain)
    write_corpus(SynthConfig(papers=300, seed=1), packed)
    parsed = [p.ids.openalex for p in openalex.parse(packed) if isinstance(p, Paper)]
    assert parsed == [p.ids.openalex for p in openalex.parse(plain) if isinstance(p, Paper)]
    assert len(parsed) == 300


def test_openalex_parser_reads_every_work_without_issues(corpus: Path) -> None:
    items = list(openalex.parse(corpus))
    assert [i for i in items if isinstance(i, ParseIssue)] == []
    papers = [i for i in items if isinstance(i, Paper)]
    assert len(papers) == 5000
    assert all(p.ids.openalex and p.primary_category for p in papers)
    assert sum(1 for p in papers if p.ids.doi) > 0.7 * len(papers)
    orcids = {a.author.orcid for p in papers for a in p.authors if a.author.orcid}
    assert orcids and all(is_valid_orcid(o) for o in orcids)
    kinds = {c.scheme for p in papers for c in p.categories for c in (c, c.parent) if c}
    assert {"openalex-topic", "openalex-subfield"} <= kinds


def test_ids_look_like_openalex_and_check_digits_hold() -> None:
    assert all(is_valid_orcid(orcid_for(a)) for a in range(0, 5000, 7))
    for v in range(200):
        issn = issn_for(v)
        digits = issn.replace("-", "")
        total = sum(int(d) * w for d, w in zip(digits[:7], range(8, 1, -1), strict=True))
        check = (11 - total % 11) % 11
        assert digits[7] == ("X" if check == 10 else str(check))
    work = next(generate(SynthConfig(papers=10, seed=1)))
    assert normalize_openalex(str(work["id"])) == str(work["id"]).rsplit("/", 1)[1]


def test_citations_only_point_backwards_in_time(works: list[dict[str, object]]) -> None:
    date = {w["id"]: w["publication_date"] for w in works}
    inside = 0
    for w in works:
        for ref in w["referenced_works"]:  # type: ignore[attr-defined]
            if ref in date:
                inside += 1
                assert date[ref] <= w["publication_date"]  # type: ignore[operator]
                assert ref != w["id"]
    assert inside > 5 * len(works)  # a dense citation graph, mostly inside the corpus
    dates = [w["publication_date"] for w in works]
    assert dates == sorted(dates)  # type: ignore[type-var]


def test_same_author_same_orcid_on_every_paper(works: list[dict[str, object]]) -> None:
    orcid: dict[str, object] = {}
    for w in works:
        for a in w["authorships"]:  # type: ignore[attr-defined]
            author = a["author"]
            assert orcid.setdefault(author["id"], author["orcid"]) == author["orcid"]


def test_heavy_tailed_team_sizes_productivity_and_citations(corpus: Path) -> None:
    stats = corpus_stats(corpus)
    team = stats["team_size"]
    assert team["median"] <= 3 and team["max"] >= 5 * team["median"]
    assert team["p99"] >= 3 * team["median"]
    per_author = stats["papers_per_author"]
    assert per_author["median"] == 1 and per_author["max"] >= 30  # preferential attachment
    cites = stats["citations_per_paper"]
    assert cites["max"] >= 10 * max(cites["median"], 1) and cites["gini"] > 0.5
    # skewed categories: the ten largest of ~1,000 topics hold far more than 1 % of papers
    assert stats["top_category_share"] < 0.3
    assert stats["top10_category_share"] > 0.1


def test_team_size_distribution_is_power_law_not_poisson() -> None:
    sizes = Counter(len(w["authorships"]) for w in generate(SynthConfig(papers=20_000, seed=3)))
    n = sum(sizes.values())
    mean = sum(k * c for k, c in sizes.items()) / n
    big = sum(c for k, c in sizes.items() if k >= 4 * mean) / n
    # A Poisson with this mean would put well under 0.1 % of papers at four times the mean.
    assert big > 0.005
    counts = np.array([sizes.get(k, 0) for k in range(1, 30)])
    assert counts[9] > 0 and counts[1] > 10 * counts[9]


def test_compare_with_paperscape_has_both_sides(data_dir: Path, corpus: Path) -> None:
    real = paperscape_stats(data_dir / "paperscape-arxiv-1991-1996")
    assert real["papers"] == 49_264
    assert real["authorships"] == 111_535  # field 5, as SOURCE.md counts it
    rows = dict((name, (s, p)) for name, s, p in compare(corpus_stats(corpus), real))
    assert rows["papers"] == (5000, 49_264)
    assert rows["team_size.median"][1] == 2.0


def test_config_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="papers"):
        SynthConfig(papers=0)
    with pytest.raises(ValueError, match="probability"):
        SynthConfig(p_orcid=1.5)
