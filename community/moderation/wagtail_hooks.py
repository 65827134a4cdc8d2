"""Audit-log actions for moderation, so Wagtail's log shows who did what and why."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from community.moderation.models import Action


@hooks.register("register_log_actions")
def register_moderation_actions(actions):
    for action in Action:
        actions.register_action(
            f"community.moderation.{action.value}",
            _("Moderation: %(action)s") % {"action": action.label},
            _("Moderation: %(action)s") % {"action": action.label},
        )


@hooks.register("register_permissions")
def register_moderation_permission():
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label="moderation", codename="moderate_content")
