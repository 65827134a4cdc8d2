"""The product page's fast paths give what the slow ones give: the version and the viewer's state
read by SQL compiled once per process (``seo.prepared_row``) equal the ORM's rows, and the cards
rendered once per version (``page_cache.shared_fragments``) change when their content does."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail import hooks

from chat import services as chat_services
from community import seo
from community.catalog import page_cache
from community.catalog.models import ProductPage
from reviews import services as review_services
from tests.experts import factories as people

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_premoderation(settings):
    settings.MODERATION_PREMODERATE_FIRST = 0


def orm_version_row(product):
    from community.catalog.seo import gallery_version

    contributors = [gallery_version, *hooks.get_hooks("product_page_version")]
    expressions = {f"section_{n}_{name}": expression for n, hook in enumerate(contributors)
                   for name, expression in hook().items()}
    return (ProductPage.objects.filter(url_path=product.url_path, live=True).annotate(**expressions)
            .values_list("pk", "title", "last_published_at", "price", "currency", "stock_status",
                         "stock_quantity", *expressions).first())


def test_the_prepared_version_row_equals_the_orm_row_with_its_types(product):
    from community.catalog.seo import product_version

    review = people.review(people.person("rosalind"), product)
    review_services.review_vote(voter=people.person("orlando"), review=review, helpful=True)
    people.answer(people.person("sebastian"), people.question(people.person("viola"), product))
    chat_services.message_post(author=people.person("feste"), room=chat_services.product_room_for(product),
                               body="Кто брал, как батарея?")
    row, last_modified = product_version(None, page_url_path=product.url_path)
    assert row == orm_version_row(product)
    assert last_modified is not None and last_modified.tzinfo is not None  # datetimes converted on SQLite too
    assert product_version(None, page_url_path="/no/such/page/") is None


def test_prepared_rows_replace_every_occurrence_and_refuse_a_value_that_is_not_a_parameter(product):
    def build(pk, other_pk):
        return ProductPage.objects.filter(pk=pk).exclude(pk=other_pk).exclude(pk=other_pk).values_list("pk", "title")

    assert seo.prepared_row(("test-two-values",), build, product.pk, product.pk + 1) == (product.pk, product.title)
    assert seo.prepared_row(("test-two-values",), build, product.pk, product.pk) is None  # the exclusion applies
    with CaptureQueriesContext(connection) as queries:
        seo.prepared_row(("test-two-values",), build, product.pk, 0)
    assert len(queries) == 1
    with pytest.raises(ValueError, match="parameter"):
        seo.prepared_row(("test-constant",), lambda pk: ProductPage.objects.filter(pk=1).values_list("pk"), 5)


@pytest.mark.parametrize("with_version", [True, False], ids=["read with the version", "read alone"])
def test_the_viewer_state_follows_the_viewer(rf, product, settings, with_version):
    from community.notifications.follows import product_follow
    from reviews import selectors as review_selectors
    from reviews.models import ReviewVote

    if not with_version:
        settings.PRODUCT_PAGE_CACHE_SECONDS = 0  # no version read: the state has its own query
    reader, other = people.person("olivia"), people.person("malvolio")
    review = people.review(reader, product, title="Мой отзыв")
    product_follow(user=other, product=product)
    review_services.review_vote(voter=other, review=review, helpful=False)

    def state_of(user):
        request = rf.get(product.url)
        request.user = user
        with CaptureQueriesContext(connection) as queries:
            state = page_cache.viewer_state(request, product)
        assert len(queries) == 1
        return state

    mine, theirs = state_of(reader), state_of(other)
    assert mine["reviews_own"] == review.pk and mine["notify_following"] is False
    assert (mine["reviews_own_status"], mine["reviews_own_title"]) == ("published", "Мой отзыв")
    assert theirs["reviews_own"] is None and theirs["notify_following"] is True
    assert mine["chat_muted_until"] is None and theirs["qa_own_pending"] is False
    # The votes come as the rows they are, types included (the vote's lock reads its time).
    assert review_selectors.viewer_votes(mine, [review], viewer=reader) == []
    assert review_selectors.viewer_votes(theirs, [], viewer=other) == []  # only the votes on the reviews shown
    [vote] = review_selectors.viewer_votes(theirs, [review], viewer=other)
    stored = ReviewVote.objects.get(voter=other, review=review)
    assert (vote.pk, vote.review_id, vote.voter_id, vote.helpful, vote.created) == \
        (stored.pk, stored.review_id, stored.voter_id, False, stored.created)
    # The own-review panel is built from the state when the review is not pending (no query).
    with CaptureQueriesContext(connection) as queries:
        own = review_selectors.own_review(viewer=reader, product=product, known=mine)
    assert len(queries) == 0 and own.pk == review.pk and own.is_published and own.rating == review.rating


def test_a_cached_card_changes_with_its_content_and_speaks_the_viewers_language(client, product):
    author, reader, chatter = people.person("rosalind"), people.person("orlando"), people.person("feste")
    review = people.review(author, product, title="Тихий и лёгкий")
    room = chat_services.product_room_for(product)
    message = chat_services.message_post(author=chatter, room=room, body="Батарея держит весь день")
    client.force_login(reader)
    page = client.get(product.url).content.decode()
    assert "Тихий и лёгкий" in page and "Батарея держит весь день" in page

    review_services.review_update(editor=author, review=review, rating=4, title="Тихий, лёгкий, но маркий",
                                  text=review.text)
    chat_services.message_edit(author=chatter, message=message, body="Батарея держит два дня")
    page = client.get(product.url).content.decode()
    assert "Тихий, лёгкий, но маркий" in page and "Тихий и лёгкий" not in page
    assert "Батарея держит два дня" in page and "(изменено)" in page

    client.cookies["lang"] = "en"
    english = client.get(product.url).content.decode()
    assert "(edited)" in english and "(изменено)" not in english


def test_the_shared_ask_form_carries_each_viewers_own_csrf_token_and_language(product):
    import re

    from django.test import Client

    from community.qa.models import Question

    def ask_form(client) -> tuple[str, str, str]:
        page = client.get(product.url).content.decode()
        form = re.search(r'<form method="post" action="([^"]+)" class="stack-form qa-ask-form".*?</form>', page, re.S)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(0)).group(1)
        return form.group(1), token, form.group(0)

    viola, sebastian = people.person("viola"), people.person("sebastian")
    clients = []
    for person in (viola, sebastian):
        client = Client(enforce_csrf_checks=True)
        client.force_login(person)
        clients.append(client)
    (action, viola_token, russian), (_same, sebastian_token, _form) = ask_form(clients[0]), ask_form(clients[1])
    assert viola_token != sebastian_token and "csrf-stand-in" not in russian
    assert "Ваш вопрос" in russian

    # Each token is the viewer's own: the form posts with it, and another viewer's is refused.
    refused = clients[1].post(action, {"title": "Сколько весит?", "csrfmiddlewaretoken": viola_token})
    assert refused.status_code == 403
    asked = clients[0].post(action, {"title": "Сколько весит без подставки?", "similar_checked": "1",
                                     "csrfmiddlewaretoken": viola_token})
    assert asked.status_code == 302
    assert Question.objects.filter(author=viola, title="Сколько весит без подставки?").exists()

    clients[1].cookies["lang"] = "en"
    _action, _token, english = ask_form(clients[1])
    assert "Your question" in english and "Ваш вопрос" not in english


def test_the_cached_structured_data_follows_the_reviews_and_a_moderators_list(client, product):
    import json
    import re

    from tests.factories import UserFactory

    def markup(c) -> dict:
        page = c.get(product.url).content.decode()
        blocks = [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)]
        return next(b for b in blocks if b.get("@type") == "Product")

    author = people.person("rosalind")
    review = people.review(author, product, title="Тихий и лёгкий")
    client.force_login(people.person("orlando"))
    assert [r["name"] for r in markup(client)["review"]] == ["Тихий и лёгкий"]
    review_services.review_update(editor=author, review=review, rating=2, title="Шумный", text=review.text)
    data = markup(client)
    assert [r["name"] for r in data["review"]] == ["Шумный"] and data["aggregateRating"]["ratingValue"] == 2.0

    moderator = UserFactory(username="moderator-ld", is_staff=True, is_superuser=True)
    client.force_login(moderator)
    assert [r["name"] for r in markup(client)["review"]] == ["Шумный"]
