from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LessonsConfig(AppConfig):
    name = "lessons"
    verbose_name = _("Micro-classroom")

    def ready(self) -> None:
        from members import hooks, recounts

        from . import progress, receivers, rollups
        from .home import profile_section

        if profile_section not in hooks.member_sections:
            hooks.member_sections.append(profile_section)
        receivers.connect()
        recounts.register("lesson counts and study per month", rollups.recount)
        recounts.register("study plans' progress", progress.recount)
