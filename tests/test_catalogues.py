"""The English and Chinese catalogues are complete, and the compiled .mo files match them.

The .mo files are committed so that `make run` works on a machine without gettext; this test
catches a catalogue edited without `make messages`.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file as dicts: msgid, msgid_plural, msgstr (list), fuzzy."""
    entries = []
    for chunk in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict = {
            "msgctxt": None,
            "msgid": None,
            "msgid_plural": None,
            "msgstr": [],
            "fuzzy": False,
        }
        current = None
        for line in chunk.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                entry["fuzzy"] = True
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if match:
                key, text = match.groups()
                if key.startswith("msgstr"):
                    entry["msgstr"].append(text)
                    current = ("msgstr", len(entry["msgstr"]) - 1)
                else:
                    entry[key] = text
                    current = (key, None)
            elif line.startswith('"') and current:
                key, index = current
                if index is None:
                    entry[key] += line[1:-1]
                else:
                    entry["msgstr"][index] += line[1:-1]
        if entry["msgid"]:
            entries.append(entry)
    return entries


ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(0)), text)


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_every_string_is_translated(language):
    entries = parse_po(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert entries, "the catalogue is empty"
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in entries if e["fuzzy"]]
    assert untranslated == [], f"untranslated in {language}: {untranslated[:10]}"
    assert fuzzy == [], f"fuzzy in {language}: {fuzzy[:10]}"


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_compiled_catalogue_matches_the_source(language):
    folder = LOCALE / language / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in parse_po(folder / "django.po"):
        msgid = unescape(entry["msgid"])
        context = unescape(entry["msgctxt"]) if entry["msgctxt"] is not None else None
        if entry["msgid_plural"]:
            plural = unescape(entry["msgid_plural"])
            got = (
                compiled.npgettext(context, msgid, plural, 1)
                if context is not None
                else compiled.ngettext(msgid, plural, 1)
            )
        else:
            got = (
                compiled.pgettext(context, msgid)
                if context is not None
                else compiled.gettext(msgid)
            )
        if got != unescape(entry["msgstr"][0]):
            stale.append(msgid)
    assert stale == [], f"run `make messages`: {len(stale)} entries differ, e.g. {stale[:5]}"


def test_chinese_catalogue_is_simplified_chinese():
    entries = parse_po(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po")
    han = sum(1 for e in entries if re.search(r"[\u4e00-\u9fff]", unescape(e["msgstr"][0])))
    assert han / len(entries) > 0.9


def test_english_catalogue_says_what_the_code_says():
    # msgids are English; an English msgstr that differs is a stale guess (a fuzzy match).
    differing = []
    for entry in parse_po(LOCALE / "en" / "LC_MESSAGES" / "django.po"):
        expected = [entry["msgid"]]
        if entry["msgid_plural"]:
            expected.append(entry["msgid_plural"])
        if entry["msgstr"] != expected:
            differing.append(entry["msgid"])
    assert differing == [], differing[:5]
