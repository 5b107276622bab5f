"""The algorithm parameters are described once (``graph.analytics.parameters``): the registry's
``PARAMETERS``, the options of ``scholargraph analyze`` and the GraphQL ``AnalysisInput``
fields all come from that table, and agree with the algorithm functions themselves."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from graphql import GraphQLFloat, GraphQLInt, GraphQLNamedType
from strawberry import ID
from typer.testing import CliRunner

import graph.db
from api.analytics_schema import Algorithm, AnalysisInput, Engine
from api.schema import build_schema
from cli.analytics import parameter_options
from cli.main import app
from graph.analytics.algorithms import ALGORITHMS, PARAMETERS, SEEDED
from graph.analytics.parameters import EXPOSED, PARAMETER_SPECS, Parameter
from graph.errors import InputError
from graph.settings import AppSettings

TIMINGS = {"export": 0.0, "algorithm": 0.0}
GRAPHQL_TYPES: dict[type[Any], GraphQLNamedType] = {float: GraphQLFloat, int: GraphQLInt}
VALUES: dict[type[Any], Any] = {float: 0.5, int: 3}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def test_the_table_and_the_algorithm_functions_agree() -> None:
    """Each algorithm takes exactly the parameters the table gives it, as keywords."""
    names = [p.name for p in PARAMETER_SPECS]
    assert len(names) == len(set(names))
    for p in PARAMETER_SPECS:
        assert p.algorithms <= set(ALGORITHMS), p
    for name, function in ALGORITHMS.items():
        keywords = set(inspect.signature(function).parameters) - {"g"}
        assert keywords == PARAMETERS[name], name
    assert {p.name for p in EXPOSED} == {"resolution", "iterations", "damping", "cutoff"}
    assert frozenset({"ppr", "distance"}) == SEEDED


def test_a_parameter_names_a_keyword_and_some_algorithm() -> None:
    with pytest.raises(ValueError, match="keyword"):
        Parameter("not a name", int, "", frozenset({"pagerank"}))
    with pytest.raises(ValueError, match="keyword"):
        Parameter("orphan", int, "", frozenset())
    assert Parameter("exact_threshold", int, "", frozenset({"x"})).flag == "--exact-threshold"


def test_every_exposed_parameter_is_an_option_of_analyze() -> None:
    help_text = CliRunner().invoke(app, ["analyze", "--help"], env={"COLUMNS": "250"}).stdout
    lines = help_text.splitlines()
    for p in EXPOSED:
        (line,) = [line for line in lines if f" {p.flag} " in line]
        assert f"<{p.type.__name__}>" in line and p.help in line, line
    for absent in ("--params", "--weighted", "--exact-threshold", "--backend"):
        assert absent not in help_text
    assert "--tolerance" in help_text  # the Spark engine's own, not the registry's


def test_analyze_hands_the_options_given_to_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """What ``scholargraph analyze`` passes on: the options given, nothing for the others."""
    from graph.analytics import runs
    from graph.analytics.spec import GraphSpec

    calls: list[tuple[str, dict[str, Any]]] = []

    def fake_analyze(
        driver: object, database: str, spec: GraphSpec, algorithm: str,
        params: dict[str, Any], **_: Any,
    ) -> runs.AnalysisOutcome:  # fmt: skip
        calls.append((algorithm, dict(params)))
        return runs.AnalysisOutcome(spec, algorithm, {}, 0, 0, {}, {}, timings_ms=TIMINGS)

    @contextlib.contextmanager
    def no_driver(settings: object) -> Iterator[object]:
        yield object()

    monkeypatch.setattr(runs, "analyze", fake_analyze)
    monkeypatch.setattr(graph.db, "open_driver", no_driver)
    env = {"NEO4J_URI": "bolt://127.0.0.1:9", "COLUMNS": "200"}
    for args, algorithm, expected in (
        (["-a", "leiden", "--resolution", "2", "--iterations", "3"], "leiden",
         {"resolution": 2.0, "iterations": 3}),
        (["-a", "betweenness", "--cutoff", "2"], "betweenness", {"cutoff": 2}),
        (["-a", "pagerank"], "pagerank", {}),
        (["-a", "ppr", "--damping", "0.7", "--seed", "p1"], "ppr",
         {"damping": 0.7, "seeds": ["p1"]}),
    ):  # fmt: skip
        result = CliRunner().invoke(app, ["analyze", "-g", "citation", *args], env=env)
        assert result.exit_code == 0, result.output
        name, params = calls.pop()
        assert (name, params) == (algorithm, expected)
        assert [type(v) for v in params.values()] == [type(v) for v in expected.values()]


def test_the_options_given_reach_the_command_as_one_dict() -> None:
    seen: list[dict[str, Any]] = []

    def command(name: str = "x", params: dict[str, Any] | None = None, after: int = 0) -> None:
        seen.append({"name": name, "params": params, "after": after})

    cli = typer.Typer()
    cli.command()(parameter_options(command))
    runner = CliRunner()
    assert runner.invoke(cli, []).exit_code == 0
    assert runner.invoke(cli, ["--damping", "0.9", "--cutoff", "2", "--after", "1"]).exit_code == 0
    assert seen == [
        {"name": "x", "params": {}, "after": 0},
        {"name": "x", "params": {"damping": 0.9, "cutoff": 2}, "after": 1},
    ]
    bad = runner.invoke(cli, ["--cutoff", "two"])
    assert bad.exit_code == 2 and "--cutoff" in bad.output


def test_analyze_refuses_a_parameter_the_algorithm_does_not_take() -> None:
    """Checked before any connection is opened (the URI leads nowhere)."""
    result = CliRunner().invoke(
        app,
        ["analyze", "-g", "citation", "-a", "leiden", "--damping", "0.5"],
        env={"NEO4J_URI": "bolt://127.0.0.1:9", "COLUMNS": "200"},
    )
    assert result.exit_code == 2
    assert "damping" in result.stderr and "for leiden" in result.stderr


def test_every_exposed_parameter_is_an_analysis_input_field() -> None:
    schema = build_schema(AppSettings())
    fields = schema._schema.type_map["AnalysisInput"].fields  # type: ignore[attr-defined]
    order = list(fields)
    for p in EXPOSED:
        field = fields[_camel(p.name)]
        assert field.type is GRAPHQL_TYPES[p.type]  # nullable: unset means the default
        assert field.description == p.help
        assert order.index(_camel(p.name)) < order.index("top")


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
@pytest.mark.parametrize("parameter", EXPOSED, ids=lambda p: p.name)
def test_params_are_the_set_parameters_the_algorithm_takes(
    algorithm: str, parameter: Parameter
) -> None:
    value = VALUES[parameter.type]
    chosen = Algorithm[algorithm.upper()]
    given = AnalysisInput(algorithm=chosen, seeds=[ID("n1")], **{parameter.name: value})
    if parameter.name not in PARAMETERS[algorithm]:
        with pytest.raises(InputError, match=f"'{parameter.name}'.*for {algorithm}"):
            given.params()
        return
    expected: dict[str, Any] = {parameter.name: value}
    if algorithm in SEEDED:
        expected["seeds"] = ["n1"]
    assert given.params() == expected


def test_params_leave_unset_parameters_out_and_spark_checks_its_own() -> None:
    assert AnalysisInput(algorithm=Algorithm.PAGERANK).params() == {}
    # GraphX PageRank takes round counts (engine.SPARK_ALGORITHMS): not refused here
    rounds: dict[str, Any] = {"iterations": 5}  # a derived field: mypy does not see it
    spark = AnalysisInput(algorithm=Algorithm.PAGERANK, engine=Engine.SPARK, **rounds)
    assert spark.params() == {"iterations": 5}
