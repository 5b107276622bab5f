"""Name and title keys in every script (graph/ids.py): transliterated where the script is not
Latin, and byte-for-byte what they always were for Latin names."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import orjson
import pytest

from graph.ids import fold, match_key, names_compatible, normalize_name, normalize_title, title_key
from loaders.records import AuthorRef

DATA = Path(__file__).parents[2].parent / "shared" / "data"

# The five printed names a real S2 corpus slice lost whole papers over, with their keys.
EVERY_SCRIPT = {
    "王成阳": "chengyang wang",  # Han: family name first, so it blocks like "Chengyang Wang"
    "佐藤 正仁": "zhengren zuoteng",  # kanji get anyascii's Mandarin reading; family name last
    "윤석명": "seogmyeong yun",  # Hangul
    "Андрей Колпаков": "andrey kolpakov",  # Cyrillic
    "حكيم حداشى": "hkym hdsha",  # Arabic (no short vowels in the script)
}


@pytest.mark.parametrize(("printed", "key"), EVERY_SCRIPT.items())
def test_every_script_has_a_transliterated_key(printed: str, key: str) -> None:
    assert normalize_name(printed) == key
    AuthorRef(name=printed)  # accepted: a paper is never lost over its author's script


def test_greek_kana_and_compound_family_names() -> None:
    assert normalize_name("Γιώργος Παπαδόπουλος") == "giorgos papadopoylos"
    assert normalize_name("さとう まさひと") == "masahito satou"
    assert normalize_name("欧阳明") == "ming ouyang"  # a two-character family name
    assert normalize_name("남궁민수") == "minsu namgung"
    # katakana with a middle dot is a foreign name, given name first: not reordered
    assert normalize_name("ジョン・スミス") == "jiyon sumisu"
    assert normalize_name("李") == "li"


def test_east_asian_names_block_with_their_latin_forms() -> None:
    assert match_key(normalize_name("王成阳")) == match_key(normalize_name("Chengyang Wang"))
    assert match_key(normalize_name("윤석명")) == match_key(normalize_name("Seok-Myeong Yun"))
    assert names_compatible("王成阳", "C. Wang")
    assert not names_compatible("王成阳", "Xiaolei Li")


# Real names from ../shared/data (IRIDIA BibTeX, OpenAlex raw author names, dblp, AMiner) and
# the keys they had before transliteration existed.
LATIN = {
    "Thomas Stützle": "thomas stutzle",
    "Manuel López-Ibáñez": "manuel lopez ibanez",
    "Jérémie Dubois-Lacoste": "jeremie dubois lacoste",
    "S.D.Odintsov": "s d odintsov",
    "Odintsov, S.D.": "s d odintsov",
    "Prahanı": "prahani",
    "F. Wätzold": "f watzold",
    "MIGUEL MARTÍNEZ‐RAMOS": "miguel martinez ramos",
    "Jon Paul Rodrı́guez": "jon paul rodriguez",
    "Gordon\xa0C. Rausser": "gordon c rausser",
    "Mohamed T. El–Ashry": "mohamed t el ashry",
    "Łukasz Kaiser": "lukasz kaiser",
    "Søren Brunak": "soren brunak",
    "Paweł Wawrzyński": "pawel wawrzynski",
    "Carlos A. Coello Coello": "carlos a coello coello",
    "Markus Schmitt": "markus schmitt",
}


@pytest.mark.parametrize(("printed", "key"), LATIN.items())
def test_latin_keys_are_unchanged(printed: str, key: str) -> None:
    assert normalize_name(printed) == key


_SPECIAL = str.maketrans(
    {"ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "æ": "ae", "Æ": "AE", "ı": "i", "đ": "d"}
)


def _key_before_transliteration(name: str) -> str:
    """The name key as it was computed before any transliteration (the reference)."""
    name = name.strip()
    if "," in name:
        last, _, first = name.partition(",")
        name = f"{first} {last}"
    decomposed = unicodedata.normalize("NFKD", name.translate(_SPECIAL))
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


def _sample_names() -> set[str]:
    names: set[str] = set()
    for file in sorted((DATA / "author-disambiguation").glob("*/mentions.jsonl")):
        for line in file.read_bytes().splitlines():
            m = orjson.loads(line)
            names.update(m["authors"] or [])
            names.update(m["coauthors"] or [])
            names.add(m["block"])
    for file in sorted((DATA / "openalex-works-api").glob("*.json")):
        for work in orjson.loads(file.read_bytes())["results"]:
            for a in work["authorships"]:
                names.update(n for n in (a["raw_author_name"], a["author"]["display_name"]) if n)
    return names


def _latin_or_punctuation(c: str) -> bool:
    cp = ord(c)  # Latin blocks, combining marks, Latin Extended Additional, general punctuation
    return cp <= 0x36F or 0x1E00 <= cp <= 0x1EFF or 0x2000 <= cp <= 0x206F


def test_real_latin_names_keep_their_keys() -> None:
    names = _sample_names()
    latin = [n for n in names if all(_latin_or_punctuation(c) for c in n)]
    assert len(latin) > 13_000
    changed = [n for n in latin if normalize_name(n) != _key_before_transliteration(n)]
    assert changed == []


def test_titles_in_any_script_have_keys() -> None:
    assert normalize_title("基于深度学习的图像识别") == "ji yu shen du xue xi de tu xiang shi bie"
    assert normalize_title("Теория графов") == "teoriya grafov"
    assert title_key("Теория графов", 2001) == "teoriya grafov|2001"
    # Latin titles are unchanged
    assert normalize_title("Ant Colony Optimization: A New Meta-Heuristic") == (
        "ant colony optimization a new meta heuristic"
    )
    assert normalize_title("Über die Stützle-Heuristik") == "uber die stutzle heuristik"


def test_fold_keeps_latin_and_transliterates_the_rest() -> None:
    assert fold("Stützle") == "stutzle"
    assert fold("Колпаков") == "kolpakov"
    assert fold("王") == " wang "  # Han syllables stand alone


def test_a_name_without_letters_is_still_refused() -> None:
    assert normalize_name("?!") == ""
    with pytest.raises(ValueError, match="no letter or digit in any script"):
        AuthorRef(name="?!")
