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
