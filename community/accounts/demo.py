"""Demo users: an admin, a moderator, a support agent and shoppers; their purchases."""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from community.accounts.models import Profile
from community.catalog.models import Purchase
from community.demo import DEMO_PASSWORD, DemoContext
from community.moderation.apps import MODERATORS_GROUP, ensure_moderators_group

SUPPORT_GROUP = "Поддержка"

# username, display name, role
DEMO_USERS = [
    ("admin", "Администратор", "admin"),
    ("moderator", "Мария (модератор)", "moderator"),
    ("support", "Служба поддержки", "support"),
    ("anna", "Анна Смирнова", "shopper"),
    ("dmitry", "Дмитрий К.", "shopper"),
    ("olga", "Ольга", "shopper"),
    ("sergey", "Сергей Петров", "shopper"),
    ("elena", "Елена В.", "shopper"),
    ("ivan", "Иван", "shopper"),
    ("natalia", "Наталья Орлова", "shopper"),
    ("pavel", "Павел", "shopper"),
    ("ksenia", "Ксения", "shopper"),
    ("artem", "Артём Н.", "shopper"),
    ("novice", "Новичок Никита", "shopper"),
]


def seed(context: DemoContext) -> None:
    user_model = get_user_model()
    ensure_moderators_group()
    moderators = Group.objects.get(name=MODERATORS_GROUP)
    support_group, _created = Group.objects.get_or_create(name=SUPPORT_GROUP)
    support_group.permissions.add(*moderators.permissions.all())
    users = {}
    now = timezone.now()
    for index, (username, display_name, role) in enumerate(DEMO_USERS):
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = user_model.objects.create_user(
                username=username, email=f"{username}@example.ru", password=DEMO_PASSWORD,
                is_staff=role in ("admin", "support", "moderator"), is_superuser=role == "admin",
            )
            # Spread join dates so that accounts are of different ages (newcomers are young).
            joined = now - timedelta(days=2 if username == "novice" else 400 - index * 20)
            user_model.objects.filter(pk=user.pk).update(date_joined=joined)
            if role == "moderator":
                user.groups.add(moderators)
            if role == "support":
                user.groups.add(support_group)
            EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
            Profile.objects.filter(user=user).update(display_name=display_name, email_verified=True,
                                                     about="Люблю разбираться в технике." if role == "shopper" else "")
        users[username] = user
    context.shared["users"] = users
    context.shared["shoppers"] = [users[u] for u, _n, role in DEMO_USERS if role == "shopper"]

    products = context.shared.get("products", [])
    rng = context.rng
    if products and not Purchase.objects.filter(order_ref__startswith="DEMO-").exists():
        rows = []
        for shopper in context.shared["shoppers"]:
            for n, product in enumerate(rng.sample(products, min(12, len(products)))):
                rows.append(Purchase(user=shopper, product=product, order_ref=f"DEMO-{shopper.pk:04d}-{n:02d}",
                                     purchased_at=now - timedelta(days=rng.randint(5, 300))))
        Purchase.objects.bulk_create(rows, ignore_conflicts=True)
    context.log(f"accounts: {user_model.objects.count()} users, {Purchase.objects.count()} purchases "
                f"(password for every demo user: {DEMO_PASSWORD})")
