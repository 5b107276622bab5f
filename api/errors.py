"""Error policy for clients: our own errors (bad ids, cursors, filters, timeouts) keep their
message, which names the argument and what would be accepted; GraphQL validation errors (syntax,
limits) pass through; anything else is logged with its traceback and masked."""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from graph.errors import ScholarGraphError

logger = logging.getLogger("scholargraph.api")
MASKED_MESSAGE = "Internal server error"


def is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None or isinstance(original, ScholarGraphError):
        return False
    # strawberry / graphql-core wrap their own argument and coercion errors in GraphQLError
    return not isinstance(original, GraphQLError)


class MaskUnexpectedErrors(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message=MASKED_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        logger.error(
            "unexpected error at %s: %r",
            ".".join(str(p) for p in error.path or []),
            error.original_error,
            exc_info=error.original_error,
        )
        return super().anonymise_error(error)


class ScholarGraphSchema(strawberry.Schema):
    """Logs only what was masked (above); expected input errors are not server errors."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        for error in errors:
            logger.debug("GraphQL error: %s", error.message)
