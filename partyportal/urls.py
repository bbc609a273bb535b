"""Root URLs: the home page, each app under its prefix, accounts, admin and uploaded files."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from django.views.i18n import set_language

from . import media, search, stats, views

admin.site.site_header = views.SITE_HEADER
admin.site.site_title = views.SITE_HEADER
admin.site.index_title = views.ADMIN_INDEX_TITLE

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    # The language switch is in every page's footer, the login page's included.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("org/", include("members.urls")),
    path("lessons/", include("lessons.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("notices/", include("notices.urls")),
    path("sharing/", include("sharing.urls")),
    path("search/", search.search, name="search"),
    path("stats/", stats.dashboard, name="stats"),
    path("stats/<slug:key>.xlsx", stats.export, name="stats_export"),
    path("admin/", admin.site.urls),
    # Every uploaded file, through the object it belongs to (members.files builds these).
    path("files/<str:model>/<int:pk>/<str:field>/", media.serve, name="file"),
    path("files/<str:model>/<int:pk>/<str:field>/<int:width>/", media.serve, name="file_rendition"),
    # Links made before: the file's owner is looked up by its stored name.
    re_path(
        rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.+)$", media.serve_stored_name, name="media"
    ),
]

handler404 = "partyportal.views.page_not_found"
handler500 = "partyportal.views.server_error"
