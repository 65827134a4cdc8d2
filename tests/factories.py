"""factory-boy factories for the domain. Pages are created under a real Wagtail tree."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail.models import Page, Site

from community.catalog.models import CategoryPage, HomePage, ProductPage, Purchase

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.ru")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)
    date_joined = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=30))

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """``UserFactory(verified=True)`` marks the email confirmed (allauth + profile)."""
        if create:
            self.save()
        if create and extracted:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.get_or_create(user=self, email=self.email, defaults={"verified": True, "primary": True})
            self.profile.email_verified = True
            self.profile.save(update_fields=["email_verified"])


def build_home() -> HomePage:
    """The site's home page as the default Site's root (Wagtail's welcome page removed)."""
    home = HomePage.objects.first()
    if home:
        return home
    from wagtail.models import Locale

    Locale.objects.get_or_create(language_code="ru")
    # A transactional test's flush removes the tree Wagtail's migrations made: rebuild it.
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    Page.objects.filter(depth=2, slug="home").update(slug="wagtail-welcome")
    home = root.add_child(instance=HomePage(title="Сообщество покупателей", slug="home"))
    site = Site.objects.filter(is_default_site=True).first()
    if site:
        old = site.root_page
        site.root_page = home
        site.save()
        if old.pk != home.pk:
            old.delete()
    else:
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    return home


def category(parent: Page, title: str, **kwargs) -> CategoryPage:
    from django.utils.text import slugify

    return parent.add_child(instance=CategoryPage(title=title, slug=slugify(title) or f"cat-{CategoryPage.objects.count()}", **kwargs))


_product_counter = iter(range(1, 10**9))


def product(parent: CategoryPage, title: str | None = None, **kwargs) -> ProductPage:
    number = next(_product_counter)
    defaults = {
        "title": title or f"Товар {number}", "slug": f"product-{number}", "brand": "Acme", "sku": f"SKU-{number:06d}",
        "price": Decimal("1990.00"), "summary": "Хороший товар",
    }
    defaults.update(kwargs)
    return parent.add_child(instance=ProductPage(**defaults))


class PurchaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Purchase

    order_ref = factory.Sequence(lambda n: f"ORDER-{n:06d}")
    purchased_at = factory.LazyFunction(timezone.now)
