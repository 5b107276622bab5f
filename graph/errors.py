"""One base exception with typed subclasses that build their own messages."""

from __future__ import annotations


class ScholarGraphError(Exception):
    """Base of every error ScholarGraph raises on purpose."""


class InputError(ScholarGraphError):
    """Bad input from a user: names the argument, the value and what would be accepted."""

    def __init__(self, argument: str, value: object, expected: str) -> None:
        self.argument = argument
        self.value = value
        self.expected = expected
        super().__init__(f"invalid {argument} {value!r}: {expected}")


class InvalidId(InputError):
    pass


class NotFound(ScholarGraphError):
    def __init__(self, kind: str, ident: str) -> None:
        self.kind = kind
        self.ident = ident
        super().__init__(f"{kind} {ident!r} not found")


class LocalServerError(ScholarGraphError):
    """The local Neo4j server could not be provisioned, started or stopped."""


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
