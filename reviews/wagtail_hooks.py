"""Reviews on product pages (sections and sub-URLs), audit-log actions and the admin."""

from __future__ import annotations

import django_filters
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from community import seo as core_seo
from community.catalog.models import ProductPage, ProductSection
from community.layout import AssetBundle
from community.moderation.viewsets import InspectPanel, ModeratedContentViewSet, ModerationFilterSet
from reviews import selectors, seo, sitemaps, views
from reviews.models import RATINGS, ProductReviewStats, Review, ReviewPhoto


def _stats(request: HttpRequest, page: ProductPage) -> ProductReviewStats:
    """The product's stats, read once per request (both sections need them)."""
    cache = request.__dict__.setdefault("_reviews_stats", {})
    if page.pk not in cache:
        cache[page.pk] = selectors.product_stats(page)
    return cache[page.pk]


@hooks.register("product_page_sections")
def rating_summary_section(request: HttpRequest, page: ProductPage) -> ProductSection:
    """Average (one decimal) and count in the product's top info box, linking to the reviews."""
    return ProductSection(
        key="summary", title=_("Rating"), template="reviews/section_summary.html", order=0,
        context={"reviews_stats": _stats(request, page), "reviews_url": views.reviews_url(page, request),
                 "reviews_write_url": views.write_url(page, request)},
        assets=("reviews",),
    )


@hooks.register("product_page_sections")
def reviews_section(request: HttpRequest, page: ProductPage) -> ProductSection:
    """The rating summary with its histogram, the viewer's own review and the first 10 reviews."""
    stats = _stats(request, page)
    listing = selectors.review_page(product=page, viewer=request.user, filters=selectors.ReviewFilters(),
                                    page_number=1, stats=stats)
    return ProductSection(
        key="reviews", title=_("Reviews"), template="reviews/section_reviews.html", order=20,
        context={
            "reviews_listing": listing,
            "reviews_own": selectors.own_review(viewer=request.user, product=page),
            "reviews_sort_options": [(key, label) for key, (label, _order) in selectors.SORTS.items()],
        },
        assets=("reviews",),
    )


@hooks.register("product_card_queryset")
def cards_with_rating(queryset):
    """Product cards load the stored rating aggregates in the same query (a join)."""
    return queryset.select_related("review_stats")


@hooks.register("product_card_details")
def card_rating(product: ProductPage) -> str:
    """«★ 4,5 · 12 отзывов» on a product card, or «Нет отзывов»; from the joined aggregates only
    (a card whose query did not join them shows nothing rather than costing a query)."""
    if "review_stats" not in product._state.fields_cache:
        return ""
    stats = product._state.fields_cache["review_stats"]
    return render_to_string("reviews/product_card_rating.html", {"stats": stats if stats and stats.review_count else None})


@hooks.register("page_assets")
def reviews_assets() -> AssetBundle:
    """Reviews' styles and script: on its own pages and wherever its sections are shown."""
    return AssetBundle(name="reviews", css=("css/reviews.css",), js=("js/reviews.js",), templates=("reviews/",))


@hooks.register("product_jsonld")
def product_rating_markup(request: HttpRequest, page: ProductPage, context: dict) -> dict:
    """``aggregateRating`` and the reviews the product page lists (its reviews section)."""
    listing = context.get("reviews_listing")
    return seo.product_markup(stats=context.get("reviews_stats"), reviews=listing.reviews if listing else [])


hooks.register("product_sitemap_lastmod", sitemaps.product_reviews_changed)
# ETag / Last-Modified on review lists (community/seo.py).
core_seo.register_route_version(seo.REVIEW_LIST_ROUTE, seo.review_list_version)
hooks.register("profile_sitemap_lastmod", sitemaps.author_reviews_changed)


# The product page's conditional GETs track both reviews sections (community/catalog/seo.py).
seo.product_reviews_version.covers = (rating_summary_section, reviews_section)
hooks.register("product_page_version", seo.product_reviews_version)


@hooks.register("product_page_routes")
def review_routes() -> list:
    return [
        path("reviews/", views.product_reviews, name="reviews"),
        path("reviews/write/", views.review_write, name="review_write"),
    ]


@hooks.register("register_log_actions")
def register_review_log_actions(actions) -> None:
    actions.register_action("reviews.reply", _("Shop reply"), _("The shop replied to the review"))


# --- the admin: moderators list, inspect and moderate reviews and single photos ------------------


class ReviewFilterSet(ModerationFilterSet):
    """Status and "flagged" (from the base) plus rating, product and verified purchase."""

    rating = django_filters.ChoiceFilter(label=_("Rating"), choices=[(r, str(r)) for r in RATINGS])
    product = django_filters.ModelChoiceFilter(label=_("Product"), queryset=ProductPage.objects.order_by("title"))
    verified_purchase = django_filters.BooleanFilter(label=_("Verified purchase"))

    class Meta:
        model = Review
        fields = ["status", "rating", "product", "verified_purchase"]


class ReviewViewSet(ModeratedContentViewSet):
    model = Review
    icon = "comment"
    menu_label = _("Reviews")
    filterset_class = ReviewFilterSet
    list_display = ["__str__", "product", "author", "rating", "status", "flag_count", "created"]
    search_fields = ["title", "text"]
    search_backend_name = None  # plain database lookups: reviews are not in Wagtail's search index
    ordering = ["-created"]
    inspect_view_fields = [
        "product", "author", "rating", "title", "text", "pros", "cons", "verified_purchase",
        "helpful_count", "unhelpful_count", "created", "edited_at",
    ]

    def get_queryset(self, request):
        return Review.objects.select_related("author__profile", "product")

    def get_inspect_panels(self, obj: Review) -> list[InspectPanel]:
        """Edit history (each earlier version), the photos, the shop's reply."""
        return [
            InspectPanel(_("Edit history"), "reviews/admin/history.html",
                         {"revisions": list(selectors.review_history(review=obj))}),
            InspectPanel(_("Photos"), "reviews/admin/photos.html", {"photos": list(obj.photos.all())}),
            InspectPanel(_("The shop's reply"), "reviews/admin/reply.html", {"reply": obj.shop_reply}),
        ]


class ThumbnailColumn(Column):
    cell_template_name = "reviews/admin/thumbnail_cell.html"


class ReviewPhotoViewSet(ModeratedContentViewSet):
    """Single photos: a moderator can take down one photo and keep the review."""

    model = ReviewPhoto
    icon = "image"
    menu_label = _("Review photos")
    list_display = [ThumbnailColumn("thumbnail", label=_("Photo")), "review", "status", "flag_count", "created"]
    ordering = ["-created"]
    inspect_view_fields = ["review", "width", "height", "created"]

    def get_queryset(self, request):
        return ReviewPhoto.objects.select_related("review__product")

    def get_inspect_panels(self, obj: ReviewPhoto) -> list[InspectPanel]:
        return [InspectPanel(_("Photo"), "reviews/admin/photos.html", {"photos": [obj]})]


class ReviewAdminGroup(SnippetViewSetGroup):
    items = (ReviewViewSet, ReviewPhotoViewSet)
    menu_icon = "comment"
    menu_label = _("Reviews")
    menu_order = 240


register_snippet(ReviewAdminGroup)
