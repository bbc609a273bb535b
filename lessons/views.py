"""Pages of the micro-classroom: lessons, my study, study plans and offline sessions.

Every object is fetched from a scoped queryset (`Lesson.objects.visible_to(access)`, the
plans and sessions of a person), so one outside a person's audience or scope is a 404. The
lesson list and page read the same rule's result from lessons.caching, which also keeps
their drawn parts.
Views are thin: they parse, call `services`, and render; figures come from `progress`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members import person_cache
from members.models import Member, OrgUnit
from members.scoping import Access, access_for

from . import caching, progress, services
from .export import progress_workbook
from .forms import CheckForm, LessonFilterForm, ReflectionForm, SignInForm
from .models import (
    Attendance,
    Lesson,
    LessonLike,
    Reading,
    Reflection,
    ReflectionLike,
    Session,
    StudyPlan,
    StudyRecord,
)

LESSONS_PER_PAGE = 20
REFLECTIONS_SHOWN = 50
RECORDS_PER_PAGE = 30
REFLECTION_FIELDS = (
    "lesson_id",
    "text",
    "created_at",
    "is_hidden",
    "author__username",
    "author__first_name",
    "author__last_name",
    "author__member__name",
)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _visible_lessons(access: Access):
    return Lesson.objects.visible_to(access)


def _learned(user):
    return Exists(
        StudyRecord.objects.filter(user=user, lesson=OuterRef("pk"), completed_at__isnull=False)
    )


# --- lessons ----------------------------------------------------------------------------------
def _list_lessons(request, access: Access, form: LessonFilterForm, mine):
    """The page of lessons: from the audience's lessons (lessons.caching) and the person's
    study records when the cache is on and there are no search words; from the database
    otherwise."""
    filtered = form.is_valid()
    words = filtered and bool((form.cleaned_data.get("q") or "").strip())
    if mine is None or words:
        lessons = (
            _visible_lessons(access)
            .select_related("series")
            # The list shows no text: twenty bodies of 7 minutes' reading each are left unread.
            .defer("body", "body_text")
            .annotate(learned=_learned(request.user))
            .order_by("-publish_at", "-pk")
        )
        if filtered:
            lessons = form.filter(lessons)
        return Paginator(lessons, LESSONS_PER_PAGE).get_page(request.GET.get("page"))
    pks, series_pks = caching.visible(access)
    series = form.cleaned_data.get("series") if filtered else None
    if series is not None:
        pks = [pk for pk, series_pk in zip(pks, series_pks, strict=True) if series_pk == series.pk]
    page = Paginator(pks, LESSONS_PER_PAGE).get_page(request.GET.get("page"))
    found = (
        Lesson.objects.select_related("series")
        .defer("body", "body_text")
        .in_bulk(list(page.object_list))
    )
    page.object_list = [found[pk] for pk in page.object_list if pk in found]
    for lesson in page.object_list:
        lesson.learned = mine["records"].get(lesson.pk) is not None
    return page


def _draw_list(page, form: LessonFilterForm, query: str, rows: list[str]) -> str:
    """The list's content (drawn without the request: the filters are a GET form, with no
    CSRF token, and nothing of the layout's context is needed)."""
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query,
        "readings": list(Reading.objects.filter(is_active=True)[:12]),
    }
    return render_to_string("lessons/_list.html", context)


def _draw_list_rows(lessons) -> list[str]:
    template = get_template("lessons/_list_row.html")
    return [mark_safe(template.render({"lesson": lesson})) for lesson in lessons]


def _shared_list(request, access: Access, form: LessonFilterForm, mine) -> str | None:
    """The list from the entry every person of the audience shares (lessons.caching), with
    this person's learned badges; None when the query is not one to share (a search, an
    unknown parameter or value, a page number written oddly)."""
    query = request.GET
    if not set(query) <= {"page", "series", "q"} or any(len(query.getlist(k)) > 1 for k in query):
        return None
    number = query.get("page", "")
    if query.get("q", "") or (form.is_bound and not form.is_valid()):
        return None
    if number and not (number.isascii() and number.isdigit() and number[0] != "0"):
        return None
    if len(number) > 4:
        return None
    echo = query.copy()
    echo.pop("page", None)
    echo = echo.urlencode()
    series = form.cleaned_data.get("series") if form.is_bound else None
    part = f"{series.pk if series else ''}:{number or 1}:{echo}"
    kept = {"page": None}

    def draw() -> dict:
        page = _list_lessons(request, access, form, mine)
        kept["page"] = page
        rows = []
        for lesson in page.object_list:
            learned = lesson.learned
            lesson.learned = False
            plain = _draw_list_rows([lesson])[0]
            lesson.learned = True
            rows.append((lesson.pk, str(plain), str(_draw_list_rows([lesson])[0])))
            lesson.learned = learned
        section = _draw_list(page, form, echo, [mark_safe(caching.ROWS_SLOT)])
        return {"rows": rows, "section": section}

    def keep() -> bool:  # a page past the end shows the last one: not kept under its number
        return kept["page"] is None or kept["page"].number == int(number or 1)

    entry = caching.list_part(access, part, draw, keep)
    rows = [
        learned if mine["records"].get(pk) is not None else plain
        for pk, plain, learned in entry["rows"]
    ]
    return entry["section"].replace(caching.ROWS_SLOT, "".join(rows))


def lesson_list(request):
    access = access_for(request.user)
    form = LessonFilterForm(request.GET or None)
    mine = caching.mine(request.user)
    content = _shared_list(request, access, form, mine) if mine is not None else None
    if content is None:
        page = _list_lessons(request, access, form, mine)
        query = request.GET.copy()
        query.pop("page", None)
        content = _draw_list(page, form, query.urlencode(), _draw_list_rows(page))
    return render(request, "lessons/list.html", {"content": mark_safe(content)})


def _draw_lesson(lesson: Lesson) -> dict:
    """What a lesson's page shows the same to every reader (lessons.caching keeps it): the
    article, and the short check with a slot for the CSRF token."""
    questions = list(lesson.questions.all())
    check = ""
    if questions:
        check = render_to_string(
            "lessons/_check.html",
            {
                "lesson": lesson,
                "check_form": CheckForm(questions=questions),
                "csrf_token": person_cache.CSRF_SLOT,
            },
        )
    article = render_to_string(
        "lessons/_article.html",
        {
            "lesson": lesson,
            "attachments": list(lesson.attachments.all()),
            "tags": list(lesson.tags.all()),
        },
    )
    return {"article": article, "check": check}


def _can_moderate(access: Access, unit_path: str) -> bool:
    """Lesson.objects.managed_by(access) for one lesson, from its unit's path."""
    return access.is_superuser or any(unit_path.startswith(u.path) for u in access.organiser_units)


def _reflection_query(lesson_id: int, user=None):
    """A lesson's reflections, newest first, with their like count (and whether `user`
    likes each one, as `liked`)."""
    reflections = (
        Reflection.objects.filter(lesson_id=lesson_id)
        .select_related("author__member")
        # What the page shows of an author: fifty full member rows were a third of the view.
        .only(*REFLECTION_FIELDS)
        .annotate(
            like_count=progress.count_of(
                ReflectionLike.objects.filter(reflection=OuterRef("pk")), "reflection"
            )
        )
        .order_by("-created_at", "-pk")
    )
    if user is not None:
        reflections = reflections.annotate(
            liked=Exists(ReflectionLike.objects.filter(reflection=OuterRef("pk"), user=user))
        )
    return reflections


def _draw_rows(reflections, can_moderate: bool, liked: bool | None = None) -> list[str]:
    """Each reflection drawn (its like form with the CSRF slot); `liked` for all of them, or
    each one's own `liked`."""
    template = get_template("lessons/_reflection.html")
    return [
        mark_safe(
            template.render(
                {
                    "r": r,
                    "liked": r.liked if liked is None else liked,
                    "can_moderate": can_moderate,
                    "csrf_token": person_cache.CSRF_SLOT,
                }
            )
        )
        for r in reflections
    ]


def _draw_section(lesson, form, rows: list[str]) -> str:
    context = {
        "lesson": lesson,
        "reflection_form": form,
        "rows": rows,
        "csrf_token": person_cache.CSRF_SLOT,
    }
    return render_to_string("lessons/_reflections.html", context)


def _draw_for_readers(lesson: dict) -> dict:
    """The reflections section as every reader who keeps no lesson sees it (lessons.caching
    shares it): every reflection any of them may see, the newest shown ones and the hidden
    ones newer than the last of those (their authors see them), each drawn liked and not."""
    reflections = _reflection_query(lesson["pk"])
    shown = list(reflections.filter(is_hidden=False)[:REFLECTIONS_SHOWN])
    hidden = reflections.filter(is_hidden=True)
    if len(shown) == REFLECTIONS_SHOWN:
        last = shown[-1]
        hidden = hidden.filter(
            Q(created_at__gt=last.created_at) | Q(created_at=last.created_at, pk__gt=last.pk)
        )
    rows = sorted([*shown, *hidden], key=lambda r: (r.created_at, r.pk), reverse=True)
    plain, liked = _draw_rows(rows, False, liked=False), _draw_rows(rows, False, liked=True)
    form = ReflectionForm()
    return {
        "rows": [
            (r.pk, r.author_id, r.is_hidden, str(p), str(lk))
            for r, p, lk in zip(rows, plain, liked, strict=True)
        ],
        "section": _draw_section(lesson, form, [mark_safe(caching.ROWS_SLOT)]),
        "empty": _draw_section(lesson, form, []),
    }


def _reflection_section(
    user, lesson: dict, can_moderate: bool, mine, found: dict, form=None
) -> str:
    """The reflections section for this person, with the CSRF slot: the form, and the
    newest reflections they may see (an organiser also sees hidden ones, and the author
    their own)."""
    pk = lesson["pk"]
    if mine is not None and not can_moderate and form is None:
        entry = caching.reader_reflections(pk, lambda: _draw_for_readers(lesson), found)
        liked = mine["liked_reflections"]
        rows = [
            liked_html if reflection in liked else html
            for reflection, author, hidden, html, liked_html in entry["rows"]
            if not hidden or author == user.pk
        ][:REFLECTIONS_SHOWN]
        if not rows:
            return entry["empty"]
        return entry["section"].replace(caching.ROWS_SLOT, "".join(rows))

    def draw() -> str:
        reflections = _reflection_query(pk, user)
        if not can_moderate:
            reflections = reflections.filter(Q(is_hidden=False) | Q(author=user))
        rows = _draw_rows(reflections[:REFLECTIONS_SHOWN], can_moderate)
        return _draw_section(lesson, form or ReflectionForm(), rows)

    if form is not None:  # a form sent back with its errors
        return draw()
    # An organiser's, kept per person until a reflection of the lesson or a like changes.
    return caching.reflections_page(user, pk, draw)


def _detail_context(
    request, access: Access, lesson: dict, found: dict, reflection_form=None
) -> dict:
    """The page of a readable lesson (`lesson`, `found`: lessons.caching.readable_lesson's).
    Opening it records the first opening."""
    user = request.user
    pk = lesson["pk"]
    mine = caching.mine(user)
    if mine is not None and pk in mine["records"]:
        completed_at = mine["records"][pk]
        liked = pk in mine["liked"]
    else:
        completed_at = services.study_record_open(user=user, lesson_id=pk).completed_at
        liked = LessonLike.objects.filter(lesson_id=pk, user=user).exists()
    can_moderate = _can_moderate(access, lesson["unit_path"])
    section = _reflection_section(user, lesson, can_moderate, mine, found, reflection_form)
    learned_count, like_count = caching.figures(pk, found)
    return {
        "lesson": lesson,
        "article": mark_safe(lesson["article"]),
        "check": mark_safe(person_cache.fill_csrf(request, lesson["check"])),
        "completed_at": completed_at,
        "learned_count": learned_count,
        "like_count": like_count,
        "liked": liked,
        "reflection_section": mark_safe(person_cache.fill_csrf(request, section)),
    }


def _readable_lesson(access: Access, pk: int) -> tuple[dict, dict]:
    """lessons.caching.readable_lesson of a lesson the person may read, or 404."""
    lesson, found = caching.readable_lesson(access, pk, _draw_lesson)
    if lesson is None:
        raise Http404
    return lesson, found


def lesson_detail(request, pk: int):
    access = access_for(request.user)
    lesson, found = _readable_lesson(access, pk)
    context = _detail_context(request, access, lesson, found)
    return render(request, "lessons/detail.html", context)


@require_POST
def lesson_learned(request, pk: int):
    access = access_for(request.user)
    lesson = get_object_or_404(_visible_lessons(access), pk=pk)
    if lesson.questions.exists():
        messages.warning(request, _("Answer the short check to mark this lesson learned."))
    else:
        services.study_record_complete(user=request.user, lesson=lesson)
        messages.success(request, _("Marked as learned."))
    return redirect(lesson)


@require_POST
def lesson_check(request, pk: int):
    access = access_for(request.user)
    lesson = get_object_or_404(_visible_lessons(access), pk=pk)
    questions = list(lesson.questions.all())
    if not questions:
        raise Http404
    form = CheckForm(request.POST, questions=questions)
    form.is_valid()  # every answer is optional: an empty one simply counts as wrong
    wrong = services.lesson_check(user=request.user, lesson=lesson, answers=form.answers())
    if wrong:
        numbers = ", ".join(str(questions.index(q) + 1) for q in wrong)
        messages.error(
            request,
            _("Not quite: question %(numbers)s was not right. Read the lesson again and retry.")
            % {"numbers": numbers},
        )
    else:
        messages.success(request, _("All answers right: the lesson is marked as learned."))
    return redirect(lesson)


@require_POST
def lesson_like(request, pk: int):
    access = access_for(request.user)
    lesson = get_object_or_404(_visible_lessons(access), pk=pk)
    liked, count = services.lesson_like_toggle(user=request.user, lesson=lesson)
    if _wants_json(request):
        return JsonResponse({"liked": liked, "count": count})
    return redirect(lesson.get_absolute_url() + "#like")


@require_POST
def reflection_create(request, pk: int):
    access = access_for(request.user)
    lesson = get_object_or_404(_visible_lessons(access).select_related("series"), pk=pk)
    form = ReflectionForm(request.POST)
    if form.is_valid():
        try:
            services.reflection_create(
                user=request.user, lesson=lesson, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Thank you: your reflection is published."))
            return redirect(lesson.get_absolute_url() + "#reflections")
    entry, found = _readable_lesson(access, lesson.pk)
    context = _detail_context(request, access, entry, found, reflection_form=form)
    return render(request, "lessons/detail.html", context, status=400)


def _visible_reflections(access: Access, user):
    managed = Lesson.objects.managed_by(access).values("pk")
    return Reflection.objects.filter(lesson__in=_visible_lessons(access)).filter(
        Q(is_hidden=False) | Q(author=user) | Q(lesson__in=managed)
    )


@require_POST
def reflection_like(request, pk: int):
    access = access_for(request.user)
    reflection = get_object_or_404(
        _visible_reflections(access, request.user).select_related("lesson"), pk=pk
    )
    liked, count = services.reflection_like_toggle(user=request.user, reflection=reflection)
    if _wants_json(request):
        return JsonResponse({"liked": liked, "count": count})
    return redirect(reflection.lesson.get_absolute_url() + f"#reflection-{reflection.pk}")


@require_POST
def reflection_hide(request, pk: int):
    """Organisers hide a reflection (it is kept) or show it again."""
    access = access_for(request.user)
    reflection = get_object_or_404(
        Reflection.objects.filter(lesson__in=Lesson.objects.managed_by(access)).select_related(
            "lesson"
        ),
        pk=pk,
    )
    if reflection.is_hidden:
        reflection.unhide(by=request.user)
        messages.success(request, _("The reflection is shown again."))
    else:
        reflection.hide(by=request.user)
        messages.success(request, _("The reflection is hidden. It is kept and can be shown again."))
    return redirect(reflection.lesson.get_absolute_url() + f"#reflection-{reflection.pk}")


# --- my study ---------------------------------------------------------------------------------
def my_study(request):
    records = (
        StudyRecord.objects.filter(user=request.user, completed_at__isnull=False)
        .select_related("lesson__series")
        .order_by("-completed_at")
    )
    page = Paginator(records, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    days = progress.learned_days(request.user)
    return render(
        request,
        "lessons/my_study.html",
        {
            "page": page,
            "streak": progress.streak(days, today),
            "learned_total": page.paginator.count,
            "active_days": len(days),
        },
    )


# --- study plans ------------------------------------------------------------------------------
def _plans_for(access: Access):
    return StudyPlan.objects.for_member(access.member) | StudyPlan.objects.followed_by(access)


def plan_list(request):
    access = access_for(request.user)
    mine = list(
        progress.plans_with_progress(
            StudyPlan.objects.for_member(access.member), request.user, access
        )
        .select_related("session")
        .order_by("due_on", "pk")
    )
    for plan in mine:
        plan.percent = progress.percent(plan.lesson_done, plan.lesson_total)
    followed = []
    if access.is_officer:
        followed = list(
            StudyPlan.objects.followed_by(access)
            .select_related("unit")
            .order_by("-due_on", "pk")[:50]
        )
    return render(
        request,
        "lessons/plans.html",
        {"plans": mine, "followed": followed, "today": timezone.localdate()},
    )


def plan_detail(request, pk: int):
    access = access_for(request.user)
    plan = get_object_or_404(_plans_for(access).distinct().select_related("session"), pk=pk)
    # Only lessons this person may open: a draft, or one addressed to another branch, is
    # neither listed (its title would leak) nor counted.
    items = list(
        plan.items.filter(lesson__in=_visible_lessons(access).values("pk"))
        .select_related("lesson__series")
        .annotate(
            learned=Exists(
                StudyRecord.objects.filter(
                    user=request.user, lesson=OuterRef("lesson"), completed_at__isnull=False
                )
            )
        )
    )
    done = sum(1 for item in items if item.learned)
    return render(
        request,
        "lessons/plan_detail.html",
        {
            "plan": plan,
            "items": items,
            "done": done,
            "percent": progress.percent(done, len(items)),
            "is_mine": StudyPlan.objects.for_member(access.member).filter(pk=plan.pk).exists(),
            "can_follow": access.is_officer
            and StudyPlan.objects.followed_by(access).filter(pk=plan.pk).exists(),
        },
    )


def _progress_data(access: Access, plan: StudyPlan, branch_id: str | None) -> dict:
    lesson_ids = progress.plan_lesson_ids(plan)
    total = len(lesson_ids)
    branches_in_scope = access.managed_units().filter(kind=OrgUnit.Kind.BRANCH)
    branch_rows = []
    if access.is_organiser:
        branch_rows = list(
            progress.branches_with_progress(
                plan,
                access.organised_units().filter(kind=OrgUnit.Kind.BRANCH),
                lesson_ids,
            )
            .filter(member_count__gt=0)
            .order_by("path")
        )
        for row in branch_rows:
            row.rate = progress.percent(row.lesson_done, row.member_count * total)
    branch = None
    if branch_id and branch_id.isascii() and branch_id.isdigit():
        branch = get_object_or_404(branches_in_scope, pk=int(branch_id))
    elif not access.is_organiser:
        branch = branches_in_scope.order_by("path").first()
    member_rows = []
    if branch is not None:
        member_rows = list(
            progress.members_with_progress(
                plan.assigned_members().filter(unit=branch), lesson_ids
            ).order_by("name", "pk")
        )
        for row in member_rows:
            row.percent = progress.percent(row.lesson_done, total)
    return {
        "plan": plan,
        "total": total,
        "branch_rows": branch_rows,
        "branch": branch,
        "member_rows": member_rows,
        "other_branches": list(branches_in_scope.order_by("path")[:200])
        if not access.is_organiser
        else [],
    }


def plan_progress(request, pk: int):
    """Branch officers: per-member progress of their branch. Organisers: every branch's
    completion rate in their scope, and any branch's members on request."""
    access = access_for(request.user)
    if not access.is_officer:
        raise Http404
    plan = get_object_or_404(StudyPlan.objects.followed_by(access), pk=pk)
    context = _progress_data(access, plan, request.GET.get("branch"))
    return render(request, "lessons/plan_progress.html", context)


def plan_export(request, pk: int):
    access = access_for(request.user)
    if not access.is_organiser:
        raise Http404
    plan = get_object_or_404(StudyPlan.objects.followed_by(access), pk=pk)
    lesson_ids = progress.plan_lesson_ids(plan)
    branches = list(
        progress.branches_with_progress(
            plan, access.organised_units().filter(kind=OrgUnit.Kind.BRANCH), lesson_ids
        )
        .filter(member_count__gt=0)
        .order_by("path")
    )
    members = list(
        progress.members_with_progress(
            plan.assigned_members().filter(
                unit__in=access.organised_units().filter(kind=OrgUnit.Kind.BRANCH)
            ),
            lesson_ids,
        )
        .select_related("unit")
        .order_by("unit__path", "name", "pk")
    )
    content = progress_workbook(plan, len(lesson_ids), branches, members)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="study-plan-{plan.pk}.xlsx"'
    return response


# --- offline sessions -------------------------------------------------------------------------
def session_list(request):
    access = access_for(request.user)
    sessions = (
        Session.objects.visible_to(access)
        .select_related("unit")
        .annotate(
            attended=progress.count_of(Attendance.objects.filter(session=OuterRef("pk")), "session")
        )
        .order_by("-starts_at", "-pk")
    )
    page = Paginator(sessions, LESSONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "lessons/sessions.html", {"page": page, "query": ""})


def _session_context(request, access: Access, session: Session, **extra) -> dict:
    member: Member | None = access.member
    expected = bool(
        member is not None and member.is_active and member.unit.path.startswith(session.unit.path)
    )
    attendance = (
        Attendance.objects.filter(session=session, member=member).first() if expected else None
    )
    manages = Session.objects.managed_by(access).filter(pk=session.pk).exists()
    branch_rows = []
    if manages:
        expected_members = session.expected_members()
        branch_rows = list(
            access.managed_units()
            .filter(kind=OrgUnit.Kind.BRANCH, path__startswith=session.unit.path)
            .annotate(
                member_count=progress.count_of(
                    expected_members.filter(unit=OuterRef("pk")), "unit"
                ),
                attended=progress.count_of(
                    Attendance.objects.filter(session=session, member__unit=OuterRef("pk")),
                    "member__unit",
                ),
            )
            .filter(member_count__gt=0)
            .order_by("path")
        )
        for row in branch_rows:
            row.percent = progress.percent(row.attended, row.member_count)
    context = {
        "session": session,
        "expected": expected,
        "attendance": attendance,
        "sign_in_open": session.sign_in_open(),
        "sign_in_form": SignInForm(),
        "manages": manages,
        "branch_rows": branch_rows,
        "lessons": list(session.lessons.visible_to(access).select_related("series")),
        "agenda": list(session.agenda.all()),
        "photos": list(session.photos.all()),
        "makeup_plan": StudyPlan.objects.filter(session=session).first() if manages else None,
    }
    context.update(extra)
    return context


def session_detail(request, pk: int):
    access = access_for(request.user)
    session = get_object_or_404(Session.objects.visible_to(access).select_related("unit"), pk=pk)
    return render(
        request, "lessons/session_detail.html", _session_context(request, access, session)
    )


@require_POST
def session_sign_in(request, pk: int):
    access = access_for(request.user)
    session = get_object_or_404(Session.objects.visible_to(access).select_related("unit"), pk=pk)
    form = SignInForm(request.POST)
    if form.is_valid() and access.member is not None:
        try:
            services.session_sign_in(
                session=session, member=access.member, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    for e in errors:
                        form.add_error(field if field in form.fields else None, e)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("You are signed in. Welcome!"))
            return redirect(session)
    elif access.member is None:
        form.add_error(None, _("Only members sign in to sessions."))
    context = _session_context(request, access, session, sign_in_form=form)
    return render(request, "lessons/session_detail.html", context, status=400)


@require_POST
def session_makeup(request, pk: int):
    access = access_for(request.user)
    if not access.is_organiser:
        raise Http404
    session = get_object_or_404(Session.objects.managed_by(access), pk=pk)
    try:
        plan = services.session_assign_makeup(session=session, by=request.user)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return redirect(reverse("lessons:session", args=[session.pk]))
    if plan is None:
        messages.warning(request, _("The session has no lessons to make up."))
    else:
        count = plan.members.count()
        messages.success(
            request,
            _("Make-up plan ready for %(count)s absent members.") % {"count": count},
        )
    return redirect(reverse("lessons:session", args=[session.pk]))
