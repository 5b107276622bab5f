"""The name-ambiguity prior (graph/name_stats.py): distinct full names and how many of them
share each first given name and surname, built incrementally, serialised and merged; the
expected number of people per name."""

from __future__ import annotations

import json

import pytest

from graph.name_stats import NameStats, name_parts


def _row(*names: str, stub: bool = False) -> dict[str, object]:
    return {"stub": stub, "authors": [{"name": n} for n in names]}


def _stats(rows: list[dict[str, object]], min_names: int = 0) -> NameStats:
    stats = NameStats(min_names=min_names)
    stats.add_rows(rows, [f"paper{i}" for i in range(len(rows))])
    return stats


def test_name_parts() -> None:
    assert name_parts("x n wang") == ("x", "wang")
    assert name_parts("lei wang") == ("lei", "wang")
    assert name_parts("wang") is None


def test_counts_distinct_full_names_of_every_printed_name() -> None:
    stats = NameStats(min_names=0)
    assert stats.add_row(_row("Lei Wang", "Wei Wang", "R. Schreiber", "Robert Schreiber")) == 3
    assert stats.add_row(_row("Lei Wang", "LEI WANG", "Wang, Lei")) == 0  # seen: nothing new
    assert stats.add_row(_row("Ann Roe", stub=True)) == 0  # a stub prints no authors
    assert stats.names == 3  # an initial-only form is no full name to count
    assert stats.surnames == {"wang": 2, "schreiber": 1}
    assert stats.given == {"lei": 1, "wei": 1, "robert": 1}


def test_expected_people_is_t_first_times_t_surname_over_d() -> None:
    rows = [_row("Lei Wang", "Wei Wang"), _row("Lei Zhang", "Robert Schreiber")]
    stats = _stats(rows)
    assert stats.expected_people(("lei",), "wang") == pytest.approx(2 * 2 / 4)
    assert stats.expected_people(("robert",), "schreiber") == pytest.approx(1 * 1 / 4)
    assert stats.expected_people_of("Lei Wang") == pytest.approx(1.0)
    assert stats.expected_people(("r",), "schreiber") is None  # initials only: no prior
    assert stats.expected_people((), "schreiber") is None
    assert stats.expected_people(("anna",), "unseen") == 0.0


def test_no_prior_before_enough_names() -> None:
    stats = _stats([_row("Robert Schreiber")], min_names=2)
    assert stats.expected_people(("robert",), "schreiber") is None
    stats.add_row(_row("Ann Roe"))
    assert stats.expected_people(("robert",), "schreiber") is not None


def test_common_names_score_above_rare_ones_however_often_a_rare_one_is_printed() -> None:
    chinese = [f"{g} {s}" for g in ("Lei", "Wei", "Yu") for s in ("Wang", "Li", "Zhang")]
    western = [f"{g} {s}" for g in ("Robert", "Anna", "Peter") for s in ("Roe", "Doe", "Poe")]
    rows = [_row(*chinese, *western)] + [_row("Robert Schreiber", "Dieter Roller")] * 50
    stats = _stats(rows)
    wang, schreiber = (
        stats.expected_people_of("Lei Wang"),
        stats.expected_people_of("Robert Schreiber"),
    )
    assert wang is not None and schreiber is not None
    assert wang > schreiber > 0  # fifty papers of one Robert Schreiber count once
    assert stats.expected_people_of("Dieter Roller") == pytest.approx(1 / stats.names)


def test_incremental_equals_at_once_and_serialises_and_merges() -> None:
    rows = [_row("Lei Wang", "Ann Roe"), _row("Wei Li"), _row("Robert Schreiber", "A. Roe")]
    whole = _stats(rows)
    parts = NameStats(min_names=0)
    for row in reversed(rows):  # a set of names: the order seen does not matter
        parts.add_rows([row])
    assert parts == whole
    again = NameStats.from_dict(json.loads(json.dumps(whole.to_dict())))
    assert again == whole and again.to_dict() == whole.to_dict()
    left, right = NameStats(min_names=0), NameStats(min_names=0)
    left.add_rows(rows[:2])
    right.add_rows(rows[1:])  # overlapping: names both saw count once
    left.merge(right)
    assert left == whole
    copy = whole.copy()
    copy.add_row(_row("Ann Doe"))
    assert copy != whole and whole.names == 4


def test_fixed_counts_do_not_move() -> None:
    stats = _stats([_row("Lei Wang")])
    stats.fixed = True
    assert not stats.add_row(_row("Wei Wang"))
    assert stats.names == 1
