"""The widgets on a sample shop page served from another origin, with a strict CSP of its own:
the script mounts the reviews block and the listing's stars in Shadow DOM, sets no cookie,
breaks no CSP rule, and axe-core finds no violation inside."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import DaphneServer, free_port
from tests.reviews.factories import published_review

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

HOST_PAGE = """<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8"><title>Магазин</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' {community}; style-src 'self' {community}; connect-src {community}; img-src 'self'">
</head><body><main><h1>Ноутбук в магазине</h1>
<p>Цена: 99 990 ₽</p>
<script src="{community}/embed/v1/embed.js" data-sku="{sku}" data-widget="reviews" async></script>
<h2>Похожие товары</h2>
<ul><li>Другой ноутбук <span data-community-widget="stars" data-sku="{other}"></span></li>
<li>Третий <span data-community-widget="stars" data-sku="{sku}"></span></li></ul>
</main><script src="axe.min.js"></script></body></html>
"""


@pytest.fixture
def shop_site(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", free_port()),
                                 functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path)))
    server.RequestHandlerClass.log_message = lambda *args: None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_the_widgets_on_a_shop_page_of_another_origin(browser, transactional_db, page_tree, shop_site, settings):
    settings.MODERATION_PREMODERATE_FIRST = 0
    root, shop_origin = shop_site
    product, other = page_tree["products"][0], page_tree["products"][1]
    published_review(product, rating=5, title="Лучший ноутбук")
    published_review(other, rating=3)
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make install-checkers)")
    (root / "axe.min.js").write_bytes(AXE.read_bytes())
    community = DaphneServer(env_extra={"SHOP_API_CORS_ORIGINS": shop_origin}).start()
    try:
        (root / "index.html").write_text(HOST_PAGE.format(community=community.url, sku=product.sku, other=other.sku),
                                         encoding="utf-8")
        context = browser.new_context(locale="ru-RU", viewport={"width": 375, "height": 800})
        page = context.new_page()
        violations: list[str] = []
        page.on("console", lambda message: violations.append(message.text)
                if "Content Security Policy" in message.text else None)
        page.goto(f"{shop_origin}/index.html")
        page.get_by_role("heading", name="Отзывы покупателей").wait_for()
        assert page.get_by_text("Лучший ноутбук").is_visible()
        stars = page.locator(f"[data-community-widget='stars'][data-sku='{other.sku}'] .cw-stars")
        stars.wait_for()
        assert stars.inner_text() == "★★★☆☆"
        # The widgets themselves break no rule of the shop's CSP (axe-core, run next, sets inline
        # styles of its own while it measures, so the check comes first).
        assert violations == []
        results = page.evaluate("async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})).violations")
        assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in results] == []
        assert context.cookies(community.url) == []
        context.close()
    finally:
        community.stop()
