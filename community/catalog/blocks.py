"""StreamField blocks shared by catalog pages."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class SpecBlock(blocks.StructBlock):
    """One key specification of a product: "Диагональ экрана" — "15,6″"."""

    name = blocks.CharBlock(label=_("Specification"), max_length=100)
    value = blocks.CharBlock(label=_("Value"), max_length=200)

    class Meta:
        icon = "list-ul"
        label = _("Specification")


class SpecGroupBlock(blocks.StructBlock):
    """A titled group of specifications ("Экран", "Процессор")."""

    title = blocks.CharBlock(label=_("Group"), max_length=100)
    specs = blocks.ListBlock(SpecBlock(), label=_("Specifications"))

    class Meta:
        icon = "folder-open-inverse"
        label = _("Specification group")
        template = "catalog/blocks/spec_group.html"
