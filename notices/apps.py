from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("Notices and notifications")

    def ready(self) -> None:
        from campaigns import signals as campaign_signals
        from lessons import signals as lesson_signals
        from members import signals as member_signals

        from . import receivers

        # dispatch_uid: connected once even if ready() runs again (tests, autoreload).
        for signal, receiver in (
            (lesson_signals.plan_assigned, receivers.on_plan_assigned),
            (campaign_signals.sheet_returned, receivers.on_sheet_returned),
            (campaign_signals.results_published, receivers.on_results_published),
            (campaign_signals.story_approved, receivers.on_story_approved),
            (member_signals.help_request_updated, receivers.on_help_request_updated),
        ):
            signal.connect(receiver, dispatch_uid=f"notices.{receiver.__name__}")
