"""Search records: what each indexable kind (product, review, question) puts in the index.

One function per kind builds records for a queryset in a fixed number of queries; the same
functions serve the live path (the indexer after a commit) and the rebuild (``reindex``), so
``reindex --check`` compares the index with exactly what the live path would have written.
A record is built for anything asked for; ``published`` says whether it may be in the index
(only published content of live products is: everything else is removed from it).
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from community.catalog.models import CategoryPage, ProductPage
from community.http import parse_int
from community.moderation.models import Status
from community.qa.models import Answer, Question
from reviews.models import ProductReviewStats, Review

PRODUCT, REVIEW, QUESTION = "product", "review", "question"
KINDS: dict[str, object] = {PRODUCT: _("Product"), REVIEW: _("Review"), QUESTION: _("Question")}
# Price bands of the price facet, in roubles: (upper bound exclusive or None, label).
PRICE_BANDS: list[tuple[int | None, object]] = [
    (10_000, _("under 10,000 ₽")),
    (30_000, _("10,000–30,000 ₽")),
    (60_000, _("30,000–60,000 ₽")),
    (100_000, _("60,000–100,000 ₽")),
    (None, _("over 100,000 ₽")),
]
TITLE_LENGTH = 300
BODY_LENGTH = 20_000
ANSWERS_PER_QUESTION = 50
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def key_for(kind: str, object_id: int) -> str:
    return f"{kind}:{object_id}"


def split_key(key: str) -> tuple[str, int] | None:
    kind, _sep, pk = key.partition(":")
    number = parse_int(pk)
    return (kind, number) if kind in KINDS and number is not None else None


def price_band(price: Decimal | None) -> int | None:
    if price is None:
        return None
    for index, (upper, _label) in enumerate(PRICE_BANDS):
        if upper is None or price < upper:
            return index
    return None


def plain(value: str) -> str:
    """Text of stored HTML or source for the index: tags out, entities decoded, one line."""
    return " ".join(_CONTROL.sub(" ", html.unescape(strip_tags(value or ""))).split())


@dataclass
class SearchRecord:
    """One searchable thing, as every engine stores it."""

    key: str
    kind: str
    object_id: int
    published: bool
    title: str = ""
    body: str = ""
    url: str = ""
    product_id: int | None = None
    category_id: int | None = None
    category_title: str = ""
    category_path: str = ""
    brand: str = ""
    price: Decimal | None = None
    in_stock: bool | None = None
    rating: float | None = None
    review_count: int = 0
    verified_purchase: bool | None = None
    has_accepted_answer: bool | None = None
    date: datetime | None = None
    popularity: float = 0.0

    @property
    def price_band(self) -> int | None:
        return price_band(self.price)

    @property
    def stars(self) -> int | None:
        """The rating facet value: whole stars (a 4.6 product counts as 4 and up)."""
        return int(self.rating) if self.rating is not None else None

    def fingerprint(self) -> str:
        """A digest of everything stored, to compare the index with the database."""
        values = asdict(self)
        values["price"] = str(self.price) if self.price is not None else None
        values["rating"] = round(self.rating, 4) if self.rating is not None else None
        values["popularity"] = round(self.popularity, 4)
        values["date"] = self.date.isoformat() if self.date else None
        return hashlib.md5(repr(sorted(values.items())).encode(), usedforsecurity=False).hexdigest()


# --- categories --------------------------------------------------------------------------------


def _categories_by_path(paths: Iterable[str]) -> dict[str, CategoryPage]:
    return {c.path: c for c in CategoryPage.objects.filter(path__in=set(paths)).only("pk", "path", "title", "live")}


def _parent_path(page: Page) -> str:
    return page.path[: -page.steplen]


def _category_fields(product: ProductPage, categories: dict[str, CategoryPage]) -> dict:
    category = categories.get(_parent_path(product))
    if category is None:
        return {}
    return {"category_id": category.pk, "category_title": category.title, "category_path": category.path}


# --- products ----------------------------------------------------------------------------------


def product_records(queryset: QuerySet[ProductPage]) -> list[SearchRecord]:
    """Records of products (three queries whatever their number)."""
    products = list(queryset.select_related("review_stats"))
    categories = _categories_by_path(_parent_path(p) for p in products)
    records = []
    for product in products:
        category = _category_fields(product, categories)
        try:
            stats = product.review_stats
        except ProductReviewStats.DoesNotExist:
            stats = None
        count = stats.review_count if stats else 0
        records.append(SearchRecord(
            key=key_for(PRODUCT, product.pk), kind=PRODUCT, object_id=product.pk,
            published=bool(product.live),
            title=product.title[:TITLE_LENGTH],
            body=plain(" ".join([product.brand, product.sku, category.get("category_title", ""), product.summary,
                                 product.description]))[:BODY_LENGTH],
            url=product.url or "", product_id=product.pk, **category,
            brand=product.brand, price=product.price, in_stock=product.in_stock,
            rating=round(stats.average, 2) if stats and stats.average is not None else None,
            review_count=count, date=product.first_published_at or product.latest_revision_created_at,
            popularity=float(count),
        ))
    return records


# --- reviews -----------------------------------------------------------------------------------


def review_records(queryset: QuerySet[Review]) -> list[SearchRecord]:
    """Records of reviews with their product's category (two queries)."""
    reviews = list(queryset.select_related("product"))
    categories = _categories_by_path(_parent_path(r.product) for r in reviews)
    records = []
    for review in reviews:
        product = review.product
        body = " ".join([review.text, review.pros, review.cons])
        records.append(SearchRecord(
            key=key_for(REVIEW, review.pk), kind=REVIEW, object_id=review.pk,
            published=review.status == Status.PUBLISHED and bool(product.live),
            title=plain(review.title or product.title)[:TITLE_LENGTH],
            body=plain(body)[:BODY_LENGTH],
            url=review.get_absolute_url(), product_id=product.pk, **_category_fields(product, categories),
            rating=float(review.rating), verified_purchase=review.verified_purchase,
            date=review.created, popularity=round(review.helpful_score, 4),
        ))
    return records


# --- questions ---------------------------------------------------------------------------------


def question_records(queryset: QuerySet[Question]) -> list[SearchRecord]:
    """Records of questions with their published answers (three queries)."""
    answers = Answer.objects.filter(status=Status.PUBLISHED).order_by("-score", "created", "pk").only(
        "pk", "question_id", "text")
    questions = list(queryset.select_related("product").prefetch_related(
        Prefetch("answers", queryset=answers, to_attr="published_answers")))
    categories = _categories_by_path(_parent_path(q.product) for q in questions)
    records = []
    for question in questions:
        product = question.product
        texts = [question.details] + [a.text for a in question.published_answers[:ANSWERS_PER_QUESTION]]
        records.append(SearchRecord(
            key=key_for(QUESTION, question.pk), kind=QUESTION, object_id=question.pk,
            published=question.status == Status.PUBLISHED and bool(product.live),
            title=plain(question.title)[:TITLE_LENGTH],
            body=plain(" ".join(texts))[:BODY_LENGTH],
            url=question.get_url(), product_id=product.pk, **_category_fields(product, categories),
            has_accepted_answer=question.accepted_answer_id is not None,
            date=question.published_at or question.created,
            popularity=float(question.vote_score + question.answer_count),
        ))
    return records


BUILDERS = {
    PRODUCT: (lambda: ProductPage.objects.all(), product_records),
    REVIEW: (lambda: Review.objects.all(), review_records),
    QUESTION: (lambda: Question.objects.all(), question_records),
}


def indexable(kind: str) -> QuerySet:
    """Everything of ``kind`` that belongs in the index (published, on a live product)."""
    if kind == PRODUCT:
        return ProductPage.objects.live()
    model = Review if kind == REVIEW else Question
    return model.objects.filter(status=Status.PUBLISHED, product__live=True)


def records_for_keys(keys: Iterable[str]) -> tuple[list[SearchRecord], list[str], set[int]]:
    """Fresh records for ``keys``: those to (re)index, the keys of what must go, and the
    products whose reviews these were (published or not: their mentions change)."""
    wanted: dict[str, set[int]] = {}
    for key in keys:
        parsed = split_key(key)
        if parsed:
            wanted.setdefault(parsed[0], set()).add(parsed[1])
    found: list[SearchRecord] = []
    for kind, ids in wanted.items():
        all_objects, build = BUILDERS[kind]
        found.extend(build(all_objects().filter(pk__in=ids)))
    present = {r.key for r in found if r.published}
    gone = [key_for(kind, pk) for kind, ids in wanted.items() for pk in ids if key_for(kind, pk) not in present]
    reviewed = {r.product_id for r in found if r.kind == REVIEW and r.product_id is not None}
    return [r for r in found if r.published], gone, reviewed


def iter_records(kind: str, *, chunk_size: int = 500) -> Iterator[list[SearchRecord]]:
    """Every indexable record of ``kind``, in chunks (for ``reindex``)."""
    _all, build = BUILDERS[kind]
    ids = list(indexable(kind).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), chunk_size):
        yield build(indexable(kind).filter(pk__in=ids[start:start + chunk_size]).order_by("pk"))


def product_related_keys(product_id: int) -> list[str]:
    """The product and every review and question about it (when the product itself changes)."""
    keys = [key_for(PRODUCT, product_id)]
    keys += [key_for(REVIEW, pk) for pk in Review.objects.filter(product_id=product_id).values_list("pk", flat=True)]
    keys += [key_for(QUESTION, pk) for pk in Question.objects.filter(product_id=product_id).values_list("pk", flat=True)]
    return keys
