"""Configuration, read from the environment when a command or the app starts (never at import).

Connection settings use the Neo4j tools' own names (``NEO4J_URI`` ...); application settings use
the ``SCHOLARGRAPH_`` prefix.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Neo4jSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEO4J_", extra="ignore")

    uri: str = "bolt://127.0.0.1:7687"
    username: str = "neo4j"
    password: SecretStr | None = None  # no default secret; None means auth disabled (local server)
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

    api_token: SecretStr | None = None  # bearer token for mutations; none configured → refused
    read_timeout: float = 15.0  # seconds, per read transaction
    max_query_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2000
    introspection: bool = True
    batch_size: int = 1000  # records per write transaction (measured: docs/performance.md)
    # GraphQL query answers cached per API process (api/response_cache.py): entry lifetime in
    # seconds (0 = off), how often the graph totals are re-read, memory bound
    response_cache_ttl: float = 30.0
    response_cache_check: float = 0.25
    response_cache_max_mb: int = 64
