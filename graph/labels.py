"""The closed sets of node labels and relationship types. Nothing else reaches Cypher text."""

from __future__ import annotations

import re
from enum import StrEnum

from graph.errors import InputError


class Label(StrEnum):
    PAPER = "Paper"
    AUTHOR = "Author"
    VENUE = "Venue"
    CATEGORY = "Category"
    ANALYSIS_RUN = "AnalysisRun"


class RelType(StrEnum):
    AUTHORED = "AUTHORED"
    PUBLISHED_IN = "PUBLISHED_IN"
    IN_CATEGORY = "IN_CATEGORY"
    IN_FIELD = "IN_FIELD"  # a paper to its categories and all their ancestors (precomputed)
    CITES = "CITES"
    SUBCATEGORY_OF = "SUBCATEGORY_OF"
    COAUTHOR = "COAUTHOR"


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def identifier(name: str) -> str:
    """Checks a name before it is interpolated into Cypher (property names of score fields)."""
    if not _IDENTIFIER.match(name):
        raise InputError("identifier", name, "letters, digits and underscores, 1-64 characters")
    return name
