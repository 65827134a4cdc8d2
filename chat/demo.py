"""Demo chat: product discussions, direct conversations, the Experts' lounge and support
tickets in every status. Idempotent (each part is added once) and fast (no broadcasts)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models import Max
from django.utils import timezone

from chat.models import Membership, Message, Room, RoomKind
from chat.services import direct_key
from chat.support.models import CannedReply, Counter, Ticket, TicketNote, TicketStatus, TicketTag
from community.demo import DemoContext
from community.moderation.models import Status
from community.moderation.services import flag
from community.text import sanitize_inline

# Product discussions: (speaker slot, text); slots are filled with different shoppers.
PRODUCT_TALKS = [
    [
        (0, "Кто уже купил {title}? Как первые впечатления?"),
        (1, "Взял две недели назад. Собран хорошо, ничего не скрипит, доволен."),
        (2, "А доставка сколько шла? Мне пишут «3–5 дней»."),
        (1, "Мне привезли за два дня, курьер позвонил за час."),
        (0, "Спасибо! Тогда заказываю."),
    ],
    [
        (0, "Подскажите, у {title} гарантия от магазина или от производителя?"),
        (1, "Официальная, год. Чек и гарантийный талон были в коробке."),
        (2, "Добавлю: если что-то не так в первые 14 дней, магазин меняет без вопросов — проверено."),
        (0, "Отлично, это важно."),
    ],
    [
        (0, "Сравниваю {title} с моделью подороже. Есть смысл переплачивать?"),
        (1, "Для дома — нет. Разница заметна только в тяжёлых сценариях."),
        (2, "Я бы переплатил, если планируете пользоваться лет пять. Запас не помешает."),
        (3, "Поддержу первого: лучше на сэкономленное взять нормальный аксессуар."),
        (0, "Понял, спасибо всем, взвешу."),
    ],
    [
        (0, "Шумит ли {title} под нагрузкой? В обзорах пишут по-разному."),
        (1, "Под нагрузкой слышно, но не раздражает. В простое почти тихо."),
        (0, "А в тихой комнате ночью?"),
        (1, "Ночью я бы не стал нагружать 🙂 В обычном режиме не мешает."),
    ],
    [
        (0, "Есть у кого {title}? Что в комплекте, кабель нормальный?"),
        (1, "Кабель короткий, около метра. Я сразу докупил подлиннее."),
        (2, "Инструкция только на английском, но всё интуитивно понятно."),
    ],
    [
        (0, "Сегодня на {title} скидка, кто-нибудь знает, это надолго?"),
        (1, "Обычно такие акции до конца недели."),
        (2, "Я брал по такой же цене в прошлом месяце, так что она повторяется."),
        (0, "Не буду ждать, беру сейчас."),
        (3, "Правильно, потом может не оказаться в наличии."),
    ],
    [
        (0, "Как {title} после полугода использования? Ничего не отвалилось?"),
        (1, "Полёт нормальный. Единственное — корпус собирает отпечатки пальцев."),
        (2, "У меня так же, всё работает. Обновления приходят регулярно."),
    ],
    [
        (0, "Кто-нибудь подключал {title} к умному дому? Есть интеграция?"),
        (1, "Через приложение производителя — да, с Алисой работает."),
        (0, "Супер, это то, что нужно."),
    ],
]

OFFLINE_MESSAGES = ("Анна, акция на наушники началась!", "До воскресенья скидка 20%.")

DIRECT_TALKS = [
    ("anna", "dmitry", [
        (0, "Дмитрий, привет! Видела твой отзыв про наушники. Правда шумоподавление такое хорошее?"),
        (1, "Привет! Да, в метро спасает. Но в тишине слышно лёгкое шипение."),
        (0, "Поняла, спасибо! А по звуку с чем сравнивал?"),
        (1, "С прошлой моделью той же фирмы. Бас стал аккуратнее, середина чище."),
        (1, "Если будешь брать — подожди акцию, обычно раз в месяц бывает."),
    ]),
    ("olga", "sergey", [
        (0, "Сергей, добрый вечер! Вы писали, что собирали компьютер сами. Можно совет?"),
        (1, "Конечно, спрашивайте."),
        (0, "Хочу тихий компьютер для работы с фото. Какую видеокарту посмотреть?"),
        (1, "Для фото хватит среднего уровня. Важнее монитор с хорошим цветом и SSD побольше."),
        (0, "Спасибо большое, это очень помогло!"),
    ]),
    ("elena", "ivan", [
        (0, "Иван, здравствуйте. Вы отвечали про стиральные машины — у вас какая модель?"),
        (1, "Здравствуйте! Узкая, на 6 кг. Для двоих хватает."),
        (0, "А отжим громкий?"),
    ]),
    ("natalia", "anna", [
        (0, "Анна, привет! Спасибо за подробный отзыв о кофемашине, взяла такую же."),
        (0, "Подскажи, какое зерно ты используешь?"),
    ]),
]

LOUNGE_TALK = [
    ("support", "Коллеги, на этой неделе много вопросов про гарантию на ноутбуки. Подготовим общий ответ?"),
    ("sergey", "Да, давайте. Я набросаю текст про официальную гарантию и что делать при браке."),
    ("natalia", "Добавлю про сроки возврата — часто путают 7 и 14 дней."),
    ("moderator", "Отлично. Ещё просьба: отмечайте вопросы с рекламой в ответах, будем чистить."),
    ("sergey", "Принято 👍"),
]

# (customer, subject, status, assigned to support, [(speaker: "customer" | "support", text)])
TICKETS = [
    ("anna", "Не пришёл заказ DEMO-0042", TicketStatus.OPEN, False, [
        ("customer", "Здравствуйте! Заказ должны были привезти вчера, но курьер так и не приехал. Номер DEMO-0042."),
    ]),
    ("dmitry", "Возврат наушников", TicketStatus.WAITING, True, [
        ("customer", "Добрый день. Хочу вернуть наушники: левый не заряжается. Куплены 5 дней назад."),
        ("support", "Здравствуйте, Дмитрий! Сожалеем. Пришлите, пожалуйста, фото чека и серийный номер с коробки."),
    ]),
    ("olga", "Документы для юрлица", TicketStatus.CLOSED, True, [
        ("customer", "Нужен счёт на организацию за монитор. Можно оформить?"),
        ("support", "Здравствуйте, Ольга! Да, пришлите реквизиты — выставим счёт в течение часа."),
        ("customer", "Отправила реквизиты на почту. Спасибо!"),
        ("support", "Счёт отправлен. Если всё в порядке, закрываю обращение."),
        ("customer", "Всё получила, спасибо!"),
    ]),
    ("sergey", "Неверная цена в корзине", TicketStatus.OPEN, True, [
        ("customer", "В карточке товара одна цена, а в корзине на 500 ₽ больше. Почему?"),
        ("support", "Сергей, здравствуйте! Проверяем, похоже на ошибку акции."),
        ("customer", "Жду, заказ пока не оформляю."),
    ]),
]


TOPIC_NAMES = ["Доставка", "Возврат", "Документы", "Цены и акции", "Гарантия", "Оплата"]
TICKET_TOPICS = {"Не пришёл заказ DEMO-0042": "Доставка", "Возврат наушников": "Возврат",
                 "Документы для юрлица": "Документы", "Неверная цена в корзине": "Цены и акции"}
CANNED_REPLIES = [
    ("Посылка в пути", "Здравствуйте! Ваша посылка в пути, курьер позвонит за час до приезда."),
    ("Возврат: что прислать", "Здравствуйте! Для возврата пришлите, пожалуйста, фото чека и серийный номер с коробки."),
    ("Счёт для юрлица", "Здравствуйте! Пришлите реквизиты организации — выставим счёт в течение часа."),
]
HISTORY = [("Доставка", "Когда привезут заказ?", "Заказ уже у курьера, привезут сегодня до 18:00."),
           ("Возврат", "Как вернуть товар?", "Оформите возврат в личном кабинете, курьер заберёт бесплатно."),
           ("Гарантия", "Сломался через месяц", "Передайте в сервис по гарантии, адрес отправили на почту."),
           ("Оплата", "Деньги списали дважды", "Второе списание — блокировка, банк вернёт её в течение 3 дней."),
           ("Доставка", "Можно ли изменить адрес?", "Изменили адрес доставки, курьер предупреждён."),
           ("Цены и акции", "Не применился промокод", "Пересчитали заказ с промокодом, разница вернётся на карту.")]


def _ticket_history(rng, users: dict, support, topics: dict, now) -> None:
    """Twelve weeks of worked tickets, so that the support figures show a realistic picture."""
    customers = [users[name] for name in ("ivan", "natalia", "pavel", "ksenia", "elena", "artem") if name in users]
    if not customers:
        return
    for index in range(72):
        topic, question, answer = HISTORY[index % len(HISTORY)]
        opened = now - timedelta(days=rng.randint(7, 84), hours=rng.randint(0, 23))
        room = Room.objects.create(kind=RoomKind.TICKET, created=opened)
        counter, _created = Counter.objects.get_or_create(name="ticket")
        counter.value += 1
        counter.save(update_fields=["value"])
        customer = customers[index % len(customers)]
        answered = opened + timedelta(minutes=rng.choice([8, 15, 25, 40, 70, 120, 240, 480]))
        closed = answered + timedelta(hours=rng.randint(1, 60))
        ticket = Ticket.objects.create(room=room, number=counter.value, subject=question, customer=customer,
                                       status=TicketStatus.CLOSED, assignee=support, created=opened, updated=closed,
                                       closed_at=closed, closed_by=customer, first_response_at=answered,
                                       first_closed_at=closed, reopen_count=1 if index % 9 == 0 else 0)
        Membership.objects.get_or_create(user=customer, room=room)
        _say(room, customer, question, opened)
        _say(room, support, answer, answered)
        ticket.tags.set([topics[topic]])


class _Clock:
    """Moments in the past, moving forward (ids and times then agree)."""

    def __init__(self, start, rng) -> None:
        self.now, self.rng = start, rng

    def tick(self, low: int = 2, high: int = 90) -> timezone.datetime:
        self.now += timedelta(minutes=self.rng.randint(low, high))
        return self.now


SPAM_LINE = "Берите дешевле у нас: deals-shop.example, пишите в телеграм @deals_24, скидка 30% по промокоду!"


def _say(room: Room, author, body: str, when) -> Message:
    text = sanitize_inline(body)
    message = Message.objects.create(room=room, author=author, body=text.source, body_html=text.html, created=when,
                                     status=Status.PUBLISHED)
    Room.objects.filter(pk=room.pk).update(last_message_id=message.pk, last_message_at=when)
    membership, _created = Membership.objects.get_or_create(user=author, room=room, defaults={"joined": when})
    Membership.objects.filter(pk=membership.pk).update(last_read_id=message.pk)
    return message


def seed(context: DemoContext) -> None:
    users = context.shared.get("users", {})
    shoppers = [u for u in context.shared.get("shoppers", []) if u.username != "novice"]
    products = context.shared.get("products", [])
    if not users or not shoppers:
        context.log("chat: no demo users, skipped")
        return
    rng = context.rng
    now = timezone.now()
    added = []

    experts, _created = Group.objects.get_or_create(name=settings.CHAT_EXPERTS_GROUP)
    for username in ("sergey", "natalia"):
        if username in users:
            users[username].groups.add(experts)

    if products and not Room.objects.filter(kind=RoomKind.PRODUCT).exists():
        chosen = sorted(products, key=lambda p: p.pk)[: len(PRODUCT_TALKS) * 2]
        for index, product in enumerate(chosen):
            talk = PRODUCT_TALKS[index % len(PRODUCT_TALKS)]
            speakers = rng.sample(shoppers, 4)
            room = Room.objects.create(kind=RoomKind.PRODUCT, product=product, created=now - timedelta(days=20))
            clock = _Clock(now - timedelta(days=rng.randint(1, 14), hours=rng.randint(0, 12)), rng)
            for slot, text in talk:
                _say(room, speakers[slot], text.format(title=product.title), clock.tick())
        added.append(f"{len(chosen)} product discussions")

    spammer, reporter = users.get("ivan"), users.get("olga")
    first_room = Room.objects.filter(kind=RoomKind.PRODUCT).order_by("pk").first()
    if first_room and spammer and reporter and not Message.objects.filter(body__contains=SPAM_LINE[:20]).exists():
        spam = _say(first_room, spammer, SPAM_LINE, now - timedelta(hours=3))
        flag(reporter=reporter, content=spam, reason="spam", text="Реклама чужого магазина")
        added.append("a reported chat message in the moderation queue")

    if not Room.objects.filter(kind=RoomKind.DIRECT).exists():
        for first, second, lines in DIRECT_TALKS:
            a, b = users.get(first), users.get(second)
            if not a or not b:
                continue
            room = Room.objects.create(kind=RoomKind.DIRECT, direct_key=direct_key(a.pk, b.pk),
                                       created=now - timedelta(days=3))
            Membership.objects.get_or_create(user=a, room=room)
            Membership.objects.get_or_create(user=b, room=room)
            clock = _Clock(now - timedelta(days=2), rng)
            for slot, text in lines:
                _say(room, (a, b)[slot], text, clock.tick(1, 40))
        added.append(f"{len(DIRECT_TALKS)} conversations (some unread)")
        # Two messages through the posting path while anna is away: one «написал(а) вам»
        # notification that counts them (nobody is online while the demo is built).
        anna, dmitry = users.get("anna"), users.get("dmitry")
        if anna and dmitry:
            from chat.services import direct_room_for, message_post

            room = direct_room_for(actor=dmitry, other=anna)
            for n, body in enumerate(OFFLINE_MESSAGES):
                message_post(author=dmitry, room=room, body=body, client_id=f"demo-offline-{n}", rate_limited=False)

    if not Room.objects.filter(kind=RoomKind.LOUNGE).exists():
        room = Room.objects.create(kind=RoomKind.LOUNGE, created=now - timedelta(days=5))
        clock = _Clock(now - timedelta(days=1, hours=6), rng)
        for username, text in LOUNGE_TALK:
            if username in users:
                _say(room, users[username], text, clock.tick(3, 30))
        added.append("the Experts' lounge")

    support = users.get("support")
    topics = {name: TicketTag.objects.get_or_create(name=name)[0] for name in TOPIC_NAMES}
    for title, body in CANNED_REPLIES:
        CannedReply.objects.get_or_create(title=title, defaults={"body": body})
    if support and not Ticket.objects.exists():
        for customer_name, subject, status, assigned, lines in TICKETS:
            customer = users.get(customer_name)
            if not customer:
                continue
            opened = now - timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 20))
            clock = _Clock(opened, rng)
            room = Room.objects.create(kind=RoomKind.TICKET, created=opened)
            counter, _created = Counter.objects.get_or_create(name="ticket")
            counter.value += 1
            counter.save(update_fields=["value"])
            ticket = Ticket.objects.create(room=room, number=counter.value, subject=subject, customer=customer,
                                           status=status, assignee=support if assigned else None, created=opened,
                                           updated=opened)
            Membership.objects.get_or_create(user=customer, room=room)
            when = opened  # the ticket opens with its first message: one moment for both
            for n, (speaker, text) in enumerate(lines):
                when = opened if n == 0 else clock.tick(10, 240)
                _say(room, customer if speaker == "customer" else support, text, when)
            if status == TicketStatus.CLOSED:
                ticket.closed_at, ticket.closed_by = when + timedelta(minutes=5), support
                ticket.first_closed_at = ticket.closed_at
            first_answer = room.messages.filter(author=support).order_by("id").first()
            ticket.first_response_at = first_answer.created if first_answer else None
            ticket.updated = when
            ticket.save()
            ticket.tags.set([topics[TICKET_TOPICS[subject]]])
            if customer_name == "dmitry":
                TicketNote.objects.create(ticket=ticket, author=support, created=when + timedelta(minutes=20),
                                          text="Фото чека пришло на почту, ждём серийный номер. Брак — согласовать обмен.")
        _ticket_history(rng, users, support, topics, now)
        added.append(f"{Ticket.objects.count()} support tickets with topics, notes and SLA times")

    last = Message.objects.aggregate(last=Max("id"))["last"] or 0
    context.log(f"chat: {', '.join(added) if added else 'already there'}; {Message.objects.count()} messages "
                f"(latest id {last})")
