from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    default = True
    name = "members"
    verbose_name = _("Organisation and members")

    def ready(self) -> None:
        # Connects the receivers that invalidate the cached member counts, access and cards.
        from . import counts, home, scoping  # noqa: F401


class PortalAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "members.admin_site.PortalAdminSite"
