from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "community.moderation"
    label = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        from community.moderation import receivers  # connects the @receiver functions

        receivers.connect_content_receivers()


MODERATORS_GROUP = "Модераторы"


def ensure_moderators_group(**kwargs) -> None:
    """The "Moderators" group: admin access, the moderation permission and the pre-moderation
    rules in Wagtail settings (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=MODERATORS_GROUP)
    wanted = Permission.objects.filter(
        content_type__app_label__in=["moderation", "wagtailadmin"],
        codename__in=["moderate_content", "access_admin", "change_moderationrules"],
    )
    group.permissions.add(*wanted)
