"""Search listens to the domain events (community/events.py) and Wagtail's page signals.

Every receiver only names the records that changed; :func:`search.indexer.schedule` updates
them in the background after the commit, :func:`search.indexer.schedule_now` right after it
(whatever may have become invisible: moderation, removal, unpublishing). A review changes its own record and its product's (rating, count); an
answer changes its question's record (the question's text includes its published answers).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from community import events
from community.catalog.models import CategoryPage, ProductPage
from community.qa.models import Answer, Question
from reviews.models import Review
from search.engines.database import forget_categories
from search.indexer import schedule, schedule_now
from search.records import PRODUCT, QUESTION, REVIEW, key_for, product_related_keys


def _review_keys(review: Review) -> list[str]:
    return [key_for(REVIEW, review.pk), key_for(PRODUCT, review.product_id)]


@receiver(events.review_published, dispatch_uid="search.review_published")
@receiver(events.review_edited, dispatch_uid="search.review_edited")
def review_changed(sender, review: Review, **kwargs) -> None:
    schedule(_review_keys(review))


@receiver(events.review_removed, dispatch_uid="search.review_removed")
def review_removed(sender, review: Review, **kwargs) -> None:
    schedule_now(_review_keys(review))


@receiver(events.review_voted, dispatch_uid="search.review_voted")
def review_voted(sender, vote, previous, **kwargs) -> None:
    """Helpful votes move a review's popularity."""
    review_id = (vote or previous).review_id
    schedule([key_for(REVIEW, review_id)])


@receiver(events.purchases_recorded, dispatch_uid="search.purchases_recorded")
def purchases_recorded(sender, pairs, **kwargs) -> None:
    """Late purchases make their buyers' reviews "verified"."""
    if not pairs:
        return
    match = Q()
    for user_id, product_id in pairs:
        match |= Q(author_id=user_id, product_id=product_id)
    pks = Review.objects.filter(match).values_list("pk", flat=True)
    schedule([key_for(REVIEW, pk) for pk in pks])


@receiver(events.product_category_changed, dispatch_uid="search.product_category_changed")
def product_category_changed(sender, moves, **kwargs) -> None:
    """Products moved to another category: their records and their reviews' and questions'
    carry the category path."""
    keys: list[str] = []
    for product_id in moves:
        keys += product_related_keys(product_id)
    schedule(keys)


@receiver(events.stock_changed, dispatch_uid="search.stock_changed")
def stock_changed(sender, product: ProductPage, **kwargs) -> None:
    schedule([key_for(PRODUCT, product.pk)])


@receiver(events.content_moderated, dispatch_uid="search.content_moderated")
def content_moderated(sender, content, **kwargs) -> None:
    """Hidden, removed, approved or restored content: its record (and its parent's)."""
    if isinstance(content, Review):
        schedule_now(_review_keys(content))
    elif isinstance(content, Question):
        schedule_now([key_for(QUESTION, content.pk)])
    elif isinstance(content, Answer):
        schedule_now([key_for(QUESTION, content.question_id)])


@receiver(events.question_asked, dispatch_uid="search.question_asked")
def question_asked(sender, question: Question, **kwargs) -> None:
    schedule([key_for(QUESTION, question.pk)])


@receiver(events.question_edited, dispatch_uid="search.question_edited")
def question_edited(sender, question: Question, **kwargs) -> None:
    schedule([key_for(QUESTION, question.pk)])


@receiver(events.question_voted, dispatch_uid="search.question_voted")
def question_voted(sender, vote, previous, **kwargs) -> None:
    schedule([key_for(QUESTION, (vote or previous).question_id)])


@receiver(events.answer_posted, dispatch_uid="search.answer_posted")
@receiver(events.answer_edited, dispatch_uid="search.answer_edited")
def answer_changed(sender, answer: Answer, **kwargs) -> None:
    schedule([key_for(QUESTION, answer.question_id)])


@receiver(events.answer_accepted, dispatch_uid="search.answer_accepted")
def answer_accepted(sender, answer: Answer, **kwargs) -> None:
    schedule([key_for(QUESTION, answer.question_id)])


@receiver(page_published, dispatch_uid="search.page_published")
@receiver(page_unpublished, dispatch_uid="search.page_unpublished")
def product_page_changed(sender, instance, **kwargs) -> None:
    """A product (un)published: it, and with it its reviews and questions, enter or leave."""
    if isinstance(instance, ProductPage):
        schedule_now(product_related_keys(instance.pk))
    elif isinstance(instance, CategoryPage):
        transaction.on_commit(forget_categories)


@receiver(post_save, sender=ProductPage, dispatch_uid="search.product_saved")
def product_saved(sender, instance: ProductPage, **kwargs) -> None:
    """Any save of a product (created under a category, edited, stock or price changed)."""
    schedule([key_for(PRODUCT, instance.pk)])


@receiver(post_delete, sender=ProductPage, dispatch_uid="search.product_deleted")
def product_deleted(sender, instance: ProductPage, **kwargs) -> None:
    from search.models import SearchEntry

    keys = list(SearchEntry.objects.filter(product_id=instance.pk).values_list("key", flat=True))
    schedule_now(keys)
