"""Admin URL filters: a changelist (and the export built on it) accepts exactly the filters it
offers, so that no URL can ask yes/no questions about rows outside a person's scope.

The paths walked are built from the models: from every registered ModelAdmin's model, through
foreign keys, one-to-ones, many-to-manys and reverse relations, to a text field. A new model or
relation is walked without editing this file.
"""

from __future__ import annotations

import inspect
import re

import pytest
from django.contrib import admin
from django.contrib.admin import FieldListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.main import ChangeList
from django.db import models
from django.test import RequestFactory
from django.urls import reverse

from members.admin_scoping import OfferedFiltersOnly
from members.models import Member

pytestmark = pytest.mark.django_db

TEXT_FIELDS = (models.CharField, models.TextField)
HOPS = 3


def _text_field(model) -> str | None:
    return next((f.name for f in model._meta.get_fields() if isinstance(f, TEXT_FIELDS)), None)


def relation_paths(model, hops: int = HOPS) -> list[str]:
    """Lookups from `model` through 1 to `hops` relations (foreign keys, one-to-ones,
    many-to-manys and reverse relations), each ending on a text field of the model it reaches,
    e.g. "unit__parent__children__members__name__startswith"; and the model's own text fields.
    Every relation of every model reached is walked once (the first path to reach it), which
    keeps the walk to a few hundred paths per model."""
    own = _text_field(model)
    paths = [f"{own}__startswith"] if own else []
    walked: set[tuple] = set()
    frontier = [("", model)]
    for _hop in range(hops):
        reached = []
        for prefix, current in frontier:
            for field in current._meta.get_fields():
                if not field.is_relation or field.related_model is None:
                    continue
                if (current, field.name) in walked:
                    continue
                walked.add((current, field.name))
                path, target = f"{prefix}{field.name}", field.related_model
                text = _text_field(target)
                if text:
                    paths.append(f"{path}__{text}__startswith")
                reached.append((f"{path}__", target))
        frontier = reached
    return paths


def registered() -> list[tuple[str, object]]:
    return [
        (f"{model._meta.app_label}.{model._meta.model_name}", model_admin)
        for model, model_admin in admin.site._registry.items()
    ]


def changelist_url(model_admin) -> str:
    opts = model_admin.model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")


ADMINS = registered()


def refused_alike(client, url: str, paths: list[str], values: tuple[str, ...]) -> None:
    plain = client.get(url).status_code
    # A changelist the person may open refuses the filter (400); one they may not open
    # answers as it does without it. Either way, alike for every value.
    expected = 400 if plain == 200 else plain
    for path in paths:
        answers = {client.get(url, {path: value}).status_code for value in values}
        assert answers == {expected}, f"{url}?{path}= answered {answers}"


@pytest.mark.parametrize("label, model_admin", ADMINS, ids=[label for label, _ in ADMINS])
def test_secretary_cannot_filter_a_changelist_through_relations(
    org, client_for, label, model_admin
):
    paths = relation_paths(model_admin.model)
    client = client_for("secretary_a")
    url = changelist_url(model_admin)
    # Every path once; the first ones with two values, one that matches rows and one not.
    refused_alike(client, url, paths[:10], ("机关", "zzz-nothing"))
    refused_alike(client, url, paths[10:], ("机",))


@pytest.mark.parametrize("label, model_admin", ADMINS, ids=[label for label, _ in ADMINS])
def test_organiser_cannot_filter_a_changelist_through_relations(
    org, client_for, label, model_admin
):
    paths = relation_paths(model_admin.model, hops=2)
    refused_alike(client_for("organiser"), changelist_url(model_admin), paths, ("邻县",))


@pytest.mark.parametrize("persona", ["secretary_a", "organiser"])
def test_member_export_refuses_relation_paths(org, client_for, persona):
    client = client_for(persona)
    url = reverse("admin:members_member_export")
    refused_alike(client, url, relation_paths(Member), ("机关",))


@pytest.mark.parametrize(
    "query",
    [
        "id_number__startswith=130534",
        "phone__endswith=0003",
        "birth_date__year=1985",
        "birth_date__gte=1980-01-01",
        "home_address__contains=路",
        "native_place__contains=河北",
        "name__startswith=李",
        "unit__id__exact=1",
        "unit__path__startswith=0",
    ],
)
def test_local_fields_that_no_filter_offers_are_refused(org, client_for, query):
    response = client_for("secretary_a").get(f"{changelist_url_of('members.member')}?{query}")
    assert response.status_code == 400
    assert org.member_a.name not in response.text


def changelist_url_of(label: str) -> str:
    return changelist_url(dict(ADMINS)[label])


def test_the_filters_a_changelist_offers_still_work(org, client_for):
    client = client_for("organiser")
    members = changelist_url_of("members.member")
    response = client.get(members, {"unit": org.branch_a.pk, "stage__exact": "full"})
    assert response.status_code == 200
    assert org.member_a.name in response.text and org.member_b.name not in response.text
    response = client.get(members, {"gender__exact": "male", "overdue": "yes", "q": "李"})
    assert response.status_code == 200
    posts = changelist_url_of("members.post")
    assert client.get(posts, {"kind__exact": "secretary", "current": "yes"}).status_code == 200
    notices = changelist_url_of("notices.notice")
    assert client.get(notices, {"publish_at__year": "2026"}).status_code == 200
    assert client.get(notices, {"publish_at__gte": "2026-01-01"}).status_code == 400


def test_links_from_the_portal_into_changelists_work(org, client_for):
    """The home page's to-do links use the filters the changelists offer, or a parameter the
    admin declares (extra_parameters)."""
    client = client_for("organiser")
    reflections = changelist_url_of("lessons.reflection")
    query = {"is_hidden__exact": "0", "created_at__date__gte": "2026-01-01"}
    assert client.get(reflections, query).status_code == 200
    assert client.get(reflections, {"created_at__year": "2026"}).status_code == 400
    stories = changelist_url_of("campaigns.story")
    assert client.get(stories, {"status__exact": "nominated"}).status_code == 200
    members = changelist_url_of("members.member")
    assert client.get(members, {"stage__exact": "probationary"}).status_code == 200


def test_a_filter_on_a_unit_outside_scope_answers_as_an_empty_one(org, client_for):
    client = client_for("secretary_a")
    members = changelist_url_of("members.member")
    outside = client.get(members, {"unit": org.branch_b.pk})
    nowhere = client.get(members, {"unit": 999_999})
    assert outside.status_code == nowhere.status_code == 200
    assert org.member_b.name not in outside.text
    assert org.member_a.name not in outside.text


@pytest.mark.parametrize("label, model_admin", ADMINS, ids=[label for label, _ in ADMINS])
def test_every_changelist_checks_its_filters(org, label, model_admin):
    request = RequestFactory().get("/")
    request.user = org.superuser
    changelist = model_admin.get_changelist(request)
    assert issubclass(changelist, ChangeList)
    assert issubclass(changelist, OfferedFiltersOnly), label


DOCUMENTED = re.compile(r"# URL filters: (.*)")


def offered_parameters(model_admin, user) -> set[str]:
    """What the admin's list filters and date hierarchy take, as Django builds them."""
    request = RequestFactory().get("/")
    request.user = user
    model = model_admin.model
    offered = set(model_admin.extra_parameters)
    for item in model_admin.get_list_filter(request):
        if isinstance(item, type) and issubclass(item, admin.SimpleListFilter):
            offered.add(item.parameter_name)
            continue
        field_path, filter_class = (
            item if isinstance(item, tuple) else (item, FieldListFilter.create)
        )
        field = get_fields_from_path(model, field_path)[-1]
        spec = filter_class(field, request, {}, model, model_admin, field_path=field_path)
        offered.update(spec.expected_parameters())
    if model_admin.date_hierarchy:
        offered.update(f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day"))
    return offered


PORTALS = ("members", "lessons", "campaigns", "notices", "sharing")
SCOPED = [(label, a) for label, a in ADMINS if type(a).__module__.split(".")[0] in PORTALS]


@pytest.mark.parametrize("label, model_admin", SCOPED, ids=[label for label, _ in SCOPED])
def test_the_accepted_parameters_are_documented_next_to_the_filters(org, label, model_admin):
    """Each ModelAdmin says in a comment beside its list_filter which URL parameters its
    changelist accepts: `# URL filters: a, b, c` (or `none`)."""
    source = inspect.getsource(type(model_admin))
    found = DOCUMENTED.search(source)
    assert found, f"{label}: no '# URL filters:' comment"
    documented = {p.strip() for p in found.group(1).split(",") if p.strip() != "none"}
    assert documented == offered_parameters(model_admin, org.superuser), label
