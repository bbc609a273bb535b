from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = _("Sharing")

    def ready(self) -> None:
        # Connects the receivers that invalidate the home page's cached posts.
        from . import home  # noqa: F401
