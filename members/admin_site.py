"""The portal's admin site: open to whoever keeps records, decided by posts, not by flags.

Django's admin normally asks for `is_staff` and per-model permissions. Here the right to keep
records comes from a person's current posts (see `members.scoping`), so the admin asks the
same question as the site: a branch officer or organiser may enter, and each ModelAdmin
narrows what they see to their scope.
"""

from django.contrib import admin

from .scoping import access_for


class PortalAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        return user.is_superuser or access_for(user).is_officer
