"""The moderators' admin pages — the queue, the appeals in it, a user's moderation page — have
zero WCAG 2.1 A/AA violations by axe-core, signed in as the demo moderator, at 1280 px."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from community.moderation.models import Appeal, QueueItem
from tests.e2e.test_front import AXE, RUN_AXE, WCAG_TAGS, live_demo, log_in, visit  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def test_the_moderation_pages_have_zero_wcag_violations_for_the_moderator(live_demo, browser,  # noqa: F811
                                                                          daphne_server):
    assert AXE.exists(), "axe-core is missing: run `make install-checkers`"
    moderator = get_user_model().objects.get(username="moderator")
    muted = get_user_model().objects.get(username="artem")
    assert QueueItem.objects.open().exists() and Appeal.objects.filter(resolved_at__isnull=True).exists()
    pages = {
        "queue": "/admin/moderation/",
        "queue by priority": "/admin/moderation/?order=priority",
        "appeals": "/admin/moderation/?reason=appeal",
        "user (muted)": f"/admin/moderation/users/{muted.pk}/",
    }
    context = browser.new_context(base_url=daphne_server.url, locale="ru-RU", bypass_csp=True,
                                  viewport={"width": 1280, "height": 900})
    log_in(context, moderator, daphne_server)
    page = context.new_page()
    page.set_default_timeout(20_000)
    found: dict[str, list[str]] = {}
    for name, url in pages.items():
        visit(page, url)
        assert page.locator("h1").count() >= 1, name  # the moderator got the page, not the log-in form
        assert "/admin/login/" not in page.url, name
        page.add_script_tag(path=str(AXE))
        if violations := page.evaluate(RUN_AXE, WCAG_TAGS):
            found[name] = violations
    context.close()
    assert found == {}, "axe-core WCAG 2.1 A/AA violations:\n" + "\n".join(
        f"{name}:\n  " + "\n  ".join(items) for name, items in found.items())
