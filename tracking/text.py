"""Names as people type them: one stored spelling (Unicode NFC), and a folded form for search
without accents ("huoi chon" finds "Huổi Chổn", "d" finds "đ"), the same on every database."""
from __future__ import annotations

import unicodedata


def nfc(text: str) -> str:
    """``text`` in Unicode NFC: "Điện" typed with combining marks and precomposed is one name."""
    return unicodedata.normalize("NFC", text) if text else text


def fold(text: str | None) -> str:
    """``text`` without marks, lower case, "đ" as "d", runs of spaces as one: what search compares."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    return " ".join(bare.lower().split())


def _fold_table() -> tuple[str, str]:
    """The letters that fold to one other letter (``fold``), for databases that fold by a table:
    the Latin letters with marks, capitals included, whatever the database's idea of lower case."""
    letters = [chr(code) for start, end in ((0xC0, 0x24F), (0x1E00, 0x1EFF)) for code in range(start, end + 1)]
    pairs = [(letter, fold(letter)) for letter in letters]
    pairs = [(letter, folded) for letter, folded in pairs if len(folded) == 1 and folded != letter]
    pairs += [(chr(code), chr(code).lower()) for code in range(ord("A"), ord("Z") + 1)]
    return "".join(letter for letter, _ in pairs), "".join(folded for _, folded in pairs)


FOLD_FROM, FOLD_TO = _fold_table()
