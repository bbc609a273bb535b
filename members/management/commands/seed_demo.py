"""`manage.py seed_demo`: the demo organisation, then each app's own demo data.

Idempotent: run it as often as you like; it finds what it made before.
"""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from members.demo import DEMO_LOGINS, DEMO_PASSWORD
from members.recounts import recount_all

# Order matters: lessons and campaigns hang off the organisation.
DEMO_APPS = ("members", "lessons", "campaigns", "notices", "sharing")


class Command(BaseCommand):
    help = "Create (or complete) the demo organisation, lessons and campaigns."

    def handle(self, *args, **options):
        # The demo fires the real notifications (a plan assigned, results published); their
        # e-mails would go to made-up addresses, or fill a newcomer's console: keep them.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            self._seed()
        recount_all(fix=True)  # the demo's bulk inserts bypass the code that keeps figures
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Demo logins:"))
        for username, role in DEMO_LOGINS:
            self.stdout.write(f"  {username:<10} / {DEMO_PASSWORD}   {role}")

    def _seed(self) -> None:
        for label in DEMO_APPS:
            if not apps.is_installed(label):
                continue
            try:
                module = import_module(f"{label}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"{label}.demo":
                    raise
                continue
            module.seed(stdout=self.stdout)
