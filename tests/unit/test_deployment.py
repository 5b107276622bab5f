"""The Docker image, the compose file and the lock file, checked by reading them (the machines
that run the tests have no Docker engine): each property docs/deployment.md promises."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)  # (INSTRUCTION, args)

    def args(self, instruction: str) -> list[str]:
        return [a for i, a in self.instructions if i == instruction]


def dockerfile_stages(text: str) -> list[Stage]:
    """Instructions per build stage (line continuations joined, comments dropped)."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    stages: list[Stage] = []
    for line in logical:
        instruction, _, args = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            m = re.fullmatch(r"(\S+)(?:\s+AS\s+(\S+))?", args.strip(), re.IGNORECASE)
            assert m, line
            stages.append(Stage(m.group(1), m.group(2)))
        else:
            stages[-1].instructions.append((instruction, args.strip()))
    return stages


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return dockerfile_stages((ROOT / "Dockerfile").read_text())


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def _copied_from(stage: Stage) -> list[tuple[str, str]]:
    """(source stage, arguments) of every COPY --from=... in a stage."""
    out = []
    for args in stage.args("COPY"):
        m = re.match(r"--from=(\S+)\s+(.*)", args)
        if m:
            out.append((m.group(1), m.group(2)))
    return out


# -- Dockerfile ---------------------------------------------------------------------------------
def test_the_image_runs_as_an_unprivileged_user(stages: list[Stage]) -> None:
    final = stages[-1]
    users = final.args("USER")
    assert users, "the runtime stage sets no USER: the API would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    useradd = " ".join(final.args("RUN"))
    assert re.search(rf"\b(useradd|adduser)\b.*\b{re.escape(user)}\b", useradd), (
        f"user {user!r} is not created in the runtime stage"
    )


def test_a_build_stage_fetches_the_browser_assets_into_the_image(stages: list[Stage]) -> None:
    scripts = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tools").glob("*/fetch.sh"))
    assert "tools/graphiql/fetch.sh" in scripts
    for script in scripts:  # every asset `make assets` fetches (GraphiQL, the network view)
        assert any(script in r for s in stages[:-1] for r in s.args("RUN")), (
            f"no build stage runs {script}"
        )
    fetching = [
        s for s in stages[:-1] if any("tools/graphiql/fetch.sh" in r for r in s.args("RUN"))
    ]
    assert fetching[0].base.startswith("node:"), "the assets stage needs Node.js and npm"
    name = fetching[0].name
    copies = [args for stage in stages[1:] for src, args in _copied_from(stage) if src == name]
    assert any("api/static/vendor" in args for args in copies), (
        "api/static/vendor is not copied out of the assets stage"
    )
    # ... and it reaches the installed package (the build stage installs after copying it).
    build = next(s for s in stages if any(args for src, args in _copied_from(s) if src == name))
    order = [(i, a) for i, a in build.instructions if i in ("COPY", "RUN")]
    vendor_at = next(n for n, (i, a) in enumerate(order) if "api/static/vendor" in a)
    install_at = next(n for n, (i, a) in enumerate(order) if i == "RUN" and "pip install" in a)
    assert vendor_at < install_at
    assert "static/**/*" in (ROOT / "pyproject.toml").read_text()  # shipped as package data


def test_the_image_checks_its_own_health_without_curl(stages: list[Stage]) -> None:
    checks = stages[-1].args("HEALTHCHECK")
    assert checks, "no HEALTHCHECK in the runtime stage"
    check = checks[-1]
    assert "/healthz" in check
    assert "python" in check and "curl" not in check and "wget" not in check


def test_the_image_installs_the_locked_versions_without_extras(stages: list[Stage]) -> None:
    installs = [r for s in stages for r in s.args("RUN") if "pip install" in r]
    assert installs
    for command in installs:
        assert re.search(r"(-c|--constraint|-r|--requirement)\s+requirements\.lock", command)
        assert "[" not in command, "the product image installs no extras (dev, leiden)"
    copied = " ".join(a for s in stages for a in s.args("COPY"))
    assert "requirements.lock" in copied


def test_every_file_the_image_copies_exists_and_is_not_ignored(stages: list[Stage]) -> None:
    ignored = [
        line.strip().removeprefix("**/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for stage in stages:
        for args in stage.args("COPY"):
            if args.startswith("--from="):
                continue
            *sources, _dest = args.split()
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: no such file in the checkout"
                parts = Path(source).parts
                assert not any(p in ignored for p in parts), f"COPY {source} is in .dockerignore"


def test_dockerignore_keeps_local_state_out_of_the_build_context() -> None:
    lines = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for path in (".venv", ".neo4j", ".git"):
        assert path in lines, f"{path} is sent to the Docker daemon"
    assert "node_modules" in lines or "**/node_modules" in lines


# -- docker-compose.yml -------------------------------------------------------------------------
def test_no_empty_token_or_default_secret(compose: dict[str, Any]) -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    assert not re.search(r"SCHOLARGRAPH_API_TOKEN:-\}", text), "the token defaults to empty"
    for name, service in compose["services"].items():
        env = service.get("environment") or {}
        if "SCHOLARGRAPH_API_TOKEN" in env:
            token = env["SCHOLARGRAPH_API_TOKEN"]
            # None: passed through from the host only when set there
            assert token is None or str(token).startswith("${SCHOLARGRAPH_API_TOKEN:?"), name
    # Secrets have no default: the Neo4j password is required, never a built-in value.
    for match in re.finditer(r"\$\{NEO4J_PASSWORD([^}]*)\}", text):
        assert match.group(1).startswith(":?"), match.group(0)


def test_a_one_shot_loader_service_loads_a_mounted_folder(compose: dict[str, Any]) -> None:
    loader = compose["services"]["loader"]
    assert loader.get("profiles"), "the loader must not start with `docker compose up`"
    assert loader["depends_on"]["neo4j"]["condition"] == "service_healthy"
    mounts = [v for v in loader["volumes"] if re.search(r":/data:ro$", v)]
    assert mounts, "no data folder mounted read-only at /data"
    source = mounts[0].removesuffix(":/data:ro")
    assert re.fullmatch(r"\$\{SCHOLARGRAPH_DATA:-\.\./shared/data\}", source), source
    command = " ".join(loader["command"])
    assert "scholargraph load" in command and "scholargraph schema" in command
    paths = loader["environment"]["LOAD_PATHS"]
    assert paths.startswith("${SCHOLARGRAPH_LOAD_PATHS:-")
    defaults = paths.removeprefix("${SCHOLARGRAPH_LOAD_PATHS:-").removesuffix("}").split()
    data = ROOT.parent / "shared" / "data"
    if data.is_dir():  # each default path names a sample folder
        for p in defaults:
            assert (data / p.removeprefix("/data/")).is_dir(), p


def test_the_api_and_loader_share_one_image_and_reach_neo4j(compose: dict[str, Any]) -> None:
    api, loader = compose["services"]["api"], compose["services"]["loader"]
    assert api["image"] == loader["image"]
    for service in (api, loader):
        assert service["environment"]["NEO4J_URI"] == "bolt://neo4j:7687"
    assert all(p.startswith("127.0.0.1:") for p in api["ports"])


# -- the lock file ------------------------------------------------------------------------------
def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", line
            pins[canonicalize_name(req.name)] = spec.version
    return pins


def test_every_dependency_is_pinned_in_the_lock_file() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _pins()
    declared = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared += extra
    for text in declared:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not in requirements.lock: run `make lock`"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {req.name}=={pins[name]}, outside {req.specifier}: "
            "run `make lock`"
        )


def test_leidenalg_is_an_extra_not_a_product_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {canonicalize_name(Requirement(d).name) for d in project["dependencies"]}
    assert "leidenalg" not in names
    assert any("leidenalg" in d for d in project["optional-dependencies"]["leiden"])


def test_make_install_uses_the_lock_file() -> None:
    makefile = (ROOT / "Makefile").read_text()
    install = makefile.split("\ninstall:")[1].split("\n\n")[0]
    assert "-c $(LOCK)" in install and "LOCK := requirements.lock" in makefile
    assert "\nlock:" in makefile


def test_every_file_the_app_reads_is_package_data() -> None:
    """The image installs the package (not the checkout): every template, style sheet and
    script next to the code must be matched by ``[tool.setuptools.package-data]``."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns: dict[str, list[str]] = setuptools["package-data"]
    include = setuptools["packages"]["find"]["include"]
    for top in ("graph", "api", "loaders", "cli"):
        assert f"{top}*" in include
        for path in (ROOT / top).rglob("*"):
            if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
                continue
            if "vendor" in path.relative_to(ROOT).parts:
                continue  # fetched at build time, matched by static/**/*
            package_dir = next(
                d for d in [path.parent, *path.parent.parents] if (d / "__init__.py").exists()
            )
            package = ".".join(package_dir.relative_to(ROOT).parts)
            relative = path.relative_to(package_dir)
            assert any(
                relative.match(p) or str(relative) == p for p in patterns.get(package, [])
            ), (
                f"{path.relative_to(ROOT)} is not package data of {package}: add it to "
                "[tool.setuptools.package-data] in pyproject.toml"
            )
