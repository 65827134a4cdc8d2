"""Demo questions and answers: real-sounding Russian Q&A on the demo products.

Questions, answers and acceptances go through the services (so other apps hear the events),
with the demo shoppers treated as trusted; votes are written in bulk and the counters rebuilt; the newcomer's question stays pending to show
pre-moderation. Some questions are accepted, some unanswered; the shop (``support``) and
verified buyers answer. Idempotent: once the demo questions are there, nothing is added.
"""

from __future__ import annotations

from datetime import timedelta

from django.test.utils import override_settings
from django.utils import timezone

from community.catalog.models import ProductPage, Purchase
from community.demo import DemoContext
from community.moderation.models import Status
from community.qa import services
from community.qa.aggregates import rebuild
from community.qa.models import Answer, AnswerVote, Question, QuestionFollow, QuestionVote

STAFF, BUYER, ANYONE = "staff", "buyer", "anyone"

# top-level category → [(question, details, [(who answers, text)], index of the accepted answer or None)]
POOLS: dict[str, list[tuple[str, str, list[tuple[str, str]], int | None]]] = {
    "Ноутбуки и компьютеры": [
        ("Можно ли добавить оперативной памяти?", "Хочу со временем поставить 32 ГБ для работы с видео.",
         [(BUYER, "Да, у меня два слота SO-DIMM, один был свободен. Докупил модуль на 16 ГБ — всё завелось сразу."),
          (STAFF, "Добрый день! В этой модели два слота DDR5, максимум 64 ГБ. Установка памяти не лишает гарантии.")], 1),
        ("Сильно ли шумит под нагрузкой?", "",
         [(BUYER, "В играх вентиляторы слышно, в наушниках не мешает. В офисных задачах почти бесшумный."),
          (ANYONE, "В фирменной утилите есть тихий режим — в нём шум заметно меньше, а FPS падает процентов на десять.")], 0),
        ("Сколько реально держит батарея?", "Интересует работа в браузере и с документами.",
         [(BUYER, "Часов 6–7 на яркости 50% с Wi‑Fi. С видео на YouTube около пяти."),
          (ANYONE, "Если переключить экран на 60 Гц, добавляется ещё около часа.")], None),
        ("Есть ли подсветка клавиатуры?", "",
         [(STAFF, "Да, подсветка белая, три уровня яркости, включается сочетанием Fn+F4.")], 0),
        ("Подойдёт ли для монтажа видео в 4K?", "Монтирую в DaVinci Resolve, ролики по 10–15 минут.",
         [(BUYER, "Монтирую 4K в Resolve на этой модели — таймлайн идёт плавно, экспорт 10 минут ролика примерно 8 минут.")], None),
        ("Какая матрица стоит — IPS или OLED?", "", [], None),
        ("Поддерживает ли зарядку по USB‑C?", "Хочу возить одну зарядку для телефона и ноутбука.",
         [(STAFF, "Да, USB‑C с Power Delivery до 100 Вт. Для полной скорости нужен блок от 65 Вт."),
          (BUYER, "Заряжаю от зарядки телефона на 45 Вт — медленно, но работает.")], 0),
        ("Можно ли установить Linux?", "", [], None),
    ],
    "Смартфоны и гаджеты": [
        ("Есть ли в комплекте зарядное устройство?", "",
         [(STAFF, "В коробке только кабель USB‑C — USB‑C, блок питания продаётся отдельно."),
          (BUYER, "Подтверждаю, блока нет. Взял оригинальный на 25 Вт, заряжает за час с небольшим.")], 0),
        ("Работает ли NFC для оплаты картой?", "",
         [(BUYER, "Да, плачу через банковское приложение каждый день, всё работает."),
          (ANYONE, "NFC есть, но проверьте, поддерживает ли ваш банк оплату телефоном.")], 0),
        ("Сколько держит аккумулятор при активном использовании?", "Соцсети, навигатор, музыка, пара часов видео.",
         [(BUYER, "При таком сценарии до вечера хватает с запасом, к ночи остаётся процентов 25."),
          (BUYER, "У меня полтора дня, но я почти не смотрю видео.")], None),
        ("Есть ли защита от воды?", "",
         [(STAFF, "Да, степень защиты IP68: выдерживает погружение до 1,5 м на 30 минут. Гарантия на попадание воды не распространяется.")], None),
        ("Как камера снимает ночью?", "", [(ANYONE, "Ночной режим хороший, но на движущихся объектах смазывает.")], None),
        ("Поддерживается ли eSIM?", "", [], None),
        ("Подойдёт ли чехол от предыдущей модели?", "",
         [(BUYER, "Не подошёл: камеры расположены иначе, пришлось купить новый.")], None),
    ],
    "Бытовая техника": [
        ("Насколько шумно работает?", "Стоит на кухне-гостиной, важна тишина вечером.",
         [(BUYER, "Тихий, слышно только при включении компрессора. В соседней комнате не слышно совсем."),
          (ANYONE, "Шум сравним с тихим разговором, меня не беспокоит.")], 0),
        ("Можно ли перевесить дверь на другую сторону?", "",
         [(STAFF, "Да, дверь перенавешивается. Это может сделать мастер сервисного центра, гарантия сохраняется.")], 0),
        ("Какой расход электроэнергии на деле?", "",
         [(BUYER, "По счётчику около 0,9 кВт·ч в сутки летом, зимой меньше.")], None),
        ("Есть ли режим защиты от детей?", "",
         [(STAFF, "Да, блокировка панели включается удержанием кнопки с замком три секунды.")], None),
        ("Входит ли установка в стоимость?", "", [], None),
        ("Сложно ли чистить?", "Смущают отзывы, что накапливается налёт.",
         [(BUYER, "Раз в месяц прогоняю программу очистки, раз в три месяца — средство от накипи. Налёта нет."),
          (ANYONE, "Главное — не забывать сливать поддон, тогда проблем не будет.")], 0),
        ("Есть ли русское меню?", "", [(STAFF, "Да, меню и инструкция на русском языке.")], 0),
    ],
    "ТВ и аудио": [
        ("Есть ли Dolby Atmos?", "",
         [(STAFF, "Да, поддерживается Dolby Atmos и DTS:X, в том числе через HDMI eARC."),
          (BUYER, "Подключил к телевизору по eARC — Atmos в фильмах работает, звук сверху ощущается.")], 0),
        ("Можно ли подключить к компьютеру по Bluetooth?", "",
         [(BUYER, "Да, подключается как обычная колонка, задержка в фильмах незаметна.")], None),
        ("Насколько громко играет на улице?", "Берём на дачу, компания человек десять.",
         [(BUYER, "На веранде на половине громкости слышно отлично, на максимуме уже перебор."),
          (ANYONE, "Басов на открытом воздухе меньше, чем в комнате, это нормально.")], 0),
        ("Есть ли Алиса или другой голосовой помощник?", "", [], None),
        ("Подойдёт ли для игровой приставки, есть ли 120 Гц?", "",
         [(STAFF, "Да, два порта HDMI 2.1 с 4K 120 Гц, VRR и ALLM.")], 0),
        ("Какая задержка при подключении по HDMI ARC?", "", [], None),
    ],
    "Комплектующие": [
        ("Хватит ли блока питания на 650 Вт?", "Процессор Ryzen 5 7600, одна SSD, три вентилятора.",
         [(BUYER, "У меня такая же связка на 650 Вт Gold — полгода без проблем, в играх потребление до 420 Вт."),
          (STAFF, "Производитель рекомендует блок от 550 Вт, так что 650 Вт с запасом.")], 0),
        ("Поместится ли в корпус mid-tower?", "", [(ANYONE, "Длина 240 мм, в большинство mid-tower встаёт без проблем.")], None),
        ("Нужен ли радиатор для SSD?", "",
         [(BUYER, "На материнской плате был штатный радиатор — с ним под нагрузкой не выше 55 °C."),
          (ANYONE, "Без радиатора при долгой записи начинается троттлинг, лучше поставить.")], 0),
        ("Есть ли в комплекте кулер?", "", [(STAFF, "Нет, это BOX-версия без кулера, нужен отдельный.")], 0),
        ("Сильно ли греется в играх?", "", [], None),
        ("Подойдёт ли для моей материнской платы на B450?", "", [], None),
    ],
}

DEFAULT_POOL = "Ноутбуки и компьютеры"
PRODUCTS_WITH_QUESTIONS = 60


def seed(context: DemoContext) -> None:
    """Add Q&A to the first products of the demo catalog (fast: a few hundred service calls)."""
    users = context.shared.get("users") or {}
    shoppers = [u for u in context.shared.get("shoppers", []) if u.username != "novice"]
    products = context.shared.get("products") or list(ProductPage.objects.order_by("pk"))
    support = users.get("support")
    if not shoppers or not products or support is None:
        context.log("qa: no demo users or products, nothing to do")
        return
    rng = context.rng
    chosen = products[:PRODUCTS_WITH_QUESTIONS]
    pool_titles = {entry[0] for pool in POOLS.values() for entry in pool}
    if Question.objects.filter(author__in=shoppers, title__in=pool_titles).exists():
        context.log(f"qa: demo questions are already there ({Question.objects.count()} questions)")
        return
    buyers: dict[int, set[int]] = {}
    for user_id, product_id in Purchase.objects.filter(product__in=chosen).values_list("user_id", "product_id"):
        buyers.setdefault(product_id, set()).add(user_id)
    by_id = {u.pk: u for u in shoppers}
    now = timezone.now()
    created = {"questions": 0, "answers": 0, "votes": 0, "accepted": 0}

    # Votes are many and need no announcement here (the experts step derives reputation from the
    # rows): they are written in bulk and the counters recomputed, which keeps the step fast.
    answer_votes: list[AnswerVote] = []
    question_votes: list[QuestionVote] = []
    follows: list[QuestionFollow] = []
    top_titles = dict(
        ProductPage.objects.filter(pk__in=[p.pk for p in chosen]).values_list("pk", "top_category__title")
    )
    # The demo shoppers are regulars of the shop: their contributions are published at once.
    with override_settings(MODERATION_PREMODERATE_FIRST=0):
        for index, product in enumerate(chosen):
            pool = POOLS.get(top_titles.get(product.pk) or "", POOLS[DEFAULT_POOL])
            count = len(pool) if index < 3 else rng.choice([0, 1, 2, 2, 3, 4])
            for title, details, answers, accepted in rng.sample(pool, min(count, len(pool))):
                asked_days_ago = rng.randint(3, 200)
                asker = rng.choice(shoppers)
                question = services.question_ask(author=asker, product=product, title=title, details=details)
                created["questions"] += 1
                posted = []
                for who, text in answers:
                    author = _answerer(who, asker=asker, support=support, shoppers=shoppers, rng=rng,
                                       buyer_ids=buyers.get(product.pk, set()), by_id=by_id, taken={a.author_id for a in posted})
                    if author is None:
                        continue
                    posted.append(services.answer_post(author=author, question=question, text=text))
                created["answers"] += len(posted)
                for answer in posted:
                    answer_votes.extend(
                        AnswerVote(answer=answer, voter=voter, value=rng.choice([1, 1, 1, 1, -1]))
                        for voter in rng.sample(shoppers, rng.randint(0, 4)) if voter.pk != answer.author_id
                    )
                voters = [v for v in rng.sample(shoppers, rng.randint(0, 3)) if v.pk != asker.pk]
                question_votes.extend(QuestionVote(question=question, voter=voter) for voter in voters)
                follows.extend(QuestionFollow(question=question, user=voter) for voter in voters)
                if accepted is not None and accepted < len(posted):
                    services.answer_accept(actor=asker, answer=posted[accepted])
                    created["accepted"] += 1
                _backdate(question, posted, now - timedelta(days=asked_days_ago), rng)

    AnswerVote.objects.bulk_create(answer_votes)
    QuestionVote.objects.bulk_create(question_votes)
    QuestionFollow.objects.bulk_create(follows, ignore_conflicts=True)
    rebuild()
    created["votes"] = len(answer_votes) + len(question_votes)

    novice = users.get("novice")
    if novice is not None and not Question.objects.filter(author=novice).exists():
        # A newcomer's first question waits for a moderator: the queue has something to show.
        services.question_ask(author=novice, product=products[0], title="Подойдёт ли этот ноутбук для учёбы на дизайнера?",
                              details="Буду работать в Figma и Photoshop, иногда в Blender.")
    context.log(
        f"qa: {created['questions']} questions, {created['answers']} answers, {created['votes']} votes, "
        f"{created['accepted']} accepted; {Question.objects.filter(status=Status.PENDING).count()} pending"
    )


def _answerer(who: str, *, asker, support, shoppers, rng, buyer_ids: set[int], by_id: dict, taken: set[int]):
    if who == STAFF:
        return support if support.pk not in taken else None
    candidates = [u for u in shoppers if u.pk != asker.pk and u.pk not in taken]
    if who == BUYER:
        owners = [by_id[pk] for pk in sorted(buyer_ids) if pk in by_id and pk != asker.pk and pk not in taken]
        if owners:
            return rng.choice(owners)
    return rng.choice(candidates) if candidates else None


def _backdate(question: Question, answers: list[Answer], asked_at, rng) -> None:
    """Spread the demo over past months: the question first, its answers hours to days later."""
    Question.objects.filter(pk=question.pk).update(created=asked_at, published_at=asked_at)
    for answer in answers:
        when = asked_at + timedelta(hours=rng.randint(1, 96))
        Answer.objects.filter(pk=answer.pk).update(created=when, published_at=when)
