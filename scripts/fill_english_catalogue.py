"""Make the English catalogue complete: msgids are English, so each msgstr is its msgid.

`make messages` runs this after makemessages. Plural entries get msgid and msgid_plural as
their two forms. Entries a person has translated differently are left alone.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parent.parent / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _unquote_block(lines: list[str]) -> str:
    return "".join(re.match(r'^(?:msg\w+(?:\[\d\])?\s+)?"(.*)"$', line).group(1) for line in lines)


def fill(text: str) -> str:
    entries = text.split("\n\n")
    out = [entries[0].replace("#, fuzzy\n", "", 1)]
    for entry in entries[1:]:
        lines = entry.split("\n")
        # A fuzzy entry holds gettext's guess from a similar msgid: throw the guess away.
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        lines = [line for line in lines if line != "#, fuzzy" and not line.startswith("#| ")]
        lines = [re.sub(r"^#, fuzzy, ", "#, ", line) for line in lines]
        lines = [re.sub(r"^(#, .*), fuzzy", r"\1", line) for line in lines]
        if any(line.startswith("msgid_plural") for line in lines):
            out.append(_fill_plural(lines, force=fuzzy))
        else:
            out.append(_fill_single(lines, force=fuzzy))
    return "\n\n".join(out)


def _block(lines: list[str], keyword: str) -> tuple[int, int]:
    start = next((i for i, line in enumerate(lines) if line.startswith(keyword + " ")), -1)
    if start < 0:
        return -1, -1
    end = start + 1
    while end < len(lines) and lines[end].startswith('"'):
        end += 1
    return start, end


def _fill_single(lines: list[str], force: bool = False) -> str:
    i0, i1 = _block(lines, "msgid")
    s0, s1 = _block(lines, "msgstr")
    if i0 < 0 or s0 < 0:
        return "\n".join(lines)
    msgid = lines[i0:i1]
    if _unquote_block(msgid) == "" or (_unquote_block(lines[s0:s1]) != "" and not force):
        return "\n".join(lines)
    new = ["msgstr" + msgid[0][len("msgid") :], *msgid[1:]]
    return "\n".join(lines[:s0] + new + lines[s1:])


def _fill_plural(lines: list[str], force: bool = False) -> str:
    i0, i1 = _block(lines, "msgid")
    p0, p1 = _block(lines, "msgid_plural")
    z0, z1 = _block(lines, "msgstr[0]")
    o0, o1 = _block(lines, "msgstr[1]")
    if min(i0, p0, z0, o0) < 0 or (_unquote_block(lines[z0:z1]) != "" and not force):
        return "\n".join(lines)
    singular = ["msgstr[0]" + lines[i0][len("msgid") :], *lines[i0 + 1 : i1]]
    plural = ["msgstr[1]" + lines[p0][len("msgid_plural") :], *lines[p0 + 1 : p1]]
    return "\n".join(lines[:z0] + singular + plural + lines[o1:])


def main() -> int:
    text = fill(CATALOGUE.read_text(encoding="utf-8"))
    text = text.replace('"Language: \\n"', '"Language: en\\n"', 1)
    CATALOGUE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
