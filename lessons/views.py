"""Pages of the micro-classroom: lessons, my study, study plans and offline sessions.

Every object is fetched from a scoped queryset (`Lesson.objects.visible_to(access)`, the
plans and sessions of a person), so one outside a person's audience or scope is a 404.
Figures come from the tables that keep them (`Lesson.learned_count` and `like_count`, the
plans' progress in lessons.progress), and lists read the few values they show, not whole
rows. Views are thin: they parse, call `services`, and render.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from members.models import Member, OrgUnit
from members.scoping import Access, access_for

from . import progress, services
from .export import progress_workbook
from .forms import CheckForm, LessonFilterForm, ReflectionForm, SignInForm
from .home import learned_by
from .models import (
    Attachment,
    Attendance,
    Lesson,
    LessonLike,
    Question,
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


def _link_maker(name: str):
    """pk -> the URL of `name` for that pk, reversed once for a whole list (reverse() per
    row was a good part of a page of fifty rows)."""
    sentinel = 987654321
    pattern = reverse(name, args=[sentinel]).replace(str(sentinel), "{}")
    return pattern.format


def _minutes(n: int) -> str:
    return ngettext("%(counter)s min", "%(counter)s min", n) % {"counter": n}


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _visible_lessons(access: Access):
    return Lesson.objects.visible_to(access)


# --- lessons ----------------------------------------------------------------------------------
@dataclass
class SearchPage:
    """A page of search results, found without counting them all: a common word (党员)
    matches most lessons, and an exact count would check every one of them. The page asks
    for one row more than it shows to know whether there is a next one."""

    number: int
    object_list: list
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def _search_page(lessons, number: str | None) -> SearchPage:
    number = int(number) if number and number.isascii() and number.isdigit() else 1
    number = max(1, min(number, 1_000))
    start = (number - 1) * LESSONS_PER_PAGE
    rows = list(lessons[start : start + LESSONS_PER_PAGE + 1])
    return SearchPage(number, rows[:LESSONS_PER_PAGE], len(rows) > LESSONS_PER_PAGE)


def lesson_list(request):
    access = access_for(request.user)
    form = LessonFilterForm(request.GET or None)
    found = _visible_lessons(access)
    searching = False
    if form.is_valid():
        found = form.filter(found)
        searching = bool(form.cleaned_data["q"].split())
    lessons = (
        found.annotate(learned=learned_by(request.user))
        .order_by("-publish_at", "-pk")
        .values(
            "pk",
            "title",
            "publish_at",
            "reading_minutes",
            "cover",
            "cover_renditions",
            "series__name",
            "learned",
        )
    )
    if searching:
        page = _search_page(lessons, request.GET.get("page"))
    else:
        paginator = Paginator(lessons, LESSONS_PER_PAGE)
        paginator.count = found.count()  # counted without the page's joins and annotations
        page = paginator.get_page(request.GET.get("page"))
    # What each row shows, made here in one pass rather than by tags in the template.
    link = _link_maker("lessons:detail")
    for lesson in page.object_list:
        # A lesson holding just the columns its cover's URL is made of (members.files).
        cover = Lesson(
            pk=lesson["pk"], cover=lesson["cover"], cover_renditions=lesson["cover_renditions"]
        )
        lesson["thumb"] = cover.cover_small
        lesson["url"] = link(lesson["pk"])
        lesson["date"] = timezone.localtime(lesson["publish_at"]).strftime("%Y-%m-%d")
        lesson["minutes"] = _minutes(lesson["reading_minutes"])
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "searching": searching,
        "query": query.urlencode(),
        "readings": Reading.objects.filter(is_active=True).values("name", "url", "description")[
            :12
        ],
    }
    return render(request, "lessons/list.html", context)


def _can_moderate(access: Access, unit_path: str) -> bool:
    """Lesson.objects.managed_by(access) for one lesson, from its unit's path."""
    return access.is_superuser or any(unit_path.startswith(u.path) for u in access.organiser_units)


def _reflections(lesson_id: int, user, can_moderate: bool) -> list[dict]:
    """The newest reflections the person may see (an organiser who keeps the lesson also the
    hidden ones, an author their own), with their like count and whether the person likes
    each: one query of values. Their links and times are made here, once per row, rather
    than by template tags (fifty rows were most of the page's time)."""
    reflections = Reflection.objects.filter(lesson_id=lesson_id)
    if not can_moderate:
        reflections = reflections.filter(Q(is_hidden=False) | Q(author=user))
    rows = list(
        reflections.annotate(
            like_count=progress.count_of(
                ReflectionLike.objects.filter(reflection=OuterRef("pk")), "reflection"
            ),
            liked=Exists(ReflectionLike.objects.filter(reflection=OuterRef("pk"), user=user)),
        )
        .order_by("-created_at", "-pk")
        .values(
            "pk",
            "text",
            "created_at",
            "is_hidden",
            "like_count",
            "liked",
            "author__member__name",
            "author__first_name",
            "author__last_name",
            "author__username",
        )[:REFLECTIONS_SHOWN]
    )
    like_link = _link_maker("lessons:reflection_like")
    hide_link = _link_maker("lessons:reflection_hide")
    for row in rows:
        # As User.get_full_name() and the profile show a person: their member name first.
        full_name = f"{row['author__first_name']} {row['author__last_name']}".strip()
        row["author_name"] = row["author__member__name"] or full_name or row["author__username"]
        row["written"] = timezone.localtime(row["created_at"]).strftime("%Y-%m-%d %H:%M")
        row["like_url"] = like_link(row["pk"])
        if can_moderate:
            row["hide_url"] = hide_link(row["pk"])
    return rows


def _readable_lesson(access: Access, user, pk: int) -> Lesson:
    """The lesson if the person may read it (else 404), with what the page shows of them:
    `liked`, whether it has questions and attachments (not asked for when it has none), and
    `my_record` (whether they opened it) and `my_completed_at`; two queries."""
    found = (
        _visible_lessons(access)
        .filter(pk=pk)
        .select_related("series")
        # The page shows neither the plain text nor the search index (several kB each).
        .defer("body_text", "search_grams")
        .annotate(
            unit_path=F("unit__path"),
            liked=Exists(LessonLike.objects.filter(lesson=OuterRef("pk"), user=user)),
            has_questions=Exists(Question.objects.filter(lesson=OuterRef("pk"))),
            has_attachments=Exists(Attachment.objects.filter(lesson=OuterRef("pk"))),
        )
        .first()
    )
    if found is None:
        raise Http404
    # The person's record: (learned at,) if they opened the lesson before, None if not.
    found.my_record = (
        StudyRecord.objects.filter(user=user, lesson=found).values_list("completed_at").first()
    )
    found.my_completed_at = found.my_record[0] if found.my_record else None
    return found


def _detail_context(request, access: Access, lesson: Lesson, reflection_form=None) -> dict:
    """The page of a readable lesson. Opening it records the first opening."""
    user = request.user
    if not lesson.my_record:
        services.study_record_open(user=user, lesson_id=lesson.pk)
    can_moderate = _can_moderate(access, lesson.unit_path)
    questions = []
    if lesson.has_questions and not lesson.my_completed_at:
        questions = list(lesson.questions.all())
    return {
        "lesson": lesson,
        "tags": list(lesson.tags.values_list("name", flat=True)),
        "attachments": list(lesson.attachments.all()) if lesson.has_attachments else [],
        "questions": questions,
        "completed_at": lesson.my_completed_at,
        "reflections": _reflections(lesson.pk, user, can_moderate),
        "can_moderate": can_moderate,
        "reflection_form": reflection_form,
        # The same hidden input in every form of the page (fifty like buttons): made once.
        "csrf_input": format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
        ),
    }


def lesson_detail(request, pk: int):
    access = access_for(request.user)
    lesson = _readable_lesson(access, request.user, pk)
    return render(request, "lessons/detail.html", _detail_context(request, access, lesson))


@require_POST
def lesson_learned(request, pk: int):
    access = access_for(request.user)
    lesson = get_object_or_404(_visible_lessons(access).only("pk"), pk=pk)
    if lesson.questions.exists():
        messages.warning(request, _("Answer the short check to mark this lesson learned."))
    else:
        services.study_record_complete(user=request.user, lesson=lesson)
        messages.success(request, _("Marked as learned."))
    return redirect(lesson)


@require_POST
def lesson_check(request, pk: int):
    access = access_for(request.user)
    lesson = get_object_or_404(_visible_lessons(access).only("pk"), pk=pk)
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
    lesson = get_object_or_404(_visible_lessons(access).only("pk"), pk=pk)
    liked, count = services.lesson_like_toggle(user=request.user, lesson=lesson)
    if _wants_json(request):
        return JsonResponse({"liked": liked, "count": count})
    return redirect(lesson.get_absolute_url() + "#like")


@require_POST
def reflection_create(request, pk: int):
    access = access_for(request.user)
    lesson = get_object_or_404(_visible_lessons(access).only("pk"), pk=pk)
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
    page_lesson = _readable_lesson(access, request.user, lesson.pk)
    context = _detail_context(request, access, page_lesson, reflection_form=form)
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
    mine = progress.my_plans(access)
    mine.sort(key=lambda plan: (plan["due_on"], plan["pk"]))  # the page lists them by date
    followed = []
    if access.is_officer:
        followed = (
            StudyPlan.objects.followed_by(access)
            .annotate(unit_name=Coalesce(NullIf("unit__short_name", Value("")), "unit__name"))
            .order_by("-due_on", "pk")
            .values("pk", "title", "due_on", "unit_name")[:50]
        )
    return render(
        request,
        "lessons/plans.html",
        {"plans": mine, "followed": followed, "today": timezone.localdate()},
    )


def plan_detail(request, pk: int):
    access = access_for(request.user)
    plan = get_object_or_404(_plans_for(access).distinct(), pk=pk)
    # Only lessons this person may open: a draft, or one addressed to another branch, is
    # neither listed (its title would leak) nor counted.
    items = list(
        plan.items.filter(lesson__in=_visible_lessons(access).values("pk"))
        .annotate(
            learned=Exists(
                StudyRecord.objects.filter(
                    user=request.user, lesson=OuterRef("lesson"), completed_at__isnull=False
                )
            )
        )
        .values("lesson_id", "lesson__title", "learned")
    )
    done = sum(1 for item in items if item["learned"])
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


# A scope with more branches than this (a province has 3,000) shows one row per unit under
# its top unit, each leading to that unit's own rows (?unit=), as the statistics do.
MAX_BRANCH_ROWS = 100


def _number(value: str | None) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() else None


def _organiser_rows(access: Access, plan: StudyPlan, total: int, unit_id: int | None):
    """(rows, the unit they are under or None): the branches of the organiser's scope (or of
    the unit asked for), or, when they are too many, the units directly under it."""
    organised = access.organised_units()
    root = None
    if unit_id is not None:
        root = get_object_or_404(organised.exclude(kind=OrgUnit.Kind.BRANCH), pk=unit_id)
        branches = OrgUnit.objects.subtree_of([root]).filter(kind=OrgUnit.Kind.BRANCH)
    else:
        branches = organised.filter(kind=OrgUnit.Kind.BRANCH)
        if len(access.organiser_units) == 1:
            root = access.organiser_units[0]
    if root is not None and branches.count() > MAX_BRANCH_ROWS:
        return progress.unit_rows(plan, root, total), root
    return progress.branch_rows(plan, branches, total), root if unit_id is not None else None


def _progress_data(access: Access, plan: StudyPlan, params) -> dict:
    total = len(progress.plan_lesson_ids(plan))
    branches_in_scope = access.managed_units().filter(kind=OrgUnit.Kind.BRANCH)
    branch_rows, within = [], None
    if access.is_organiser:
        branch_rows, within = _organiser_rows(access, plan, total, _number(params.get("unit")))
    branch = None
    branch_id = _number(params.get("branch"))
    if branch_id is not None:
        branch = get_object_or_404(branches_in_scope.only("pk", "name"), pk=branch_id)
    elif not access.is_organiser:
        branch = branches_in_scope.only("pk", "name").order_by("path").first()
    member_rows = []
    if branch is not None:
        member_rows = list(progress.member_rows(plan, OrgUnit.objects.filter(pk=branch.pk), total))
        for row in member_rows:
            row["percent"] = progress.percent(row["lesson_done"], total)
    other_branches = []
    if not access.is_organiser:
        other_branches = list(
            branches_in_scope.annotate(label=Coalesce(NullIf("short_name", Value("")), "name"))
            .order_by("path")
            .values("pk", "label")[:200]
        )
    return {
        "plan": plan,
        "total": total,
        "branch_rows": branch_rows,
        "within": within,
        "branch": branch,
        "member_rows": member_rows,
        "other_branches": other_branches,
    }


def plan_progress(request, pk: int):
    """Branch officers: per-member progress of their branch. Organisers: every branch's
    completion rate in their scope (per unit under it in a province), and any branch's
    members on request."""
    access = access_for(request.user)
    if not access.is_officer:
        raise Http404
    plan = get_object_or_404(StudyPlan.objects.followed_by(access), pk=pk)
    context = _progress_data(access, plan, request.GET)
    return render(request, "lessons/plan_progress.html", context)


def plan_export(request, pk: int):
    access = access_for(request.user)
    if not access.is_organiser:
        raise Http404
    plan = get_object_or_404(StudyPlan.objects.followed_by(access), pk=pk)
    total = len(progress.plan_lesson_ids(plan))
    branches = access.organised_units().filter(kind=OrgUnit.Kind.BRANCH)
    content = progress_workbook(
        plan,
        total,
        progress.branch_rows(plan, branches, total),
        progress.member_rows(plan, branches, total).iterator(chunk_size=5_000),
    )
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
