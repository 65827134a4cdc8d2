from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QAConfig(AppConfig):
    name = "community.qa"
    label = "qa"
    verbose_name = _("Questions and answers")
