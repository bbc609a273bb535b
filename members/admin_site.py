"""The portal's admin site: open to whoever keeps records, decided by posts, not by flags.

Django's admin normally asks for `is_staff` and per-model permissions. Here the right to keep
records comes from a person's current posts (see `members.scoping`), so the admin asks the
same question as the site: a branch officer or organiser may enter, and each ModelAdmin
narrows what they see to their scope.
"""

from allauth.account.decorators import secure_admin_login
from allauth.account.utils import get_next_redirect_url
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from .scoping import access_for


class PortalAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        return user.is_superuser or access_for(user).is_officer

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        # The admin's own login form has no rate limit, so it is never used: the anonymous go
        # to allauth's (rate-limited) login; allauth's own wrapper asks for is_staff, which
        # officers here do not need, so those the admin lets in are sent straight in.
        if request.user.is_authenticated:
            if self.has_permission(request):
                return redirect(get_next_redirect_url(request) or "admin:index")
            raise PermissionDenied
        return secure_admin_login(super().login)(request, extra_context)
