"""A small catalog with reviews, questions and answers in Russian and English, indexed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from search import rebuild
from search.engines import get_engine
from tests import factories
from tests.qa.factories import answer, ask
from tests.reviews.factories import published_review


@pytest.fixture(autouse=True)
def _trusted_by_default(settings):
    settings.MODERATION_PREMODERATE_FIRST = 0


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def engine(db):
    return get_engine()


@pytest.fixture
def corpus(db, engine, page_tree, shopper, other_shopper):
    """Products, reviews and questions with known words; the index rebuilt from them."""
    laptops = page_tree["laptops"]
    fridges = factories.category(factories.build_home(), "Холодильники")
    asus, msi, xiaomi = page_tree["products"]
    for page, summary in ((asus, "Игровой ноутбук с экраном 165 Гц"), (msi, "Лёгкий ноутбук для игр"),
                          (xiaomi, "Смартфон с большим аккумулятором")):
        page.summary = summary
        page.save_revision().publish()
    thinkpad = factories.product(laptops, "Lenovo ThinkPad E14", brand="Lenovo", price=Decimal("74990"),
                                 summary="Business laptops with a great keyboard")
    bosch = factories.product(fridges, "Bosch Serie 4 KGN39", brand="Bosch", price=Decimal("59990"),
                              stock_status="out_of_stock", summary="Холодильник с No Frost, чёрный корпус")
    reviews = {
        "battery": published_review(asus, author=shopper, rating=5, title="Отличный ноутбук",
                                    text="Батарея держит шесть часов, экран яркий."),
        "black": published_review(bosch, author=shopper, rating=4, title="Тихий",
                                  text="Чёрный корпус не пачкается, морозит отлично."),
        "noise": published_review(msi, author=other_shopper, rating=2, title="Шумный вентилятор",
                                  text="Под нагрузкой вентилятор шумит &lt;script&gt;alert(1)&lt;/script&gt;."),
    }
    question = ask(other_shopper, asus, title="Сколько держит батарея в играх?", details="Интересует автономность")
    reply = answer(shopper, question, text="Около двух часов на зарядке, с блоком питания дольше.")
    rebuild.rebuild(engine, rebuild.ALL_KINDS)
    return {
        "asus": asus, "msi": msi, "xiaomi": xiaomi, "thinkpad": thinkpad, "bosch": bosch, "fridges": fridges,
        "reviews": reviews, "question": question, "answer": reply, **page_tree,
    }
