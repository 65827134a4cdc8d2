"""The support desk's data: a ticket is a chat room with a human number (``T-000123``), a
subject, a status and an assignee; ticket numbers come from a gapless counter.

The models keep the app label ``chat`` (their tables and migrations are the chat app's); they
are registered by ``chat.models``, which imports this module.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TicketStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting for customer")
    CLOSED = "closed", _("Closed")


class Ticket(models.Model):
    """A support request: a room with a number (``T-000123``), a subject, a status and an
    assignee. Only the customer or staff may close it; a closed ticket is read-only until
    either reopens it. The whole dialog is kept."""

    room = models.OneToOneField("chat.Room", on_delete=models.CASCADE, related_name="ticket", editable=False)
    number = models.PositiveIntegerField(_("number"), unique=True, editable=False)
    subject = models.CharField(_("subject"), max_length=200)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("customer"), on_delete=models.CASCADE,
                                 related_name="support_tickets")
    status = models.CharField(_("status"), max_length=16, choices=TicketStatus.choices, default=TicketStatus.OPEN,
                              db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assigned_tickets", limit_choices_to={"is_staff": True},
    )
    created = models.DateTimeField(_("created"), default=timezone.now)
    updated = models.DateTimeField(_("updated"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("closed by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    # The SLA clock: the first staff answer, and how often a closed ticket came back.
    first_response_at = models.DateTimeField(_("first answer"), null=True, blank=True, editable=False)
    first_closed_at = models.DateTimeField(_("first resolved"), null=True, blank=True, editable=False)
    reopen_count = models.PositiveIntegerField(_("reopened"), default=0, editable=False)
    tags = models.ManyToManyField("chat.TicketTag", verbose_name=_("topics"), blank=True, related_name="tickets")

    class Meta:
        app_label = "chat"
        verbose_name = _("support ticket")
        verbose_name_plural = _("support tickets")
        ordering = ["-updated"]
        indexes = [models.Index(fields=["customer", "-updated"], name="chat_ticket_customer_updated"),
                   models.Index(fields=["created"], name="chat_ticket_created")]

    def __str__(self) -> str:
        return f"{self.code} — {self.subject}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("chat:ticket", args=[self.code])

    def _code(self) -> str:
        return format_ticket_number(self.number)

    _code.short_description = _("number")  # the column heading in the admin queue
    code = property(_code)

    @property
    def is_closed(self) -> bool:
        return self.status == TicketStatus.CLOSED

    @property
    def time_to_first_answer(self):
        return self.first_response_at - self.created if self.first_response_at else None

    @property
    def time_to_resolution(self):
        return self.first_closed_at - self.created if self.first_closed_at else None


class TicketTag(models.Model):
    """A topic of support tickets («Доставка», «Возврат»…): what customers ask about most."""

    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        app_label = "chat"
        verbose_name = _("ticket topic")
        verbose_name_plural = _("ticket topics")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TicketNote(models.Model):
    """An internal note on a ticket: staff only, never shown to the customer."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True,
                               on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("note"), max_length=4000)
    created = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        app_label = "chat"
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        ordering = ["created", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class CannedReply(models.Model):
    """A ready answer staff pick when replying (edited under Snippets → «Шаблоны ответов»)."""

    title = models.CharField(_("title"), max_length=100, unique=True)
    body = models.TextField(_("text"), max_length=2000)

    class Meta:
        app_label = "chat"
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


def format_ticket_number(number: int) -> str:
    return f"T-{number:06d}"


class Counter(models.Model):
    """Gapless counters (ticket numbers), incremented with the row locked."""

    name = models.CharField(max_length=32, primary_key=True)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        app_label = "chat"
        verbose_name = _("counter")
        verbose_name_plural = _("counters")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
