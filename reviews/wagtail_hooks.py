"""Reviews on product pages (sections and sub-URLs), audit-log actions and the admin."""

from __future__ import annotations

import hashlib

import django_filters
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet

from community import seo as core_seo
from community.accounts.selectors import CabinetSection
from community.catalog import home, page_cache
from community.catalog.models import HomePage, HomeSection, ProductPage, ProductSection
from community.layout import AssetBundle
from community.moderation.registry import ContentKind
from community.moderation.services import can_moderate
from community.moderation.viewsets import InspectPanel, ModeratedContentViewSet, ModerationFilterSet
from reviews import notifications, selectors, seo, sitemaps, views
from reviews.models import RATINGS, ProductReviewStats, Review, ReviewPhoto


def _stats(request: HttpRequest, page: ProductPage) -> ProductReviewStats:
    """The product's stats, read once per request (both sections need them): joined by the
    route's query (``product_page_related`` below), or from the page's shared parts."""
    cache = request.__dict__.setdefault("_reviews_stats", {})
    if page.pk not in cache:
        if "review_stats" in page._state.fields_cache:
            cache[page.pk] = page._state.fields_cache["review_stats"] or ProductReviewStats(product=page)
        else:
            cache[page.pk] = page_cache.shared(request, page, "reviews:stats", lambda: selectors.product_stats(page))
    return cache[page.pk]


@hooks.register("product_page_related")
def product_page_stats() -> tuple[str, ...]:
    """The rating aggregates come with the product page's route (a join, not a query)."""
    return ("review_stats",)


@hooks.register("notification_kinds")
def reviews_notification_kinds():
    return notifications.kinds()


@hooks.register("cabinet_sections")
def my_reviews_section(request) -> CabinetSection | None:
    """«Мои отзывы» in the personal account, with their moderation state and reasons."""
    mine = list(Review.objects.filter(author_id=request.user.pk).select_related("product")
                .only("pk", "rating", "title", "status", "moderation_reason", "created", "product__title")
                .order_by("-created")[:50])
    return CabinetSection(key="reviews", title=_("My reviews"), template="reviews/cabinet_section.html", order=20,
                          context={"reviews_mine": mine})


@hooks.register("purchase_review_links")
def purchase_review_links(user, products) -> dict[int, tuple[str, str]]:
    """Beside each purchase in the account: «Ваш отзыв» (its page) or «Оставить отзыв» (the form)."""
    from django.urls import reverse

    reviewed = dict(Review.objects.filter(author_id=user.pk, product_id__in=[p.pk for p in products])
                    .values_list("product_id", "pk"))
    return {product.pk: (str(_("Your review")), reverse("reviews:detail", args=[reviewed[product.pk]]))
            if product.pk in reviewed else (str(_("Leave a review")), product.url + "reviews/write/")
            for product in products}


@hooks.register("personal_data")
def reviews_personal_data(user) -> dict:
    return {"reviews": list(Review.objects.filter(author=user).values(
        "product__title", "rating", "title", "text", "pros", "cons", "status", "created"))}


@hooks.register("reviewed_products")
def reviewed_products(pairs) -> set[tuple[int, int]]:
    """Which (user id, product id) pairs already have a review (no review request for them)."""
    pairs = set(pairs)
    if not pairs:
        return set()
    found = Review.objects.filter(author_id__in={u for u, _p in pairs}, product_id__in={p for _u, p in pairs})
    return set(found.values_list("author_id", "product_id")) & pairs


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
    viewer = request.user
    if can_moderate(viewer):  # moderators also see pending reviews: not the shared first page
        listing = selectors.review_page(product=page, viewer=viewer, filters=selectors.ReviewFilters(),
                                        page_number=1, stats=stats)
        own = selectors.own_review(viewer=viewer, product=page)
    else:
        # The first page as everyone sees it comes from the page's shared cache; the viewer's
        # votes and own review are added per request (none of it is cached with the reviews).
        reviews = page_cache.shared(request, page, "reviews:first-page", lambda: selectors.review_page(
            product=page, viewer=None, filters=selectors.ReviewFilters(), page_number=1, stats=stats).reviews)
        # Their rendered cards too (author, text, photos, the shop's reply); votes and forms per request.
        page_cache.shared_fragments(request, page, "reviews:first-page", reviews, "reviews/includes/review_body.html",
                                    "review")
        listing = selectors.first_page_from(reviews=reviews, stats=stats)
        state = page_cache.viewer_state(request, page)
        if viewer.is_authenticated:
            selectors.attach_viewer_votes(reviews=reviews, viewer=viewer,
                                          votes=selectors.viewer_votes(state, reviews, viewer=viewer))
        own = selectors.own_review(viewer=viewer, product=page, known=state) if state else None
    return ProductSection(
        key="reviews", title=_("Reviews"), template="reviews/section_reviews.html", order=20,
        context={
            "reviews_listing": listing,
            "reviews_own": own,
            "reviews_sort_options": [(key, label) for key, (label, _order) in selectors.SORTS.items()],
        },
        assets=("reviews",),
    )


hooks.register("product_viewer_state", selectors.viewer_state)


@hooks.register("home_page_sections")
def helpful_reviews_home_section(request: HttpRequest, page: HomePage) -> HomeSection | None:
    """The latest helpful reviews: product, stars, author and badges (one query, cached briefly)."""
    reviews = home.cached_items("helpful-reviews", selectors.helpful_reviews_latest)
    if not reviews:
        return None
    return HomeSection(key="helpful-reviews", title=_("Helpful reviews"), template="reviews/home_section.html",
                       items=reviews, order=10, assets=("reviews",))


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
    reviews = listing.reviews if listing else []
    stats = context.get("reviews_stats")
    # The same reviews under the same page version make the same markup: kept with the page's
    # parts (the plain text of ten reviews, twice each, was 0.6 ms a request). A moderator's list
    # holds other reviews, so another key.
    shown = hashlib.blake2b(",".join(str(review.pk) for review in reviews).encode(), digest_size=8).hexdigest()
    return page_cache.shared(request, page, f"reviews:jsonld:{shown}",
                             lambda: seo.product_markup(stats=stats, reviews=reviews))


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
    menu_order = 10
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
    menu_order = 11
    list_display = [ThumbnailColumn("thumbnail", label=_("Photo")), "review", "status", "flag_count", "created"]
    ordering = ["-created"]
    inspect_view_fields = ["review", "width", "height", "created"]

    def get_queryset(self, request):
        return ReviewPhoto.objects.select_related("review__product")

    def get_inspect_panels(self, obj: ReviewPhoto) -> list[InspectPanel]:
        return [InspectPanel(_("Photo"), "reviews/admin/photos.html", {"photos": [obj]})]


register_snippet(ReviewViewSet)
register_snippet(ReviewPhotoViewSet)


@hooks.register("moderation_kinds")
def review_moderation_kinds() -> list[ContentKind]:
    """Reviews and single photos in the one moderation queue."""
    return [
        ContentKind(key="review", model=Review, label=_("Review"), product_path="product",
                    excerpt=lambda r: " — ".join(part for part in (r.title, r.text) if part),
                    admin_url_name="wagtailsnippets_reviews_review:inspect"),
        ContentKind(key="review_photo", model=ReviewPhoto, label=_("Review photo"), author_path="review__author",
                    product_path="review__product", excerpt=lambda p: p.moderation_title(), compares_text=False,
                    admin_url_name="wagtailsnippets_reviews_reviewphoto:inspect"),
    ]
