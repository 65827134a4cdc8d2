"""Catalog pages (home → nested categories → products) and the shop's purchase feed."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, PageViewRestriction
from wagtail.search import index

from community import seo
from community.catalog.blocks import SpecGroupBlock

CATEGORY_PAGE_SIZE = 24


class RoutedAncestorsMixin:
    """A catalog page reached through ``HomePage.route`` knows its ancestors and whether any of
    them (or itself) has a view restriction, read by the same query that found it: the check
    Wagtail runs before serving costs no query when none has. Elsewhere (admin, previews)
    Wagtail's own way."""

    _route_ancestors: list[Page] | None = None
    _route_restricted: bool | None = None

    def get_view_restrictions(self):
        ancestors = self._route_ancestors
        if ancestors is None or self.alias_of_id or any(page.alias_of_id for page in ancestors):
            return super().get_view_restrictions()
        if not self._route_restricted:  # the route read whether any of them has one
            return PageViewRestriction.objects.none()
        return PageViewRestriction.objects.filter(page_id__in=[self.pk, *(page.pk for page in ancestors)])


# The rendition of a product's main image that its page shows (and og:image): read by the route's
# query, so that with the renditions cache cold it costs no query of its own.
MAIN_IMAGE_SPEC = "max-800x600|format-webp"


def _main_image_renditions():
    from wagtail.images import get_image_model

    from community import json_rows

    renditions = get_image_model().get_rendition_model().objects.filter(
        image=OuterRef("productpage__main_image"), filter_spec=MAIN_IMAGE_SPEC)
    return json_rows.rows(renditions, "image")


def attach_renditions(image, rows) -> None:
    """Give ``image`` the renditions read as JSON, as Wagtail's ``prefetch_renditions`` does (its
    ``get_rendition`` looks there first; one not found there is made as usual)."""
    from community import json_rows

    renditions = json_rows.instances(image.get_rendition_model(), rows)
    for rendition in renditions:
        rendition.image = image
    image.prefetched_renditions = renditions


class HomePage(Page):
    """The shop community's front page: the community's blocks other apps add through the
    ``home_page_sections`` hook (callables ``(request, page) -> HomeSection | None``: helpful
    reviews, questions waiting for an answer, Experts, discussions), top-level categories and new
    products. Each block keeps its query count fixed and caches itself briefly."""

    intro = models.TextField(_("intro"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["catalog.CategoryPage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def route(self, request, path_components):
        """Resolve a catalog URL in one query instead of one query per path segment.

        Wagtail walks the tree a level at a time; a product three levels down costs six queries.
        Here the deepest page whose URL is a prefix of the request path is found at once
        (``url_path`` is indexed), and the rest of the path goes to that page's own ``route``
        (product sub-URLs such as ``questions/12-…/``). Liveness is checked as Wagtail does.
        """
        if not path_components:
            return super().route(request, path_components)
        candidates = [self.url_path + "/".join(path_components[:n]) + "/" for n in range(len(path_components), 0, -1)]
        # The same query also brings the page's ancestors (the candidates it did not pick, and the
        # tree's root): the breadcrumbs and the view-restriction check need them, and would
        # otherwise read them again (two queries). The root is named by its path (indexed):
        # ``depth=1`` is not, and made every catalog page read the whole page table (bench.plans).
        # The found page comes as its specific class by the same query (its table joined), a
        # product with what its page shows at once: the top-level category (Experts' badges and
        # section), the main image (og:image, JSON-LD) and the one-row relations other apps ask
        # for through the ``product_page_related`` hook (the rating aggregates).
        product_related = [f"productpage__{name}" for hook in hooks.get_hooks("product_page_related")
                           for name in hook()]
        rows = list(
            Page.objects.filter(Q(url_path__in=candidates, path__startswith=self.path, depth__gt=self.depth)
                                | Q(path=self.path[:Page.steplen]) | Q(pk=self.pk))
            .select_related("productpage__top_category", "productpage__main_image", "categorypage", *product_related)
            .annotate(has_view_restriction=Exists(PageViewRestriction.objects.filter(page=OuterRef("pk"))),
                      main_image_renditions=_main_image_renditions())
            .order_by("-depth")
        )
        if not rows or rows[0].depth <= self.depth:
            raise Http404
        found = rows[0]
        ancestors = sorted((row for row in rows[1:] if found.path.startswith(row.path)), key=lambda row: row.depth)
        if len(ancestors) != found.depth - 1:  # not a clean chain (aliases, moved pages): Wagtail's way
            return found.specific.route(request, path_components[found.depth - self.depth:])
        if found.content_type_id == ContentType.objects.get_for_model(ProductPage).pk:
            page = found.productpage
        elif found.content_type_id == ContentType.objects.get_for_model(CategoryPage).pk:
            page = found.categorypage
        else:
            page = found.specific
        if isinstance(page, ProductPage) and page.main_image is not None:
            attach_renditions(page.main_image, found.main_image_renditions)
        page._route_restricted = any(row.has_view_restriction for row in (found, *ancestors))
        page._route_ancestors = ancestors
        return page.route(request, path_components[found.depth - self.depth:])

    def get_context(self, request, *args, **kwargs):
        from community.catalog import selectors

        context = super().get_context(request, *args, **kwargs)
        context["categories"] = selectors.category_tree(home=self)
        context["website_jsonld"] = seo.website(name=settings.WAGTAIL_SITE_NAME, search_path=reverse("search"))
        context["new_products"] = selectors.product_cards(
            ProductPage.objects.live().descendant_of(self).order_by("-first_published_at")[:8]
        )
        sections = [s for hook in hooks.get_hooks("home_page_sections") if (s := hook(request, self))]
        context["sections"] = sorted(sections, key=lambda s: s.order)
        return context


class CategoryPage(RoutedAncestorsMixin, Page):
    """A product category; categories nest (Ноутбуки → Игровые ноутбуки).

    Other apps may serve the product listing with filters through the ``category_page_listing``
    hook (callables ``(request, page) -> CategoryListing | None``).
    """

    intro = models.TextField(_("description"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["catalog.HomePage", "catalog.CategoryPage"]
    subpage_types = ["catalog.CategoryPage", "catalog.ProductPage"]
    search_fields = Page.search_fields + [index.SearchField("intro")]

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    @property
    def is_top_level(self) -> bool:
        return self.depth == 3

    def get_context(self, request, *args, **kwargs):
        from community.catalog import selectors

        context = super().get_context(request, *args, **kwargs)
        # Another app may serve the listing (filters, facet counts): the first hook that answers.
        extra = next((found for hook in hooks.get_hooks("category_page_listing") if (found := hook(request, self))),
                     None)
        if extra is not None and extra.page is not None:
            page, sort, sort_options = extra.page, extra.sort, extra.sort_options
        else:
            sort = request.GET.get("sort", "")
            listing = selectors.category_products(category=self, sort=sort, page=request.GET.get("page"))
            page, sort, sort_options = listing.page, listing.sort, selectors.SORT_OPTIONS
        context.update(
            subcategories=CategoryPage.objects.live().child_of(self).order_by("title"),
            products=page,
            sort=sort,
            sort_options=sort_options,
            breadcrumbs=selectors.breadcrumbs(self),
            listing_extra=extra,
            listing_query=extra.query_string if extra is not None else f"sort={sort}",
        )
        return context


class StockStatus(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    LOW = "low", _("Few left")
    OUT_OF_STOCK = "out_of_stock", _("Out of stock")
    PREORDER = "preorder", _("Pre-order")


@dataclass
class CategoryListing:
    """What a ``category_page_listing`` hook returns: its filter panel (``template`` with
    ``context``) and, when it serves the products itself, the ``page`` of product cards
    (``number``, ``paginator.count``/``num_pages``, ``object_list``), the sort and its options,
    and the query string that pagination links keep."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    page: Any = None
    sort: str = ""
    sort_options: dict[str, Any] = field(default_factory=dict)
    query_string: str = ""


@dataclass
class ProductSection:
    """A block another app adds to product pages (reviews, Q&A, chat), see ``product_sections``.

    ``assets`` names the static bundles it needs (``page_assets`` hook, ``community/layout.py``):
    the page loads them only while the section is shown."""

    key: str
    title: str
    template: str
    order: int = 100
    context: dict[str, Any] = field(default_factory=dict)
    assets: tuple[str, ...] = ()


@dataclass
class HomeSection:
    """A block another app adds to the home page (``home_page_sections`` hook): rendered from
    ``template`` with ``section`` in its context (``section.items``: what it lists, ``section.link``
    / ``section.link_text``: where to see more). ``assets`` as for ``ProductSection``."""

    key: str
    title: str
    template: str
    items: list[Any] = field(default_factory=list)
    order: int = 100
    link: str = ""
    link_text: str = ""
    assets: tuple[str, ...] = ()


class ProductPage(RoutedAncestorsMixin, RoutablePageMixin, Page):
    """A product of the shop. Reviews, questions and the chat attach to it.

    Other apps extend product pages without the catalog importing them, through Wagtail
    hooks: ``product_page_sections`` (callables ``(request, page) -> ProductSection | None``),
    ``product_page_routes`` (callables returning ``path()`` patterns whose views take
    ``(page, request, **kwargs)``), e.g. a question's own URL ``…/questions/<id>-<slug>/``, and
    ``product_page_related`` (callables returning names of one-row relations of the product, which
    the route joins when it finds the page: ``("review_stats",)``).
    """

    brand = models.CharField(_("brand"), max_length=100)
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    price = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = RichTextField(_("description"), blank=True, features=["h3", "bold", "italic", "ol", "ul", "link"])
    specs = StreamField([("group", SpecGroupBlock())], verbose_name=_("specifications"), blank=True)
    main_image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("main image"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    stock_status = models.CharField(
        _("stock status"), max_length=16, choices=StockStatus.choices, default=StockStatus.IN_STOCK, db_index=True
    )
    stock_quantity = models.PositiveIntegerField(_("quantity in stock"), default=0)
    top_category = models.ForeignKey(
        CategoryPage, verbose_name=_("top-level category"), null=True, blank=True, editable=False,
        on_delete=models.SET_NULL, related_name="+",
        help_text=_("The top-level category: Expert status is earned per top-level category."),
    )

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("brand"), FieldPanel("sku")]),
                FieldRowPanel([FieldPanel("price"), FieldPanel("currency")]),
                FieldRowPanel([FieldPanel("stock_status"), FieldPanel("stock_quantity")]),
            ],
            heading=_("Product"),
        ),
        FieldPanel("summary"),
        FieldPanel("main_image"),
        InlinePanel("gallery", label=_("Gallery")),
        FieldPanel("description"),
        FieldPanel("specs"),
    ]
    parent_page_types = ["catalog.CategoryPage"]
    subpage_types: list[str] = []
    search_fields = Page.search_fields + [
        index.SearchField("brand"),
        index.SearchField("sku"),
        index.SearchField("summary"),
        index.SearchField("description"),
        index.FilterField("stock_status"),
        index.FilterField("price"),
    ]

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.title

    @property
    def in_stock(self) -> bool:
        return self.stock_status in (StockStatus.IN_STOCK, StockStatus.LOW)

    @classmethod
    def get_subpage_urls(cls):
        patterns = list(super().get_subpage_urls())
        for hook in hooks.get_hooks("product_page_routes"):
            patterns.extend(hook())
        return tuple(patterns)

    def get_context(self, request, *args, **kwargs):
        from community.catalog import page_cache, selectors, seo

        context = super().get_context(request, *args, **kwargs)
        sections = [s for hook in hooks.get_hooks("product_page_sections") if (s := hook(request, self))]
        # An empty gallery is known from the page's version (no query).
        known = page_cache.version_values(request, self, seo.gallery_version)
        context.update(
            breadcrumbs=selectors.breadcrumbs(self),
            gallery=[] if known and not known["gallery_n"] else
            page_cache.shared(request, self, "gallery", lambda: selectors.product_gallery(self)),
            sections=sorted(sections, key=lambda s: s.order),
        )
        for section in sections:
            context.update(section.context)
        # Structured data from what the page shows (after the sections: their data is in it).
        context["product_image_url"] = seo.product_image_url(self)
        context["product_jsonld"] = seo.product(request=request, page=self, context=context)
        return context


class ProductGalleryImage(Orderable):
    product = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="gallery")
    image = models.ForeignKey("wagtailimages.Image", verbose_name=_("image"), on_delete=models.CASCADE, related_name="+")
    caption = models.CharField(_("caption"), max_length=200, blank=True)

    panels = [FieldPanel("image"), FieldPanel("caption")]


class Purchase(models.Model):
    """A purchase reported by the shop: it makes the buyer a "verified purchase" author."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("buyer"), on_delete=models.CASCADE,
                             related_name="purchases")
    product = models.ForeignKey(ProductPage, verbose_name=_("product"), on_delete=models.CASCADE, related_name="purchases")
    purchased_at = models.DateTimeField(_("purchased at"))
    order_ref = models.CharField(_("order number"), max_length=64)
    imported_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        ordering = ["-purchased_at"]
        constraints = [
            models.UniqueConstraint(fields=["order_ref", "user", "product"], name="purchase_unique_order_line"),
        ]
        indexes = [models.Index(fields=["user", "product"])]

    def __str__(self) -> str:
        return f"{self.order_ref}: {self.user} — {self.product}"


class FeedBatchStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Being imported")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class FeedBatch(models.Model):
    """One body the shop posted to the feed endpoint, and what importing it did.

    Large bodies are stored here and imported by a background task; small ones are imported
    at once and recorded the same way, so every batch has one status URL. ``client_batch_id``
    (the body's optional ``batch_id``) or, without it, the body's SHA-256 makes a re-sent batch
    the same batch.
    """

    client_batch_id = models.CharField(_("shop's batch id"), max_length=64, null=True, blank=True, unique=True)
    body_sha256 = models.CharField(_("body SHA-256"), max_length=64, db_index=True)
    # JSON text, not jsonb: PostgreSQL's jsonb refuses "\u0000", which a (bad) row may carry.
    payload = models.TextField(_("rows"), default="{}")
    rows = models.PositiveIntegerField(_("rows"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=FeedBatchStatus.choices,
                              default=FeedBatchStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    result = models.JSONField(_("result"), null=True, blank=True)
    failure = models.TextField(_("failure"), blank=True)
    created = models.DateTimeField(_("received at"), auto_now_add=True)
    finished = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("feed batch")
        verbose_name_plural = _("feed batches")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"feed batch {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (FeedBatchStatus.DONE, FeedBatchStatus.FAILED)


class ShopApiKey(models.Model):
    """A key the shop's systems use on the API: named, scoped, shown once, stored hashed.

    The key is ``shop_<prefix>_<secret>``; only the prefix (to find the row) and the SHA-256 of
    the whole key are stored (see :mod:`community.catalog.keys`). Revoking is final.
    """

    name = models.CharField(_("name"), max_length=100, help_text=_("Who uses it, e.g. “Product pages”."))
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    scope_read = models.BooleanField(_("read"), default=True, help_text=_("Read published content (/api/v1/)."))
    scope_feed = models.BooleanField(_("feed"), default=False, help_text=_("Push purchases and stock (/api/shop/feed/)."))
    scope_webhooks = models.BooleanField(_("webhooks"), default=False, help_text=_("Manage webhook endpoints."))
    created = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   editable=False, on_delete=models.SET_NULL, related_name="+")
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("shop API key")
        verbose_name_plural = _("shop API keys")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} (shop_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return bool(getattr(self, f"scope_{scope}", False))

    @property
    def scopes(self) -> list[str]:
        return [scope for scope in ("read", "feed", "webhooks") if self.has_scope(scope)]


class WebhookEvent(models.TextChoices):
    REVIEW_PUBLISHED = "review.published", _("Review published")
    REVIEW_LOW_RATING = "review.low_rating", _("Review of 1 or 2 stars published")
    QUESTION_PUBLISHED = "question.published", _("Question published")
    ANSWER_PUBLISHED = "answer.published", _("Answer published")
    ANSWER_ACCEPTED = "answer.accepted", _("Answer accepted")
    TICKET_OPENED = "ticket.opened", _("Support ticket opened")
    TICKET_CLOSED = "ticket.closed", _("Support ticket closed")
    EXPERT_STATUS_CHANGED = "expert.status_changed", _("Expert status changed")


class WebhookEndpoint(models.Model):
    """A URL of the shop that hears the chosen events, signed with its own secret
    (Standard Webhooks: ``webhook-id``, ``webhook-timestamp``, ``webhook-signature``)."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list, blank=True)
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint: the exact body sent (signed anew on each attempt, same id)."""

    endpoint = models.ForeignKey(WebhookEndpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE,
                                 related_name="deliveries")
    event = models.CharField(_("event"), max_length=40, choices=WebhookEvent.choices)
    message_id = models.CharField(_("idempotency key"), max_length=40, unique=True)
    body = models.TextField(_("body"))
    status = models.CharField(_("status"), max_length=16, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint} ({self.message_id})"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery and what came back."""

    delivery = models.ForeignKey(WebhookDelivery, verbose_name=_("delivery"), on_delete=models.CASCADE,
                                 related_name="attempt_log")
    number = models.PositiveSmallIntegerField(_("attempt"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration, ms"), default=0)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}: {self.status_code or self.error}"
