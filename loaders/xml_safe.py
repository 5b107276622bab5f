"""Reading untrusted XML: nothing outside the file is read, only character entities resolve.

Every XML reader in ``loaders/`` goes through ``SafeXmlReader`` and ``iterparse`` here:

* **The document's own DTD is never read.** Its ``DOCTYPE`` (external id and internal subset)
  is cut out of the byte stream before lxml sees it (only its newlines stay, so ``sourceline``
  numbers are those of the file) and a DTD of ours goes right after the XML declaration, on
  its line. Ours declares only the HTML 4 named character references
  (``html.entities.name2codepoint``: the ISO-8859 set dblp.dtd uses, ``&ouml;`` …), each one
  a single numeric character reference: nothing nested, nothing external.
* **Entities the document's DTD declared are refused.** ``Prolog.declared`` lists them (general
  and parameter, with the ``SYSTEM`` identifier of external ones) so the caller reports them
  once per file. Their general names are declared empty in our DTD, so a use such as ``&e;``
  parses as an entity-reference node that ``text_of`` returns in ``refused``: the caller then
  reports and skips that one record instead of loading a title with a hole in it.
* An entity neither known nor declared (``&nosuch;``) is an XML error the parser logs with its
  line; it is left out of the text (the record keeps its other content, as in recover mode).
* **lxml never substitutes an entity.** ``resolve_entities=False``: references stay nodes and
  ``text_of`` turns the known character entities into their characters itself, so there is no
  entity expansion to amplify (billion laughs costs nothing), and no DTD loading or network
  access (``load_dtd=False``, ``no_network=True``). XML's five predefined entities and numeric
  character references are decoded by the parser as always.

Attribute values are the exception lxml cannot leave unexpanded: there a character entity
becomes its character and a refused one nothing (still never the file's value).

The prolog (XML declaration, comments, processing instructions, DOCTYPE) is scanned as bytes, so
the encoding must be ASCII-compatible (UTF-8, ISO-8859-*), as dblp and Atom are. A prolog longer
than ``PROLOG_LIMIT`` is refused.
"""

from __future__ import annotations

import html.entities
import re
from dataclasses import dataclass
from typing import IO, Any

from lxml import etree

PROLOG_LIMIT = 1 << 20  # bytes read at most to find the start of the root element
_CHUNK = 1 << 16
_BOM = b"\xef\xbb\xbf"
_XML_PREDEFINED = frozenset({"amp", "lt", "gt", "quot", "apos"})

CHAR_ENTITIES: dict[str, str] = {
    name: chr(code)
    for name, code in html.entities.name2codepoint.items()
    if name not in _XML_PREDEFINED
}
"""The named character references that resolve (HTML 4 / ISO-8859 set, XML's own excluded)."""

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]*$")  # names we are willing to declare ourselves
_ENTITY_DECL = re.compile(
    rb"<!ENTITY\s+(?P<pe>%\s+)?(?P<name>[^\s%;>\"']+)\s+"
    rb"(?:(?P<kind>SYSTEM|PUBLIC)\s+(?P<q>[\"'])(?P<id>[^\"']*)(?P=q)"
    rb"(?:\s+(?P<q2>[\"'])(?P<id2>[^\"']*)(?P=q2))?)?"
)
_DESCRIBE_LIMIT = 80


@dataclass(frozen=True, slots=True)
class DeclaredEntity:
    """An entity the document's DTD declared (and that was therefore not read)."""

    name: str
    parameter: bool = False
    external: str | None = None  # the SYSTEM identifier (URL or path) of an external entity

    def __str__(self) -> str:
        text = f"%{self.name}" if self.parameter else f"&{self.name};"
        if self.external is not None:
            target = self.external
            if len(target) > _DESCRIBE_LIMIT:
                target = target[:_DESCRIBE_LIMIT] + "…"
            text += f" (external: {target!r})"
        return text


@dataclass(frozen=True, slots=True)
class Prolog:
    """The rewritten start of a document and what its own DOCTYPE held."""

    head: bytes
    doctype_line: int | None = None  # 1-based line of the document's DOCTYPE, if it had one
    declared: tuple[DeclaredEntity, ...] = ()

    @property
    def general_names(self) -> frozenset[str]:
        """Names of the general entities the document declared (refused wherever used)."""
        return frozenset(d.name for d in self.declared if not d.parameter)

    def refusal(self) -> str | None:
        """A reason naming the entities the document declared, or None when it declared none."""
        if not self.declared:
            return None
        shown = ", ".join(str(d) for d in self.declared[:10])
        more = f" and {len(self.declared) - 10} more" if len(self.declared) > 10 else ""
        return (
            f"the document's DTD declares entities {shown}{more}: refused, never read or "
            "expanded (only HTML character entities such as &eacute; are resolved); records "
            "that use them are reported and skipped"
        )


def _skip_quoted(data: bytes, i: int) -> int | None:
    end = data.find(data[i : i + 1], i + 1)
    return None if end < 0 else end + 1


def _doctype_end(data: bytes, start: int) -> int | None:
    """Index just past the DOCTYPE starting at ``start``; None when ``data`` ends inside it."""
    i = start + len(b"<!DOCTYPE")
    in_subset = False
    n = len(data)
    while i < n:
        c = data[i : i + 1]
        if c in (b'"', b"'"):
            nxt = _skip_quoted(data, i)
            if nxt is None:
                return None
            i = nxt
            continue
        if in_subset:
            for opener, closer in ((b"<!--", b"-->"), (b"<?", b"?>")):
                if data.startswith(opener, i):
                    end = data.find(closer, i + len(opener))
                    if end < 0:
                        return None
                    i = end + len(closer)
                    break
            else:
                if c == b"]":
                    in_subset = False
                i += 1
            continue
        if c == b"[":
            in_subset = True
        elif c == b">":
            return i + 1
        i += 1
    return None


def _declared(doctype: bytes) -> tuple[DeclaredEntity, ...]:
    out: dict[tuple[str, bool], DeclaredEntity] = {}
    for m in _ENTITY_DECL.finditer(doctype):
        name = m.group("name").decode("latin-1")
        parameter = m.group("pe") is not None
        external = None
        if m.group("kind"):
            raw = m.group("id2") if m.group("kind") == b"PUBLIC" else m.group("id")
            external = (raw or m.group("id") or b"").decode("latin-1")
        out.setdefault((name, parameter), DeclaredEntity(name, parameter, external))
    return tuple(out.values())


def _our_doctype(root: bytes, refused: tuple[DeclaredEntity, ...]) -> bytes:
    decls = [f'<!ENTITY {name} "&#{ord(char)};">' for name, char in CHAR_ENTITIES.items()]
    decls += [
        f'<!ENTITY {d.name} "">'
        for d in refused
        if not d.parameter
        and _NAME.match(d.name)
        and d.name not in CHAR_ENTITIES
        and d.name not in _XML_PREDEFINED
    ]
    return b"<!DOCTYPE " + root + b" [" + "".join(decls).encode("ascii") + b"]>"


_ROOT_NAME = re.compile(rb"<([A-Za-z_][\w.:-]*)")


def rewrite_prolog(data: bytes, complete: bool) -> Prolog | None:
    """``data`` (the start of a document) with its DOCTYPE replaced by ours.

    None when ``data`` ends inside the prolog and ``complete`` is false (read more and call
    again). Raises ``ValueError`` for a prolog that cannot be read safely.
    """
    i = len(_BOM) if data.startswith(_BOM) else 0
    decl_end = i
    if data.startswith(b"<?xml", i) and data[i + 5 : i + 6] in (b" ", b"\t", b"\r", b"\n"):
        end = data.find(b"?>", i)
        if end < 0:
            if complete:
                raise ValueError("the XML declaration is not closed")
            return None
        decl_end = end + 2
    i = decl_end
    doctype: tuple[int, int] | None = None
    n = len(data)
    while True:
        while i < n and data[i : i + 1] in (b" ", b"\t", b"\r", b"\n"):
            i += 1
        if i >= n:
            if complete:
                break  # no root element: the parser says so
            return None
        if data.startswith(b"<!--", i) or data.startswith(b"<?", i):
            closer = b"-->" if data.startswith(b"<!--", i) else b"?>"
            end = data.find(closer, i + 2)
            if end < 0:
                if complete:
                    raise ValueError("a comment or processing instruction before the root is open")
                return None
            i = end + len(closer)
            continue
        if data.startswith(b"<!DOCTYPE", i):
            if doctype is not None:
                raise ValueError("the document has two DOCTYPE declarations")
            end_doctype = _doctype_end(data, i)
            if end_doctype is None:
                if complete:
                    raise ValueError("the DOCTYPE declaration is not closed")
                return None
            doctype = (i, end_doctype)
            i = end_doctype
            continue
        if not complete and n - i < 2:
            return None
        break
    root_match = _ROOT_NAME.match(data, i)
    root = root_match.group(1) if root_match else b"root"
    if doctype is None:
        ours = _our_doctype(root, ())
        return Prolog(data[:decl_end] + ours + data[decl_end:])
    start, end = doctype
    original = data[start:end]
    declared = _declared(original)
    padding = b"\n" * original.count(b"\n")
    head = data[:decl_end] + _our_doctype(root, declared) + data[decl_end:start] + padding
    line = data[:start].count(b"\n") + 1
    return Prolog(head + data[end:], doctype_line=line, declared=declared)


class SafeXmlReader:
    """A file-like reader serving the document with its prolog rewritten (``rewrite_prolog``).

    Raises ``ValueError`` when the prolog cannot be read safely (see ``rewrite_prolog``) or is
    longer than ``PROLOG_LIMIT`` bytes.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        data = b""
        while True:
            chunk = raw.read(_CHUNK)
            data += chunk
            prolog = rewrite_prolog(data, complete=not chunk)
            if prolog is not None:
                break
            if len(data) > PROLOG_LIMIT:
                raise ValueError(
                    f"no root element in the first {PROLOG_LIMIT:,} bytes (a prolog or DOCTYPE "
                    "that long is refused)"
                )
        self.prolog = prolog
        self._pending = prolog.head

    def read(self, size: int = -1) -> bytes:
        if self._pending:
            if size is None or size < 0:
                out, self._pending = self._pending + self._raw.read(), b""
                return out
            out, self._pending = self._pending[:size], self._pending[size:]
            return out
        return self._raw.read(size)


def iterparse(
    source: SafeXmlReader, *, recover: bool, tag: str | None = None, huge_tree: bool = False
) -> etree.iterparse:
    """``lxml.etree.iterparse`` on ``end`` events with entity substitution, DTD loading and
    network access off (the only safe way to parse a ``SafeXmlReader``)."""
    options: dict[str, Any] = {
        "events": ("end",),
        "recover": recover,
        "huge_tree": huge_tree,  # no entity is ever expanded, so no amplification to bound
        "resolve_entities": False,
        "load_dtd": False,
        "dtd_validation": False,
        "attribute_defaults": False,
        "no_network": True,
    }
    if tag is not None:
        options["tag"] = tag
    return etree.iterparse(source, **options)


def text_of(elem: etree._Element, declared: frozenset[str]) -> tuple[str, frozenset[str]]:
    """The text content of ``elem`` (descendants and tails included, comments and processing
    instructions excluded) with character entities decoded, and the names of the entities from
    ``declared`` (``Prolog.general_names``) it used, which are refused. Any other unknown
    entity is left out (the parser has logged it as not defined, with its line)."""
    parts: list[str] = []
    refused: set[str] = set()
    _collect(elem, parts, declared, refused)
    return "".join(parts), frozenset(refused)


def entity_text(node: etree._Entity, declared: frozenset[str], refused: set[str]) -> str:
    """The character an entity-reference node stands for ("" when it is refused or unknown;
    a refused name is added to ``refused``)."""
    char = CHAR_ENTITIES.get(node.name)
    if char is not None:
        return char
    if node.name in declared:
        refused.add(node.name)
    return ""


def _collect(
    elem: etree._Element, parts: list[str], declared: frozenset[str], refused: set[str]
) -> None:
    if elem.text:
        parts.append(elem.text)
    for child in elem:
        if isinstance(child, etree._Entity):
            parts.append(entity_text(child, declared, refused))
        elif isinstance(child.tag, str):
            _collect(child, parts, declared, refused)
        if child.tail:
            parts.append(child.tail)


def refused_reason(names: frozenset[str]) -> str:
    """Why a record using the entities ``names`` is not loaded."""
    shown = ", ".join(f"&{n};" for n in sorted(names))
    return (
        f"uses entities the document's DTD declared ({shown}): refused, not expanded (only "
        "HTML character entities such as &eacute; are resolved)"
    )
