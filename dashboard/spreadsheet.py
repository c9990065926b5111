"""Text a spreadsheet must not run as a formula (OWASP's CSV injection advice), for every CSV we write.

A cell that starts with = + - @, a tab or a carriage return gets a leading apostrophe. So does one
that starts with a character a spreadsheet may read as one of those: the full-width forms typed with
an East Asian keyboard (＝ ＋ － ＠), the small forms (﹦ ﹢ ﹣ ﹫), the superscript and subscript
signs, the minus sign (−) and a few more. tests/explore/test_export.py checks this list against Unicode: every
character whose compatibility form (NFKC) starts with = + - or @ is in it.
"""

from __future__ import annotations

FORMULA_STARTS = (
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "\uff1d",  # ＝ full-width
    "\uff0b",  # ＋
    "\uff0d",  # －
    "\uff20",  # ＠
    "\ufe66",  # ﹦ small
    "\ufe62",  # ﹢
    "\ufe63",  # ﹣
    "\ufe6b",  # ﹫
    "\u207a",  # ⁺ superscript
    "\u207b",  # ⁻
    "\u207c",  # ⁼
    "\u208a",  # ₊ subscript
    "\u208b",  # ₋
    "\u208c",  # ₌
    "\u2212",  # − minus sign
    "\u2a75",  # ⩵ two equals signs
    "\u2a76",  # ⩶ three equals signs
    "\ufb29",  # ﬩ Hebrew alternative plus sign
)


def is_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value: object) -> object:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe; anything else as it is."""
    return "'" + value if is_formula(value) else value
