"""Exit codes of the loading commands (``load``, ``bulk-import``), in one place.

A script tells "some records were rejected, the rest is in" (1) from "an input could not be
read" (3) and from "Neo4j was not there" (4). docs/loaders.md#exit-codes documents the table.
When several apply, the highest one is returned.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    """Every record of every input loaded."""

    RECORDS_REJECTED = 1
    """Some records were rejected and reported (errors file); every valid record loaded."""

    USAGE = 2
    """Bad arguments or options (typer's own code for usage errors), an unknown ``--format``,
    an ``--errors`` file that cannot be written. Nothing was loaded."""

    INPUT_ERROR = 3
    """An input is missing, unreadable, a glob or directory matches no file, no parser
    recognises a file, a forced ``--format`` recognises nothing in it, or a file stops part-way
    (truncated, refused). Reported per file; missing inputs stop the command before anything
    is loaded, the other cases let the remaining files load."""

    DATABASE_UNAVAILABLE = 4
    """Neo4j could not be reached or refused the credentials (re-run once it is up: a load
    re-run changes nothing it already wrote)."""

    FAILED = 5
    """The command could not complete for another reported reason (e.g. ``bulk-import``
    refused a non-empty database or the import tool failed)."""
