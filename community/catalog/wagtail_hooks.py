"""The catalog's Wagtail hooks: conditional GETs of product pages (community/catalog/seo.py) and
the shop's API keys and webhooks in the admin (admin_keys.py, admin_webhooks.py)."""

from wagtail import hooks

from community import seo as core_seo
from community.catalog import seo
from community.catalog.admin_keys import ShopApiKeyViewSet
from community.catalog.admin_webhooks import WebhookDeliveryViewSet, WebhookEndpointViewSet

# Last: the product pattern matches any page path; sub-routes (reviews/, questions/…) first.
core_seo.register_route_version(seo.PRODUCT_ROUTE, seo.product_version, order=100)


@hooks.register("register_admin_viewset")
def register_shop_api_keys():
    return ShopApiKeyViewSet()


@hooks.register("register_admin_viewset")
def register_shop_webhooks():
    return [WebhookEndpointViewSet(), WebhookDeliveryViewSet()]
