from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QAConfig(AppConfig):
    name = "community.qa"
    label = "qa"
    verbose_name = _("Questions and answers")

    def ready(self) -> None:
        from community.qa import receivers  # noqa: F401  (connects the moderation receivers)
