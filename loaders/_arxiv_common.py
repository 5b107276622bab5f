"""Text helpers shared by the arXiv-family parsers (Kaggle snapshot, API Atom, Paperscape).

arXiv metadata is plain text with TeX habits: hard line breaks (OAI line folding), accents
written as TeX macros (``Bal\\'azs``) and inline math (``$k,\\ell$``). Titles and abstracts
keep their math as the authors typed it; only accent macros are turned into letters, so a
``%`` or ``$`` in a title survives (a full LaTeX-to-text pass would eat them).
"""

from __future__ import annotations

import re
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text

from loaders.records import VenueRef

ARXIV_VENUE = VenueRef(id="arxiv", name="arXiv", type="repository")

_WHITESPACE = re.compile(r"\s+")

# One accent macro with its letter, optionally wrapped in a brace group: \'a  \'{a}  {\'a}
# \"o  \v{s}  \c c  \'\i  and the letter macros \ss \o \aa \ae \oe \l (with their capitals).
_LETTER_LOOSE = r"(?:\{\s*\\?[A-Za-z]\s*\}|\s*\\?[A-Za-z])"
_ACCENT_BODY = (
    r"\\(?:[`'^\"~=.]" + _LETTER_LOOSE + r"|[uvHckdbrt](?:\{\s*\\?[A-Za-z]\s*\}|\s+[A-Za-z])"
    r"|(?:ss|aa|AA|ae|AE|oe|OE|o|O|l|L|i|j)(?![A-Za-z])(?:\{\})?)"
)
_ACCENT = re.compile(r"\{" + _ACCENT_BODY + r"\}|" + _ACCENT_BODY)

_LATEX = LatexNodes2Text()


def collapse(text: str | None) -> str | None:
    """Whitespace (including hard line breaks) collapsed to single spaces; None when empty."""
    if text is None:
        return None
    out = _WHITESPACE.sub(" ", text).strip()
    return out or None


@lru_cache(maxsize=4096)
def _decode_macro(snippet: str) -> str:
    return _LATEX.latex_to_text(snippet).strip() or snippet


def decode_accents(text: str) -> str:
    """TeX accent macros → Unicode letters; everything else (math, ``%``) left as printed."""
    if "\\" not in text:
        return text
    return _ACCENT.sub(lambda m: _decode_macro(m.group(0)), text)


def clean_text(text: str | None) -> str | None:
    """Collapse whitespace and decode accent macros (titles, names, abstracts)."""
    out = collapse(text)
    return decode_accents(out) if out else None


def abs_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"
