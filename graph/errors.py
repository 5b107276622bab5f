"""One base exception with typed subclasses that build their own messages."""

from __future__ import annotations

from typing import Any, ClassVar

SHOWN_CHARS = 200  # echoed input is cut to this many characters in messages


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """``repr(value)`` for a message, cut to ``limit`` characters with a trailing "…": an error
    never echoes a large input back whole."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


class ScholarGraphError(Exception):
    """Base of every error ScholarGraph raises on purpose.

    ``code`` is the machine-readable kind an API client sees as ``extensions.code``; subclasses
    set their own."""

    code: ClassVar[str] = "BAD_REQUEST"

    @property
    def extensions(self) -> dict[str, Any]:
        """Copied by graphql-core into the error a client receives."""
        return {"code": self.code}


class InputError(ScholarGraphError):
    """Bad input from a user: names the argument, the value and what would be accepted."""

    code = "BAD_USER_INPUT"

    def __init__(self, argument: str, value: object, expected: str) -> None:
        self.argument = argument
        self.value = value
        self.expected = expected
        super().__init__(f"invalid {argument} {shown(value)}: {expected}")


class InvalidId(InputError):
    pass


class NotFound(ScholarGraphError):
    code = "NOT_FOUND"

    def __init__(self, kind: str, ident: str) -> None:
        self.kind = kind
        self.ident = ident
        super().__init__(f"{kind} {shown(ident)} not found")


class LocalServerError(ScholarGraphError):
    """The local Neo4j server could not be provisioned, started or stopped."""


class IndexesNotOnline(ScholarGraphError):
    """Indexes failed to populate, or were still populating when the wait ended."""

    code = "INTERNAL"

    def __init__(self, failed: list[str], waiting: dict[str, float], seconds: float) -> None:
        self.failed = failed
        self.waiting = waiting
        if failed:
            message = f"index population failed: {', '.join(sorted(failed))}"
        else:
            listed = ", ".join(f"{n} ({pct:.0f} %)" for n, pct in sorted(waiting.items()))
            message = f"indexes still populating after {seconds:.0f} s: {listed}"
        super().__init__(message)


class UnknownFormat(ScholarGraphError):
    def __init__(self, path: str, detail: str = "") -> None:
        super().__init__(
            f"{path}: cannot tell the source format{': ' + detail if detail else ''}; "
            "pass --format (profile, arxiv-kaggle, arxiv-atom, openalex, s2, s2-corpus, dblp, "
            "aminer, bibtex, paperscape)"
        )


class SourceError(ScholarGraphError):
    """A whole file cannot be read (unreadable, truncated, an error feed)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class DatabaseUnavailable(ScholarGraphError):
    """Neo4j cannot be reached (down, restarting, network): the request can be retried."""

    code = "DATABASE_UNAVAILABLE"

    def __init__(self) -> None:
        super().__init__(
            "the database is unavailable; the request was not completed, try again shortly"
        )


class CostLimitExceeded(ScholarGraphError):
    """A GraphQL request whose computed cost is over the budget: refused before it runs."""

    code = "COST_LIMIT_EXCEEDED"

    def __init__(self, cost: int, budget: int, detail: str = "") -> None:
        self.cost = cost
        self.budget = budget
        super().__init__(
            f"query cost {cost} exceeds the budget of {budget}"
            + (f" ({detail})" if detail else "")
            + "; ask for fewer items (smaller `first`, fewer nested lists or filter terms)"
        )


class RequestTimeout(ScholarGraphError):
    """Work that ran past its deadline and was stopped (the database transaction included)."""

    code = "TIMEOUT"

    def __init__(self, seconds: float, what: str = "the request") -> None:
        self.seconds = seconds
        super().__init__(
            f"{what} took longer than its {seconds:g} s deadline and was stopped; narrow it "
            "down (a smaller `first`, a filter) and try again"
        )


class FormatMismatch(UnknownFormat):
    """A file whose content is another format than the one ``--format`` forces."""

    def __init__(self, path: str, forced: str, detected: str) -> None:
        self.path = path
        ScholarGraphError.__init__(
            self,
            f"{path}: --format {forced} does not recognise its content, which is {detected}; "
            f"nothing was read from it (drop --format, or pass --format {detected})",
        )


class InvalidCursor(InputError):
    """An ``after`` cursor this connection did not hand out for this order (forged, from another
    list or order, or an offset cursor of an earlier version)."""

    def __init__(self, argument: str, cursor: object, reason: str = "") -> None:
        super().__init__(
            argument,
            cursor,
            "a cursor taken from this connection's edges or pageInfo with the same orderBy"
            + (f" ({reason})" if reason else ""),
        )


class UnknownId(InputError):
    """A filter (or analysis argument) names a category or venue the graph does not have."""

    def __init__(self, argument: str, kind: str, ident: str) -> None:
        self.kind = kind
        self.ident = ident
        super().__init__(argument, ident, f"the id of an existing {kind} (none has this id)")


class BatchTooLarge(InputError):
    """More ids in one lookup than a batch may hold."""

    def __init__(self, argument: str, count: int, limit: int) -> None:
        self.count = count
        self.limit = limit
        super().__init__(argument, f"a list of {count} ids", f"at most {limit} ids per request")
