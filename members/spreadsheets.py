"""What every spreadsheet the portal writes shares: text that a spreadsheet would run as a
formula is written as text.

openpyxl writes any string starting with "=" as a formula, and Excel or LibreOffice also
evaluate text starting with "+", "-" or "@", or with a tab or carriage return before one of
them (CSV injection). OWASP's advice is a leading apostrophe; numbers, dates and None are
left as they are.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value):
    """`value` with a leading apostrophe if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
