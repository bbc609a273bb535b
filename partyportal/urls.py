"""Root URLs: the home page, each app under its prefix, accounts, admin and media."""

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from . import media, views

# The admin's own login form has no rate limit: send it through allauth's instead.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = views.SITE_HEADER
admin.site.site_title = views.SITE_HEADER
admin.site.index_title = views.ADMIN_INDEX_TITLE

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("org/", include("members.urls")),
    path("lessons/", include("lessons.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("admin/", admin.site.urls),
    re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.+)$", media.serve, name="media"),
]

handler404 = "partyportal.views.page_not_found"
handler500 = "partyportal.views.server_error"
