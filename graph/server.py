"""A real Neo4j Community server without Docker: jars from Maven Central, one JVM process.

``LocalNeo4j`` provisions Neo4j (``mvn dependency:build-classpath`` into the local Maven cache),
writes its own ``neo4j.conf`` into an instance folder (data, logs, run), starts the server main
class as a plain JVM process on loopback, waits until Bolt answers, and stops it with SIGTERM.
A development instance keeps its data between stop and start; tests use a fresh folder and a free
port. See docs/neo4j.md for what was verified.

The PID file is trusted only for a process that is this instance's JVM (the Neo4j main class
with this instance's ``--home-dir`` on its command line): after a crash the number may belong to
an unrelated process, which is never signalled nor reported as the server.

Authentication is off unless a password is given: then ``dbms.security.auth_enabled=true`` and,
before each start, the initial password of the ``neo4j`` user is written to ``data/dbms/auth.ini``
(what ``neo4j-admin dbms set-initial-password`` writes; Python writes it so the password never
appears on a command line). Neo4j applies it while that user still has the default password: a
new store, or one created with authentication off. A store whose password was set before keeps
it (change it with ``ALTER USER``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

from graph.errors import LocalServerError

MAIN_CLASS = "org.neo4j.server.CommunityEntryPoint"  # 5.x; 2025.12+ uses Neo4jCommunity
INITIAL_USER = "neo4j"  # the admin user whose initial password is set
MIN_PASSWORD_LENGTH = 8  # Neo4j 5's dbms.security.auth_minimum_password_length

_POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>scholargraph</groupId>
  <artifactId>neo4j-server-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.neo4j.app</groupId>
      <artifactId>neo4j-server</artifactId>
      <version>{version}</version>
    </dependency>
    <dependency>
      <groupId>org.neo4j</groupId>
      <artifactId>neo4j</artifactId>
      <version>{version}</version>
    </dependency>
  </dependencies>
</project>
"""

_JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
)


@dataclass(frozen=True, slots=True)
class ServerStatus:
    running: bool
    uri: str
    pid: int | None
    data_dir: Path
    log_path: Path
    auth_enabled: bool = False
    stale_pid: int | None = None  # a PID file naming a process that is not this server

    def as_dict(self) -> dict[str, object]:
        return {
            "running": self.running,
            "uri": self.uri,
            "pid": self.pid,
            "auth_enabled": self.auth_enabled,
            "stale_pid": self.stale_pid,
            "data_dir": str(self.data_dir),
            "log": str(self.log_path),
        }


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Whether a server could listen on the port. Like the server itself, the probe allows
    SO_REUSEADDR, so connections of a previous run lingering in TIME_WAIT do not count as
    "taken" (they do not stop a restart); a listening socket still does."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def initial_password_line(password: str, user: str = INITIAL_USER) -> str:
    """One ``auth.ini`` line as ``neo4j-admin dbms set-initial-password`` writes it: salted
    SHA-256, 1024 iterations, hex-encoded (checked against the tool's own output for 5.26)."""
    salt = secrets.token_bytes(32)
    digest = hashlib.sha256(salt + password.encode()).digest()
    for _ in range(1023):
        digest = hashlib.sha256(digest).digest()
    return f"{user}:SHA-256,{digest.hex()},{salt.hex()},1024:\n"


def process_args(pid: int) -> list[str] | None:
    """The command line of a live process (``/proc``, else ``ps``); None when unreadable."""
    proc = Path(f"/proc/{pid}/cmdline")
    if Path("/proc/self/cmdline").exists():
        try:
            raw = proc.read_bytes()
        except OSError:
            return None
        return [a.decode(errors="replace") for a in raw.split(b"\0") if a] or None
    ps = shutil.which("ps")
    if ps is None:
        return None
    out = subprocess.run(
        [ps, "-ww", "-o", "args=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    return out.stdout.split() if out.returncode == 0 and out.stdout.strip() else None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0); reap it if it is ours.
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    return True


class LocalNeo4j:
    """One Neo4j instance living in ``instance_dir``; jars cached under ``cache_dir``."""

    def __init__(
        self,
        instance_dir: Path,
        *,
        cache_dir: Path,
        version: str,
        port: int = 7687,
        heap: str = "1g",
        pagecache: str = "512m",
        transaction_timeout: str = "120s",
        startup_timeout: float = 120.0,
        password: str | None = None,
    ) -> None:
        # absolute (not resolved): the PID check compares it with the JVM's --home-dir
        self.instance_dir = Path(os.path.abspath(instance_dir))
        self.cache_dir = cache_dir
        self.version = version
        self.port = port
        self.heap = heap
        self.pagecache = pagecache
        self.transaction_timeout = transaction_timeout
        self.startup_timeout = startup_timeout
        self.password = password  # checked by start(); stop and status work with any
        self._proc: subprocess.Popen[bytes] | None = None  # when started by this object

    # -- paths -------------------------------------------------------------------------------
    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def data_dir(self) -> Path:
        return self.instance_dir / "data"

    @property
    def log_path(self) -> Path:
        return self.instance_dir / "logs" / "console.log"

    @property
    def auth(self) -> tuple[str, str] | None:
        """Credentials for this server (None: authentication disabled)."""
        return None if self.password is None else (INITIAL_USER, self.password)

    @property
    def _conf_file(self) -> Path:
        return self.instance_dir / "neo4j.conf"

    @property
    def _auth_file(self) -> Path:
        return self.instance_dir / "data" / "dbms" / "auth.ini"

    @property
    def _pid_file(self) -> Path:
        return self.instance_dir / "run" / "scholargraph.pid"

    @property
    def _port_file(self) -> Path:
        return self.instance_dir / "run" / "scholargraph.port"

    # -- provisioning -------------------------------------------------------------------------
    def classpath(self) -> str:
        """The server's classpath, resolved by Maven once per version and cached."""
        cp_file = self.cache_dir / f"neo4j-{self.version}.classpath"
        if cp_file.exists():
            cp = cp_file.read_text().strip()
            if cp and all(Path(p).exists() for p in cp.split(os.pathsep)[:3]):
                return cp
        mvn = shutil.which("mvn")
        if mvn is None:
            raise LocalServerError(
                "Maven (mvn) is not on PATH; it is needed once to fetch the Neo4j jars from "
                "Maven Central (Debian: apt-get install maven)"
            )
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        pom = self.cache_dir / f"neo4j-{self.version}.pom.xml"
        pom.write_text(_POM.format(version=self.version))
        proc = subprocess.run(
            [
                mvn,
                "-q",
                "-B",
                "-f",
                str(pom),
                "dependency:build-classpath",
                f"-Dmdep.outputFile={cp_file}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0 or not cp_file.exists():
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
            raise LocalServerError(
                f"Maven could not resolve Neo4j {self.version} from Maven Central "
                f"(is the registry reachable?):\n{tail}"
            )
        return cp_file.read_text().strip()

    def _write_conf(self) -> None:
        d = self.instance_dir
        for sub in ("data", "logs", "run", "import", "plugins"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        conf = {
            "server.default_listen_address": "127.0.0.1",
            "server.bolt.enabled": "true",
            "server.bolt.listen_address": f"127.0.0.1:{self.port}",
            "server.http.enabled": "false",
            "server.https.enabled": "false",
            "dbms.security.auth_enabled": "false" if self.password is None else "true",
            "dbms.usage_report.enabled": "false",
            "server.directories.data": str(d / "data"),
            "server.directories.logs": str(d / "logs"),
            "server.directories.run": str(d / "run"),
            "server.directories.import": str(d / "import"),
            "server.directories.plugins": str(d / "plugins"),
            "server.memory.pagecache.size": self.pagecache,
            "db.transaction.timeout": self.transaction_timeout,
            "db.logs.query.enabled": "OFF",
        }
        self._conf_file.write_text("".join(f"{k}={v}\n" for k, v in conf.items()))
        if self.password is not None:
            self._auth_file.parent.mkdir(parents=True, exist_ok=True)
            self._auth_file.unlink(missing_ok=True)
            fd = os.open(self._auth_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(initial_password_line(self.password))

    def _auth_enabled_in_conf(self) -> bool:
        try:
            lines = self._conf_file.read_text().splitlines()
        except FileNotFoundError:
            return False
        return "dbms.security.auth_enabled=true" in lines

    # -- lifecycle ----------------------------------------------------------------------------
    def _recorded_pid(self) -> int | None:
        try:
            return int(self._pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def is_this_server(self, pid: int) -> bool:
        """Whether ``pid`` is a live JVM running this instance: the Neo4j main class and this
        instance's home folder on its command line. A PID file outlives a crash and the
        number can be reused by any process; only this check makes it safe to signal."""
        if not _pid_alive(pid):
            return False
        args = process_args(pid)
        if not args:
            return False
        return MAIN_CLASS in args and f"--home-dir={self.instance_dir}" in args

    def pid(self) -> int | None:
        """This instance's server process, if it runs (a stale PID file gives None)."""
        pid = self._recorded_pid()
        return pid if pid is not None and self.is_this_server(pid) else None

    def stale_pid(self) -> int | None:
        """The number in a PID file that does not name this instance's running server."""
        pid = self._recorded_pid()
        return pid if pid is not None and not self.is_this_server(pid) else None

    def remove_stale_pid_file(self) -> int | None:
        """Delete a stale PID file (and its port file); returns the stale number, if any."""
        stale = self.stale_pid()
        if stale is not None:
            self._pid_file.unlink(missing_ok=True)
            self._port_file.unlink(missing_ok=True)
        return stale

    def status(self) -> ServerStatus:
        recorded = self._recorded_pid()
        pid = recorded if recorded is not None and self.is_this_server(recorded) else None
        if pid is not None and self._port_file.exists():
            self.port = int(self._port_file.read_text().strip())
        auth = self._auth_enabled_in_conf() if pid is not None else self.auth is not None
        return ServerStatus(
            running=pid is not None,
            uri=self.uri,
            pid=pid,
            data_dir=self.data_dir,
            log_path=self.log_path,
            auth_enabled=auth,
            stale_pid=recorded if pid is None else None,
        )

    def _reap_previous(self) -> None:
        """Collects the exit status of a server this object started that has since died (a
        crash, a kill), so no zombie and no "subprocess still running" warning is left."""
        proc, self._proc = self._proc, None
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)

    def start(self) -> ServerStatus:
        """Start and wait until Bolt answers; a no-op when this instance already runs."""
        current = self.status()
        if current.running:
            return current
        self.remove_stale_pid_file()
        self._reap_previous()
        if self.password is not None and len(self.password) < MIN_PASSWORD_LENGTH:
            raise LocalServerError(
                f"the Neo4j password (NEO4J_PASSWORD) has {len(self.password)} characters; "
                f"Neo4j needs at least {MIN_PASSWORD_LENGTH}"
            )
        java = shutil.which("java")
        if java is None:
            raise LocalServerError(
                "Java is not on PATH; Neo4j 5.26 needs a Java 17 or 21 runtime "
                "(Debian: apt-get install openjdk-17-jre-headless)"
            )
        if not port_is_free(self.port):
            raise LocalServerError(
                f"port {self.port} on 127.0.0.1 is already in use; stop what holds it or choose "
                "another port (--port or SCHOLARGRAPH_NEO4J_PORT)"
            )
        cp = self.classpath()
        self._write_conf()
        cmd = [
            java, f"-Xms{self.heap}", f"-Xmx{self.heap}", *_JVM_FLAGS,
            "-cp", f"{self.instance_dir / 'plugins'}/*{os.pathsep}{cp}",
            MAIN_CLASS, f"--home-dir={self.instance_dir}", f"--config-dir={self.instance_dir}",
            "--console-mode",
        ]  # fmt: skip
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            proc = subprocess.Popen(
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=self.instance_dir,
            )
        self._proc = proc
        self._pid_file.write_text(str(proc.pid))
        self._port_file.write_text(str(self.port))
        try:
            self._wait_until_ready(proc)
        except LocalServerError:
            self._terminate(proc.pid)
            raise
        return self.status()

    def _wait_until_ready(self, proc: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + self.startup_timeout
        delay = 0.25
        while True:
            if proc.poll() is not None:
                raise LocalServerError(
                    f"Neo4j exited with code {proc.returncode} during startup; "
                    f"last lines of {self.log_path}:\n{self.log_tail()}"
                )
            try:
                with GraphDatabase.driver(self.uri, auth=self.auth) as driver:
                    driver.verify_connectivity()
                    driver.execute_query("RETURN 1", database_="neo4j")
                return
            except AuthError as e:
                raise LocalServerError(
                    f"Neo4j at {self.uri} refused the password (NEO4J_PASSWORD): {e}. The "
                    "password is set only while the neo4j user still has its default one (a new "
                    "store, or one created with authentication off); this store "
                    f"({self.data_dir}) has another: change it with ALTER USER, or use a fresh "
                    "SCHOLARGRAPH_NEO4J_HOME"
                ) from e
            except (ServiceUnavailable, OSError):
                pass
            except Exception as e:  # the default database may still be starting
                if "not available" not in str(e) and "unavailable" not in str(e).lower():
                    raise LocalServerError(f"Neo4j answered with an error: {e}") from e
            if time.monotonic() > deadline:
                raise LocalServerError(
                    f"Neo4j did not answer on {self.uri} within {self.startup_timeout:.0f} s; "
                    f"last lines of {self.log_path}:\n{self.log_tail()}"
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 2.0)

    def stop(self, timeout: float = 60.0) -> bool:
        """SIGTERM, a bounded wait, then SIGKILL. Returns whether a server was running.

        Only a process that ``is_this_server`` is signalled; a stale PID file is removed
        (``remove_stale_pid_file`` tells the caller which number it held)."""
        pid = self.pid()
        if pid is None:
            self.remove_stale_pid_file()
            return False
        self._terminate(pid, timeout)
        self._pid_file.unlink(missing_ok=True)
        return True

    def _terminate(self, pid: int, timeout: float = 60.0) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        if self._proc is not None and self._proc.pid == pid:
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
            return
        deadline = time.monotonic() + timeout
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _pid_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            while _pid_alive(pid):
                time.sleep(0.1)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log written)"
        return "\n".join(text.splitlines()[-lines:])
