"""Widgets for the shop's own pages: a rating badge and a reviews block, as server-side HTML
fragments (``/embed/v1/<sku>/rating.html``, ``…/reviews.html``) and one small script
(``/embed/v1/embed.js``) that mounts the same fragments in Shadow DOM.

Why fragments + Shadow DOM and not an iframe (what Bazaarvoice, Yotpo and PowerReviews ship
too): the shop can include the fragment at render time, so the reviews are in its HTML for
crawlers and work without JavaScript; in the browser the block sizes itself, is one document
for screen readers and keyboard users (no framed tab order, no frame title), and sets no
cookies. Shadow DOM keeps both sides' CSS apart. The markup has no inline script or style
attribute, so the shop's Content-Security-Policy needs only our origin in ``script-src``,
``style-src`` and ``connect-src`` (``img-src`` for review photos is not used: no images).

Every fragment goes through the public API's HTTP behaviour (``community.api.http_behaviour``):
``ETag`` + ``Cache-Control``, 304, CORS for the shop's origins, per-address limits, ``?lang=``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import get_language
from django.views.decorators.http import require_GET
from wagtail import hooks

from community.api import http_behaviour, possible_sku, product_url
from community.catalog.models import ProductPage
from community.seo import absolute_url
from reviews import selectors
from reviews.models import RATINGS, ProductReviewStats

TOP_REVIEWS = 3
ASSETS = Path(__file__).resolve().parent / "static" / "reviews" / "embed"


def _product(sku: str) -> ProductPage:
    product = (ProductPage.objects.live().filter(sku=sku).select_related("review_stats").first()
               if possible_sku(sku) else None)
    if product is None:
        raise Http404
    return product


def _stats(product: ProductPage) -> ProductReviewStats:
    try:
        return product.review_stats
    except ProductReviewStats.DoesNotExist:
        return ProductReviewStats(product=product)


def star_glyphs(average: float | None) -> str:
    filled = round(average or 0)
    return "★" * filled + "☆" * (5 - filled)


def _summary(product: ProductPage) -> dict:
    stats = _stats(product)
    base = product_url(product)
    return {
        "product": product, "stats": stats, "average": stats.average, "glyphs": star_glyphs(stats.average),
        "histogram": [(r, stats.stars(r)) for r in reversed(RATINGS)],
        "product_url": base, "reviews_url": base + product.reverse_subpage("reviews"),
        "language": get_language(),
    }


def rating_fragment(product: ProductPage) -> str:
    """The badge: stars, average and count, linking to the community's reviews (no query)."""
    return render_to_string("reviews/embed/rating.html", _summary(product))


def reviews_fragment(product: ProductPage) -> str:
    """The block: the summary with its histogram, the most helpful reviews (two queries), and
    what other apps add through the ``embed_widget_sections`` hook (callables
    ``(product, product_url) -> str``, safe HTML in the widget's markup: Q&A adds its best
    answered questions), so reviews never imports them."""
    context = _summary(product)
    listing = selectors.review_page(product=product, viewer=None, filters=selectors.ReviewFilters(),
                                    stats=context["stats"])
    context["reviews"] = [(review, absolute_url(review.get_absolute_url()), star_glyphs(review.rating))
                          for review in listing.reviews[:TOP_REVIEWS]]
    context["extra_sections"] = [html for hook in hooks.get_hooks("embed_widget_sections")
                                 if (html := hook(product, context["product_url"]))]
    return render_to_string("reviews/embed/reviews.html", context)


def _fragment(html: str) -> HttpResponse:
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["X-Robots-Tag"] = "noindex"  # the canonical copy is the community's own page
    return response


@require_GET
def rating_html(request: HttpRequest, sku: str) -> HttpResponse:
    return _fragment(rating_fragment(_product(sku)))


@require_GET
def reviews_html(request: HttpRequest, sku: str) -> HttpResponse:
    return _fragment(reviews_fragment(_product(sku)))


@require_GET
def demo_shop(request: HttpRequest, sku: str) -> HttpResponse:
    """A sample page of "the shop" that embeds the widgets as a real shop would (``make run``):
    the reviews block included server-side, the badge and the listing's stars by the script."""
    product = _product(sku)
    others = list(ProductPage.objects.live().exclude(pk=product.pk).order_by("pk").values_list("sku", "title")[:6])
    return TemplateResponse(request, "reviews/embed/demo_shop.html", {
        "product": product, "reviews_block": reviews_fragment(product), "others": others,
    }, headers={"X-Robots-Tag": "noindex, nofollow"})


@lru_cache(maxsize=4)
def _asset(name: str) -> bytes:
    return (ASSETS / name).read_bytes()


@require_GET
def asset(request: HttpRequest, name: str, content_type: str) -> HttpResponse:
    return HttpResponse(_asset(name), content_type=content_type)


urlpatterns = [
    path("embed.js", http_behaviour(asset), {"name": "embed.js", "content_type": "text/javascript; charset=utf-8"},
         name="embed_js"),
    path("embed.css", http_behaviour(asset), {"name": "embed.css", "content_type": "text/css; charset=utf-8"},
         name="embed_css"),
    path("<str:sku>/rating.html", http_behaviour(rating_html), name="embed_rating"),
    path("<str:sku>/reviews.html", http_behaviour(reviews_html), name="embed_reviews"),
]
