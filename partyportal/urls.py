"""Root URLs: the home page, each app under its prefix, accounts, admin and media."""

from allauth.account.decorators import secure_admin_login
from allauth.account.utils import get_next_redirect_url
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import include, path, re_path
from django.views.i18n import set_language

from . import media, views

# The admin's own login form has no rate limit: send it through allauth's instead.
_allauth_admin_login = secure_admin_login(admin.site.login)


def _admin_login(request, extra_context=None):
    # allauth's wrapper asks for is_staff, but the portal's admin is open to officers by their
    # posts (members.admin_site): send them in, refuse other logged-in users, and send the
    # anonymous to allauth's login, so that the admin's own unlimited form is never used.
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return redirect(get_next_redirect_url(request) or "admin:index")
        raise PermissionDenied
    return _allauth_admin_login(request, extra_context)


admin.site.login = _admin_login
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
    path("admin/", admin.site.urls),
    re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.+)$", media.serve, name="media"),
]

handler404 = "partyportal.views.page_not_found"
handler500 = "partyportal.views.server_error"
