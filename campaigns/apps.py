from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Red-banner appraisals")

    def ready(self) -> None:
        from members import hooks

        from . import caching  # noqa: F401  (connects the receivers that expire cached pages)
        from .home import member_section, unit_section

        if member_section not in hooks.member_sections:
            hooks.member_sections.append(member_section)
        if unit_section not in hooks.unit_sections:
            hooks.unit_sections.append(unit_section)
