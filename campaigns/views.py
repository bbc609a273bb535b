"""The appraisals on the site: campaigns, results (table, SVG chart, XLSX, print), the banner
wall and model stories. Scoring happens in the admin (campaigns.admin).

Every page fetches from a scoped queryset first (`Campaign.objects.visible_to(access)`), so
a campaign outside a person's committee is a 404. Query counts do not grow with the number
of subjects: scores, corrections and stories of a results page are three queries in all.
Nothing is cached: the ranking reads one page of results by its index, the banner wall one
page of campaigns and their kept banners (campaigns.summaries).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.scoping import access_for

from . import services
from .forms import NominationForm
from .models import Banner, Campaign, Story, StoryLike
from .results import (
    WALL_CAMPAIGNS,
    banner_wall_rows,
    page_of,
    result_of,
    results_page,
    results_table,
    xlsx_workbook,
)

RESULT_STATUSES = (Campaign.Status.REVIEW, Campaign.Status.PUBLISHED)


def _holder_count():
    """Banners held, counted from the kept banners of each listed campaign only."""
    return Coalesce(
        Subquery(
            Banner.objects.filter(campaign=OuterRef("pk"))
            .order_by()
            .values("campaign")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def campaign_list(request):
    access = access_for(request.user)
    campaigns = (
        Campaign.objects.visible_to(access)
        .select_related("scope")
        .annotate(holder_count=_holder_count())
        .order_by("-year", "-quarter", "kind")
    )
    page = Paginator(campaigns, 40).get_page(request.GET.get("page"))
    return render(request, "campaigns/list.html", {"page": page, "query": ""})


def _campaign_for(access, pk: int) -> Campaign:
    """A campaign the person may see whose results exist (none before scoring is closed)."""
    return get_object_or_404(
        Campaign.objects.visible_to(access)
        .filter(status__in=RESULT_STATUSES)
        .select_related("scope"),
        pk=pk,
    )


def _page_number(raw) -> int:
    try:
        return max(int(raw), 1)
    except (TypeError, ValueError):
        return 1


def results(request, pk: int):
    """One page of the ranking; `?mine=1` jumps to the page holding the viewer's own row."""
    access = access_for(request.user)
    campaign = _campaign_for(access, pk)
    member = access.member
    if request.GET.get("mine"):
        here = reverse("campaigns:results", args=[campaign.pk])
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
    find_label = None
    if member is not None:
        find_label = (
            _("Find my place") if campaign.kind == Campaign.Kind.MEMBERS else _("Find my branch")
        )
    context = {
        "campaign": campaign,
        "find_label": find_label,
        **results_page(campaign, _page_number(request.GET.get("page"))),
    }
    return render(request, "campaigns/results.html", context)


def results_print(request, pk: int):
    campaign = _campaign_for(access_for(request.user), pk)
    return render(
        request, "campaigns/print.html", {"campaign": campaign, **results_table(campaign)}
    )


def results_xlsx(request, pk: int):
    campaign = _campaign_for(access_for(request.user), pk)
    response = HttpResponse(
        xlsx_workbook(campaign, results_table(campaign, draw=False)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"campaign-{campaign.year}-q{campaign.quarter}-{campaign.kind}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def banner_wall(request):
    """The banners of the campaigns a person sees, newest quarter first, a page of
    campaigns at a time (a province holds thousands), with each holder's streak."""
    campaigns = (
        Campaign.objects.visible_to(access_for(request.user))
        .published()
        .only("pk", "kind", "year", "quarter", "title")
        .order_by("-year", "-quarter", "kind", "pk")
    )
    page = Paginator(campaigns, WALL_CAMPAIGNS).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/wall.html",
        {"page": page, "kinds": banner_wall_rows(list(page.object_list)), "query": ""},
    )


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
