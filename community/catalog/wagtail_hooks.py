"""The catalog's Wagtail hooks: conditional GETs of product pages (community/catalog/seo.py)."""

from community import seo as core_seo
from community.catalog import seo

# Last: the product pattern matches any page path; sub-routes (reviews/, questions/…) first.
core_seo.register_route_version(seo.PRODUCT_ROUTE, seo.product_version, order=100)
