from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExpertsConfig(AppConfig):
    name = "experts"
    verbose_name = _("Reputation and Experts")

    def ready(self) -> None:
        from experts import receivers  # noqa: F401  (connects the domain-event receivers)
