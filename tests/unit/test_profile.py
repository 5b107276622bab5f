"""The profile-page parser, field by field against lizhu-zhang.profile.txt."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import pytest

from loaders import profile
from loaders.records import AuthorProfile, Paper, ParseIssue

DATA = Path(__file__).parents[2].parent / "shared" / "data"
PAGE = DATA / "profile-page" / "lizhu-zhang.profile.txt"


@pytest.fixture(scope="module")
def records() -> list[object]:
    return list(profile.parse(PAGE))


@pytest.fixture(scope="module")
def papers(records: list[object]) -> dict[str, Paper]:
    return {r.title: r for r in records if isinstance(r, Paper)}


def test_one_profile_then_17_papers_and_no_issues(records: list[object]) -> None:
    assert isinstance(records[0], AuthorProfile)
    assert sum(isinstance(r, Paper) for r in records) == 17  # SOURCE.md: 17 papers
    assert not [r for r in records if isinstance(r, ParseIssue)]


def test_header_figures(records: list[object]) -> None:
    prof = records[0]
    assert isinstance(prof, AuthorProfile)
    assert prof.author.name == "Lizhu Zhang"
    assert prof.source == "profile"
    assert prof.as_of == "2026"
    assert prof.primary_category is not None
    assert prof.primary_category.id == "arxiv:cs.CL"
    assert dict(prof.reported) == {
        "h_index": 12,
        "paper_count": 17,
        "citation_count": 147,
        "novelty": 0.64,  # "Novelty64%", stored as a fraction
        "ai_score": 58,
    }


def test_block_without_year_is_in_capture_year(papers: dict[str, Paper]) -> None:
    p = papers["OmniOPD: Logit-Free On-Policy Distillation via Speculative Verification"]
    assert (p.date, p.year) == ("2026-05-31", 2026)  # "LGMay 31"
    assert p.primary_category == "arxiv:cs.LG"
    assert [c.id for c in p.categories] == ["arxiv:cs.LG"]
    assert p.has_code is False and p.code_url is None
    assert [(a.position, a.author.name) for a in p.authors] == [
        (1, "Yuhang Zhou"),
        (2, "Lizhu Zhang"),  # the owner, visible: not appended again
        (3, "Yifan Wu"),
    ]
    assert p.authors_complete is False  # "et al."
    assert p.abstract is not None and p.abstract.startswith("On-Policy Distillation (OPD)")
    assert p.ids.title_key == (
        "omniopd logit free on policy distillation via speculative verification|2026"
    )
    assert p.ids.strong() == {}
    assert p.source == "profile"


def test_code_flag_and_code_url_in_latex_href(papers: dict[str, Paper]) -> None:
    p = papers[
        "Efficient Sequential Recommendation for Long Term User Interest Via Personalization"
    ]
    assert (p.date, p.primary_category) == ("2026-01-07", "arxiv:cs.IR")  # "IRJan 7Code"
    assert p.has_code is True
    assert p.code_url == "https://github.com/facebookresearch/PerSRec"
    names = [(a.position, a.author.name, a.raw_name) for a in p.authors]
    assert names == [
        (1, "Qiang Zhang", "Qiang Zhang"),
        (2, "Hanchao Yu", "Hanchao Yu"),
        (3, "Ivan Ji", "Ivan Ji"),
        (None, "Lizhu Zhang", None),  # the owner, hidden behind "et al."
    ]
    assert p.authors_complete is False


def test_explicit_year_and_code_url_with_trailing_period(papers: dict[str, Paper]) -> None:
    p = papers[
        "S'MoRE: Structural Mixture of Residual Experts for Parameter-Efficient LLM Fine-tuning"
    ]
    assert (p.date, p.year) == ("2025-04-08", 2025)  # "CLApr 8, 2025Code"
    assert p.primary_category == "arxiv:cs.CL"
    assert p.has_code is True
    assert p.code_url == "https://github.com/ZimpleX/SMoRE-LLM"
    assert p.ids.title_key is not None and p.ids.title_key.endswith("|2025")


@pytest.mark.parametrize(
    ("title", "day", "category"),
    [
        ("Token-Level LLM Collaboration via FusionRoute", "2026-01-08", "arxiv:cs.AI"),
        ("Beyond Reward Hacking: Causal Rewards for Large Language Model Alignment",
         "2025-01-16", "arxiv:cs.LG"),
        ("CAFe: Unifying Representation and Generation with Contrastive-Autoregressive "
         "Finetuning", "2025-03-25", "arxiv:cs.CV"),
        ("Synthetic Sandbox for Training Machine Learning Engineering Agents", "2026-04-06",
         "arxiv:cs.CL"),
        ("Exploring System 1 and 2 communication for latent reasoning in LLMs", "2025-10-01",
         "arxiv:cs.LG"),
    ],
)  # fmt: skip
def test_dates_and_categories(
    papers: dict[str, Paper], title: str, day: str, category: str
) -> None:
    p = papers[title]
    assert (p.date, p.primary_category, p.has_code) == (day, category, False)


def test_owner_is_author_of_every_paper(papers: dict[str, Paper]) -> None:
    visible = 0
    for p in papers.values():
        owners = [a for a in p.authors if a.author.name == "Lizhu Zhang"]
        assert len(owners) == 1
        visible += owners[0].position is not None
        assert p.authors_complete is False  # every block ends in "et al."
        assert len([a for a in p.authors if a.position is not None]) == 3
    assert visible == 2  # only OmniOPD and Synthetic Sandbox show the owner
    assert sum(p.has_code for p in papers.values()) == 2  # two "Code" badges


def test_year_counts(papers: dict[str, Paper]) -> None:
    years = sorted(p.year for p in papers.values() if p.year)
    assert years.count(2026) == 8 and years.count(2025) == 9


def test_as_of_overrides_the_capture_year() -> None:
    out = list(profile.parse(PAGE, as_of=date(2027, 3, 1)))
    prof = out[0]
    assert isinstance(prof, AuthorProfile) and prof.as_of == "2027-03-01"
    dated = {p.title: p.date for p in out if isinstance(p, Paper)}
    assert dated["Token-Level LLM Collaboration via FusionRoute"] == "2027-01-08"
    assert dated["Thought Communication in Multiagent Collaboration"] == "2025-10-23"


def test_gzip_copy_parses_identically(tmp_path: Path, records: list[object]) -> None:
    gz = tmp_path / "page.txt.gz"
    gz.write_bytes(gzip.compress(PAGE.read_bytes()))
    assert list(profile.parse(gz)) == records


def test_sniff() -> None:
    assert profile.sniff(PAGE.read_bytes()[:8192], PAGE)
    for other in [
        DATA / "arxiv-kaggle-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl",
        DATA / "arxiv-api-atom" / "idlist_1605.08386.atom.xml",
        DATA / "paperscape-arxiv-1991-1996" / "pscp-1991.csv",
    ]:
        assert not profile.sniff(other.read_bytes()[:8192], other)


def test_bad_block_is_reported_and_neighbours_survive(tmp_path: Path) -> None:
    lines = PAGE.read_text(encoding="utf-8").split("\n")
    start = lines.index("IRJan 7Code")  # the second block: keep only its header and title
    end = lines.index("CLMay 14")
    broken = lines[: start + 2] + [""] + lines[end:]
    bad = tmp_path / "broken.profile.txt"
    bad.write_text("\n".join(broken), encoding="utf-8")
    out = list(profile.parse(bad))
    issues = [r for r in out if isinstance(r, ParseIssue)]
    assert len([r for r in out if isinstance(r, Paper)]) == 16
    assert len(issues) == 1  # the block still counts: 17 announced, 17 found
    assert issues[0].location.file == str(bad)
    assert issues[0].location.line == start + 1  # 1-based line of the broken block's header
    assert "author" in issues[0].reason
    assert not any(i.fatal for i in issues)


def test_count_mismatch_is_reported(tmp_path: Path) -> None:
    text = PAGE.read_text(encoding="utf-8").replace("17 Papers", "18 Papers")
    path = tmp_path / "mismatch.txt"
    path.write_text(text, encoding="utf-8")
    issues = [r for r in profile.parse(path) if isinstance(r, ParseIssue)]
    assert len(issues) == 1 and "18 papers but 17 blocks" in issues[0].reason


def test_unreadable_file_is_fatal(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.txt"
    bad.write_bytes(b"Zh\xe9ng\n\nCL\nh-index1\n")
    out = list(profile.parse(bad))
    assert len(out) == 1 and isinstance(out[0], ParseIssue) and out[0].fatal


def test_invalid_utf8_in_a_block_skips_only_that_block(tmp_path: Path) -> None:
    lines = PAGE.read_bytes().split(b"\n")
    title = next(i for i, line in enumerate(lines) if line.startswith(b"OmniOPD"))
    lines[title] = lines[title] + b" \xff"
    bad = tmp_path / "page.txt"
    bad.write_bytes(b"\n".join(lines))
    out = list(profile.parse(bad))
    issues = [r for r in out if isinstance(r, ParseIssue)]
    assert [(i.location.line, i.fatal) for i in issues[:2]] == [(title + 1, False), (12, False)]
    assert "not valid UTF-8" in issues[0].reason and "block skipped" in issues[1].reason
    assert isinstance(out[0], AuthorProfile)
    assert sum(isinstance(r, Paper) for r in out) == 16


def test_a_jsonl_file_is_not_a_profile_page() -> None:
    snapshot = DATA / "arxiv-kaggle-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl"
    (issue,) = profile.parse(snapshot)
    assert isinstance(issue, ParseIssue) and issue.fatal and "not a profile page" in issue.reason
