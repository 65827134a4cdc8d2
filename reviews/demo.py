"""Demo reviews: realistic Russian reviews with a natural rating spread, helpful votes, photos,
verified purchases, a few pending and flagged ones and replies from the shop.

Idempotent: when reviews exist the step adds nothing. Fast: rows are bulk-created and the
aggregates computed once at the end by the same rebuild the command uses (so they are exact).
"""

from __future__ import annotations

import colorsys
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from PIL import Image, ImageDraw

from community.accounts.models import Profile
from community.catalog.models import ProductPage, Purchase
from community.demo import DEMO_PASSWORD, DemoContext
from community.moderation.models import Status
from community.moderation.services import flag
from community.text import sanitize
from reviews import aggregates, services
from reviews import photos as photo_files
from reviews.fake_signals import detect_fake_reviews
from reviews.models import Review, ReviewPhoto, ReviewRevision, ReviewVote

# Extra reviewers beside the demo shoppers, so that popular products get a dozen reviews.
REVIEWERS = [
    ("maxim_k", "Максим К."), ("alina", "Алина"), ("vlad_t", "Владислав Т."), ("marina.s", "Марина С."),
    ("egor", "Егор"), ("yulia_p", "Юлия П."), ("kirill", "Кирилл"), ("svetlana", "Светлана М."),
    ("roman_v", "Роман В."), ("daria", "Дарья"), ("nikita_z", "Никита З."), ("polina", "Полина"),
    ("andrey_m", "Андрей М."), ("tatiana", "Татьяна Л."), ("igor", "Игорь"), ("vera_n", "Вера Н."),
    ("stepan", "Степан"), ("kristina", "Кристина Б."), ("oleg_f", "Олег Ф."), ("lyudmila", "Людмила"),
    ("timur", "Тимур"), ("evgenia", "Евгения Р."), ("denis_g", "Денис Г."), ("anastasia", "Анастасия"),
    ("ruslan", "Руслан"), ("valeria", "Валерия К."), ("grigory", "Григорий"), ("sofia_d", "София Д."),
    ("mikhail", "Михаил"), ("irina_v", "Ирина В."), ("boris", "Борис"), ("ekaterina", "Екатерина"),
]

# The natural shape of ratings online: many fives, some ones, few in the middle.
RATING_WEIGHTS = {5: 44, 4: 26, 3: 11, 2: 7, 1: 12}

TITLES = {
    5: ["Отличная покупка", "Рекомендую!", "Лучшее за свои деньги", "Превзошёл ожидания", "Очень доволен",
        "Ни разу не пожалел", "Просто супер", "Всё как в описании"],
    4: ["Хороший, но есть нюансы", "В целом доволен", "Добротная вещь", "Почти идеально", "Стоит своих денег"],
    3: ["Средне", "Ожидал большего", "Нормально, но не более", "Есть вопросы к качеству"],
    2: ["Разочарован", "Не рекомендую", "Много недостатков"],
    1: ["Брак", "Ужасно", "Сломался через неделю", "Деньги на ветер"],
}

OPENINGS = {
    5: ["Пользуюсь уже {period}, полёт нормальный.", "Выбирал долго, сравнивал с конкурентами — остановился на этом и не пожалел.",
        "Брал на замену старому, разница огромная.", "Купил по совету друга, теперь сам всем советую."],
    4: ["Пользуюсь {period}, в целом всё устраивает.", "Хорошая модель за свои деньги, но идеальной не назову.",
        "Брал по акции, за эту цену — отлично."],
    3: ["Пользуюсь {period}, впечатления смешанные.", "Вещь неплохая, но ожидания были выше."],
    2: ["Пользуюсь {period} и уже жалею о покупке.", "Надеялся на большее, увы."],
    1: ["Через {period} начались проблемы.", "Сразу после покупки обнаружил дефект."],
}
PERIODS = ["две недели", "месяц", "три месяца", "полгода", "почти год", "больше года"]
CLOSINGS = {
    5: ["Однозначно рекомендую.", "Покупкой очень доволен, спасибо магазину за быструю доставку.", "Берите, не пожалеете."],
    4: ["За эти деньги — хороший вариант.", "Рекомендую, если мелкие недочёты не смущают.", "Поставил бы 4,5."],
    3: ["Если найдёте дешевле — можно брать.", "Стоит присмотреться к альтернативам."],
    2: ["Не советую, лучше доплатить за модель классом выше.", "Буду пытаться вернуть."],
    1: ["Сдал по гарантии, жду решения.", "Не покупайте.", "Магазин оформил возврат, но осадок остался."],
}

# Topic phrases by top-level category: (praise, complaints).
TOPICS = {
    "Ноутбуки и компьютеры": (
        ["экран яркий и без засветов", "клавиатура удобная, с подсветкой", "батарея держит весь рабочий день",
         "в играх не тормозит даже на высоких настройках", "корпус не прогибается", "система охлаждения справляется"],
        ["под нагрузкой шумит вентилятор", "блок питания громоздкий", "корпус собирает отпечатки",
         "мало портов USB", "греется в играх", "предустановлено много лишнего софта"],
    ),
    "Смартфоны и гаджеты": (
        ["камера снимает отлично даже вечером", "заряда хватает на два дня", "экран плавный и яркий",
         "быстрая зарядка действительно быстрая", "удобно лежит в руке", "звук громкий и чистый"],
        ["нет зарядки в комплекте", "скользкий, нужен чехол", "нагревается при зарядке",
         "ночью камера шумит", "обновления приходят редко", "маловато памяти"],
    ),
    "Бытовая техника": (
        ["работает тихо", "простое и понятное управление", "качественная сборка", "экономно расходует электричество",
         "легко мыть и обслуживать", "выглядит стильно"],
        ["шумнее, чем ожидал", "короткий сетевой шнур", "инструкция непонятная",
         "пластик кажется хрупким", "неудобный лоток", "пищит на всю квартиру"],
    ),
    "ТВ и аудио": (
        ["картинка яркая и чёткая", "звук объёмный, басы хорошие", "быстрое и удобное меню", "легко подключился к телефону",
         "пульт удобный", "приложения работают без тормозов"],
        ["пульт неудобный", "на низкой громкости слышен шум", "подставка шатается",
         "иногда теряет Wi-Fi", "меню медленное", "засветы по краям в темноте"],
    ),
    "Комплектующие": (
        ["производительность выше ожиданий", "температуры в норме", "установка заняла пять минут",
         "работает тихо", "отличное соотношение цены и скорости", "драйверы встали без проблем"],
        ["коробка пришла помятой", "шумит под нагрузкой", "нужен более мощный блок питания",
         "в комплекте нет переходника", "греется без дополнительного охлаждения", "цена завышена"],
    ),
}
DEFAULT_TOPIC = TOPICS["Ноутбуки и компьютеры"]

REPLIES = [
    "Здравствуйте! Спасибо, что рассказали о проблеме. Мы связались с вами по почте и оформили замену по гарантии.",
    "Спасибо за отзыв! Жаль, что товар не оправдал ожиданий. Если захотите вернуть его, напишите в поддержку — всё оформим.",
    "Благодарим за подробный отзыв! Рады, что покупка понравилась.",
]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _review_text(rng, rating: int, topic) -> tuple[str, str, str, str]:
    """(title, text, pros, cons) for one review of ``rating``."""
    praise, complaints = topic
    good = rng.sample(praise, k=min(len(praise), 2 if rating >= 4 else 1))
    bad = rng.sample(complaints, k=min(len(complaints), 1 if rating >= 4 else 2))
    parts = [rng.choice(OPENINGS[rating]).format(period=rng.choice(PERIODS))]
    if rating >= 4:
        parts.append(f"Из плюсов: {', '.join(good)}.")
        if rating == 4:
            parts.append(f"Из минусов — {bad[0]}.")
    elif rating == 3:
        parts.append(f"{_sentence(good[0])} Но {', '.join(bad)}.")
    else:
        parts.append(f"{_sentence(bad[0])} К тому же {bad[-1]}.")
    paragraphs = [" ".join(parts)]
    if rng.random() < 0.45:
        paragraphs.append(rng.choice(CLOSINGS[rating]))
    text = "\n\n".join(paragraphs)
    pros = "\n".join(_sentence(p) for p in good) if rng.random() < 0.8 else ""
    cons = "\n".join(_sentence(c) for c in bad) if rng.random() < 0.7 else ""
    if rating >= 4 and rng.random() < 0.3:
        cons = "Существенных нет."
    return rng.choice(TITLES[rating]), text, pros, cons


def _photo(rng, hue: float) -> photo_files.ProcessedPhoto:
    """A shopper's snapshot: a device on a table under warm light (generated, nothing fetched)."""
    width, height = 640, 480
    table = tuple(int(x * 255) for x in colorsys.hls_to_rgb(rng.uniform(0.06, 0.1), rng.uniform(0.45, 0.7), 0.35))
    wall = tuple(int(x * 255) for x in colorsys.hls_to_rgb(rng.uniform(0.08, 0.6), 0.88, 0.2))
    device = tuple(int(x * 255) for x in colorsys.hls_to_rgb(hue, rng.uniform(0.15, 0.45), 0.4))
    image = Image.new("RGB", (width, height), wall)
    draw = ImageDraw.Draw(image)
    horizon = rng.randint(170, 250)
    draw.rectangle((0, horizon, width, height), fill=table)
    for y in range(horizon, height, 12):  # wood grain
        shade = tuple(max(0, c - rng.randint(4, 14)) for c in table)
        draw.line((0, y, width, y + rng.randint(-6, 6)), fill=shade, width=2)
    w, h = rng.randint(170, 320), rng.randint(110, 210)
    x, y = rng.randint(50, width - w - 50), horizon + rng.randint(-h // 2, 40)
    draw.ellipse((x - 14, y + h - 14, x + w + 28, y + h + 28), fill=tuple(int(c * 0.7) for c in table))
    draw.rounded_rectangle((x, y, x + w, y + h), radius=rng.randint(8, 30), fill=device)
    screen = tuple(min(255, c + 90) for c in device)
    draw.rounded_rectangle((x + 10, y + 10, x + w - 10, y + h - 10), radius=8, fill=screen)
    full, fw, fh = photo_files.encode_webp(image, photo_files.FULL_SIZE)
    thumb, tw, th = photo_files.encode_webp(image, photo_files.THUMBNAIL_SIZE)
    return photo_files.ProcessedPhoto(full, fw, fh, thumb, tw, th)


def _reviewers(context: DemoContext) -> list:
    """The demo shoppers plus extra reviewer accounts (same demo password), created once."""
    user_model = get_user_model()
    existing = {u.username: u for u in user_model.objects.filter(username__in=[u for u, _n in REVIEWERS])}
    password = make_password(DEMO_PASSWORD)  # hashed once: the slow part of creating users
    now = timezone.now()
    new = [user_model(username=u, email=f"{u}@example.ru", password=password,
                      date_joined=now - timedelta(days=context.rng.randint(60, 900)))
           for u, _n in REVIEWERS if u not in existing]
    if new:
        user_model.objects.bulk_create(new)
        created = user_model.objects.filter(username__in=[u.username for u in new])
        names = dict(REVIEWERS)
        Profile.objects.bulk_create([Profile(user=u, display_name=names[u.username], email_verified=True)
                                     for u in created], ignore_conflicts=True)
        Profile.objects.filter(user__in=created).update(email_verified=True)
    extra = list(user_model.objects.filter(username__in=[u for u, _n in REVIEWERS]).order_by("pk"))
    shoppers = context.shared.get("shoppers") or []
    return [u for u in shoppers if u.username != "novice"] + extra


def seed(context: DemoContext) -> None:
    if Review.objects.exists():
        context.log(f"reviews: already there ({Review.objects.count()} reviews)")
        return
    with photo_files.files_removed_on_failure() as written:
        _seed(context, written)


def _seed(context: DemoContext, written: list[str]) -> None:
    rng = context.rng
    products = context.shared.get("products") or list(ProductPage.objects.live().order_by("pk"))
    if not products:
        return
    authors = _reviewers(context)
    users = context.shared.get("users", {})
    topic_of_top = {top.pk: TOPICS.get(top.title, DEFAULT_TOPIC) for top in context.shared.get("top_categories", [])}
    bought = set(Purchase.objects.values_list("user_id", "product_id"))
    now = timezone.now()
    ratings, weights = list(RATING_WEIGHTS), list(RATING_WEIGHTS.values())

    reviews: list[Review] = []
    purchases: list[Purchase] = []
    for product in context.track(products, total=len(products), desc="reviews"):
        # Popularity varies a lot: many products with a few reviews, some with a dozen or more.
        count = min(len(authors), int(rng.paretovariate(1.3)) - 1 + rng.choice([0, 0, 1, 2, 3]))
        if count <= 0:
            continue
        buyers = [a for a in authors if (a.pk, product.pk) in bought]
        others = [a for a in authors if (a.pk, product.pk) not in bought]
        chosen = rng.sample(buyers, min(len(buyers), count)) + rng.sample(others, max(0, count - len(buyers)))
        quality = rng.uniform(-1.0, 1.0)  # some products are simply better than others
        topic = topic_of_top.get(product.top_category_id, DEFAULT_TOPIC)
        for author in chosen[:count]:
            rating = rng.choices(ratings, weights=[w * (1 + quality * (r - 3) / 4) for r, w in zip(ratings, weights, strict=True)])[0]
            title, text, pros, cons = _review_text(rng, rating, topic)
            verified = (author.pk, product.pk) in bought
            if not verified and rng.random() < 0.35:
                purchases.append(Purchase(user=author, product=product, order_ref=f"DEMO-R-{author.pk}-{product.pk}",
                                          purchased_at=now - timedelta(days=rng.randint(30, 400))))
                verified = True
            body, plus, minus = sanitize(text), sanitize(pros, required=False), sanitize(cons, required=False)
            reviews.append(Review(
                author=author, product=product, rating=rating, title=title,
                text=body.source, text_html=body.html, pros=plus.source, pros_html=plus.html,
                cons=minus.source, cons_html=minus.html, verified_purchase=verified, status=Status.PUBLISHED,
            ))
    Purchase.objects.bulk_create(purchases, ignore_conflicts=True)
    Review.objects.bulk_create(reviews, batch_size=500)
    reviews = list(Review.objects.filter(product__in=products).order_by("pk"))
    for review in reviews:  # auto_now_add set "now": spread the dates over a year and a half
        review.created = now - timedelta(days=rng.randint(1, 540), minutes=rng.randint(0, 1440))
    Review.objects.bulk_update(reviews, ["created"], batch_size=500)

    _votes(context, reviews, authors)
    _photos(context, reviews, written)
    _edits(context, reviews)
    novice = users.get("novice")
    if novice is not None:  # a new user's first reviews wait for the moderators
        for product in rng.sample(products, min(2, len(products))):
            if not Review.objects.filter(author=novice, product=product).exists():
                title, text, pros, cons = _review_text(rng, 5, DEFAULT_TOPIC)
                services.review_create(author=novice, product=product, rating=5, title=title, text=text,
                                       pros=pros, cons=cons)
    _fake_wave(context, products)
    aggregates.review_aggregates_rebuild()
    _flags_and_replies(context, reviews, authors, users)
    signals = detect_fake_reviews()
    context.log(f"reviews: fake-review signals raised {signals.raised} queue items")
    context.log(f"reviews: {Review.objects.count()} reviews, {ReviewVote.objects.count()} votes, "
                f"{ReviewPhoto.objects.count()} photos")


PROMO_ACCOUNTS = [("best_deals_24", "Лучшие цены"), ("happy_buyer_77", "Довольный покупатель"),
                  ("top_review_5", "Отзывчик"), ("supershop_fan", "Фанат магазина"), ("mega_sale_ru", "Мега скидки")]
PROMO_TEXT = ("Лучший товар который я покупал, качество отличное, доставка мгновенная, цена супер, "
              "всем советую брать только здесь, пять звёзд без раздумий")


def _fake_wave(context: DemoContext, products: list) -> None:
    """A paid-review wave for the signals to catch: five three-day-old accounts give one product
    five stars within hours, two of them with the same text."""
    user_model = get_user_model()
    target = products[len(products) // 2]
    now = timezone.now()
    for index, (username, name) in enumerate(PROMO_ACCOUNTS):
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = user_model.objects.create_user(username=username, email=f"{username}@example.ru",
                                                  password=DEMO_PASSWORD)
            user_model.objects.filter(pk=user.pk).update(date_joined=now - timedelta(days=3))
            Profile.objects.update_or_create(user=user, defaults={"display_name": name})
            user.refresh_from_db()
        if Review.objects.filter(author=user, product=target).exists():
            continue
        text = PROMO_TEXT if index < 2 else f"{PROMO_TEXT.split(',')[index]}. Отличный товар, рекомендую!"
        review = services.review_create(author=user, product=target, rating=5, title="Супер!", text=text)
        Review.objects.filter(pk=review.pk).update(created=now - timedelta(hours=2 + index * 3))


def _votes(context: DemoContext, reviews: list[Review], voters: list) -> None:
    rng = context.rng
    votes = []
    for review in reviews:
        # Long, balanced reviews collect more (and more helpful) votes.
        n = min(len(voters) - 1, int(rng.expovariate(1 / (2 + len(review.text) / 150))))
        share = 0.55 + 0.3 * (review.rating in (2, 3, 4)) + (0.1 if review.cons else 0)
        for voter in rng.sample([v for v in voters if v.pk != review.author_id], n):
            votes.append(ReviewVote(voter=voter, review=review, helpful=rng.random() < share))
    votes = ReviewVote.objects.bulk_create(votes, batch_size=1000)
    # auto_now_add stamped "now": spread the votes over the weeks after each review (locked, old,
    # and not in bursts that the Experts' anti-fraud would take for serial voting).
    now = timezone.now()
    review_dates = {review.pk: review.created for review in reviews}
    for vote in votes:
        vote.created = vote.updated = min(now - timedelta(hours=1),
                                          review_dates[vote.review_id] + timedelta(hours=rng.randint(2, 24 * 60)))
    ReviewVote.objects.bulk_update(votes, ["created", "updated"], batch_size=500)


def _photos(context: DemoContext, reviews: list[Review], written: list[str]) -> None:
    rng = context.rng
    rows = []
    for review in rng.sample(reviews, max(1, len(reviews) // 12)):
        for position in range(rng.choice([1, 1, 1, 2, 2, 3])):
            photo = _photo(rng, hue=(review.product_id * 0.137) % 1)
            full_name, thumbnail_name = photo_files.write_files(photo, written)
            rows.append(ReviewPhoto(review=review, image=full_name, width=photo.width, height=photo.height,
                                    thumbnail=thumbnail_name, thumbnail_width=photo.thumbnail_width,
                                    thumbnail_height=photo.thumbnail_height, position=position,
                                    status=Status.PUBLISHED))
    ReviewPhoto.objects.bulk_create(rows)


def _edits(context: DemoContext, reviews: list[Review]) -> None:
    """A few authors came back and changed their mind (history kept, "edited" shown)."""
    rng = context.rng
    for review in rng.sample(reviews, min(len(reviews), 6)):
        ReviewRevision.objects.create(review=review, editor=review.author, rating=min(5, review.rating + 1),
                                      title=review.title, text=review.text, pros=review.pros, cons=review.cons)
        addition = sanitize(review.text + "\n\nДополнение через месяц: впечатления не изменились.")
        Review.objects.filter(pk=review.pk).update(text=addition.source, text_html=addition.html,
                                                   edited_at=review.created + timedelta(days=30))


def _flags_and_replies(context: DemoContext, reviews: list[Review], authors: list, users: dict) -> None:
    rng = context.rng
    for review in rng.sample(reviews, min(len(reviews), 4)):
        for reporter in rng.sample([a for a in authors if a.pk != review.author_id], rng.choice([1, 2])):
            flag(reporter=reporter, content=review, reason=rng.choice(["spam", "off_topic", "fake"]),
                 text=rng.choice(["", "Похоже на рекламу", "Отзыв не о товаре"]))
    support = users.get("support")
    if support is None:
        return
    negative = [r for r in reviews if r.rating <= 2][:2]
    positive = [r for r in reviews if r.rating == 5][:1]
    for review, text in zip(negative + positive, REPLIES, strict=False):
        services.review_reply(author=support, review=review, text=text)
