from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Red-banner appraisals")

    def ready(self) -> None:
        from members import hooks, recounts

        from .home import member_section, unit_section
        from .summaries import recount

        if member_section not in hooks.member_sections:
            hooks.member_sections.append(member_section)
        if unit_section not in hooks.unit_sections:
            hooks.unit_sections.append(unit_section)
        recounts.register("appraisals", recount)
