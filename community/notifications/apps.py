from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "community.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from community.notifications import receivers  # noqa: F401  (hears the domain events)
