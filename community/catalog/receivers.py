"""The catalog keeps products' top-level category right whenever the page tree changes.

Wagtail 8 offers admin hooks (``after_create_page``, ``after_edit_page``, ``after_move_page``,
``after_delete_page``, ``after_unpublish_page``) that run only in its admin views, and signals
that run for every caller — the admin, ``page.move()``, the demo, imports. These receivers use
the signals, so one path covers both:

* created, edited, copied, published (``post_save`` of a ``ProductPage``): that product;
* moved (``wagtail.signals.post_page_move``, sent by ``MovePageAction`` for the admin's move view
  and ``Page.move``): the moved page and every product below it — Wagtail rewrites the
  descendants' paths with raw SQL, so nothing else would notice;
* deleted or unpublished: nothing to re-key — deleting a category deletes its products with it,
  and unpublishing changes no path (``manage.py check_catalog`` proves the catalog consistent).
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.signals import post_page_move

from community.catalog import services
from community.catalog.models import ProductPage


@receiver(post_save, sender=ProductPage, dispatch_uid="catalog.product_saved")
def product_saved(sender, instance: ProductPage, raw: bool = False, **kwargs) -> None:
    if raw:  # loading fixtures: the rows are taken as they are
        return
    services.product_category_sync(product=instance)


@receiver(post_page_move, dispatch_uid="catalog.page_moved")
def page_moved(sender, instance, url_path_before: str = "", url_path_after: str = "", **kwargs) -> None:
    services.product_categories_sync(page=instance)
