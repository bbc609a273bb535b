from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    default = True
    name = "members"
    verbose_name = _("Organisation and members")

    def ready(self) -> None:
        from . import figures, recounts

        recounts.register("members", figures.recount)


class PortalAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "members.admin_site.PortalAdminSite"
