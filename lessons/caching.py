"""What the lesson list and the lesson page keep in the cache, and what makes it stale.

Everything here is under version tokens (members.tokens) and on only with a cache that every
process shares (members.person_cache.enabled(); the test suite turns it off except in the
tests of the caching). Shared by every reader:

- the lessons an audience may read (`visible`): the same for everyone with the same units
  above them (a branch's members), as arrays of pks and series, newest first;
- a lesson's drawn article and short check (`readable_lesson`), per language;
- a lesson's reflections section as readers who keep no lesson see it (`reader_reflections`):
  each reflection drawn liked and not, and the hidden ones their authors still see, per
  language, under the lesson's reflections token, which writes of its reflections and of
  their likes replace;
- a lesson's like count (`figures`), under its likes token; the learned count is
  lessons.progress's;
- the drawn lesson list of an audience for a page and series (`list_part`), each lesson
  drawn learned and not, under READINGS too.

All of them but the like count are also under CONTENT, which every write of a lesson, its audience, series,
tags, attachments, questions or of a unit replaces, and the member counts' token, which member
writes and the bulk writes that send no signal replace (seed_demo, seed_scale). A scheduled
lesson comes due without any write: an entry keeps when the next lesson comes due and is a
miss from then on.

Per person (members.person_cache):

- their study records and the lessons and reflections they like (`mine`), dropped by each
  write of one: the learned badges and liked buttons put into the shared parts;
- the reflections section as an organiser who keeps the lesson sees it, with hide buttons
  and the hidden reflections (`reflections_page`), under the lesson's reflections token.

Cached HTML holds no CSRF token: the forms of the short check and of the reflections section
are drawn with `person_cache.CSRF_SLOT` where the token goes, and `person_cache.fill_csrf`
puts in the request's own token on every request. The slots come from the secret key, and
their digest (`person_cache.SLOTS`) is in the keys of what holds them: a process with another
key neither reads nor writes those entries.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from array import array
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Min
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from django.utils.translation import get_language

from members import counts, person_cache, tokens
from members.models import OrgUnit, ancestor_paths
from members.scoping import Access

from . import progress
from .models import (
    Attachment,
    Lesson,
    LessonAudience,
    LessonLike,
    Question,
    Reading,
    Reflection,
    ReflectionLike,
    Series,
    StudyRecord,
    Tag,
)

CONTENT = "lessons:v:content"
# With the member counts' token, which the bulk writes that send no signal replace (seed_demo,
# seed_scale: members.counts.invalidate).
SHARED = [CONTENT, counts.VERSION_KEY]
READINGS = "lessons:v:readings"
SHARED_TIMEOUT = 60 * 60  # a bound on anything no signal reports (bulk writes)
REFLECTIONS_TIMEOUT = 5 * 60
MINE = "lessons-mine"  # members.person_cache entry: a person's study records and likes

# Where a reader's reflections go in the shared reflections section.
ROWS_SLOT = hmac.new(
    settings.SECRET_KEY.encode(), b"lessons.caching.rows-slot", hashlib.sha256
).hexdigest()


def enabled() -> bool:
    return person_cache.enabled()


def reflections_token(lesson_id: int) -> str:
    return f"lessons:v:reflections:{lesson_id}"


def _stamped(key: str, token_keys: list[str], compute: Callable[[], Any], valid, found=None) -> Any:
    """`compute()`, or its value kept under `key` while the tokens are unchanged and
    `valid(value)` holds. `found`: a cache.get_many of the key and tokens made already."""
    if found is None:
        found = cache.get_many([key, *token_keys])
    value, stamp = tokens.stamped(found, key, token_keys)
    if value is not tokens.MISSING and valid(value):
        return value
    value = compute()
    tokens.keep(key, stamp, value, SHARED_TIMEOUT)
    return value


def _next_due(now: datetime.datetime) -> datetime.datetime | None:
    """When the next scheduled lesson comes due (it then shows without any write)."""
    return Lesson.objects.filter(status__in=Lesson.LIVE_STATUSES, publish_at__gt=now).aggregate(
        due=Min("publish_at")
    )["due"]


def _still_valid(now: datetime.datetime):
    return lambda value: value[-1] is None or value[-1] > now


# --- the lessons an audience may read ---------------------------------------------------------
def audience_key(access: Access) -> str:
    """What Lesson.objects.visible_to depends on: the paths above the person's units and the
    units they keep."""
    if access.is_superuser:
        return "all"
    units = list(access.managed_units_list)
    if access.member is not None and access.member.is_active:
        units.append(access.member.unit)
    above = sorted({p for unit in units for p in ancestor_paths(unit.path)})
    below = sorted({unit.path for unit in access.managed_units_list})
    text = "|".join(above) + "#" + "|".join(below)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _visible_key(access: Access) -> str:
    return f"lessons:audience:{audience_key(access)}"


def _compute_visible(access: Access, now: datetime.datetime) -> tuple:
    """(pks, series pks (0: none), when the next lesson comes due): arrays of integers,
    which the cache reads back far faster than a list of tuples."""
    rows = list(
        Lesson.objects.visible_to(access, now)
        .order_by("-publish_at", "-pk")
        .values_list("pk", "series_id")
    )
    pks = array("q", (pk for pk, _series in rows))
    series = array("q", (series_id or 0 for _pk, series_id in rows))
    return pks, series, _next_due(now)


def visible(access: Access, now: datetime.datetime | None = None) -> tuple[array, array]:
    """The pks of every lesson `access` may read now, newest first (the list's order), and
    their series' pks (0 for none), as two arrays of the same length."""
    now = now or timezone.now()
    if not enabled():
        value = _compute_visible(access, now)
    else:
        value = _stamped(
            _visible_key(access),
            SHARED,
            lambda: _compute_visible(access, now),
            _still_valid(now),
        )
    return value[0], value[1]


# --- a lesson's article -----------------------------------------------------------------------
def _lesson_key(lesson_id: int) -> str:
    return f"lessons:lesson-page:{lesson_id}:{get_language()}:{person_cache.SLOTS}"


def _compute_lesson(lesson_id: int, draw: Callable[[Lesson], dict]) -> tuple[dict | None]:
    found = Lesson.objects.select_related("series", "unit").filter(pk=lesson_id).first()
    if found is None:
        return (None,)
    return ({"pk": found.pk, "title": found.title, "unit_path": found.unit.path, **draw(found)},)


def readable_lesson(
    access: Access, lesson_id: int, draw: Callable[[Lesson], dict]
) -> tuple[dict | None, dict]:
    """{"pk", "title", "unit_path", **draw(lesson)} (drawn parts with no CSRF token) of a
    lesson `access` may read now, or None; and what the cache holds of the lesson's page
    (for `figures` and `reader_reflections`). Warm, one round trip for all of them."""
    if not enabled():
        if not Lesson.objects.visible_to(access).filter(pk=lesson_id).exists():
            return None, {}
        return _compute_lesson(lesson_id, draw)[0], {}
    now = timezone.now()
    visible_key, lesson_key = _visible_key(access), _lesson_key(lesson_id)
    found = cache.get_many([visible_key, *_page_keys(lesson_id), *SHARED])
    pks = _stamped(
        visible_key,
        SHARED,
        lambda: _compute_visible(access, now),
        _still_valid(now),
        found,
    )[0]
    if lesson_id not in pks:
        return None, found
    entry = _stamped(lesson_key, SHARED, lambda: _compute_lesson(lesson_id, draw), bool, found)
    return entry[0], found


def _page_keys(lesson_id: int) -> list[str]:
    """What the cache holds of a lesson's page, shared by its readers, and their tokens."""
    return [
        _lesson_key(lesson_id),
        progress.learned_key(lesson_id),
        _like_count_key(lesson_id),
        likes_token(lesson_id),
        _reflections_key(lesson_id),
        reflections_token(lesson_id),
    ]


# --- a lesson's figures ----------------------------------------------------------------------
def likes_token(lesson_id: int) -> str:
    return f"lessons:v:likes:{lesson_id}"


def _like_count_key(lesson_id: int) -> str:
    return f"lessons:like-count:{lesson_id}"


def figures(lesson_id: int, found: dict) -> tuple[int, int]:
    """How many people learned the lesson and how many like it (no query when warm);
    `found`: readable_lesson's."""

    def likes() -> tuple[int]:
        return (LessonLike.objects.filter(lesson_id=lesson_id).count(),)

    if not enabled():
        return progress.learned_count(lesson_id), likes()[0]
    learned = found.get(progress.learned_key(lesson_id))
    if learned is None:
        learned = progress.learned_count(lesson_id)
    token_keys = [likes_token(lesson_id), counts.VERSION_KEY]
    return learned, _stamped(_like_count_key(lesson_id), token_keys, likes, bool, found)[0]


# --- what a person did ------------------------------------------------------------------------
def _mine(user) -> dict:
    return {
        "records": dict(
            StudyRecord.objects.filter(user=user).values_list("lesson_id", "completed_at")
        ),
        "liked": set(LessonLike.objects.filter(user=user).values_list("lesson_id", flat=True)),
        "liked_reflections": set(
            ReflectionLike.objects.filter(user=user).values_list("reflection_id", flat=True)
        ),
    }


def mine(user) -> dict | None:
    """The person's study records ("records": {lesson pk: learned at, None if only opened}),
    the lessons and reflections they like ("liked", "liked_reflections"), or None with no
    cache."""
    if not enabled():
        return None
    return person_cache.cached(MINE, user, CONTENT, lambda: _mine(user))


# --- drawn parts ------------------------------------------------------------------------------
def list_part(access: Access, part: str, draw: Callable[[], dict], keep) -> dict:
    """The lesson list for everyone of the audience, page and filters (`part`), per
    language: {"rows": [(pk, drawn, drawn learned)], "section" (ROWS_SLOT where the rows
    go)}. Kept while `keep()` says so after a draw, and until the next lesson comes due."""
    now = timezone.now()
    key = f"lessons:list:{audience_key(access)}:{part}:{get_language()}:{person_cache.SLOTS}"
    token_keys = [*SHARED, READINGS]
    value, stamp = tokens.stamped(cache.get_many([key, *token_keys]), key, token_keys)
    if value is not tokens.MISSING and _still_valid(now)(value):
        return value[0]
    value = (draw(), _next_due(now))
    if keep():
        tokens.keep(key, stamp, value, SHARED_TIMEOUT)
    return value[0]


def _reflections_key(lesson_id: int) -> str:
    return f"lessons:reflections:{lesson_id}:{get_language()}:{person_cache.SLOTS}"


def reader_reflections(lesson_id: int, draw: Callable[[], dict], found: dict) -> dict:
    """The reflections section of a lesson as drawn for every reader who keeps no lesson:
    {"rows": [(pk, author pk, hidden, drawn, drawn liked)], "section" (ROWS_SLOT where the
    rows go), "empty"}, per language; `found`: readable_lesson's."""
    token_keys = [reflections_token(lesson_id), *SHARED]
    return _stamped(_reflections_key(lesson_id), token_keys, lambda: (draw(),), bool, found)[0]


def reflections_page(user, lesson_id: int, draw: Callable[[], str]) -> str:
    """A lesson's reflections section drawn for one person (an organiser who keeps it)."""
    return person_cache.page(
        "lesson-reflection-section",
        user,
        draw,
        token_keys=[reflections_token(lesson_id), counts.VERSION_KEY],
        vary=f"{lesson_id}:{person_cache.SLOTS}",
        timeout=REFLECTIONS_TIMEOUT,
    )


# --- what reports a change --------------------------------------------------------------------
def content_changed(using: str | None = None) -> None:
    """Every lesson list and article is stale (call after a bulk write of lessons)."""
    person_cache.replace_token(CONTENT, using=using)


def reflections_changed(lesson_id: int, using: str | None = None) -> None:
    person_cache.replace_token(reflections_token(lesson_id), using=using)


def _content_saved(**kwargs) -> None:
    content_changed(using=kwargs.get("using"))


def _readings_saved(**kwargs) -> None:
    person_cache.replace_token(READINGS, using=kwargs.get("using"))


def _reflection_saved(instance: Reflection, **kwargs) -> None:
    reflections_changed(instance.lesson_id, using=kwargs.get("using"))


def _reflection_like_saved(instance: ReflectionLike, **kwargs) -> None:
    if not enabled():
        return
    reflection = instance._state.fields_cache.get("reflection")
    if reflection is not None:
        lesson_id = reflection.lesson_id
    else:
        lesson_id = (
            Reflection.objects.filter(pk=instance.reflection_id)
            .values_list("lesson_id", flat=True)
            .first()
        )
    if lesson_id is not None:
        reflections_changed(lesson_id, using=kwargs.get("using"))
    person_cache.forget(MINE, instance.user_id, using=kwargs.get("using"))


def _like_saved(instance: LessonLike, **kwargs) -> None:
    person_cache.replace_token(likes_token(instance.lesson_id), using=kwargs.get("using"))
    person_cache.forget(MINE, instance.user_id, using=kwargs.get("using"))


def _record_saved(instance: StudyRecord, **kwargs) -> None:
    person_cache.forget(MINE, instance.user_id, using=kwargs.get("using"))


for _model in (Lesson, LessonAudience, Series, Tag, Attachment, Question, OrgUnit):
    _name = _model.__name__
    post_save.connect(_content_saved, sender=_model, dispatch_uid=f"lessons.caching.{_name}.s")
    post_delete.connect(_content_saved, sender=_model, dispatch_uid=f"lessons.caching.{_name}.d")
m2m_changed.connect(
    _content_saved, sender=Lesson.tags.through, dispatch_uid="lessons.caching.tags.m2m"
)
m2m_changed.connect(
    _content_saved, sender=Lesson.audience_units.through, dispatch_uid="lessons.caching.aud.m2m"
)
post_save.connect(_readings_saved, sender=Reading, dispatch_uid="lessons.caching.reading.s")
post_delete.connect(_readings_saved, sender=Reading, dispatch_uid="lessons.caching.reading.d")
post_save.connect(_reflection_saved, sender=Reflection, dispatch_uid="lessons.caching.refl.s")
post_delete.connect(_reflection_saved, sender=Reflection, dispatch_uid="lessons.caching.refl.d")
post_save.connect(
    _reflection_like_saved, sender=ReflectionLike, dispatch_uid="lessons.caching.rlike.s"
)
post_delete.connect(
    _reflection_like_saved, sender=ReflectionLike, dispatch_uid="lessons.caching.rlike.d"
)
post_save.connect(_record_saved, sender=StudyRecord, dispatch_uid="lessons.caching.record.s")
post_delete.connect(_record_saved, sender=StudyRecord, dispatch_uid="lessons.caching.record.d")
post_save.connect(_like_saved, sender=LessonLike, dispatch_uid="lessons.caching.like.s")
post_delete.connect(_like_saved, sender=LessonLike, dispatch_uid="lessons.caching.like.d")
