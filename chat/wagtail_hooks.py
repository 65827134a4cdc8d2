"""The chat's places on the site: the product discussion, the "Написать" button on profiles and
the audit-log actions in the admin. The support desk's (the account's tickets, the admin queue)
are in ``chat.support.wagtail_hooks``, loaded from here (Wagtail reads one hooks module per app)."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from chat import notifications, seo, views
from chat.models import Block, Message
from chat.panels import script_strings
from chat.support import wagtail_hooks as support_hooks  # noqa: F401  (registers its hooks)
from chat.unread import unread_count, unread_counter
from community.accounts.selectors import CabinetSection
from community.catalog import home
from community.catalog.models import HomeSection, ProductSection
from community.layout import AssetBundle, HeaderItem, NavLink
from community.moderation.registry import ContentKind
from community.moderation.viewsets import ModeratedContentViewSet


@hooks.register("page_assets")
def chat_assets() -> AssetBundle:
    return AssetBundle(name="chat", css=("css/chat.css",), js=("js/chat.js",), templates=("chat/",))


@hooks.register("header_items")
def messages_link(request) -> HeaderItem | None:
    """«Сообщения» with the live unread count (cached: no query on most pages); its script keeps
    the count live, so the chat bundle comes with it."""
    if not request.user.is_authenticated:
        return None
    return HeaderItem(key="messages", template="chat/header_link.html", order=10,
                      context={"signed_in": True, "unread": unread_count(request.user.pk)},
                      assets=("chat",))


@hooks.register("notification_kinds")
def chat_notification_kinds():
    return notifications.kinds()


@hooks.register("notification_recipient_filters")
def blocked_recipients(actor_id: int, recipient_ids) -> list[int]:
    """Who blocked the actor hears nothing about what the actor did."""
    return list(Block.objects.filter(blocked_id=actor_id, blocker_id__in=recipient_ids)
                .values_list("blocker_id", flat=True))


@hooks.register("product_page_sections")
def product_discussion(request, page) -> ProductSection:
    panel = views.product_section_panel(request, page)
    return ProductSection(key="chat", title=_("Discussion"), template="chat/product_section.html", order=40,
                          context={"chat_panel": panel, "chat_strings": script_strings()}, assets=("chat",))


hooks.register("user_counters", unread_counter)


@hooks.register("product_viewer_state")
def chat_viewer_state(user) -> dict:
    """Until when the viewer is muted in the product's discussion (None: not muted)."""
    from django.db.models import OuterRef, Subquery

    from chat.models import Membership, RoomKind

    rows = Membership.objects.filter(user_id=user.pk, room__kind=RoomKind.PRODUCT, room__product_id=OuterRef("pk"))
    return {"chat_muted_until": Subquery(rows.values("muted_until")[:1])}


@hooks.register("site_nav_items")
def discussions_nav_link(request) -> NavLink:
    from django.urls import reverse

    return NavLink(key="discussions", label=_("Discussions"), url=reverse("chat:discussions"), order=20)


@hooks.register("home_page_sections")
def discussions_home_section(request, page) -> HomeSection | None:
    """The liveliest product discussions of the week (one query, cached briefly)."""
    from django.urls import reverse

    from chat import selectors

    rooms = home.cached_items("live-discussions", selectors.liveliest_product_rooms)
    if not rooms:
        return None
    return HomeSection(key="live-discussions", title=_("Lively discussions"), template="chat/home_section.html",
                       items=rooms, order=40, link=reverse("chat:discussions"), link_text=_("All discussions"))


# The product page's conditional GETs track the discussion too (community/catalog/seo.py).
seo.product_discussion_version.covers = (product_discussion,)
hooks.register("product_page_version", seo.product_discussion_version)


@hooks.register("product_page_routes")
def product_discussion_routes():
    return [path("chat/", views.product_chat, name="chat")]


@hooks.register("profile_sections")
def profile_write_button(request, user) -> CabinetSection | None:
    """ "Написать" on a public profile (and block / unblock)."""
    viewer = request.user
    if viewer.is_authenticated and viewer.pk == user.pk:
        return None
    blocked_by_me = viewer.is_authenticated and Block.objects.filter(blocker=viewer, blocked=user).exists()
    return CabinetSection(key="actions", title=_("Write"), template="chat/profile_actions.html", order=10,
                          context={"chat_blocked_by_me": blocked_by_me}, assets=("chat",))


class MessageViewSet(ModeratedContentViewSet):
    """Chat lines under «Модерация»: reported ones, hidden ones, anyone's history."""

    model = Message
    icon = "comment"
    menu_label = _("Chat messages")
    menu_order = 30
    list_display = ["body", "author", "room", "status", "flag_count", "created"]
    list_filter = ["deleted"]
    search_fields = ["body"]
    search_backend_name = None
    ordering = ["-id"]
    inspect_view_fields = ["room", "author", "body", "created", "edited_at", "deleted"]

    def get_queryset(self, request):
        return Message.objects.select_related("author__profile", "room")


register_snippet(MessageViewSet)


@hooks.register("moderation_kinds")
def chat_moderation_kinds() -> list[ContentKind]:
    """Chat lines (reported ones reach the queue; they are published at once)."""
    return [ContentKind(key="chat_message", model=Message, label=_("Chat message"), product_path="room__product",
                        excerpt=lambda m: m.body, admin_url_name="wagtailsnippets_chat_message:inspect")]


@hooks.register("register_log_actions")
def register_chat_log_actions(actions):
    actions.register_action("chat.mute", _("Chat: mute"), _("Muted in a chat room"))
    actions.register_action("chat.unmute", _("Chat: unmute"), _("Unmuted in a chat room"))
