"""The catalog: Wagtail pages Home → Category → Product, products' top-level category, purchases
and stock from the shop's feed; imports only the core; sends ``purchases_recorded``,
``stock_changed``, ``product_category_changed`` and hears Wagtail's ``post_page_move``."""
