from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "community.catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        from community.catalog import receivers  # noqa: F401  (keeps products' top-level category right)
