"""The portal's own URLs plus /bench/baseline/, the floor every page is compared with."""

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path

from partyportal.urls import handler404, handler500
from partyportal.urls import urlpatterns as portal_urlpatterns

__all__ = ["handler404", "handler500", "urlpatterns"]


def baseline(request):
    """A bare view: the whole middleware stack (session, login, CSRF, CSP, locale), the
    logged-in user loaded, and a small template, but no query of its own."""
    return HttpResponse(render_to_string("bench/baseline.html", {"user": request.user}))


def layout(request):
    """Not a baseline but a reference: the portal's own layout (header, navigation, context
    processors) around a one-line page, the floor under every real page."""
    return render(request, "bench/layout.html")


urlpatterns = [
    path("bench/baseline/", baseline, name="bench_baseline"),
    path("bench/layout/", layout, name="bench_layout"),
    *portal_urlpatterns,
]
