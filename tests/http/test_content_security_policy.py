"""Every page carries a Content-Security-Policy that forbids inline script, and no public page
needs one: no inline ``<script>`` (JSON-LD is data, not script), no ``on…=`` handler, no
``javascript:`` URL. The Wagtail admin has its own, relaxed policy (community/security.py)."""

from __future__ import annotations

import html5lib
import pytest

from community.qa.models import Question
from tests.qa import factories as qa
from tests.reviews.factories import published_review

DATA_SCRIPT_TYPES = {"application/ld+json", "application/json"}


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def inline_script_problems(html: str) -> list[str]:
    document = html5lib.parse(html, namespaceHTMLElements=False)
    problems = []
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                problems.append(f"<{element.tag} {name}=…>")
            if name in ("href", "src", "action", "formaction") and value.strip().lower().startswith("javascript:"):
                problems.append(f"<{element.tag} {name}={value!r}>")
        executable = (element.get("type") or "").lower() not in DATA_SCRIPT_TYPES
        if element.tag == "script" and not element.get("src") and executable:
            problems.append(f"inline <script>: {(element.text or '')[:80]!r}")
    return problems


@pytest.fixture
def public_pages(page_tree, shopper, other_shopper, settings):
    settings.MODERATION_PREMODERATE_FIRST = 0
    product = page_tree["products"][0]
    review = published_review(product, author=other_shopper)
    question = qa.ask(other_shopper, product)
    qa.answer(shopper, question)
    question = Question.objects.get(pk=question.pk)
    return {
        "home": "/",
        "category": page_tree["laptops"].url,
        "product": product.url,
        "reviews": product.url + "reviews/",
        "review": f"/reviews/{review.pk}/",
        "questions": product.url + "questions/",
        "question (JSON-LD)": question.get_url(),
        "search": "/search/?q=ASUS",
        "profile": f"/users/{other_shopper.username}/",
        "experts": "/experts/",
        "login": "/accounts/login/",
        "signup": "/accounts/signup/",
        "404": "/no-such-page/",
    }


def assert_strict_policy(response, name: str) -> None:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{name}: no Content-Security-Policy"
    policy = directives(header)
    assert policy["script-src"] == ["'self'"], f"{name}: {header}"
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'self'"] and policy["style-src"] == ["'self'"]


def test_public_pages_have_the_policy_and_no_inline_script(client, public_pages):
    for name, url in public_pages.items():
        response = client.get(url)
        assert response.status_code in (200, 404), (name, response.status_code)
        assert_strict_policy(response, name)
        problems = inline_script_problems(response.content.decode())
        assert not problems, f"{name} ({url}): {problems}"


def test_signed_in_pages_have_the_policy_and_no_inline_script(client, public_pages, page_tree, shopper):
    client.force_login(shopper)
    product = page_tree["products"][1]
    signed_out_only = ("login", "signup")  # they redirect a signed-in user
    urls = {**{k: v for k, v in public_pages.items() if k not in signed_out_only}, "cabinet": "/cabinet/", "write a review": product.url + "reviews/write/",
            "ask": product.url + "questions/ask/", "messages": "/chat/", "new ticket": "/chat/tickets/new/"}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code in (200, 404), (name, response.status_code)
        assert_strict_policy(response, name)
        problems = inline_script_problems(response.content.decode())
        assert not problems, f"{name} ({url}): {problems}"


def test_json_ld_stays_valid_data_under_the_policy(client, public_pages):
    import json
    import re

    content = client.get(public_pages["question (JSON-LD)"]).content.decode()
    payload = re.search(r'<script type="application/ld\+json">(.*?)</script>', content, re.S).group(1)
    assert json.loads(payload)["@type"] == "QAPage"


def test_the_429_and_503_answers_carry_the_policy(client, settings, product, shopper):
    settings.RATE_LIMITS = {"review_write": (1, 60)}
    client.force_login(shopper)
    url = product.url + "reviews/write/"
    client.post(url, {"rating": "5", "text": "Нормальный текст"})
    refused = client.post(url, {"rating": "5", "text": "Нормальный текст"})
    assert refused.status_code == 429
    assert_strict_policy(refused, "429")
    assert not inline_script_problems(refused.content.decode())


def test_the_wagtail_admin_has_its_own_relaxed_policy(client, staff):
    client.force_login(staff)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    response = client.get("/admin/")
    assert response.status_code == 200
    policy = directives(response.headers["Content-Security-Policy"])
    # Wagtail's own templates use inline scripts; still nothing from other origins, no framing.
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["frame-ancestors"] == ["'self'"] and policy["object-src"] == ["'none'"]


def test_the_other_security_headers_hold(client, page_tree, shopper):
    shopper.set_password("right-password-2026")
    shopper.save()
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    login = client.get("/accounts/login/")
    assert login.cookies["csrftoken"]["samesite"] == "Lax"
    signed_in = client.post("/accounts/login/", {"login": "hamlet", "password": "right-password-2026"})
    assert signed_in.status_code == 302
    assert signed_in.cookies["sessionid"]["httponly"] is True
    assert signed_in.cookies["sessionid"]["samesite"] == "Lax"
