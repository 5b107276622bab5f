"""Error policy for clients: our own errors (bad ids, cursors, filters, timeouts) keep their
message, which names the argument and what would be accepted; GraphQL validation errors (syntax,
limits) pass through; an unreachable Neo4j becomes "database unavailable"; anything else is
logged with its traceback and masked.

Every error a client sees carries ``extensions.code``:

* ``BAD_USER_INPUT`` — an argument or variable was refused (the message names it);
* ``GRAPHQL_PARSE_FAILED`` / ``GRAPHQL_VALIDATION_FAILED`` — the document does not parse, or
  breaks the schema or a limit (depth, aliases, tokens);
* the ``code`` of a :class:`graph.errors.ScholarGraphError` subclass (``UNAUTHENTICATED``,
  ``TIMEOUT``, ``NOT_FOUND``, ``DATABASE_UNAVAILABLE`` ...);
* ``INTERNAL_SERVER_ERROR`` — masked; the details are in the server log.

Messages are cut to :data:`MAX_MESSAGE_CHARS`, so no error echoes a large input back whole.
"""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import MaskErrors
from strawberry.types import ExecutionResult

from graph.db import is_unavailable
from graph.errors import DatabaseUnavailable, ScholarGraphError

logger = logging.getLogger("scholargraph.api")
MASKED_MESSAGE = "Internal server error"
MAX_MESSAGE_CHARS = 1000
INTERNAL = "INTERNAL_SERVER_ERROR"
UNAVAILABLE = DatabaseUnavailable.code


def is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None or isinstance(original, ScholarGraphError):
        return False
    # strawberry / graphql-core wrap their own argument and coercion errors in GraphQLError
    return not isinstance(original, GraphQLError)


def code_of(error: GraphQLError) -> str:
    """The ``extensions.code`` of an error that is not masked."""
    original = error.original_error
    if not isinstance(original, ScholarGraphError) and isinstance(
        (error.extensions or {}).get("code"), str
    ):
        return str((error.extensions or {})["code"])
    if isinstance(original, ScholarGraphError):
        return original.code  # each class sets its own
    if isinstance(original, GraphQLError):  # strawberry's argument coercion
        return "BAD_USER_INPUT"
    if isinstance(error, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    if error.message.startswith("Variable '$"):  # variable values that do not coerce
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


def _cut(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE_CHARS else message[:MAX_MESSAGE_CHARS] + "…"


def _with_code(
    error: GraphQLError, message: str, code: str, keep_original: bool = True
) -> GraphQLError:
    return GraphQLError(
        message=message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error if keep_original else None,
        extensions={**(error.extensions or {}), "code": code},
    )


def client_errors(errors: list[GraphQLError]) -> list[GraphQLError]:
    """The errors as a client may see them: each with its code, unexpected ones masked (and
    logged), database outages as "database unavailable". Applying it twice changes nothing."""
    processed: list[GraphQLError] = []
    for error in errors:
        original = error.original_error
        if original is not None and is_unavailable(original):
            logger.warning("Neo4j unavailable at %s: %r", _path(error), original)
            message = str(DatabaseUnavailable())
            processed.append(_with_code(error, message, UNAVAILABLE, keep_original=False))
        elif is_unexpected(error):
            logger.error("unexpected error at %s: %r", _path(error), original, exc_info=original)
            processed.append(_with_code(error, MASKED_MESSAGE, INTERNAL, keep_original=False))
        else:
            processed.append(_with_code(error, _cut(error.message), code_of(error)))
    return processed


class MaskUnexpectedErrors(MaskErrors):
    """:func:`client_errors` as a schema extension (it also sees streamed results)."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=MASKED_MESSAGE)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return client_errors(errors)


def _path(error: GraphQLError) -> str:
    return ".".join(str(p) for p in error.path or [])


def unavailable_only(response: dict[str, Any]) -> bool:
    """Whether a GraphQL answer failed as a whole because Neo4j is unreachable: every error says
    so and no field has data (then the HTTP status is 503)."""
    errors = response.get("errors") or []
    if not errors or any((e.get("extensions") or {}).get("code") != UNAVAILABLE for e in errors):
        return False
    data = response.get("data")
    return data is None or (isinstance(data, dict) and all(v is None for v in data.values()))


class ScholarGraphSchema(strawberry.Schema):
    """Logs only what was masked (above); expected input errors are not server errors.

    An error raised by an extension while parsing or validating (the token limit, a cost limit)
    leaves strawberry's operation before the masking extension sees it: ``execute`` applies
    :func:`client_errors` to every result as well."""

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        result = await super().execute(*args, **kwargs)
        if result.errors:
            result.errors = client_errors(list(result.errors))
        return result

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        for error in errors:
            logger.debug("GraphQL error: %s", error.message)
