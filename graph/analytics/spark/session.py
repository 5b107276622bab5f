"""The Spark session of a command or process, and the jar it needs from Maven Central.

pyspark (the ``spark`` extra) brings Spark itself, GraphX included. The one extra jar, the Neo4j
Connector for Apache Spark, is fetched by ``scholargraph spark install`` (part of
``make install``) with Maven, as the Neo4j server's jars are (``graph.server``): only the main
jar, since its POM pulls a Scala 2.13 ``_common`` that would clash with pyspark's Scala 2.12;
the main jar bundles what it needs.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from graph.errors import ScholarGraphError
from graph.settings import SparkSettings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

MAVEN_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1"


class SparkUnavailable(ScholarGraphError):
    """The Spark engine cannot start here (the message says what is missing)."""


def connector_jar(settings: SparkSettings) -> Path:
    """Where ``install_connector`` puts the connector jar (Maven's file name)."""
    group, artifact, version = settings.connector.split(":")
    del group
    return settings.jars_dir / f"{artifact}-{version}.jar"


def install_connector(settings: SparkSettings) -> Path:
    """Fetches the connector's main jar from Maven Central once (no transitive jars)."""
    jar = connector_jar(settings)
    if jar.exists() and jar.stat().st_size > 0:
        return jar
    mvn = shutil.which("mvn")
    if mvn is None:
        raise SparkUnavailable(
            "Maven (mvn) is not on PATH; it is needed once to fetch the Neo4j Connector for "
            "Apache Spark from Maven Central (Debian: apt-get install maven)"
        )
    settings.jars_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [mvn, "-q", "-B", f"{MAVEN_DEPENDENCY_PLUGIN}:copy", f"-Dartifact={settings.connector}",
         f"-DoutputDirectory={settings.jars_dir}", "-Dmdep.overWriteIfNewer=true"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0 or not jar.exists():
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise SparkUnavailable(
            f"Maven could not fetch {settings.connector} from Maven Central "
            f"(is the registry reachable?):\n{tail}"
        )
    return jar


def open_session(settings: SparkSettings, app_name: str = "scholargraph") -> SparkSession:
    """A session on ``settings.master`` with the connector jar when it is installed (reading
    from the CSV snapshot does not need it). The JVM starts with the first session of a
    process; its memory settings apply then."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as e:
        raise SparkUnavailable(
            "the Spark engine needs the spark extra: pip install 'scholargraph[spark]'"
        ) from e
    builder = (
        SparkSession.builder.master(settings.master)
        .appName(app_name)
        .config("spark.driver.memory", settings.driver_memory)
        .config("spark.executor.memory", settings.executor_memory)
        .config("spark.sql.shuffle.partitions", str(settings.shuffle_partitions))
        .config("spark.default.parallelism", str(settings.shuffle_partitions))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.adaptive.enabled", "true")
    )
    jar = connector_jar(settings)
    if jar.exists():
        builder = builder.config("spark.jars", str(jar))
    if settings.local_dir is not None:
        builder = builder.config("spark.local.dir", str(settings.local_dir))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


_shared: SparkSession | None = None
_shared_lock = threading.Lock()


def shared_session(settings: SparkSettings) -> SparkSession:
    """One session per process for the API (started on first use, kept until exit)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = open_session(settings, "scholargraph-api")
        return _shared
