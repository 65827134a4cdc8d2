"""The main pages run under the Content-Security-Policy in a real chromium with zero
violations: every script, style, image and the chat's websocket are allowed by it."""

from __future__ import annotations

import pytest

from community.qa.models import Question
from tests.qa import factories as qa
from tests.reviews.factories import published_review

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


def visit_all(page, urls: dict[str, str]) -> list[str]:
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.add_init_script(RECORD_VIOLATIONS)
    found = []
    for name, url in urls.items():
        response = page.goto(url)
        assert response is not None and "script-src 'self'" in response.headers["content-security-policy"], name
        page.wait_for_load_state("networkidle")
        found += [f"{name}: {v}" for v in page.evaluate("window.__cspViolations")]
    return found + console


def test_main_pages_load_with_zero_csp_violations(page_tree, browser_page, daphne_server, client, shopper,
                                                  other_shopper, settings, screenshot):
    settings.MODERATION_PREMODERATE_FIRST = 0
    product = page_tree["products"][0]
    review = published_review(product, author=other_shopper)
    question = Question.objects.get(pk=qa.ask(other_shopper, product).pk)
    qa.answer(shopper, question)
    page = browser_page
    urls = {
        "home": "/", "category": page_tree["laptops"].url, "product": product.url,
        "reviews": product.url + "reviews/", "review": f"/reviews/{review.pk}/",
        "question": question.get_url(), "search": "/search/?q=ASUS", "experts": "/experts/",
        "signup": "/accounts/signup/",  # (the 404 page: the server runs with DEBUG, whose 404 is Django's)
    }
    assert visit_all(page, urls) == []

    # Signed in: the scripts that post votes, the chat socket, the cabinet.
    client.force_login(shopper)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": daphne_server.url}])
    signed_in = {"cabinet": "/cabinet/", "product": product.url, "reviews": product.url + "reviews/",
                 "question": question.get_url(), "messages": "/chat/", "new ticket": "/chat/tickets/new/"}
    assert visit_all(page, signed_in) == []
    # The page script really ran under the policy: a vote is counted in place, without a reload.
    page.goto(product.url + "reviews/")
    page.locator(f"#review-{review.pk}").get_by_role("button", name="Да").click()
    page.locator(f"#review-{review.pk}").get_by_text("1 из 1").wait_for()
    assert page.evaluate("window.__cspViolations") == []
    screenshot(page, "csp-reviews-vote")
    # The recorder is live: an injected inline handler is blocked and reported.
    page.evaluate("""document.body.insertAdjacentHTML("beforeend", '<img src="/x.png" onerror="window.__ran = 1">')""")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert "script-src-attr" in page.evaluate("window.__cspViolations")[0]
    assert page.evaluate("window.__ran") is None
