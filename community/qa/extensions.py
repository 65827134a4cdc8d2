"""Extension points of Q&A for apps that come later (Experts, notifications).

Q&A never imports those apps; they register Wagtail hooks that these functions consult:

``qa_question_recipients``
    callables ``(question) -> Iterable[User]``: more people to tell about a new question. The
    experts app adds the Experts of the product's top-level category here; the product's
    verified buyers are always included (Amazon's "ask owners").
``qa_author_badges``
    callables ``(users: list[User], category: CategoryPage | None) -> dict[user_id, list[AuthorBadge]]``
    called once per page with every author on it (so the hook can run a fixed number of
    queries). The level and Expert badges need no hook: the one author component
    (``{% author %}``) shows them from the profile.

``qa_similar_questions``
    callables ``(*, product_id, text, limit, exclude_id) -> list[int] | None``: the ids of
    published questions about the product like ``text``, best first, or None to leave it to
    the next hook. The search app answers through its engine (word forms, ё, both languages);
    without a hook Q&A falls back to comparing crude title stems.

Whether an author's links are followed is not a hook: ``community.accounts.trust.links_followed``
decides it for Q&A as for reviews and chat.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from wagtail import hooks

from community.catalog.models import CategoryPage


@dataclass(frozen=True)
class AuthorBadge:
    """A label beside an author's name: «Магазин», «Купил(а) этот товар», the Expert badge."""

    key: str
    label: str
    css_class: str = ""
    title: str = ""


def question_recipients(question) -> list:
    """Who is told about a new ``question``: the product's verified buyers, then hook additions.

    The asker and inactive accounts are never included; each user appears once, in a stable
    order (buyers by id, then what the hooks add).
    """
    user_model = get_user_model()
    buyers = list(
        user_model.objects.filter(purchases__product_id=question.product_id, is_active=True)
        .exclude(pk=question.author_id)
        .distinct()
        .order_by("pk")
    )
    seen = {user.pk for user in buyers}
    recipients = list(buyers)
    for hook in hooks.get_hooks("qa_question_recipients"):
        for user in hook(question) or ():
            if user.pk not in seen and user.pk != question.author_id and user.is_active:
                seen.add(user.pk)
                recipients.append(user)
    return recipients


def extra_author_badges(*, users: Iterable, product) -> dict[int, list[AuthorBadge]]:
    """Badges other apps add (the Expert badge), by user id; empty until such an app registers.

    The hooks receive the product's top-level category (Expert status is per category).
    """
    users = list(users)
    result: dict[int, list[AuthorBadge]] = {}
    registered = hooks.get_hooks("qa_author_badges")
    if not users or not registered:
        return result
    category: CategoryPage | None = product.top_category if product.top_category_id else None
    for hook in registered:
        for user_id, badges in (hook(users, category) or {}).items():
            result.setdefault(user_id, []).extend(badges)
    return result



def similar_question_ids(*, product_id: int, text: str, limit: int, exclude_id: int | None) -> list[int] | None:
    """The first answer of a ``qa_similar_questions`` hook, or None when no hook answers."""
    for hook in hooks.get_hooks("qa_similar_questions"):
        found = hook(product_id=product_id, text=text, limit=limit, exclude_id=exclude_id)
        if found is not None:
            return list(found)
    return None
