"""Notification fan-out and digests: seconds for one event to 10,000 and 100,000 recipients, and
the daily digest run for 10,000 users.

``python -m bench.notifications [--sizes 10000,100000] [--digest-users 10000]`` creates a
throwaway test database (SQLite file by default, PostgreSQL's ``test_…`` when ``DATABASE_URL``
points to it) and bulk users, then:

* **announce**: the receiver's part inside the cause's transaction (recipient checks, one
  ``fan_out`` task row enqueued);
* **fan-out**: the task's work (``services.fan_out_run``): bulk inserts in chunks of 1,000, the
  email task rows, the unread counters and the live ``notification`` frames (chat's receiver,
  the configured channel layer) — the same code the worker runs;
* **again**: the same announcement fanned out a second time (idempotent: nothing created);
* **digest**: ``send_digests`` for users with 3 waiting notifications each (locmem email backend).

Budget (DESIGN.md): the fan-out of one event to 10,000 recipients runs in bulk in the background.
Figures only: nothing passes or fails on time.
"""

from __future__ import annotations

import argparse
import os
import time


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _users(count: int, prefix: str) -> list[int]:
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    for start in range(0, count, 5000):
        user_model.objects.bulk_create([user_model(username=f"{prefix}{n}", email=f"{prefix}{n}@example.ru")
                                        for n in range(start, min(count, start + 5000))])
    return list(user_model.objects.filter(username__startswith=prefix).order_by("pk").values_list("pk", flat=True))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.notifications", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="recipients of one event (default 10000,100000)")
    parser.add_argument("--digest-users", type=int, default=10000)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    _setup_django()
    from allauth.account.models import EmailAddress
    from django.core import mail
    from django.db import connection, transaction
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from community.notifications import emails, services
    from community.notifications.kinds import Announcement
    from community.notifications.models import EmailStatus, Notification

    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite file"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"bench.notifications: {engine} throwaway test database, chunks of {services.CHUNK}")
        print(f"{'recipients':>11}{'step':>10}{'seconds':>9}{'per s':>10}{'created':>9}")
        actor = _users(1, "actor")[0]
        for size in sizes:
            ids = _users(size, f"r{size}-")
            announcement = Announcement(kind="qa.new_question", cause=f"question:{size}", url="/q/1/",
                                        recipient_ids=ids, actor_id=actor,
                                        params={"product": "Ноутбук", "question": "Есть ли зарядка?"})
            start = time.perf_counter()
            with transaction.atomic():
                services.announce([announcement])
            elapsed = time.perf_counter() - start
            task = DBTaskResult.objects.filter(task_path__endswith="fan_out").order_by("-enqueued_at").first()
            print(f"{size:>11}{'announce':>10}{elapsed:>9.2f}{size / elapsed:>10.0f}{0:>9}")
            data, recipients = task.args_kwargs["args"]
            for step in ("fan-out", "again"):
                start = time.perf_counter()
                created = services.fan_out_run(data, recipients)
                elapsed = time.perf_counter() - start
                print(f"{size:>11}{step:>10}{elapsed:>9.2f}{size / elapsed:>10.0f}{created:>9}")
            DBTaskResult.objects.all().delete()

        users = _users(args.digest_users, "digest")
        EmailAddress.objects.bulk_create([EmailAddress(user_id=pk, email=f"digest{n}@example.ru", verified=True,
                                                       primary=True) for n, pk in enumerate(users)], batch_size=5000)
        now = timezone.now()
        Notification.objects.bulk_create([
            Notification(recipient_id=pk, kind="qa.new_question", url=f"/q/{n}/", key=f"bench:{pk}:{n}",
                         params={"product": "Ноутбук", "question": f"Вопрос {n}"}, created=now,
                         email_status=EmailStatus.DIGEST)
            for pk in users for n in range(3)], batch_size=5000)
        mail.outbox = []
        for run in ("digest", "again"):
            start = time.perf_counter()
            figures = emails.send_digests(period="daily")
            elapsed = time.perf_counter() - start
            print(f"{len(users):>11}{run:>10}{elapsed:>9.2f}{len(users) / elapsed:>10.0f}{figures['sent']:>9}"
                  f"  (emails in the outbox: {len(mail.outbox)})")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
