"""Chat: rooms (product discussions, direct conversations, the Experts' lounge, support
tickets — their ``Ticket`` model lives in ``chat.support.models``), memberships, blocks and
messages.

Messages are written to the database before they are broadcast and get increasing ids; the
database, not the channel layer, is the source of truth. ``Room.last_message_id`` is updated
with the room row locked, so within a room ids are committed in increasing order and every
broadcast can name its predecessor (``prev``): a gap in that chain is a message the channel
layer dropped, and it is refilled from the database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.moderation.models import ModeratedContent, Status

MESSAGE_MAX_LENGTH = 2_000


class RoomKind(models.TextChoices):
    PRODUCT = "product", _("Product discussion")
    DIRECT = "direct", _("Direct conversation")
    LOUNGE = "lounge", _("Experts' lounge")
    TICKET = "ticket", _("Support ticket")


class Room(models.Model):
    """A place where messages are posted. Product rooms are created with their first message."""

    kind = models.CharField(_("kind"), max_length=16, choices=RoomKind.choices, db_index=True)
    product = models.ForeignKey(
        "catalog.ProductPage", verbose_name=_("product"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )
    # "<smaller user id>:<larger user id>" for direct conversations: one room per pair.
    direct_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    created = models.DateTimeField(_("created"), default=timezone.now)
    last_message_id = models.PositiveBigIntegerField(default=0, editable=False)
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("chat room")
        verbose_name_plural = _("chat rooms")
        constraints = [
            models.UniqueConstraint(fields=["product"], condition=Q(kind="product"), name="chat_room_one_per_product"),
            models.UniqueConstraint(fields=["kind"], condition=Q(kind="lounge"), name="chat_room_one_lounge"),
            models.CheckConstraint(
                condition=(Q(kind="product") & Q(product__isnull=False)) | (~Q(kind="product") & Q(product__isnull=True)),
                name="chat_room_product_iff_product_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def key(self) -> str:
        """The room's name in websocket frames (see ``chat.rooms``)."""
        from chat.rooms import room_key

        return room_key(self)


class Membership(models.Model):
    """A user's place in a room: what they have read, and whether they are muted there."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="chat_memberships")
    room = models.ForeignKey(Room, verbose_name=_("room"), on_delete=models.CASCADE, related_name="memberships")
    last_read_id = models.PositiveBigIntegerField(_("last read message"), default=0)
    muted_until = models.DateTimeField(_("muted until"), null=True, blank=True)
    joined = models.DateTimeField(_("joined"), default=timezone.now)

    class Meta:
        verbose_name = _("room membership")
        verbose_name_plural = _("room memberships")
        constraints = [models.UniqueConstraint(fields=["user", "room"], name="chat_membership_once")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.room}"

    def is_muted(self, now=None) -> bool:
        return bool(self.muted_until and self.muted_until > (now or timezone.now()))


class Block(models.Model):
    """``blocker`` does not want to hear from ``blocked``: no direct messages either way."""

    blocker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_blocks_made")
    blocked = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_blocks_received")
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="chat_block_once"),
            models.CheckConstraint(condition=~Q(blocker=models.F("blocked")), name="chat_block_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker} ⊘ {self.blocked}"


class Message(ModeratedContent):
    """A chat message. Published at once; moderators may hide it; its author may edit it for a
    while and delete it. ``client_id`` makes a resend idempotent: one message per
    (author, client_id)."""

    # Chat is live: messages are published at once (moderators hide them afterwards).
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PUBLISHED, db_index=True
    )
    room = models.ForeignKey(Room, verbose_name=_("room"), on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.CASCADE,
                               related_name="chat_messages")
    body = models.TextField(_("text"), max_length=MESSAGE_MAX_LENGTH)
    body_html = models.TextField(editable=False)
    client_id = models.CharField(max_length=64, blank=True, default="", editable=False)
    created = models.DateTimeField(_("sent"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    deleted = models.BooleanField(_("deleted by the author"), default=False)

    SANITIZED_FIELDS = {"body": "body_html"}
    # Not in Wagtail's reference index ("usage" of pages, images, snippets): a chat line refers
    # only to its room and people, and indexing it enqueued a background task for every line sent.
    wagtail_reference_index_ignore = True
    # Chat lines do not make an author trusted: they do not count toward lifting pre-moderation.
    counts_toward_trust = False

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["author", "client_id"], condition=~Q(client_id=""),
                                    name="chat_message_client_id_once"),
        ]
        indexes = [
            models.Index(fields=["room", "id"], name="chat_message_room_id"),
            models.Index(fields=["author", "created"], name="chat_message_author_created"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}: {self.body[:60]}"

    def moderation_title(self) -> str:
        return self.body[:120]

    def follow_links(self) -> bool:
        """Experts' links are followed (``rel="ugc"``); everyone else's keep ``nofollow``."""
        from community.accounts.trust import links_followed

        return links_followed(self.author)

    @classmethod
    def sanitize_source(cls, source: str, *, follow_links: bool = False) -> str:
        """The HTML for ``source`` (chat text is one paragraph; used on write and by resanitize)."""
        from community.text import sanitize_inline

        return sanitize_inline(source, max_length=10**7, follow_links=follow_links).html

    @property
    def is_visible(self) -> bool:
        return self.status == Status.PUBLISHED and not self.deleted


# The support desk's models live in their own part of chat; importing them here registers them
# with the app (label "chat", tables unchanged).
from chat.support import models as _support_models  # noqa: E402,F401
