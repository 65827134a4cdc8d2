"""The database engine's storage: one row per search record, the vocabulary behind "did you
mean", and the queries people search for (for autocomplete).

The full-text parts live beside these tables and are created by migration 0002 for the
database in use: on PostgreSQL a stored, generated ``tsvector`` column (``vector``) with a GIN
index and trigram indexes (pg_trgm); on SQLite the FTS5 tables ``search_fts`` (stemmed title
and body; its rowid packs a bucket of ``popularity`` with ``SearchEntry.id``) and ``search_term_trigram`` (the vocabulary by trigrams).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchEntry(models.Model):
    """One indexed record (see :class:`search.records.SearchRecord`)."""

    key = models.CharField(_("key"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=16, db_index=True)
    object_id = models.BigIntegerField(_("object id"))
    product_id = models.BigIntegerField(_("product id"), null=True, db_index=True)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("URL"), max_length=500)
    category_id = models.BigIntegerField(_("category id"), null=True)
    category_title = models.CharField(_("category"), max_length=255, blank=True)
    category_path = models.CharField(_("category tree path"), max_length=255, blank=True, db_index=True)
    brand = models.CharField(_("brand"), max_length=100, blank=True)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2, null=True)
    price_band = models.PositiveSmallIntegerField(_("price band"), null=True)
    in_stock = models.BooleanField(_("in stock"), null=True)
    rating = models.FloatField(_("rating"), null=True)
    stars = models.PositiveSmallIntegerField(_("whole stars"), null=True)
    review_count = models.PositiveIntegerField(_("reviews"), default=0)
    verified_purchase = models.BooleanField(_("verified purchase"), null=True)
    has_accepted_answer = models.BooleanField(_("has an accepted answer"), null=True)
    date = models.DateTimeField(_("date"), null=True)
    popularity = models.FloatField(_("popularity"), default=0.0)
    # Normalised "brand title" of products, for autocomplete.
    autocomplete = models.CharField(_("autocomplete text"), max_length=400, blank=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=32)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        indexes = [
            models.Index(fields=["kind", "-date"], name="search_entry_kind_date"),
            models.Index(fields=["product_id", "kind"], name="search_entry_product_kind"),
            # Relevance walks this index tier by tier (search.engines.database.EXACT_RANKING).
            models.Index(fields=["-popularity", "-id"], name="search_entry_popularity"),
        ]

    def __str__(self) -> str:
        return self.key


class SearchTerm(models.Model):
    """A word of the indexed text and in how many records it occurs ("did you mean")."""

    term = models.CharField(_("word"), max_length=40, unique=True)
    stem = models.CharField(_("stem"), max_length=40, db_index=True)
    frequency = models.IntegerField(_("records"), default=0)

    class Meta:
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")

    def __str__(self) -> str:
        return f"{self.term} ({self.frequency})"


class PopularQuery(models.Model):
    """A query that found something, with how often it was searched (autocomplete)."""

    text = models.CharField(_("query"), max_length=200, unique=True)
    hits = models.PositiveIntegerField(_("searches"), default=0)
    last_searched = models.DateTimeField(_("last searched"), auto_now=True)

    class Meta:
        verbose_name = _("popular query")
        verbose_name_plural = _("popular queries")
        indexes = [models.Index(fields=["-hits"], name="search_popular_hits")]

    def __str__(self) -> str:
        return self.text


class ProductMentions(models.Model):
    """The words buyers mention about a product more than about its category, with how many
    reviews use each (``[["батарея", 23], …]``), as the engine last computed them
    (:mod:`search.mentions`). The product page's route query joins this row."""

    product = models.OneToOneField("catalog.ProductPage", verbose_name=_("product"), primary_key=True,
                                   on_delete=models.CASCADE, related_name="buyers_mention")
    words = models.JSONField(_("words"), default=list)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("words buyers mention")
        verbose_name_plural = _("words buyers mention")

    def __str__(self) -> str:
        return f"{self.product_id}: {', '.join(word for word, _n in self.words)}"
