"""Demo catalog: Russian categories, subcategories and products with specs and prices."""

from __future__ import annotations

import colorsys
import io
from decimal import Decimal

from django.core.files.images import ImageFile
from django.utils.text import slugify
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from community.catalog.models import CategoryPage, HomePage, ProductPage, StockStatus
from community.demo import DemoContext

# top category → {subcategory: (brands, series, price range, spec generator key)}
CATALOG: dict[str, dict[str, tuple[list[str], list[str], tuple[int, int], str]]] = {
    "Ноутбуки и компьютеры": {
        "Игровые ноутбуки": (["ASUS", "MSI", "Lenovo", "Acer"], ["ROG Strix G16", "Katana 15", "Legion 5 Pro", "Nitro V 15", "TUF Gaming A15"], (89_990, 289_990), "laptop"),
        "Ультрабуки": (["Apple", "HUAWEI", "ASUS", "HONOR"], ["MacBook Air 13", "MateBook X Pro", "Zenbook 14 OLED", "MagicBook 14"], (64_990, 189_990), "laptop"),
        "Ноутбуки для работы": (["Lenovo", "HP", "Acer", "Digma"], ["ThinkPad E14", "ProBook 450", "Aspire 5", "EVE 15"], (39_990, 109_990), "laptop"),
        "Моноблоки": (["Apple", "Lenovo", "HP"], ["iMac 24", "IdeaCentre AIO 3", "All-in-One 24"], (59_990, 199_990), "pc"),
        "Мониторы": (["Samsung", "LG", "AOC", "Xiaomi"], ["Odyssey G5", "UltraGear 27GP850", "24G2SPU", "Mi Monitor A27i"], (11_990, 79_990), "monitor"),
    },
    "Смартфоны и гаджеты": {
        "Смартфоны": (["Apple", "Samsung", "Xiaomi", "realme", "HONOR"], ["iPhone 15", "Galaxy S24", "Redmi Note 13 Pro", "12 Pro+", "X8b"], (14_990, 129_990), "phone"),
        "Планшеты": (["Apple", "Samsung", "Xiaomi", "HUAWEI"], ["iPad Air", "Galaxy Tab S9 FE", "Pad 6", "MatePad 11.5"], (19_990, 99_990), "tablet"),
        "Умные часы": (["Apple", "Samsung", "Amazfit", "HUAWEI"], ["Watch SE", "Galaxy Watch6", "GTR 4", "Watch GT 4"], (6_990, 49_990), "watch"),
        "Наушники": (["Sony", "Apple", "JBL", "Sennheiser"], ["WH-1000XM5", "AirPods Pro 2", "Tune 770NC", "Momentum 4"], (3_990, 39_990), "headphones"),
        "Электронные книги": (["PocketBook", "ONYX BOOX", "Amazon"], ["Verse Pro", "Leaf 3", "Kindle Paperwhite"], (9_990, 34_990), "ebook"),
    },
    "Бытовая техника": {
        "Холодильники": (["Bosch", "ATLANT", "Samsung", "LG"], ["Serie 4 KGN39", "ХМ 4624-101", "RB37A5000SA", "DoorCooling+ GA-B509"], (29_990, 149_990), "fridge"),
        "Стиральные машины": (["Bosch", "Haier", "Indesit", "LG"], ["Serie 6 WGA", "HW70-BP12959", "IWSE 6105", "F2J3HS2W"], (24_990, 99_990), "washer"),
        "Пылесосы": (["Dreame", "Xiaomi", "Dyson", "Tefal"], ["V12 Pro", "Robot Vacuum S10+", "V15 Detect", "X-Force Flex 12.60"], (8_990, 69_990), "vacuum"),
        "Кофемашины": (["DeLonghi", "Philips", "Krups", "Polaris"], ["Magnifica S", "EP2231 LatteGo", "Evidence One", "PACM 2080AC"], (19_990, 119_990), "coffee"),
        "Микроволновые печи": (["Samsung", "LG", "Midea", "Gorenje"], ["MS23K3513AW", "MS-2042DB", "AM820CMF", "MO17E1W"], (6_990, 24_990), "microwave"),
    },
    "ТВ и аудио": {
        "Телевизоры": (["Samsung", "LG", "Xiaomi", "Haier", "TCL"], ["QE55Q60C", "OLED55C3", "TV A Pro 55", "S1 Series 50", "55C745"], (24_990, 199_990), "tv"),
        "Саундбары": (["Samsung", "JBL", "Sony", "Yandex"], ["HW-Q700C", "Bar 500", "HT-S2000", "Станция Макс"], (9_990, 79_990), "audio"),
        "Портативные колонки": (["JBL", "Marshall", "Sony", "Yandex"], ["Charge 5", "Emberton II", "ULT Field 1", "Станция Лайт 2"], (3_990, 24_990), "audio"),
        "Проекторы": (["XGIMI", "Epson", "Wanbo"], ["MoGo 2 Pro", "EF-11", "T6 Max"], (14_990, 129_990), "projector"),
    },
    "Комплектующие": {
        "Видеокарты": (["Palit", "GIGABYTE", "ASUS", "Sapphire"], ["GeForce RTX 4060 Dual", "GeForce RTX 4070 SUPER Eagle", "Dual RTX 4060 Ti", "Pulse RX 7800 XT"], (29_990, 119_990), "gpu"),
        "Процессоры": (["AMD", "Intel"], ["Ryzen 5 7600", "Ryzen 7 7800X3D", "Core i5-14600K", "Core i7-14700F"], (14_990, 49_990), "cpu"),
        "SSD-накопители": (["Samsung", "Kingston", "WD", "Crucial"], ["990 EVO 1 ТБ", "KC3000 2 ТБ", "Black SN850X 1 ТБ", "P3 Plus 2 ТБ"], (4_990, 24_990), "ssd"),
    },
}

INTROS = {
    "Ноутбуки и компьютеры": "Ноутбуки, моноблоки и мониторы: отзывы владельцев и советы экспертов.",
    "Смартфоны и гаджеты": "Смартфоны, планшеты, часы и наушники — честные отзывы покупателей.",
    "Бытовая техника": "Техника для дома: что выбрать и как она служит годами.",
    "ТВ и аудио": "Телевизоры, саундбары и колонки: впечатления от звука и картинки.",
    "Комплектующие": "Видеокарты, процессоры и накопители для сборки и апгрейда.",
}


def _specs(kind: str, rng) -> list[dict]:
    def group(title: str, specs: list[tuple[str, str]]) -> dict:
        return {"type": "group", "value": {"title": title, "specs": [{"name": n, "value": v} for n, v in specs]}}

    c = rng.choice
    if kind in ("laptop", "pc"):
        return [
            group("Экран", [("Диагональ", c(["14″", "15,6″", "16″", "24″"])), ("Разрешение", c(["1920×1080", "2560×1600", "2880×1800"])),
                            ("Частота обновления", c(["60 Гц", "120 Гц", "144 Гц", "165 Гц"]))]),
            group("Производительность", [("Процессор", c(["Intel Core i5-13420H", "AMD Ryzen 7 7735HS", "Apple M3", "Intel Core i7-13700H"])),
                                          ("Оперативная память", c(["8 ГБ", "16 ГБ", "32 ГБ"])), ("Накопитель", c(["512 ГБ SSD", "1 ТБ SSD"])),
                                          ("Видеокарта", c(["встроенная", "GeForce RTX 4050", "GeForce RTX 4060", "GeForce RTX 4070"]))]),
            group("Прочее", [("Вес", f"{rng.uniform(1.1, 2.6):.2f} кг".replace(".", ",")), ("Время работы", f"до {rng.randint(6, 18)} ч")]),
        ]
    if kind in ("phone", "tablet", "watch", "ebook"):
        return [
            group("Экран", [("Диагональ", c(["6,1″", "6,7″", "10,9″", "1,9″", "6″"])), ("Тип матрицы", c(["OLED", "AMOLED", "IPS", "E Ink Carta 1300"]))]),
            group("Память и батарея", [("Встроенная память", c(["64 ГБ", "128 ГБ", "256 ГБ", "512 ГБ"])), ("Ёмкость аккумулятора", f"{rng.randint(3, 10) * 500} мА·ч")]),
            group("Связь", [("Беспроводные интерфейсы", c(["Wi‑Fi 6, Bluetooth 5.3, NFC", "Wi‑Fi 5, Bluetooth 5.0", "Bluetooth 5.2"]))]),
        ]
    if kind in ("fridge", "washer", "vacuum", "coffee", "microwave"):
        return [
            group("Основные", [("Класс энергопотребления", c(["A", "A+", "A++"])), ("Мощность", f"{rng.randint(2, 24) * 100} Вт"),
                               ("Уровень шума", f"{rng.randint(36, 72)} дБ")]),
            group("Габариты", [("Ширина", f"{rng.randint(25, 70)} см"), ("Высота", f"{rng.randint(30, 200)} см"), ("Гарантия", c(["1 год", "2 года", "3 года"]))]),
        ]
    if kind in ("tv", "monitor", "projector"):
        return [
            group("Изображение", [("Диагональ", c(["27″", "43″", "50″", "55″", "65″"])), ("Разрешение", c(["4K UHD", "Full HD", "QHD"])),
                                   ("HDR", c(["HDR10", "HDR10+, Dolby Vision", "нет"]))]),
            group("Подключение", [("HDMI", str(rng.randint(1, 4))), ("Smart TV", c(["Tizen", "webOS", "Google TV", "нет"]))]),
        ]
    if kind in ("audio", "headphones"):
        return [
            group("Звук", [("Мощность", f"{rng.randint(2, 60) * 5} Вт"), ("Частотный диапазон", "20–20 000 Гц"),
                           ("Шумоподавление", c(["активное", "пассивное", "нет"]))]),
            group("Питание", [("Время работы", f"до {rng.randint(8, 40)} ч"), ("Зарядка", c(["USB Type‑C", "беспроводная"]))]),
        ]
    return [
        group("Характеристики", [("Интерфейс", c(["PCIe 4.0 x16", "PCIe 4.0 x4", "LGA1700", "AM5"])),
                                 ("Тепловыделение", f"{rng.randint(5, 30) * 10} Вт"), ("Гарантия", c(["3 года", "5 лет"]))]),
    ]


# Silhouettes per kind of product: (shape, box, radius, colour) with colour "d"ark or "l"ight.
_SHAPES: dict[str, list[tuple]] = {
    "phone": [("rr", (320, 90, 480, 510), 28, "d"), ("rr", (335, 120, 465, 470), 10, "l")],
    "tablet": [("rr", (230, 110, 570, 490), 26, "d"), ("rr", (250, 130, 550, 470), 10, "l")],
    "watch": [("rr", (360, 90, 440, 200), 10, "d"), ("rr", (360, 400, 440, 510), 10, "d"),
              ("rr", (320, 190, 480, 410), 40, "d"), ("rr", (340, 210, 460, 390), 28, "l")],
    "headphones": [("arc", (250, 110, 550, 410), 28, "d"), ("rr", (230, 260, 310, 420), 30, "d"),
                   ("rr", (490, 260, 570, 420), 30, "d")],
    "tv": [("rr", (170, 120, 630, 400), 16, "d"), ("rr", (185, 135, 615, 385), 8, "l"),
           ("rr", (385, 400, 415, 450), 0, "d"), ("rr", (310, 445, 490, 470), 10, "d")],
    "fridge": [("rr", (290, 80, 510, 520), 18, "d"), ("rr", (300, 226, 500, 234), 0, "l"),
               ("rr", (470, 110, 484, 200), 6, "l")],
    "washer": [("rr", (290, 80, 510, 520), 18, "d"), ("ellipse", (330, 220, 470, 360), 0, "l"),
               ("ellipse", (355, 245, 445, 335), 0, "d")],
    "appliance": [("rr", (220, 200, 580, 420), 30, "d"), ("ellipse", (330, 240, 470, 380), 0, "l")],
    "audio": [("rr", (200, 230, 600, 390), 70, "d"), ("ellipse", (250, 270, 330, 350), 0, "l"),
              ("ellipse", (360, 270, 440, 350), 0, "l"), ("ellipse", (470, 270, 550, 350), 0, "l")],
    "component": [("rr", (190, 200, 610, 400), 14, "d"), ("ellipse", (230, 230, 370, 370), 0, "l"),
                  ("ellipse", (430, 230, 570, 370), 0, "l")],
    "laptop": [("rr", (200, 140, 600, 400), 28, "d"), ("rr", (225, 165, 575, 375), 14, "l"),
               ("rr", (150, 410, 650, 440), 12, "d")],
}
_SHAPE_OF_KIND = {
    "ebook": "phone", "monitor": "tv", "pc": "tv", "projector": "appliance", "vacuum": "appliance",
    "coffee": "appliance", "microwave": "appliance", "gpu": "component", "cpu": "component", "ssd": "component",
}


def _draw_device(draw: ImageDraw.ImageDraw, kind: str, dark: tuple, light: tuple) -> None:
    """A simple silhouette per kind of product, so cards look like a real catalog."""
    for shape, box, radius, colour in _SHAPES.get(_SHAPE_OF_KIND.get(kind, kind), _SHAPES["laptop"]):
        fill = dark if colour == "d" else light
        if shape == "rr":
            draw.rounded_rectangle(box, radius=radius, fill=fill)
        elif shape == "ellipse":
            draw.ellipse(box, fill=fill)
        else:
            draw.arc(box, 180, 360, fill=fill, width=radius)


def _placeholder_image(title: str, hue: float, kind: str):
    """A clean generated product picture (no files fetched): a tinted card with a device shape."""
    width, height = 800, 600
    r, g, b = (int(x * 255) for x in colorsys.hls_to_rgb(hue, 0.92, 0.55))
    dark = tuple(int(x * 255) for x in colorsys.hls_to_rgb(hue, 0.35, 0.55))
    picture = PILImage.new("RGB", (width, height), (r, g, b))
    _draw_device(ImageDraw.Draw(picture), kind, dark, (r, g, b))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    image_model = get_image_model()
    return image_model.objects.create(title=title, file=ImageFile(buffer, name=f"demo-{slugify(_translit(title)) or 'product'}.png"))


def _home_page() -> HomePage:
    home = HomePage.objects.first()
    if home:
        return home
    root = Page.get_first_root_node()
    # Wagtail's placeholder "Welcome" page holds the slug "home": move it aside first.
    Page.objects.filter(depth=2, slug="home").update(slug="wagtail-welcome")
    home = root.add_child(instance=HomePage(
        title="Сообщество покупателей",
        slug="home",
        intro="Отзывы, вопросы и ответы покупателей и экспертов. Выбирайте технику вместе с теми, кто ею уже пользуется.",
    ))
    site = Site.objects.filter(is_default_site=True).first()
    old_root = site.root_page if site else None
    if site:
        site.root_page = home
        site.site_name = "Сообщество магазина"
        site.save()
    else:
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="Сообщество магазина")
    # Wagtail's placeholder "Welcome" page is not part of the shop.
    if old_root and old_root.pk != home.pk and old_root.depth == 2 and not isinstance(old_root.specific, HomePage):
        old_root.delete()
    return home


def seed(context: DemoContext) -> None:
    rng = context.rng
    home = _home_page()
    existing_skus = set(ProductPage.objects.values_list("sku", flat=True))
    subcategories: list[tuple[CategoryPage, str, tuple]] = []
    for index, (top_title, subs) in enumerate(CATALOG.items()):
        top = CategoryPage.objects.child_of(home).filter(title=top_title).first()
        if top is None:
            top = home.add_child(instance=CategoryPage(title=top_title, slug=slugify(_translit(top_title)), intro=INTROS[top_title]))
        for sub_title, spec in subs.items():
            sub = CategoryPage.objects.child_of(top).filter(title=sub_title).first()
            if sub is None:
                sub = top.add_child(instance=CategoryPage(title=sub_title, slug=slugify(_translit(sub_title)),
                                                          intro=f"{sub_title}: отзывы покупателей, вопросы и ответы."))
            subcategories.append((sub, top_title, spec))
        context.shared.setdefault("top_categories", []).append(top)
        del index
    context.shared["subcategories"] = [s for s, _t, _spec in subcategories]

    images: dict[int, object] = {}
    taken_prices = set(ProductPage.objects.values_list("price", flat=True))
    plan = []
    for number in range(context.products):
        sub, _top_title, (brands, series, (low, high), kind) = subcategories[number % len(subcategories)]
        sku = f"DEMO-{number + 1:05d}"
        if sku in existing_skus:
            continue
        plan.append((number, sub, brands, series, low, high, kind, sku))
    for number, sub, brands, series, low, high, kind, sku in context.track(plan, total=len(plan), desc="products"):
        # Series and brands are listed in step: a model always carries its own maker's name. The
        # k-th product of a series is its k-th variant, so every title is different.
        occurrence = number // len(subcategories)
        line_index, k = occurrence % len(series), occurrence // len(series)
        brand, line = brands[line_index % len(brands)], series[line_index]
        title = f"{brand} {line}{_variant(k)}"
        if sub.pk not in images:
            images[sub.pk] = _placeholder_image(sub.title, (sub.pk * 0.137) % 1, kind)
        price = _price(low, high, line_index, len(series), k, taken_prices)
        stock = rng.choices(list(StockStatus.values), weights=[70, 12, 14, 4])[0]
        product = ProductPage(
            title=title, slug=f"{slugify(_translit(title))}-{number + 1}", brand=brand, sku=sku, price=price,
            summary=f"{title} в разделе «{sub.title}»: характеристики, отзывы покупателей и ответы экспертов.",
            description=(f"<p>{title} — популярная модель в разделе «{sub.title}». Покупатели отмечают сборку, "
                         f"удобство и соотношение цены и качества.</p><ul><li>Официальная гарантия</li>"
                         f"<li>Доставка и самовывоз</li></ul>"),
            specs=_specs(kind, rng), main_image=images[sub.pk], stock_status=stock,
            stock_quantity=0 if stock == StockStatus.OUT_OF_STOCK else rng.randint(1, 60),
        )
        sub.add_child(instance=product)
    context.shared["products"] = list(ProductPage.objects.order_by("pk"))
    context.log(f"catalog: {CategoryPage.objects.count()} categories, {ProductPage.objects.count()} products")


_YEARS = ["", " (2024)", " (2025)"]
_COLOURS = ["", ", чёрный", ", белый", ", серый"]


def _variant(k: int) -> str:
    """The k-th variant of a model: the model itself, then its colours, then later years."""
    if k < len(_YEARS) * len(_COLOURS):
        return _YEARS[k // len(_COLOURS)] + _COLOURS[k % len(_COLOURS)]
    return f" (версия {k + 1})"


def _price(low: int, high: int, line_index: int, lines: int, k: int, taken: set) -> Decimal:
    """A plausible price no other demo product has: series placed in step across the
    subcategory's range, each later variant a little dearer (ending in 90 roubles)."""
    step = (high - low) / max(lines, 1)
    base = low + step * line_index + step * 0.4
    price = Decimal(int(base * (1 + 0.04 * k)) // 1000 * 1000 - 10)
    while price in taken:
        price += 100
    taken.add(price)
    return price


_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", [
    "a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f",
    "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"], strict=True))


def _translit(text: str) -> str:
    return "".join(_TRANSLIT.get(ch, _TRANSLIT.get(ch.lower(), ch)) for ch in text.lower())
