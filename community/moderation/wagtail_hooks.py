"""The moderators' place in the Wagtail admin: the «Модерация» menu (the queue, each kind's
list, users), the dashboard panel with the counts per kind, the audit-log actions and the
author's view of decisions in their account."""

from __future__ import annotations

from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.ui.components import Component

from community.accounts.selectors import CabinetSection
from community.moderation import appeals, notifications, selectors, services, views
from community.moderation.models import Action
from community.moderation.registry import kinds

MENU_HOOK = "register_moderation_menu_item"

LOG_ACTIONS = {
    "community.moderation.dismiss": _("Moderation: reports dismissed"),
    "community.moderation.mute": _("Moderation: user muted"),
    "community.moderation.ban": _("Moderation: user banned"),
    "community.moderation.unsanction": _("Moderation: mute or ban lifted"),
    "community.moderation.ban_hide": _("Moderation: hidden with the author's ban"),
    "community.moderation.ban_restore": _("Moderation: restored when the ban was lifted"),
    "community.moderation.appeal": _("Moderation: appeal answered"),
}


@hooks.register("insert_global_admin_css")
def moderation_admin_css() -> str:
    return format_html('<link rel="stylesheet" href="{}">', static("moderation/admin.css"))


@hooks.register("register_log_actions")
def register_moderation_actions(actions):
    for action in Action:
        actions.register_action(
            f"community.moderation.{action.value}",
            _("Moderation: %(action)s") % {"action": action.label},
            _("Moderation: %(action)s") % {"action": action.label},
        )
    for name, label in LOG_ACTIONS.items():
        actions.register_action(name, label, label)


@hooks.register("register_permissions")
def register_moderation_permission():
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label="moderation", codename="moderate_content")


@hooks.register("register_admin_urls")
def moderation_admin_urls():
    return [
        path("moderation/", views.QueueView.as_view(), name="moderation_queue"),
        path("moderation/decide/", views.queue_decide, name="moderation_decide"),
        path("moderation/claim/<int:pk>/", views.queue_claim_view, name="moderation_claim"),
        path("moderation/users/<int:pk>/", views.UserModerationView.as_view(), name="moderation_user"),
        path("moderation/appeals/<int:pk>/", views.appeal_decide_view, name="moderation_appeal"),
    ]


class ModeratorMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return services.can_moderate(request.user)


@hooks.register(MENU_HOOK)
def queue_menu_item():
    return ModeratorMenuItem(_("Queue"), reverse("moderation_queue"), name="moderation-queue", icon_name="warning",
                             order=1)


@hooks.register("register_admin_menu_item")
def moderation_menu():
    """«Модерация»: the queue and every moderated kind's list (the apps' viewsets register into
    ``register_moderation_menu_item``), shown to moderators and superusers only."""
    return SubmenuMenuItem(_("Moderation"), Menu(register_hook_name=MENU_HOOK), name="moderation",
                           icon_name="warning", order=240)


class QueuePanel(Component):
    """The dashboard's «N waiting» block with the counts per kind."""

    name = "moderation_queue"
    order = 50
    template_name = "moderation/admin/dashboard_panel.html"

    def get_context_data(self, parent_context=None):
        counts = selectors.queue_counts()
        labels = {key: kind.label for key, kind in kinds().items()}
        return {"counts": [(labels[key], n) for key, n in counts.items()], "total": sum(counts.values()),
                "queue_url": reverse("moderation_queue")}


@hooks.register("construct_homepage_panels")
def add_queue_panel(request, panels) -> None:
    if services.can_moderate(request.user):
        panels.insert(0, QueuePanel())


@hooks.register("cabinet_sections")
def moderation_cabinet_section(request) -> CabinetSection | None:
    """Decisions on the user's content (with the reason and the appeal) and sanctions in force."""
    if not request.user.is_authenticated:
        return None
    decisions = selectors.decisions_for_author(user=request.user)
    in_force = selectors.sanctions_for_user(user=request.user)
    if not decisions and not in_force:
        return None
    return CabinetSection(
        key="moderation", title=_("Moderation decisions"), template="moderation/cabinet_section.html", order=90,
        context={"moderation_decisions": [(d, appeals.can_appeal(d, request.user)) for d in decisions],
                 "moderation_sanctions": in_force},
    )


@hooks.register("notification_kinds")
def moderation_notification_kinds():
    """«Решение модерации»: decisions on the author's content, sanctions and appeals (transactional)."""
    return notifications.kinds()
