"""The entity-safe XML reader (loaders/xml_safe.py): prolog rewriting and entity decoding."""

from __future__ import annotations

import io
import time

import pytest
from lxml import etree

from loaders import xml_safe
from loaders.xml_safe import DeclaredEntity, SafeXmlReader, rewrite_prolog

DECL = b'<?xml version="1.0" encoding="ISO-8859-1"?>\n'


def titles(document: bytes) -> list[tuple[str, frozenset[str]]]:
    reader = SafeXmlReader(io.BytesIO(document))
    declared = reader.prolog.general_names
    return [
        xml_safe.text_of(elem, declared)
        for _event, elem in xml_safe.iterparse(reader, recover=True)
        if elem.tag == "title"
    ]


def test_without_doctype_ours_is_added_and_lines_kept() -> None:
    doc = DECL + b"<dblp>\n<a><title>x</title></a></dblp>\n"
    prolog = rewrite_prolog(doc, complete=True)
    assert prolog is not None
    assert prolog.declared == () and prolog.doctype_line is None and prolog.refusal() is None
    assert prolog.head.startswith(DECL.rstrip(b"\n") + b"<!DOCTYPE dblp [")
    assert prolog.head.count(b"\n") == doc.count(b"\n")  # sourceline numbers unchanged


def test_document_doctype_replaced_and_its_entities_listed() -> None:
    doc = (
        DECL
        + b"<!-- a comment first -->\n"
        + b"<!DOCTYPE dblp [\n"
        + b'  <!ENTITY e SYSTEM "file:///etc/passwd">\n'
        + b'  <!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd">\n'
        + b'  <!ENTITY i "a ] > b">\n'  # ']' and '>' inside a quoted value
        + b"  <!ENTITY pub PUBLIC \"-//X//EN\" 'http://example.org/pub'>\n"
        + b"]>\n<dblp/>\n"
    )
    prolog = rewrite_prolog(doc, complete=True)
    assert prolog is not None
    assert prolog.doctype_line == 3
    assert prolog.declared == (
        DeclaredEntity("e", external="file:///etc/passwd"),
        DeclaredEntity("p", parameter=True, external="http://127.0.0.1:9/x.dtd"),
        DeclaredEntity("i"),
        DeclaredEntity("pub", external="http://example.org/pub"),
    )
    assert prolog.general_names == {"e", "i", "pub"}
    assert b"file:///etc/passwd" not in prolog.head and b"127.0.0.1" not in prolog.head
    assert prolog.head.count(b"\n") == doc.count(b"\n")
    reason = prolog.refusal()
    assert reason is not None
    assert "&e; (external: 'file:///etc/passwd')" in reason and "%p" in reason


def test_incomplete_prolog_asks_for_more_and_bad_prologs_are_refused() -> None:
    assert rewrite_prolog(DECL + b"<!DOCTYPE dblp [ <!ENTITY e 'x'>", complete=False) is None
    with pytest.raises(ValueError, match="not closed"):
        rewrite_prolog(DECL + b"<!DOCTYPE dblp [ <!ENTITY e 'x'>", complete=True)
    with pytest.raises(ValueError, match="two DOCTYPE"):
        rewrite_prolog(b"<!DOCTYPE a []>\n<!DOCTYPE a [<!ENTITY e 'x'>]><a/>", complete=True)
    huge = DECL + b"<!--" + b"x" * (2 * xml_safe.PROLOG_LIMIT) + b"-->\n<dblp/>"
    with pytest.raises(ValueError, match="no root element in the first"):
        SafeXmlReader(io.BytesIO(huge))


def test_character_entities_decode_and_declared_ones_are_refused() -> None:
    doc = (
        DECL + b'<!DOCTYPE dblp [<!ENTITY i "INJECTED">]>\n'
        b"<dblp><a><title>J&ouml;rg M&uuml;ller, Andr&eacute; &amp; &#233;<i>&szlig;</i></title>"
        b"<title>A &i; B</title><title>C &nosuch; D</title></a></dblp>"
    )
    assert titles(doc) == [
        ("Jörg Müller, André & é" + "ß", frozenset()),
        ("A  B", frozenset({"i"})),  # refused, never expanded
        ("C  D", frozenset()),  # declared nowhere: the parser logs it, the text drops it
    ]


def test_reader_serves_the_rest_of_the_document_unchanged() -> None:
    body = b"".join(b"<a><title>t%d</title></a>\n" % i for i in range(20000))
    doc = DECL + b"<dblp>\n" + body + b"</dblp>\n"
    reader = SafeXmlReader(io.BytesIO(doc))
    served = b"".join(iter(lambda: reader.read(4096), b""))
    assert served.endswith(b"<dblp>\n" + body + b"</dblp>\n")
    assert served.count(b"\n") == doc.count(b"\n")


def test_billion_laughs_costs_nothing() -> None:
    decls = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10)
    )  # &lol9; would be 10**9 "lol"s
    doc = DECL + b"<!DOCTYPE dblp [" + decls + b"]>\n<dblp><a><title>x&lol9;y</title></a></dblp>"
    start = time.perf_counter()
    assert titles(doc) == [("xy", frozenset({"lol9"}))]
    assert time.perf_counter() - start < 1.0


def test_parser_options_forbid_entities_dtd_and_network() -> None:
    reader = SafeXmlReader(io.BytesIO(b"<a/>"))
    events = xml_safe.iterparse(reader, recover=False)
    assert [elem.tag for _event, elem in events] == ["a"]
    assert isinstance(events, etree.iterparse)
