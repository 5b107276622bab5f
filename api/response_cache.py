"""A per-process cache of GraphQL query responses, dropped when the graph changes.

Most traffic is the same few reads (a profile page, a paper page), and a read costs several
Bolt round trips plus 10–20 ms of GraphQL execution in Python; a cached answer costs a hash and
a dictionary lookup. The cache sits in front of the GraphQL view as an ASGI wrapper:

* only ``POST /graphql`` bodies whose operation is a **query** are cached, keyed by the exact
  body bytes, and only answers with status 200 and no ``errors``; GraphiQL and other methods
  pass straight through, and a mutation empties this process's cache (read-your-writes);
* **invalidation**: the cache remembers the graph's node and relationship totals (Neo4j's count
  store answers in O(1)) and is emptied when they change — any load that adds papers, authors or
  links, any merge, and any analytics run (it adds an ``AnalysisRun``). The totals are read at
  most every ``response_cache_check`` seconds by one short query; under steady traffic the
  reading runs in the background (requests never wait on it), so a change shows within two
  intervals;
* a change that moves no totals (a re-load that only edits a title) shows when the entry
  expires: entries live ``response_cache_ttl`` seconds (0 turns the cache off);
* bounded by ``response_cache_max_mb`` (least recently used entries go first).

Each answer carries ``X-Cache: hit`` or ``miss``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import OperationDefinitionNode, OperationType, parse
from graphql.error import GraphQLSyntaxError

from graph.repository import ReadScope, graph_totals

logger = logging.getLogger("scholargraph.api")

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(slots=True)
class _Entry:
    body: bytes
    stored: float


class ResponseCache:
    """Query answers keyed by request body, valid for one reading of the graph totals."""

    def __init__(self, ttl: float, check_every: float, max_bytes: int) -> None:
        self.ttl = ttl
        self.check_every = check_every
        self.max_bytes = max_bytes
        self._entries: OrderedDict[bytes, _Entry] = OrderedDict()
        self._bytes = 0
        self._totals: tuple[int, int] | None = None
        self._checked = 0.0
        self._check: asyncio.Future[None] | None = None
        self.hits = self.misses = self.computed = 0  # computed: misses that ran the query

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    async def refresh(self, scope: ReadScope) -> None:
        """Empties the cache when the graph totals moved. The totals are read at most every
        ``check_every`` seconds, by one query shared by all requests. While requests keep
        coming (the last reading is less than two intervals old) they are answered from the
        cache as the reading runs in the background; after a quiet spell they wait for it."""
        age = time.monotonic() - self._checked
        if age < self.check_every:
            return
        if self._check is None:
            self._check = asyncio.ensure_future(self._update(scope))
        if age < 2 * self.check_every:
            return
        await asyncio.shield(self._check)

    async def _update(self, scope: ReadScope) -> None:
        started = time.monotonic()
        try:
            totals = await graph_totals(scope)
        except Exception:  # the next request waits for a reading again and sees the error
            logger.warning("response cache: reading the graph totals failed", exc_info=True)
            self._checked = 0.0
            self.clear()
            return
        finally:
            self._check = None
        if totals != self._totals:
            self.clear()
            self._totals = totals
        self._checked = started

    def get(self, key: bytes) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry.stored > self.ttl:
            return None
        self._entries.move_to_end(key)
        return entry.body

    def put(self, key: bytes, body: bytes) -> None:
        if len(body) > self.max_bytes // 10:
            return  # one answer never takes more than a tenth of the cache
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body)
        self._entries[key] = _Entry(body, time.monotonic())
        self._bytes += len(body)
        while self._bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= len(evicted.body)

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0


def cacheable_query(body: bytes) -> bool:
    """Whether a POST body is a GraphQL *query* operation (never a mutation)."""
    try:
        payload = orjson.loads(body)
        document = parse(payload["query"], no_location=True)
    except (orjson.JSONDecodeError, GraphQLSyntaxError, KeyError, TypeError):
        return False
    wanted = payload.get("operationName")
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if wanted is None or (o.name and o.name.value == wanted)]
    return len(chosen) == 1 and chosen[0].operation is OperationType.QUERY


class CachedGraphQL:
    """ASGI wrapper: answers repeated query bodies from ``cache``, else asks ``app``."""

    def __init__(
        self, app: ASGIApp, cache: ResponseCache, scope_of: Callable[[Scope], ReadScope]
    ) -> None:
        self.app = app
        self.cache = cache
        self.scope_of = scope_of
        # misses being computed: the same request arriving meanwhile waits for that answer
        # instead of running the same reads again (a popular page right after a load)
        self._inflight: dict[bytes, asyncio.Future[tuple[int, list[Any], bytes]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.cache.enabled or scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        key = hashlib.blake2b(body, digest_size=20).digest()
        await self.cache.refresh(self.scope_of(scope))
        cached = self.cache.get(key)
        if cached is not None:
            self.cache.hits += 1
            await _respond(send, cached, b"hit")
            return
        self.cache.misses += 1
        pending = self._inflight.get(key)
        if pending is not None:
            status, headers, answer = await asyncio.shield(pending)
        else:
            status, headers, answer = await self._compute(key, scope, receive, body)
        headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        headers += [(b"content-length", str(len(answer)).encode()), (b"x-cache", b"miss")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": answer})

    async def _compute(
        self, key: bytes, scope: Scope, receive: Receive, body: bytes
    ) -> tuple[int, list[Any], bytes]:
        self.cache.computed += 1
        query = cacheable_query(body)
        future: asyncio.Future[tuple[int, list[Any], bytes]] | None = None
        if query:  # only queries are shared; every mutation runs
            future = asyncio.get_running_loop().create_future()
            self._inflight[key] = future
        try:
            status, headers, chunks = await _call(self.app, scope, receive, body)
            answer = b"".join(chunks)
            if not query:
                self.cache.clear()  # a mutation may have written: this process reads its writes
            elif status == 200 and b'"errors"' not in answer:
                self.cache.put(key, answer)
            if future is not None:
                future.set_result((status, headers, answer))
            return status, headers, answer
        except BaseException as e:
            if future is not None:
                future.set_exception(e)
                future.exception()  # retrieved here: waiters re-raise it, nobody else must
            raise
        finally:
            if future is not None:
                self._inflight.pop(key, None)


async def _read_body(receive: Receive) -> bytes:
    parts = []
    while True:
        message = await receive()
        parts.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(parts)


async def _call(
    app: ASGIApp, scope: Scope, receive: Receive, body: bytes
) -> tuple[int, list[Any], list[bytes]]:
    """Runs ``app`` on a buffered body and collects its answer."""
    sent = False
    status, headers, chunks = 500, [], []

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()  # after the body: the client's own disconnect, if any
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def collect(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status, headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, replay, collect)
    return status, headers, chunks


async def _respond(send: Send, body: bytes, cache: bytes) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-cache", cache),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
