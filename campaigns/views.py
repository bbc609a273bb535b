"""The appraisals on the site: campaigns, results (table, SVG chart, XLSX, print), the banner
wall and model stories. Scoring happens in the admin (campaigns.admin).

Every page fetches from a scoped queryset first (`Campaign.objects.visible_to(access)`), so
a campaign outside a person's committee is a 404. Query counts do not grow with the number
of subjects: scores, corrections and stories of a results page are three queries in all.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members import person_cache
from members.scoping import access_for

from . import caching, services
from .forms import NominationForm
from .models import Campaign, Story, StoryLike
from .results import (
    banner_wall_rows,
    page_of,
    result_of,
    results_page,
    results_table,
    xlsx_workbook,
)

RESULT_STATUSES = (Campaign.Status.REVIEW, Campaign.Status.PUBLISHED)


def campaign_list(request):
    access = access_for(request.user)
    campaigns = (
        Campaign.objects.visible_to(access)
        .select_related("scope")
        .annotate(holders=Count("results", filter=Q(results__is_banner_holder=True)))
        .order_by("-year", "-quarter", "kind")
    )
    page = Paginator(campaigns, 40).get_page(request.GET.get("page"))
    return render(request, "campaigns/list.html", {"page": page, "query": ""})


def _campaign_for(request, pk: int) -> Campaign:
    campaign = caching.campaign(pk)
    if campaign is None or not campaign.is_visible_to(access_for(request.user)):
        raise Http404
    if campaign.status not in RESULT_STATUSES:
        raise Http404  # no results before scoring is closed
    return campaign


def _page_number(raw) -> int:
    try:
        return max(int(raw), 1)
    except (TypeError, ValueError):
        return 1


def results(request, pk: int):
    """One page of the ranking; `?mine=1` jumps to the page holding the viewer's own row.
    The shared part of a published campaign's page is rendered once per version."""
    campaign = _campaign_for(request, pk)
    member = access_for(request.user).member
    here = reverse("campaigns:results", args=[campaign.pk])
    if request.GET.get("mine"):
        mine = result_of(campaign, member)
        if mine is None:
            messages.info(
                request,
                _("You are not in this ranking.")
                if campaign.kind == Campaign.Kind.MEMBERS
                else _("Your branch is not in this ranking."),
            )
            return redirect(here)
        mine.campaign = campaign
        return redirect(f"{here}?page={page_of(mine)}#result-{mine.pk}")
    number = _page_number(request.GET.get("page"))
    landed: list[int] = []

    def render_ranking() -> str:
        table = results_page(campaign, number)
        landed.append(table["page"].number)
        return render_to_string("campaigns/_ranking.html", {"campaign": campaign, **table})

    if campaign.is_published:
        key = caching.results_page_key(campaign.pk, number)
        ranking = caching.cached(key, render_ranking, keep=lambda: landed == [number])
    else:
        ranking = render_ranking()  # an organiser's preview: never shared, never stale
    find_label = None
    if member is not None:
        find_label = (
            _("Find my place") if campaign.kind == Campaign.Kind.MEMBERS else _("Find my branch")
        )
    context = {"campaign": campaign, "ranking": mark_safe(ranking), "find_label": find_label}
    return render(request, "campaigns/results.html", context)


def results_print(request, pk: int):
    campaign = _campaign_for(request, pk)
    return render(
        request, "campaigns/print.html", {"campaign": campaign, **results_table(campaign)}
    )


def results_xlsx(request, pk: int):
    campaign = _campaign_for(request, pk)
    if campaign.is_published:  # seconds of work for thousands of subjects: made once
        content = caching.cached(
            caching.results_xlsx_key(campaign.pk),
            lambda: xlsx_workbook(campaign, results_table(campaign)),
        )
    else:
        content = xlsx_workbook(campaign, results_table(campaign))
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"campaign-{campaign.year}-q{campaign.quarter}-{campaign.kind}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def banner_wall(request):
    """The wall is the same for everyone who sees the same campaigns: rendered once each."""
    access = access_for(request.user)

    def visible_ids() -> list[int]:
        campaigns = Campaign.objects.visible_to(access).published()
        return list(campaigns.values_list("pk", flat=True))

    # Which campaigns a person sees changes with their units (access) and with any campaign
    # saved (ALL_RESULTS): kept per person under both.
    ids = person_cache.cached("campaigns-wall", request.user, caching.ALL_RESULTS, visible_ids)
    wall = caching.cached(
        caching.wall_key(ids),
        lambda: render_to_string(
            "campaigns/_wall.html", {"kinds": banner_wall_rows(Campaign.objects.filter(pk__in=ids))}
        ),
    )
    return render(request, "campaigns/wall.html", {"wall": mark_safe(wall)})


# --- model stories ----------------------------------------------------------------------------
def _liked(request):
    return Exists(StoryLike.objects.filter(story=OuterRef("pk"), user=request.user))


def story_list(request):
    stories = (
        Story.objects.published()
        .select_related("member", "member__unit")
        .annotate(like_count=Count("likes"), liked=_liked(request))
        .order_by("-published_at", "-pk")
    )
    page = Paginator(stories, 20).get_page(request.GET.get("page"))
    return render(request, "campaigns/stories.html", {"page": page, "query": ""})


def _story_for(request, pk: int) -> Story:
    """Published stories for everyone; a nomination for its author and the organisers."""
    return get_object_or_404(
        Story.objects.visible_to(access_for(request.user))
        .select_related("member", "member__unit")
        .prefetch_related("photos")
        .annotate(like_count=Count("likes"), liked=_liked(request)),
        pk=pk,
    )


def story_detail(request, pk: int):
    story = _story_for(request, pk)
    return render(request, "campaigns/story.html", {"story": story})


@require_POST
def story_like(request, pk: int):
    story = _story_for(request, pk)
    if story.status != Story.Status.PUBLISHED:
        raise Http404
    services.story_like(story=story, user=request.user)
    return redirect(reverse("campaigns:story", args=[story.pk]) + "#likes")


def story_nominate(request):
    access = access_for(request.user)
    colleagues = (
        access.visible_members().active().select_related("unit").order_by("unit__path", "name")
    )
    form = NominationForm(request.POST or None, request.FILES or None, members=colleagues)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            story = services.story_nominate(
                member=data["member"],
                by=request.user,
                category=data["category"],
                title=data["title"],
                body=data["body"],
                photos=data["photos"],
            )
        except ValidationError as invalid:
            for field, errors in invalid.message_dict.items():
                for error in errors:
                    form.add_error(field, error)
        else:
            messages.success(
                request, _("Thank you: the organiser will read the story before it is published.")
            )
            return redirect("campaigns:story", pk=story.pk)
    return render(
        request, "campaigns/nominate.html", {"form": form, "no_colleagues": not colleagues.exists()}
    )
