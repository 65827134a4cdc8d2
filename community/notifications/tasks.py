"""Background work of notifications: large fan-outs and email (never in a request)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import TaskContext, task

from community.background import RETRY_DELAYS, TRANSIENT_ERRORS, retried_on_transient_errors
from community.notifications import emails, services
from community.notifications.models import EmailStatus, Notification

logger = logging.getLogger(__name__)


@task(takes_context=True)
def fan_out(context: TaskContext, announcement: dict, recipient_ids: list[int], attempt: int = 1) -> int | None:
    """Notify many recipients in chunks of 1,000 (bulk inserts; idempotent by key, so a retry
    after a crash creates only what is missing)."""
    with retried_on_transient_errors(context, attempt=attempt, args=(announcement, recipient_ids)):
        return services.fan_out_run(announcement, recipient_ids)
    return None


@task(takes_context=True)
def send_immediate_emails(context: TaskContext, notification_ids: list[int], attempt: int = 1) -> int | None:
    """Email each notification waiting for an immediate email (once: the row records it). An
    SMTP failure is retried with the house delays (5 s … 10 min); after the last one the
    notifications still waiting are marked failed (staff see them in the admin)."""
    with retried_on_transient_errors(context, attempt=attempt, args=(notification_ids,)):
        try:
            return emails.send_immediate(notification_ids)
        except TRANSIENT_ERRORS:
            raise
        except Exception as error:
            if attempt > len(RETRY_DELAYS):
                Notification.objects.filter(pk__in=notification_ids, email_status=EmailStatus.PENDING).update(
                    email_status=EmailStatus.FAILED)
                raise
            delay = RETRY_DELAYS[attempt - 1]
            context.task_result.task.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
                notification_ids, attempt=attempt + 1)
            logger.warning("notification email failed (%s); attempt %d in %d s", error, attempt + 1, delay)
    return None


@task(takes_context=True)
def send_waiting_list_confirmation(context: TaskContext, entry_id: int, attempt: int = 1) -> bool | None:
    from community.notifications.follows import send_confirmation

    with retried_on_transient_errors(context, attempt=attempt, args=(entry_id,)):
        return send_confirmation(entry_id)
    return None


@task(takes_context=True)
def back_in_stock(context: TaskContext, product_id: int, attempt: int = 1) -> int | None:
    """Tell the product's waiting list (enqueued by the stock feed's transaction)."""
    from community.notifications.follows import waiting_list_notify

    with retried_on_transient_errors(context, attempt=attempt, args=(product_id,)):
        return waiting_list_notify(product_id)
    return None
