"""Every kind of page, rendered with demo content signed out and signed in, is valid HTML
according to the W3C Nu checker, and its headings never skip a level."""

from __future__ import annotations

import re

import html5lib
import pytest

from community.catalog.models import CategoryPage, ProductPage
from community.catalog.selectors import CATEGORY_PAGE_SIZE
from community.moderation.models import Status
from community.qa.models import Question
from reviews.models import Review
from tests import factories
from tests.seo import vnu

HEADING = re.compile(r"h([1-6])")


def heading_skips(html: str) -> list[str]:
    """Each heading deeper than the previous one by more than one level (h1 → h3)."""
    document = html5lib.parse(html, namespaceHTMLElements=True)
    skips, previous = [], 0
    for element in document.iter():
        tag = element.tag.rpartition("}")[2]
        if (match := HEADING.fullmatch(tag)) is None:
            continue
        level = int(match.group(1))
        if level > previous + 1:
            text = "".join(element.itertext()).strip()[:60]
            skips.append(f"h{previous} → h{level} ({text!r})")
        previous = level
    return skips


def _public_urls() -> dict[str, str]:
    review = (Review.objects.filter(status=Status.PUBLISHED, product__questions__status=Status.PUBLISHED)
              .select_related("product").order_by("pk").first())
    product: ProductPage = review.product
    question = Question.objects.published().filter(product=product, answer_count__gt=0).first()
    # A category with a second page of products (the demo catalog is small: fill one up).
    category = CategoryPage.objects.get(pk=product.get_parent().pk)
    for _n in range(CATEGORY_PAGE_SIZE + 1):
        factories.product(category)
    return {
        "home": "/",
        "category": category.url,
        "category page 2": f"{category.url}?page=2",
        "product": product.url,
        "reviews list": f"{product.url}reviews/",
        "review": f"/reviews/{review.pk}/",
        "questions list": f"{product.url}questions/",
        "question": question.get_url(),
        "search": "/search/?q=" + product.title.split()[0],
        "profile": f"/users/{review.author.username}/",
        "experts": "/experts/",
        "community": "/community/",
        "discussions": "/chat/discussions/",
        "product chat": f"{product.url}chat/",
        # The sample shop page with the widgets' server-side include (reviews/embed.py).
        "demo shop": f"/demo-shop/{product.sku}/",
    }


def _unreviewed_product_url(user) -> str:
    reviewed = Review.objects.filter(author=user).values_list("product_id", flat=True)
    return ProductPage.objects.live().exclude(pk__in=reviewed).order_by("pk").first().url


def test_every_page_kind_is_valid_html_signed_out_and_signed_in(demo, client, tmp_path):
    reason = vnu.missing_reason()
    if reason and not vnu.required():
        pytest.skip(reason)
    assert reason is None, f"REQUIRE_BROWSER=1 but the HTML checker cannot run: {reason}"

    urls = _public_urls()
    pages: dict[str, str] = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        pages[f"{name} (signed out)"] = response.content.decode()

    client.force_login(demo["anna"])
    tickets = client.get("/chat/tickets/").content.decode()
    ticket_url = re.search(r'href="(/chat/tickets/T-\d+/)"', tickets).group(1)
    signed_in = {**urls, "cabinet": "/cabinet/", "conversations": "/chat/", "tickets": "/chat/tickets/",
                 "ticket": ticket_url, "new ticket": "/chat/tickets/new/",
                 "write a review": _unreviewed_product_url(demo["anna"]) + "reviews/write/",
                 "notifications": "/notifications/", "notification settings": "/notifications/settings/",
                 "my data": "/cabinet/privacy/"}
    for name, url in signed_in.items():
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        pages[f"{name} (signed in)"] = response.content.decode()
    # The owner's view of a private profile (the personal account's «Публичный профиль» off).
    from community.accounts import services as account_services

    account_services.profile_set_public(user=demo["anna"], public=False)
    response = client.get("/users/anna/")
    assert response.status_code == 200 and "ProfilePage" not in response.content.decode()
    pages["own private profile (signed in)"] = response.content.decode()
    # The account of an author with a moderator's decision and an appeal (the demo's elena).
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="elena"))
    cabinet = client.get("/cabinet/").content.decode()
    assert "moderation-decisions" in cabinet
    pages["cabinet with moderation decisions"] = cabinet

    skips = {name: found for name, html in pages.items() if (found := heading_skips(html))}
    assert skips == {}, f"headings that skip a level: {skips}"
    errors = vnu.check_pages(pages, tmp_path)
    assert errors == {}, "W3C Nu checker errors:\n" + "\n".join(
        f"{name}:\n  " + "\n  ".join(found[:10]) for name, found in errors.items())
