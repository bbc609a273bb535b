"""`manage.py send_reminders`, meant for cron (hourly is fine): scheduled notices whose time
has come are announced, plans due within three days and sheets still to score are reminded.
Each reminder goes out once; see notices/reminders.py."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from notices.reminders import send_all


class Command(BaseCommand):
    help = "Send the reminders that are due (each one once) and announce scheduled notices."

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            counts = send_all()
        self.stdout.write(
            "notices announced to {notices} people, plan reminders {plans_due}, "
            "sheet reminders {sheets_to_score}".format(**counts)
        )
