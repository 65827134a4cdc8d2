"""Site search speed on a generated Russian review corpus, next to Wagtail's own search.

``python -m bench.search [--size 100k|1M|10k] [--repeat 20] [--no-wagtail]`` builds a corpus
(products and reviews whose words follow a Zipf spread over a Russian review vocabulary, with
fixed phrases and a long tail of rare words), indexes it with the configured database engine
(SQLite FTS5 by default, PostgreSQL when ``DATABASE_URL`` points at it; a throwaway test
database either way), then times fixed query classes — rare word, common word, two words,
phrase, misspelled, wrong keyboard layout, facet-filtered, autocomplete prefix — through the
same code the search page runs (:func:`search.selectors.site_search`, facets and highlights
included). It prints p50/p95/p99 per class, the index build time, the top-20 overlap of each
class with the exact ranking (every match ranked), and the same text queries through Wagtail's
database search backend on the same corpus as the peer line. Figures only: nothing passes or
fails on time. Budgets (DESIGN.md §4): PostgreSQL p95 ≤ 30 ms at 100k, SQLite ≤ 100 ms at
100k, autocomplete ≤ 15 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

# A review vocabulary in real word forms, roughly from frequent to rare.
VOCABULARY = """
экран батарея доставка качество цена звук камера корпус работает быстро отлично хорошо удобно покупкой доволен
телефон ноутбук планшет наушники клавиатура заряд зарядка держит день неделю месяц год пользуюсь рекомендую
яркий громкий тихий лёгкий тяжёлый тонкий прочный мягкий удобный приятный быстрый медленный шумный
греется тормозит зависает глючит ломается сломался заменили вернул обменял гарантия сервис поддержка
упаковка коробка комплект инструкция кабель провод блок питания адаптер чехол стекло плёнка подставка
игры фильмы музыка работа учёба дорога поездка дом офис кухня спальня гостиная ребёнок жена муж подарок
цвет чёрный белый серый синий красный зелёный золотой матовый глянцевый пластик металл алюминий стеклянный
пиксели матрица подсветка яркость контраст цветопередача частота герц разрешение диагональ дюймов
процессор память накопитель видеокарта охлаждение вентилятор кулер радиатор температура градусов
аккумулятор автономность часов минут зарядки быстрая беспроводная разъём порт вход выход bluetooth wifi
микрофон динамики басы шумоподавление посадка амбушюры оголовье кнопки сенсор жесты приложение обновление
прошивка настройки меню интерфейс язык русский английский инструкции отзывы магазин продавец курьер
мощность напряжение холодильник морозилка стиральная машина пылесос кофемашина микроволновка телевизор
""".split()  # noqa: SIM905  (a word list reads better as text)
PHRASES = ["батарея держит", "экран яркий", "быстрая доставка", "шумоподавление отличное", "цена качество"]
FILLER = "и в на с не что это очень но а как для уже по за все так".split()  # noqa: SIM905
RARE_WORDS = 3000  # synthetic tail words (model codes, names) appearing a handful of times
CATEGORIES = ["Ноутбуки", "Смартфоны", "Наушники", "Телевизоры", "Холодильники", "Пылесосы", "Планшеты", "Мониторы"]
BRANDS = ["ASUS", "Samsung", "Xiaomi", "Apple", "Sony", "LG", "Bosch", "Lenovo", "HONOR", "Philips"]

QUERY_CLASSES = {
    "rare word": ["зибраксон", "фелмодир", "корвантис", "лумбрика", "тразомел"],
    "common word": ["экран", "батарея", "доставка", "качество", "работает"],
    "two words": ["экран яркий", "батарея держит", "звук громкий", "корпус прочный", "доставка быстро"],
    "phrase": ['"батарея держит"', '"экран яркий"', '"быстрая доставка"', '"цена качество"', '"шумоподавление отличное"'],
    "misspelled": ["экарн", "батария", "доствка", "наушнки", "клавиатрура"],
    "wrong layout": ["'rhfy", ",fnfhtz", "yfeiybrb", "rfxtcndj", "pder"],
    "facet-filtered": ["экран", "батарея", "звук", "доставка", "корпус"],
}
AUTOCOMPLETE = ["ноу", "sam", "теле", "xia", "холо"]


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False


def _size(text: str) -> int:
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * factor)


def _rare_word(rng: random.Random) -> str:
    syllables = ["ба", "ко", "ри", "зан", "тел", "мо", "вир", "ла", "сек", "дор", "пан", "ту", "мис", "гра", "лек"]
    return "".join(rng.choice(syllables) for _ in range(rng.randint(3, 4)))


def corpus_records(size: int, seed: int = 2026):
    """``size`` review records plus one product per 100 reviews, as search records."""
    from search.records import SearchRecord

    rng = random.Random(seed)
    words = VOCABULARY + [_rare_word(rng) for _ in range(RARE_WORDS)] + [w.strip('"') for w in
                                                                          QUERY_CLASSES["rare word"]]
    weights = [1 / (rank + 1) for rank in range(len(words))]
    products = max(10, size // 100)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    records = []
    for n in range(products):
        category = n % len(CATEGORIES)
        brand = BRANDS[n % len(BRANDS)]
        title = f"{brand} {CATEGORIES[category][:-1].lower()} {rng.choice(['Pro', 'Lite', 'Max', 'S', 'X'])} {n}"
        records.append(SearchRecord(
            key=f"product:{n + 1}", kind="product", object_id=n + 1, published=True, title=title,
            body=" ".join(rng.choices(words, weights, k=30)), url=f"/p/{n + 1}/", product_id=n + 1,
            category_id=category + 1, category_title=CATEGORIES[category], category_path=f"0001{category + 1:04d}",
            brand=brand, price=Decimal(rng.randrange(3_000, 200_000)), in_stock=rng.random() < 0.8,
            rating=round(rng.uniform(2.5, 5), 2), review_count=rng.randint(0, 200), date=now - timedelta(days=n),
            popularity=float(rng.randint(0, 200)),
        ))
    for n in range(size):
        product = rng.randrange(products)
        length = rng.randint(15, 80)
        body = rng.choices(words, weights, k=length)
        for _ in range(rng.randint(0, 2)):
            body.insert(rng.randrange(len(body) + 1), rng.choice(PHRASES))
        for _ in range(length // 4):
            body.insert(rng.randrange(len(body) + 1), rng.choice(FILLER))
        rating = rng.choices([1, 2, 3, 4, 5], [8, 5, 9, 25, 53])[0]
        records.append(SearchRecord(
            key=f"review:{n + 1}", kind="review", object_id=n + 1, published=True,
            title=" ".join(rng.choices(words[:200], weights[:200], k=rng.randint(1, 4))).capitalize(),
            body=" ".join(body).capitalize() + ".", url=f"/reviews/{n + 1}/", product_id=product + 1,
            category_id=product % len(CATEGORIES) + 1, category_title=CATEGORIES[product % len(CATEGORIES)],
            category_path=f"0001{product % len(CATEGORIES) + 1:04d}", rating=float(rating),
            verified_purchase=rng.random() < 0.6, date=now - timedelta(minutes=n), popularity=rng.random(),
        ))
    return records


def _percentiles(timings: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return statistics.median(timings), cuts[94], cuts[98]


def _timed(fn, repeat: int) -> tuple[list[float], object]:
    fn()  # warm-up
    timings, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        timings.append((time.perf_counter() - start) * 1000)
    return timings, result


def _overlap(fast: list[str], exact: list[str]) -> float:
    return len(set(fast) & set(exact)) / len(exact) if exact else 1.0


def _wagtail_peer(queries: dict[str, list[str]], repeat: int, records: list) -> dict[str, list[float]]:
    """The same text queries through Wagtail's database search backend on the same corpus."""
    from wagtail.search import index
    from wagtail.search.backends import get_search_backend

    from search.models import SearchEntry

    class BenchEntry(index.Indexed, SearchEntry):
        search_fields = [index.SearchField("title", boost=2), index.SearchField("body"),
                         index.FilterField("kind"), index.FilterField("stars")]

        class Meta:
            proxy = True
            app_label = "search"

    # Wagtail gives indexed models this relation when the app registry is ready; this proxy
    # is made later, so it gets it here.
    from modelsearch.abstract_models import TextIDGenericRelation
    from wagtail.search.models import IndexEntry

    TextIDGenericRelation(IndexEntry).contribute_to_class(BenchEntry, "index_entries")
    backend = get_search_backend()
    start = time.perf_counter()
    batch = 2000
    ids = list(BenchEntry.objects.order_by("pk").values_list("pk", flat=True))
    for offset in range(0, len(ids), batch):
        backend.add_bulk(BenchEntry, list(BenchEntry.objects.filter(pk__in=ids[offset:offset + batch])))
    build = time.perf_counter() - start
    timings: dict[str, list[float]] = {"(index build s)": [build]}
    for name, texts in queries.items():
        if name in ("misspelled", "wrong layout"):
            continue
        samples: list[float] = []
        for text in texts[:2]:
            def run(text=text, name=name):
                queryset = (BenchEntry.objects.filter(kind="review", stars__gte=4) if name == "facet-filtered"
                            else BenchEntry.objects.all())
                return [e.pk for e in backend.search(text.strip('"'), queryset)[:20]]
            # Wagtail's backend can take seconds a query: a few runs are enough to compare.
            found, _result = _timed(run, 3)
            samples += found
        timings[name] = samples
    return timings


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100k", help="number of reviews: 10k, 100k (default) or 1M")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per query (default 20)")
    parser.add_argument("--no-wagtail", action="store_true", help="skip Wagtail's backend (the peer line)")
    args = parser.parse_args(argv)
    size = _size(args.size)

    _setup_django()
    from django.db import connection

    from search import selectors
    from search.engines import database, get_engine
    from search.engines.base import Filters, SearchRequest

    load_before = os.getloadavg()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        engine = get_engine("db")
        start = time.perf_counter()
        records = corpus_records(size)
        generated = time.perf_counter() - start
        start = time.perf_counter()
        engine.begin_rebuild()
        for offset in range(0, len(records), 2000):
            engine.index(records[offset:offset + 2000])
        engine.finish_rebuild()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        build = time.perf_counter() - start
        rows = []
        for name, texts in QUERY_CLASSES.items():
            filters = Filters(kinds=("review",), stars_min=4) if name == "facet-filtered" else Filters()
            samples: list[float] = []
            overlaps: list[float] = []
            totals: list[int] = []
            for text in texts:
                timings, outcome = _timed(lambda text=text, filters=filters: selectors.site_search(
                    query=text, filters=filters), args.repeat)
                samples += timings
                results = outcome.results
                totals.append(results.total if results else 0)
                searched = outcome.searched_for or text
                fast = [h.key for h in results.hits] if results else []
                database.EXACT_RANKING = True  # the reference: every match ranked in one sort
                try:
                    exact = engine.search(SearchRequest(query=searched, filters=filters, with_facets=False)).hits
                finally:
                    database.EXACT_RANKING = False
                overlaps.append(_overlap(fast, [h.key for h in exact]))
            rows.append((name, _percentiles(samples), statistics.mean(overlaps), int(statistics.median(totals))))
        samples = []
        for prefix in AUTOCOMPLETE:
            timings, _found = _timed(lambda prefix=prefix: engine.suggest(prefix), args.repeat)
            samples += timings
        rows.append(("autocomplete prefix", _percentiles(samples), None, None))
        peer = {} if args.no_wagtail else _wagtail_peer(QUERY_CLASSES, args.repeat, records)

        database_name = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
        print(f"bench.search: {size:,} reviews + {size // 100 if size >= 1000 else 10:,} products, {database_name} "
              f"({connection.settings_dict['NAME']}); corpus generated in {generated:.1f} s, "
              f"index built in {build:.1f} s ({len(records) / build:,.0f} records/s); "
              f"{args.repeat} timed runs × {len(QUERY_CLASSES['common word'])} queries per class, through "
              "selectors.site_search (facets, highlights, fallbacks included)")
        def load(figures) -> str:
            return " ".join(f"{x:.2f}" for x in figures)

        print(f"load average (1, 5, 15 min) at the start: {load(load_before)}, at the end: {load(os.getloadavg())} "
              f"on {os.cpu_count()} CPUs (other jobs inflate every figure)")
        print(f"{'class':<22}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'matches':>9}{'top-20 overlap':>16}"
              f"{'wagtail p50':>13}{'wagtail p95':>13}{'p95 ratio':>11}")
        for name, (p50, p95, p99), overlap, total in rows:
            theirs = peer.get(name)
            peer_cols = ""
            if theirs:
                t50, t95, _t99 = _percentiles(theirs) if len(theirs) > 1 else (theirs[0],) * 3
                peer_cols = f"{t50:>13.1f}{t95:>13.1f}{t95 / p95:>10.1f}×"
            overlap_col = f"{overlap:>16.2f}" if overlap is not None else f"{'':>16}"
            total_col = f"{total:>9}" if total is not None else f"{'':>9}"
            print(f"{name:<22}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}{total_col}{overlap_col}{peer_cols}")
        if peer:
            print(f"(Wagtail's database backend: index built in {peer['(index build s)'][0]:.1f} s; it has no "
                  "typo or keyboard-layout handling, so those rows have no peer; «p95 ratio» = Wagtail p95 / ours)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
