"""A per-process cache of GraphQL query responses, dropped when the graph changes.

Most traffic is the same few reads (a profile page, a paper page), and a read costs several
Bolt round trips plus 10–20 ms of GraphQL execution in Python; a cached answer costs a hash and
a dictionary lookup. The cache sits in front of the GraphQL view as an ASGI wrapper:

* only ``POST /graphql`` bodies whose operation is a **query** are cached, keyed by the exact
  body bytes, and only answers with status 200 and no ``errors``; GraphiQL and other methods
  pass straight through, and a mutation that ran (its answer has data) empties this process's
  cache (read-your-writes) — a refused mutation or a body that is no GraphQL at all leaves it;
* telling a query from a mutation parses the document once more, with the same token limit as
  the schema (``max_tokens``), in a worker thread for a large body (api/http_guard.py has
  already bounded its size);
* **invalidation**: the cache remembers the graph's node and relationship totals (Neo4j's count
  store answers in O(1)) and is emptied when they change — any load that adds papers, authors or
  links, any merge, and any analytics run (when it is published or fails, whichever process
  wrote it: the number of finished ``AnalysisRun``s is read too). The totals are read at
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
import contextlib
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import OperationDefinitionNode, OperationType, parse
from graphql.error import GraphQLError

from api.http_guard import THREAD_ABOVE_BYTES, refusal_body
from graph.db import is_unavailable
from graph.errors import DatabaseUnavailable
from graph.repository import ReadScope, graph_totals

logger = logging.getLogger("scholargraph.api")
RETRY_AFTER_SECONDS = 5  # sent with a 503 (database unavailable)

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
        self._totals: tuple[int, int, int] | None = None
        self._checked = 0.0
        self._check: asyncio.Future[None] | None = None
        self._failing = False  # the last reading failed: the cache is empty
        self._unavailable = False  # ... because Neo4j could not be reached
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
        if age < 2 * self.check_every or self._failing:
            # while readings fail the cache stays empty: nothing could be served stale, and a
            # request must not wait for a reading and then again for its own query
            return
        await asyncio.shield(self._check)
        if self._failing and self._unavailable:
            raise DatabaseUnavailable  # the reading just found Neo4j down: no need to ask again

    async def _update(self, scope: ReadScope) -> None:
        started = time.monotonic()
        try:
            totals = await graph_totals(scope)
        except Exception as e:
            # Nothing cached can be trusted: empty, and read again in the background until a
            # reading succeeds (it then empties the cache once more: the totals are unknown)
            logger.warning("response cache: reading the graph totals failed: %r", e)
            self.clear()
            self._totals = None
            self._checked = started
            self._failing = True
            self._unavailable = is_unavailable(e)
            return
        finally:
            self._check = None
        self._failing = False
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

    @property
    def reading(self) -> asyncio.Future[None] | None:
        """The reading of the totals in progress, if any."""
        return self._check

    async def aclose(self, wait: float = 5.0) -> None:
        """Lets a reading still running in the background finish (``wait`` seconds at most,
        then cancels it) so that it never outlives the driver: a query cut off by the driver's
        close leaves its connection's socket to be found unclosed by a later garbage collection
        (a ``ResourceWarning`` raised in whatever runs then)."""
        check = self._check
        if check is None or check.done():
            return
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(check), wait)
        if not check.done():
            check.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await check


def operation_of(body: bytes, max_tokens: int | None = None) -> OperationType | None:
    """The operation a POST body would run (query, mutation ...), None when it names none."""
    try:
        payload = orjson.loads(body)
        document = parse(payload["query"], no_location=True, max_tokens=max_tokens)
        wanted = payload.get("operationName")
    except (orjson.JSONDecodeError, GraphQLError, KeyError, TypeError, AttributeError):
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if wanted is None or (o.name and o.name.value == wanted)]
    return chosen[0].operation if len(chosen) == 1 else None


def cacheable_query(body: bytes, max_tokens: int | None = None) -> bool:
    """Whether a POST body is a GraphQL *query* operation (never a mutation)."""
    return operation_of(body, max_tokens) is OperationType.QUERY


def _ran(answer: bytes) -> bool:
    """Whether a mutation's answer shows it ran (some field has data), so it may have written."""
    try:
        data = orjson.loads(answer).get("data")
    except (orjson.JSONDecodeError, AttributeError):
        return True  # unreadable: assume it wrote
    return isinstance(data, dict) and any(v is not None for v in data.values())


class CachedGraphQL:
    """ASGI wrapper: answers repeated query bodies from ``cache``, else asks ``app``."""

    def __init__(
        self,
        app: ASGIApp,
        cache: ResponseCache,
        scope_of: Callable[[Scope], ReadScope],
        max_tokens: int | None = None,
    ) -> None:
        self.app = app
        self.cache = cache
        self.scope_of = scope_of
        self.max_tokens = max_tokens
        # misses being computed: the same request arriving meanwhile waits for that answer
        # instead of running the same reads again (a popular page right after a load)
        self._inflight: dict[bytes, asyncio.Future[tuple[int, list[Any], bytes]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.cache.enabled or scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        key = hashlib.blake2b(body, digest_size=20).digest()
        try:
            await self.cache.refresh(self.scope_of(scope))
        except DatabaseUnavailable as e:
            await _respond(send, refusal_body(e.code, str(e)), b"miss", status=503)
            return
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
        if len(body) > THREAD_ABOVE_BYTES:
            operation = await asyncio.to_thread(operation_of, body, self.max_tokens)
        else:
            operation = operation_of(body, self.max_tokens)
        query = operation is OperationType.QUERY
        future: asyncio.Future[tuple[int, list[Any], bytes]] | None = None
        if query:  # only queries are shared; every mutation runs
            future = asyncio.get_running_loop().create_future()
            self._inflight[key] = future
        try:
            status, headers, chunks = await _call(self.app, scope, receive, body)
            answer = b"".join(chunks)
            if operation is OperationType.MUTATION and _ran(answer):
                self.cache.clear()  # a mutation may have written: this process reads its writes
            elif query and status == 200 and b'"errors"' not in answer:
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


async def _respond(send: Send, body: bytes, cache: bytes, status: int = 200) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-cache", cache),
    ]
    if status == 503:
        headers.append((b"retry-after", str(RETRY_AFTER_SECONDS).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
