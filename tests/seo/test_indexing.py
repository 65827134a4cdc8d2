"""Renamed slugs keep their links: Wagtail's redirects app answers the old URL with a 301."""

from __future__ import annotations


def test_renaming_a_product_slug_redirects_the_old_url_permanently(client, product, django_capture_on_commit_callbacks):
    old_url = product.url
    product.slug = "asus-rog-strix-g16-2026"
    # Wagtail sends page_slug_changed on commit; the redirects app then records the old path.
    with django_capture_on_commit_callbacks(execute=True):
        product.save_revision().publish()
    product.refresh_from_db()
    assert product.url != old_url

    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"].endswith(product.url)
    assert client.get(product.url).status_code == 200
