"""The product and question pages within their query budgets (≤ 10, DESIGN.md §4, issue 17)
whatever the amount of content, anonymous and signed in, warm and cold; and the caches behind
that never show stale content nor one visitor's state to another."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chat import services as chat_services
from chat.models import Membership
from community.notifications import services as notification_services
from community.qa import services as qa_services
from reviews import services as review_services
from tests.chat import factories as chat_factories
from tests.qa import factories as qa_factories
from tests.reviews import factories as review_factories

BUDGET = 10


@pytest.fixture(autouse=True)
def _published_at_once(settings):
    settings.MODERATION_PREMODERATE_FIRST = 0


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _involve(viewer, product, reviews) -> None:
    """Everything the signed-in viewer's own state on the page can hold: votes on the shown
    reviews, their own review, a follow, a discussion membership, an unread notification."""
    from community.notifications.models import ProductFollow

    for review in reviews[:3]:
        review_services.review_vote(voter=viewer, review=review, helpful=True)
    review_factories.write_review(viewer, product, rating=4)
    ProductFollow.objects.get_or_create(user=viewer, product=product)
    room = chat_services.product_room_for(product)
    Membership.objects.get_or_create(user=viewer, room=room)


@pytest.mark.parametrize("size", ["small", "large"])
def test_the_product_page_runs_at_most_10_queries_anonymous_and_signed_in_warm_and_cold(
        client, product, shopper, size, settings, django_assert_max_num_queries):
    reviews, questions, messages = (3, 3, 6) if size == "small" else (200, 50, 120)
    made = review_factories.bulk_reviews(product, reviews)
    authors = qa_factories.bulk_users(max(questions, 3), prefix="budget")
    qa_factories.bulk_questions(product, authors, questions)
    chat_factories.messages(chat_services.product_room_for(product), authors, messages)
    _involve(shopper, product, sorted(made, key=lambda r: -r.helpful_score))
    member = signed_in(shopper)
    for who, c in (("anonymous", client), ("signed in", member)):
        c.get(product.url)  # warm
        with django_assert_max_num_queries(BUDGET if who == "signed in" else 1):  # anonymous: the version
            assert c.get(product.url).status_code == 200
        cache.clear()  # cold: sessions, permissions, site roots, the page's parts, the header's counters
        # Cold too (issue 17). Anonymous: the site (with the root paths and the home page), the
        # version, the route (with the rating aggregates and the words buyers mention), the top
        # questions with their best answers, the first reviews (with their photos), the
        # discussion. Signed in: the session and the user (with whether they have any permission
        # and the header's counters) instead of the version alone: the version with the viewer's
        # state (own review, votes, follow, mute).
        with django_assert_max_num_queries(BUDGET):
            assert c.get(product.url).status_code == 200
        # Warm, without the whole anonymous page cached: the parts come from the cache.
        settings.VERSIONED_PAGE_CACHE_SECONDS = 0
        c.get(product.url)
        with django_assert_max_num_queries(BUDGET):
            assert c.get(product.url).status_code == 200
        settings.VERSIONED_PAGE_CACHE_SECONDS = 600
    page = member.get(product.url).content.decode()
    assert page.count('aria-pressed="true"') >= 3, "the viewer's own votes are shown"
    assert 'class="own-review panel"' in page, "and their own review"


def test_a_main_image_costs_no_query_and_a_gallery_one_with_a_cold_cache(product, shopper):
    # The main image's rendition comes with the route's query; the gallery's rows with their
    # images and their renditions (a JSON column) in one.
    from community.catalog.models import ProductGalleryImage
    from tests.catalog.test_pages import _image

    member = signed_in(shopper)

    def cold() -> tuple[int, str]:
        member.get(product.url)  # renditions made, if new
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = member.get(product.url)
        return len(captured), response.content.decode()

    plain, _html = cold()
    product.main_image = _image("main")
    product.save_revision().publish()
    with_image, html = cold()
    assert with_image == plain and 'class="product-main-image"' in html
    rendition = product.main_image.get_rendition("max-800x600|format-webp")
    assert rendition.url in html
    for n in range(3):
        ProductGalleryImage.objects.create(product=product, image=_image(f"gallery-{n}"), sort_order=n)
    with_gallery, html = cold()
    assert with_gallery == plain + 1 and html.count('loading="lazy"') >= 3
    for row in ProductGalleryImage.objects.filter(product=product).select_related("image"):
        assert row.image.get_rendition("fill-96x96|format-webp").url in html


def test_the_worst_case_product_page_runs_at_most_10_queries_cold(client, product, shopper):
    """Everything a product page can show at once, with a cold cache: 200 reviews, 50 questions,
    120 messages, the viewer's own state, a gallery, an Expert of the category with a review
    here, and the words buyers mention (stored: never computed by the request)."""
    from django.utils import timezone

    from community.catalog.models import ProductGalleryImage
    from experts.models import ExpertStatus, Override
    from search.models import ProductMentions
    from tests.catalog.test_pages import _image

    made = review_factories.bulk_reviews(product, 200)
    authors = qa_factories.bulk_users(50, prefix="budget")
    qa_factories.bulk_questions(product, authors, 50)
    chat_factories.messages(chat_services.product_room_for(product), authors, 120)
    _involve(shopper, product, sorted(made, key=lambda r: -r.helpful_score))
    ExpertStatus.objects.create(user=made[0].author, category=product.top_category, is_expert=True,
                                override=Override.GRANT, override_reason="инженер сервиса")
    for n in range(3):
        ProductGalleryImage.objects.create(product=product, image=_image(f"gallery-{n}"), sort_order=n)
    ProductMentions.objects.create(product=product, words=[["экран", 12], ["батарея", 7]], computed_at=timezone.now())
    for c in (client, signed_in(shopper)):
        c.get(product.url)  # renditions made
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            html = c.get(product.url).content.decode()
        assert len(captured) <= BUDGET, "\n".join(q["sql"][:120] for q in captured.captured_queries)
        assert 'id="expert_reviews"' in html and "экран (12)" in html and html.count('loading="lazy"') >= 3


def test_the_question_page_runs_at_most_10_queries_signed_in_with_a_cold_cache(
        client, product, shopper, other_shopper, django_assert_max_num_queries):
    question = qa_factories.ask(other_shopper, product)
    answers = qa_factories.bulk_answers(question, qa_factories.bulk_users(40, prefix="answerer"))
    qa_services.answer_vote(voter=shopper, answer=answers[0], value=1)
    notification_services.invalidate_unread([shopper.pk])
    url = question.get_url()
    for c in (client, signed_in(shopper)):
        c.get(url)
        with django_assert_max_num_queries(BUDGET):
            assert c.get(url).status_code == 200
        cache.clear()
        with django_assert_max_num_queries(BUDGET):
            assert c.get(url).status_code == 200


def test_the_header_counts_unread_notifications_and_messages_in_one_query_when_cold(
        rf, shopper, django_assert_num_queries):
    from community import layout

    request = rf.get("/")
    request.user = shopper
    cache.clear()
    with django_assert_num_queries(1):
        items = layout.header_items(request)
    assert {item.key for item in items} >= {"notifications", "messages"}
    assert {item.context["unread"] for item in items if item.key in ("notifications", "messages")} == {0}


# --- what the caches must never do --------------------------------------------------------------

def test_an_anonymous_visitor_sees_a_new_review_vote_answer_and_message_on_the_next_request(
        client, product, shopper, other_shopper):
    question = qa_factories.ask(other_shopper, product, title="Есть ли подсветка клавиатуры?")
    review = review_factories.published_review(product, author=other_shopper, title="Первый отзыв")
    assert "Первый отзыв" in client.get(product.url).content.decode()
    assert queries(client, product.url) == 1  # from the cache

    review_factories.published_review(product, author=shopper, title="Второй отзыв")
    assert "Второй отзыв" in client.get(product.url).content.decode()

    voter = qa_factories.user("voter")
    review_services.review_vote(voter=voter, review=review, helpful=True)
    page = client.get(product.url).content.decode()
    assert re.search(rf'id="review-{review.pk}".*?data-count="helpful">1<', page, re.S)

    qa_factories.answer(shopper, question, text="Да, белая, в три уровня яркости.")
    assert "в три уровня яркости" in client.get(product.url).content.decode()

    chat_services.message_post(author=voter, room=chat_services.product_room_for(product),
                               body="Кто брал в рассрочку?", rate_limited=False)
    assert "Кто брал в рассрочку?" in client.get(product.url).content.decode()


def test_a_signed_in_shopper_sees_a_new_vote_and_answer_on_the_next_request(product, shopper, other_shopper):
    question = qa_factories.ask(other_shopper, product, title="Сколько весит блок питания?")
    review = review_factories.published_review(product, author=other_shopper)
    reader = signed_in(shopper)
    reader.get(product.url)
    review_services.review_vote(voter=qa_factories.user("voter"), review=review, helpful=False)
    qa_factories.answer(qa_factories.user("answerer"), question, text="Около трёхсот граммов.")
    page = reader.get(product.url).content.decode()
    assert re.search(rf'id="review-{review.pk}".*?data-count="unhelpful">1<', page, re.S)
    assert "Около трёхсот граммов." in page


def _vote_buttons(page: str, review_pk: int) -> str:
    return re.search(rf'id="review-{review_pk}".*?</form>', page, re.S).group(0)


def test_one_shoppers_vote_is_never_shown_to_another_or_to_anonymous_visitors(client, product, shopper, other_shopper):
    review = review_factories.published_review(product)
    first, second = signed_in(shopper), signed_in(other_shopper)
    for c in (client, first, second):
        c.get(product.url)  # everyone's view is cached before the vote
    review_services.review_vote(voter=shopper, review=review, helpful=True)
    mine = _vote_buttons(first.get(product.url).content.decode(), review.pk)
    assert 'value="withdraw" aria-pressed="true"' in mine
    for c in (second, client, second, client):  # and again, from the caches
        theirs = _vote_buttons(c.get(product.url).content.decode(), review.pk)
        assert 'aria-pressed="true"' not in theirs and 'value="withdraw"' not in theirs


def test_an_authors_pending_question_is_shown_to_them_only(product, shopper, other_shopper, settings):
    settings.MODERATION_PREMODERATE_FIRST = 5
    qa_factories.ask(other_shopper, product, title="Виден ли всем этот вопрос?")
    newcomer = qa_factories.user("fresh")
    watcher = signed_in(shopper)
    watcher.get(product.url)  # caches the Q&A block as everyone sees it
    pending = qa_factories.ask(newcomer, product, title="Ждёт ли мой вопрос проверки?")
    assert pending.status == "pending"
    assert "Ждёт ли мой вопрос проверки?" in signed_in(newcomer).get(product.url).content.decode()
    assert "Ждёт ли мой вопрос проверки?" not in watcher.get(product.url).content.decode()


def test_a_page_from_the_cache_carries_each_visitors_own_valid_csrf_token(product):
    review = review_factories.published_review(product)
    Client().get(product.url)  # renders and caches the anonymous page
    visitor = Client(enforce_csrf_checks=True)
    with CaptureQueriesContext(connection) as captured:
        page = visitor.get(product.url).content.decode()
    assert len(captured) == 1  # served from the cache
    assert "\x00" not in page
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page))
    assert tokens, "the page has forms"
    other = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', Client().get(product.url).content.decode()))
    assert not tokens & other
    # The token is accepted with the cookie this visitor got (an anonymous vote asks to log in).
    response = visitor.post(reverse("reviews:vote", args=[review.pk]), {"vote": "helpful", "csrfmiddlewaretoken": tokens.pop()})
    assert response.status_code != 403


def test_a_moderator_still_sees_pending_reviews_on_a_cached_page(client, product, moderator, settings):
    review_factories.published_review(product, title="Опубликованный")
    client.get(product.url)
    settings.MODERATION_PREMODERATE_FIRST = 5
    pending = review_factories.write_review(qa_factories.user("fresh"), product, title="На проверке у модератора")
    assert pending.status == "pending"
    assert "На проверке у модератора" in signed_in(moderator).get(product.url).content.decode()
    assert "На проверке у модератора" not in client.get(product.url).content.decode()


def test_the_own_review_panel_shows_each_state_from_the_viewers_state_and_a_pending_review_in_full(
        product, moderator, settings):
    from community.moderation.services import moderate

    settings.MODERATION_PREMODERATE_FIRST = 5
    author = qa_factories.user("newcomer")
    review = review_factories.write_review(author, product, title="Жду проверки", text="Клавиатура мягкая, "
                                           "экран яркий, батареи хватает на рабочий день без подзарядки.")
    assert review.status == "pending"
    reader = signed_in(author)
    page = reader.get(product.url).content.decode()
    assert "Ваш отзыв на модерации" in page
    assert f'id="review-{review.pk}"' in page and "батареи хватает" in page  # the whole card
    moderate(moderator=moderator, content=review, action="reject", reason="Слишком коротко о главном")
    page = reader.get(product.url).content.decode()
    assert "Слишком коротко о главном" in page and "батареи хватает" not in page
    moderate(moderator=moderator, content=review, action="approve")
    page = reader.get(product.url).content.decode()
    assert re.search(r'class="own-review panel".*?Жду проверки</a>', page, re.S)
