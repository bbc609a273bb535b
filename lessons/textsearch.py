"""Finding lessons by words, Chinese ones included, from an index rather than a scan.

Most Chinese words are two characters (党员, 支部), which trigram indexes cannot find. Each
lesson keeps the distinct character pairs ("bigrams") of its title, summary and text in
`Lesson.search_grams` (space-separated, lower case; written by Lesson.save); on PostgreSQL a
GIN index on that list as an array answers "which lessons contain all the pairs of this
word". A two-character word is found exactly by its one pair; a longer word by all its pairs,
then confirmed by LIKE on the few lessons left; a one-character word or one with punctuation
has no pairs to look up and is a LIKE on the real columns. SQLite (tests, small installs)
uses LIKE for every word.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import F, Func, Q, QuerySet, TextField, Value

WORD = re.compile(r"\w+")
MAX_WORDS = 5


def grams(*texts: str) -> str:
    """The distinct character pairs inside the words of `texts`, sorted, space-separated."""
    found: set[str] = set()
    for text in texts:
        for word in WORD.findall((text or "").lower()):
            found.update(word[i : i + 2] for i in range(len(word) - 1))
    return " ".join(sorted(found))


def _word_grams(word: str) -> list[str] | None:
    """The pairs to look up for a query word, or None when the index cannot answer it."""
    word = word.lower()
    if len(word) < 2 or not WORD.fullmatch(word):
        return None
    return sorted({word[i : i + 2] for i in range(len(word) - 1)})


def _like(word: str) -> Q:
    return Q(title__icontains=word) | Q(summary__icontains=word) | Q(body_text__icontains=word)


def matching(lessons: QuerySet, text: str) -> QuerySet:
    """`lessons` that contain every word of `text` (at most MAX_WORDS words) in their title,
    summary or text."""
    words = (text or "").split()[:MAX_WORDS]
    if not words:
        return lessons
    postgres = connection.vendor == "postgresql"
    wanted: list[str] = []
    for word in words:
        pairs = _word_grams(word) if postgres else None
        if pairs is None:
            lessons = lessons.filter(_like(word))
            continue
        wanted += pairs
        if len(word) > 2:  # the pairs may come from different places: check the word itself
            lessons = lessons.filter(_like(word))
    if wanted:
        from django.contrib.postgres.fields import ArrayField

        # The same expression as the index made in migration 0003 (lesson_search_grams).
        lessons = lessons.alias(
            search_pairs=Func(
                F("search_grams"),
                Value(" "),
                function="string_to_array",
                output_field=ArrayField(TextField()),
            )
        ).filter(search_pairs__contains=sorted(set(wanted)))
    return lessons
