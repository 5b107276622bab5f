"""Untrusted input against the real CLI and the real Neo4j: no file or URL named inside an
input is ever read, no entity declared by a file is expanded, billion laughs costs nothing,
and the character entities real dblp data uses still decode (docs/loaders.md#untrusted-input).

A "secret" is a FIFO: a thread notices the moment anything opens it for reading (and would
then hand it a token), so "never read" is observed, not inferred from a missing title."""

from __future__ import annotations

import errno
import io
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from neo4j import Driver

from cli.exit_codes import ExitCode
from graph.settings import Neo4jSettings
from loaders import arxiv_atom
from loaders.records import Paper
from loaders.writer import load_paths

DB = "neo4j"
TOKEN = "SECRET-TOKEN-5d0c1e"
SCHOLARGRAPH = Path(sys.executable).with_name("scholargraph")
DECL = '<?xml version="1.0" encoding="ISO-8859-1"?>\n'


class OpenWatch:
    """A FIFO standing in for a local secret file; ``opened`` turns true if anything opens it
    for reading (the reader then receives ``TOKEN``)."""

    def __init__(self, path: Path) -> None:
        os.mkfifo(path)
        self.path = path
        self.opened = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as e:
                if e.errno != errno.ENXIO:  # ENXIO: no reader has it open
                    raise
                time.sleep(0.005)
                continue
            self.opened = True
            try:
                os.write(fd, TOKEN.encode())
            finally:
                os.close(fd)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class Listener:
    """A TCP port on localhost that counts the connections made to it."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self._sock.settimeout(0.05)
        self.port = self._sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()


@pytest.fixture()
def secret(tmp_path: Path) -> Iterator[OpenWatch]:
    watch = OpenWatch(tmp_path / "secret")
    yield watch
    watch.close()


@pytest.fixture()
def listener() -> Iterator[Listener]:
    port = Listener()
    yield port
    port.close()


def run_load(settings: Neo4jSettings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEO4J_URI": settings.uri}
    return subprocess.run(
        [str(SCHOLARGRAPH), "load", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def issues(report: Path | bytes) -> list[dict[str, object]]:
    data = report.read_bytes() if isinstance(report, Path) else report
    return [orjson.loads(line) for line in data.splitlines()]


def graph_text(driver: Driver) -> str:
    """Every property of every node and relationship, as one string to search."""
    nodes = driver.execute_query("MATCH (n) RETURN properties(n) AS p", database_=DB).records
    rels = driver.execute_query("MATCH ()-[r]->() RETURN properties(r) AS p", database_=DB).records
    return repr([r["p"] for r in [*nodes, *rels]])


def title_of(driver: Driver, key: str) -> str | None:
    rows = driver.execute_query(
        "MATCH (p:Paper {dblp_key: $k}) RETURN p.title AS t", k=key, database_=DB
    ).records
    return rows[0]["t"] if rows else None


def dblp_file(path: Path, doctype: str, *records: str) -> Path:
    path.write_text(DECL + doctype + "\n<dblp>\n" + "".join(records) + "</dblp>\n", "latin-1")
    return path


def book(key: str, title: str, author: str = "Ann Author") -> str:
    return (
        f'<book mdate="2020-01-01" key="series/x/{key}"><author>{author}</author>'
        f"<title>{title}</title><year>2020</year><series>Lecture Notes</series></book>\n"
    )


def test_file_entity_is_never_read_and_never_reaches_the_graph(
    db: Driver, neo4j_settings: Neo4jSettings, tmp_path: Path, secret: OpenWatch
) -> None:
    doctype = f'<!DOCTYPE dblp [\n<!ENTITY e SYSTEM "{secret.path.as_uri()}">\n]>'
    path = dblp_file(
        tmp_path / "xxe.xml",
        doctype,
        book("a", "A &e; B"),  # line 6
        book("b", "Nothing to hide"),
    )
    report = tmp_path / "errors.jsonl"
    proc = run_load(neo4j_settings, str(path), "--errors", str(report))
    assert proc.returncode == ExitCode.RECORDS_REJECTED, proc.stderr
    time.sleep(0.2)  # give the watcher a chance to see a late open
    assert not secret.opened, "the loader opened the file an entity named"
    assert TOKEN not in graph_text(db)
    assert title_of(db, "series/x/a") is None  # refused, not loaded with a hole in its title
    assert title_of(db, "series/x/b") == "Nothing to hide"
    found = issues(report)
    assert [(i["file"], i["line"], i["fatal"]) for i in found] == [
        (str(path), 2, False),  # the DTD, naming the entity and what it pointed at
        (str(path), 6, False),  # the record that used it
    ]
    assert secret.path.as_uri() in str(found[0]["reason"])
    assert "series/x/a" in str(found[1]["reason"]) and "&e;" in str(found[1]["reason"])


def test_external_entities_make_no_network_request(
    db: Driver, tmp_path: Path, listener: Listener
) -> None:
    base = f"http://127.0.0.1:{listener.port}"
    doctype = (
        f'<!DOCTYPE dblp [\n<!ENTITY % p SYSTEM "{base}/p.dtd">\n%p;\n'
        f'<!ENTITY g SYSTEM "{base}/g.txt">\n<!ENTITY u PUBLIC "-//X//EN" "{base}/u.txt">\n]>'
    )
    path = dblp_file(
        tmp_path / "oob.xml", doctype, book("g", "G &g;"), book("u", "&u; U"), book("ok", "Fine")
    )
    report = io.BytesIO()
    summary = load_paths(db, DB, [path], errors_to=report)
    time.sleep(0.2)
    assert listener.connections == 0
    assert title_of(db, "series/x/ok") == "Fine"
    assert title_of(db, "series/x/g") is None and title_of(db, "series/x/u") is None
    found = issues(report.getvalue())
    assert len(found) == 3 and not summary.failed_files
    dtd = str(found[0]["reason"])
    assert f"%p (external: '{base}/p.dtd')" in dtd and f"&g; (external: '{base}/g.txt')" in dtd


def test_billion_laughs_finishes_quickly_with_a_clear_report(db: Driver, tmp_path: Path) -> None:
    decls = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    path = dblp_file(
        tmp_path / "laughs.xml",
        f"<!DOCTYPE dblp [{decls}]>",
        book("laugh", "&lol9;"),
        book("calm", "Calm"),
    )
    report = io.BytesIO()
    start = time.perf_counter()
    load_paths(db, DB, [path], errors_to=report)
    assert time.perf_counter() - start < 10  # 10**9 "lol"s would take minutes and gigabytes
    found = issues(report.getvalue())
    assert len(found) == 2 and all(i["file"] == str(path) for i in found)
    assert "&lol9;" in str(found[0]["reason"]) and "refused" in str(found[0]["reason"])
    assert "series/x/laugh" in str(found[1]["reason"]) and "&lol9;" in str(found[1]["reason"])
    assert title_of(db, "series/x/calm") == "Calm"
    assert "lollol" not in graph_text(db)


def test_atom_feed_entities_are_not_expanded(
    db: Driver, data_dir: Path, tmp_path: Path, secret: OpenWatch
) -> None:
    original = data_dir / "arxiv-api-atom" / "query_all-testing_start0_max100.atom.xml"
    entries = sum(isinstance(r, Paper) for r in arxiv_atom.parse(original))
    feed = original.read_text(encoding="utf-8")
    decl, rest = feed.split("\n", 1)
    doctype = (
        f'<!DOCTYPE feed [<!ENTITY e SYSTEM "{secret.path.as_uri()}">'
        '<!ENTITY i "INTERNAL-INJECTION">]>'
    )
    titles = rest.split("<title>")
    assert len(titles) == 102  # the text before, the feed's title, one per entry
    titles[2] = "&e; " + titles[2]  # the first entry
    titles[3] = "&i; " + titles[3]  # the second
    path = tmp_path / "feed.atom.xml"
    path.write_text(decl + doctype + "\n" + "<title>".join(titles), encoding="utf-8")
    report = io.BytesIO()
    load_paths(db, DB, [path], errors_to=report)
    time.sleep(0.2)
    assert not secret.opened
    text = graph_text(db)
    assert TOKEN not in text and "INTERNAL-INJECTION" not in text
    papers = db.execute_query(
        "MATCH (p:Paper) WHERE NOT p.stub RETURN count(p) AS n", database_=DB
    ).records[0]["n"]
    assert entries == 100 and papers == entries - 2  # all but the two that used an entity
    found = issues(report.getvalue())
    assert len(found) == 3 and "&e;" in str(found[1]["reason"]) and "&i;" in str(found[2]["reason"])


def test_character_entities_still_decode(db: Driver, data_dir: Path, tmp_path: Path) -> None:
    load_paths(db, DB, [data_dir / "dblp-xml"])
    names = {
        r["n"]
        for r in db.execute_query(
            "MATCH (a:Author) WHERE a.name IN ['Hans Röttger', 'André Berton'] RETURN a.name AS n",
            database_=DB,
        ).records
    }
    assert names == {"Hans Röttger", "André Berton"}  # &ouml; and &eacute; in the real excerpt
    path = dblp_file(
        tmp_path / "accents.xml",
        "",
        book("acc", "Caf&eacute; &amp; &Uuml;ber", "J&ouml;rg M&uuml;"),
    )
    report = io.BytesIO()
    load_paths(db, DB, [path], errors_to=report)
    assert report.getvalue() == b""
    assert title_of(db, "series/x/acc") == "Café & Über"
    assert (
        db.execute_query(
            "MATCH (a:Author)-[:AUTHORED]->(:Paper {dblp_key: 'series/x/acc'}) RETURN a.name AS n",
            database_=DB,
        ).records[0]["n"]
        == "Jörg Mü"
    )


def test_bibtex_reads_only_the_files_given(
    db: Driver, neo4j_settings: Neo4jSettings, tmp_path: Path, secret: OpenWatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    bib = work / "refs.bib"
    bib.write_text(
        f'%% -*- mode: bibtex; bibtex-string-files: ("{secret.path}" "../secret") -*-\n'
        "@article{uses, title={Uses a macro}, journal=leak, author={Doe, Jane}, year=2001}\n"
        "@incollection{child, title={Child}, crossref={parent}, author={Roe, Rick}, year=2002}\n"
        f"@article{{inp, title={{Before \\input{{{secret.path}}} after}}, author={{Poe, Al}}, "
        "year=2003}\n",
        encoding="utf-8",
    )
    report = tmp_path / "errors.jsonl"
    proc = run_load(neo4j_settings, str(bib), "--errors", str(report))
    assert proc.returncode == ExitCode.RECORDS_REJECTED, proc.stderr
    time.sleep(0.2)
    assert not secret.opened, "a path named inside the .bib file was opened"
    assert TOKEN not in graph_text(db)
    titles = {
        r["t"]
        for r in db.execute_query(
            "MATCH (p:Paper) WHERE 'bibtex' IN p.sources RETURN p.title AS t", database_=DB
        ).records
    }
    assert titles == {"Uses a macro", "Child", "Before after"}  # every entry loads
    reasons = [str(i["reason"]) for i in issues(report)]
    assert any("not read (only the files given are read)" in r for r in reasons)
