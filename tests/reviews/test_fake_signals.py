"""Fake-review signals on planted data: near-duplicates across accounts and rating bursts from
young accounts raise queue items with evidence, idempotently, and never take anything down."""

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from community.moderation import services
from community.moderation.models import QueueItem, Status
from reviews.fake_signals import detect_fake_reviews, jaccard, minhash, shingles
from reviews.models import Review
from tests.factories import UserFactory
from tests.reviews.factories import published_review

COPY = ("Отличный ноутбук, работает быстро и тихо, экран яркий и сочный, батарея держит весь рабочий день, "
        "клавиатура удобная, доставка быстрая, продавец вежливый, всем рекомендую этот магазин")


def open_items() -> dict[int, QueueItem]:
    ct = ContentType.objects.get_for_model(Review)
    return {i.object_id: i for i in QueueItem.objects.open().filter(content_type=ct)}


def test_minhash_estimates_the_similarity_of_shingles():
    a, b = shingles(COPY), shingles(COPY.replace("вежливый", "приятный"))
    estimate = sum(x == y for x, y in zip(minhash(a), minhash(b), strict=True)) / 64
    assert abs(estimate - jaccard(a, b)) < 0.25 and jaccard(a, b) > 0.7


def test_near_duplicate_reviews_from_different_accounts_are_raised_with_evidence(page_tree):
    first = published_review(page_tree["products"][0], text=COPY)
    second = published_review(page_tree["products"][1], text=COPY.replace("вежливый", "приятный"))
    honest = published_review(page_tree["products"][2], text="Телефон неплохой, но камера слабая в темноте.")
    report = detect_fake_reviews()
    items = open_items()
    assert report.duplicate_pairs == 1 and set(items) == {first.pk, second.pk}
    evidence = items[first.pk].reasons[0]["evidence"]
    assert evidence["other_review"] == second.pk and evidence["similarity"] >= 0.7
    assert Review.objects.get(pk=first.pk).status == Status.PUBLISHED  # nothing taken down
    assert honest.pk not in items

    again = detect_fake_reviews()
    assert again.raised == 0 and len(open_items()) == 2


def test_a_dismissed_signal_does_not_come_back(page_tree, moderator):
    first = published_review(page_tree["products"][0], text=COPY)
    published_review(page_tree["products"][1], text=COPY)
    detect_fake_reviews()
    services.moderate(moderator=moderator, content=Review.objects.get(pk=first.pk), action="dismiss")
    assert first.pk not in open_items()
    call_command("detect_fake_reviews")
    assert first.pk not in open_items()
    assert Review.objects.get(pk=first.pk).status == Status.PUBLISHED


def test_a_burst_of_five_star_reviews_from_young_accounts_is_raised(page_tree):
    product = page_tree["products"][0]
    now = timezone.now()
    burst = []
    for i in range(5):
        author = UserFactory(username=f"fresh{i}", verified=True, date_joined=now - timedelta(days=2))
        burst.append(published_review(product, author=author, rating=5, text=f"Супер товар номер {i}, всем советую"))
    old = UserFactory(username="veteran", verified=True, date_joined=now - timedelta(days=400))
    veteran = published_review(product, author=old, rating=5, text="Пользуюсь год, доволен")
    report = detect_fake_reviews()
    items = open_items()
    assert report.bursts == 1 and set(items) == {r.pk for r in burst} and veteran.pk not in items
    assert "5★" in items[burst[0].pk].reasons[0]["evidence"]["summary"]


def test_a_slow_trickle_is_not_a_burst(page_tree):
    product = page_tree["products"][0]
    now = timezone.now()
    for i in range(5):
        author = UserFactory(username=f"fresh{i}", verified=True, date_joined=now - timedelta(days=2))
        review = published_review(product, author=author, rating=5, text=f"Хороший товар {i}")
        Review.objects.filter(pk=review.pk).update(created=now - timedelta(days=3 * i))
        author.date_joined = now - timedelta(days=3 * i + 1)
        author.save()
    assert detect_fake_reviews().bursts == 0


def buy(user, product, order_ref: str):
    from community.catalog.models import Purchase

    return Purchase.objects.create(user=user, product=product, purchased_at=timezone.now(), order_ref=order_ref)


def test_an_account_reviewing_many_products_it_never_bought_is_raised(page_tree):
    products = page_tree["products"]
    buyer = UserFactory(username="buyer", verified=True)
    buy(buyer, products[0], "A-1")
    reviewer = UserFactory(username="reviewer", verified=True)
    pattern = [published_review(products[i], author=reviewer, text=f"Отличный товар номер {i}, рекомендую")
               for i in range(3)]
    honest = published_review(products[0], author=buyer, text="Купил, пользуюсь, доволен")
    report = detect_fake_reviews()
    items = open_items()
    assert report.unbought_patterns == 1 and set(items) == {r.pk for r in pattern}
    assert "ни одного о купленном товаре" in items[pattern[0].pk].reasons[0]["evidence"]["summary"] or \
        "none of a product they bought" in items[pattern[0].pk].reasons[0]["evidence"]["summary"]
    assert honest.pk not in items and Review.objects.get(pk=pattern[0].pk).status == Status.PUBLISHED
    assert detect_fake_reviews().raised == 0  # idempotent


def test_no_purchase_signal_waits_for_the_shop_feed_and_spares_buyers_and_slow_writers(page_tree):
    products = page_tree["products"]
    reviewer = UserFactory(username="reviewer", verified=True)
    reviews = [published_review(products[i], author=reviewer, text=f"Хороший товар номер {i}, советую")
               for i in range(3)]
    assert detect_fake_reviews().unbought_patterns == 0  # no purchases reported at all: nobody is verified
    buy(reviewer, products[0], "A-1")
    Review.objects.filter(pk=reviews[0].pk).update(verified_purchase=True)
    assert detect_fake_reviews().unbought_patterns == 0  # one of them was bought
    Review.objects.filter(pk=reviews[0].pk).update(verified_purchase=False)
    for n, review in enumerate(reviews):
        Review.objects.filter(pk=review.pk).update(created=timezone.now() - timedelta(days=8 * n))
    assert detect_fake_reviews().unbought_patterns == 0  # one a week is no pattern
