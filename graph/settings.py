"""Configuration, read from the environment when a command or the app starts (never at import).

Connection settings use the Neo4j tools' own names (``NEO4J_URI`` ...); application settings use
the ``SCHOLARGRAPH_`` prefix.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

logger = logging.getLogger("scholargraph.settings")

MIN_API_TOKEN_CHARS = 16  # a shorter (or empty) SCHOLARGRAPH_API_TOKEN counts as not configured


class Neo4jSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEO4J_", extra="ignore")

    uri: str = "bolt://127.0.0.1:7687"
    username: str = "neo4j"
    # No default secret. None: connect without authentication. Also read by
    # `scholargraph neo4j start`, which then turns the local server's authentication on with
    # this as the `neo4j` user's password (docs/neo4j.md#authentication-read-this-on-a-shared-host).
    password: SecretStr | None = None
    database: str = "neo4j"

    def auth(self) -> tuple[str, str] | None:
        if self.password is None:
            return None
        return (self.username, self.password.get_secret_value())


class LocalServerSettings(BaseSettings):
    """The project-managed Neo4j (``scholargraph neo4j start``)."""

    model_config = SettingsConfigDict(env_prefix="SCHOLARGRAPH_NEO4J_", extra="ignore")

    version: str = "5.26.30"
    home: Path = Field(default_factory=lambda: Path.cwd() / ".neo4j")
    port: int = 7687
    heap: str = "2g"
    pagecache: str = "1g"
    transaction_timeout: str = "120s"
    startup_timeout: float = 120.0


class AppSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCHOLARGRAPH_", extra="ignore")

    # bearer token for mutations; none configured → refused. Empty, blank or shorter than
    # MIN_API_TOKEN_CHARS counts as none (with a warning): see _usable_token
    api_token: SecretStr | None = None
    read_timeout: float = 15.0  # seconds, per read transaction
    max_query_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2000
    introspection: bool = True
    batch_size: int = 1000  # records per write transaction (measured: docs/performance.md)
    identity_overrides: Path | None = None  # the overrides file load and bulk-import honour
    # GraphQL query answers cached per API process (api/response_cache.py): entry lifetime in
    # seconds (0 = off), how often the graph totals are re-read, memory bound
    response_cache_ttl: float = 30.0
    response_cache_check: float = 0.25
    response_cache_max_mb: int = 64
    # HTTP hardening (docs/security.md): the largest request body (413 above it), the origins
    # allowed by CORS (empty: CORS off; a comma-separated list or a JSON list in the environment)
    max_body_bytes: int = Field(default=2**20, ge=1024)
    # start building the analytics snapshot (graph/snapshot.py) when the app starts, so the
    # first pages, counts, facets and influence answers come from it (``scholargraph serve``
    # turns it on; an app built without it builds the snapshot on the first count or facet)
    snapshot_at_start: bool = False
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # How long an API request waits for an unreachable Neo4j before it answers "database
    # unavailable": to open a connection, to get one from the pool, and retrying a transaction
    db_connect_timeout: float = Field(default=2.0, gt=0)
    db_acquire_timeout: float = Field(default=3.0, gt=0)
    db_retry_time: float = Field(default=1.0, ge=0)

    @field_validator("api_token", mode="after")
    @classmethod
    def _usable_token(cls, value: SecretStr | None) -> SecretStr | None:
        """An empty, blank or short token (``SCHOLARGRAPH_API_TOKEN=`` from a compose default)
        must never match an empty ``Authorization: Bearer`` header: it counts as no token."""
        if value is None:
            return None
        token = value.get_secret_value().strip()
        if len(token) < MIN_API_TOKEN_CHARS:
            logger.warning(
                "SCHOLARGRAPH_API_TOKEN is %s: ignored, mutations (runAnalysis) are refused; "
                "set a token of at least %d characters to enable them",
                "empty" if not token else f"shorter than {MIN_API_TOKEN_CHARS} characters",
                MIN_API_TOKEN_CHARS,
            )
            return None
        return SecretStr(token)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origin_list(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [o.strip() for o in text.split(",") if o.strip()]
        return value

    # Query cost and deadlines (docs/limits.md): the cost budget of one GraphQL request, the
    # deadline of a whole query (every read and analytics job of it) and of a mutation, the
    # processes that run igraph for API requests, and when an unfinished analytics write run
    # counts as abandoned (its staged scores are then removed by the next run)
    max_query_cost: int = 5000
    request_timeout: float = 20.0
    mutation_timeout: float = 900.0
    analytics_workers: int = 1
    analysis_stale_after: float = 900.0
    analysis_write_batch: int = 10_000  # nodes per staged write transaction of a run
    # requests costing at least ``expensive_cost`` run at most ``expensive_concurrency`` at a
    # time per API process (the others wait, within their deadline): cheap requests keep the
    # cores (docs/limits.md)
    expensive_cost: int = 1000
    expensive_concurrency: int = 1


class SparkSettings(BaseSettings):
    """The Spark analytics engine (``--engine spark``, docs/scale-out.md), read when the command
    starts. ``master``: ``local[*]`` (every core of this machine) or a cluster URL such as
    ``spark://host:7077``; the Neo4j Connector for Apache Spark jar is fetched from Maven Central
    into ``jars_dir`` by ``scholargraph spark install``."""

    model_config = SettingsConfigDict(env_prefix="SCHOLARGRAPH_SPARK_", extra="ignore")

    master: str = "local[*]"
    driver_memory: str = "2g"  # local mode: the driver JVM is the executor too
    executor_memory: str = "2g"
    shuffle_partitions: int = Field(default=8, ge=1)
    jars_dir: Path = Field(default_factory=lambda: Path.cwd() / ".spark" / "jars")
    connector: str = "org.neo4j:neo4j-connector-apache-spark_2.12:5.0.3_for_spark_3"
    local_dir: Path | None = None  # spark.local.dir (shuffle files); None: Spark's default
