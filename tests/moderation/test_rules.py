"""Pre-moderation rules from Wagtail settings: each one queues new content and says why."""

import pytest
from django.contrib.contenttypes.models import ContentType

from community.moderation import services
from community.moderation.models import ModerationRules, QueueItem, Status
from community.qa import services as qa_services
from reviews.models import Review
from tests.reviews.factories import write_review
from tests.testapp.models import Note


@pytest.fixture
def rules(db, settings):
    settings.MODERATION_PREMODERATE_FIRST = 0  # only the rules below decide
    stored = ModerationRules.load()
    stored.links_from_newcomers = stored.contacts_in_text = True
    stored.save()
    return stored


def reasons_of(obj) -> list[str]:
    item = QueueItem.objects.get(content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk)
    return [r["text"] for r in item.reasons]


def test_plain_text_by_a_known_user_is_published_at_once(rules, shopper, product):
    assert write_review(shopper, product, text="Хороший ноутбук, быстрый и тихий. Доволен покупкой.").status == "published"


def test_a_newcomers_link_waits_and_says_why(rules, shopper, product):
    review = write_review(shopper, product, text="Подробный обзор тут: https://example.com/obzor — очень советую.")
    assert review.status == Status.PENDING
    assert any("ссылка" in r.lower() or "link" in r.lower() for r in reasons_of(review))


def test_phone_numbers_and_emails_wait(rules, shopper, product, page_tree):
    review = write_review(shopper, product, text="Продам такой же дешевле, звоните +7 (999) 123-45-67 в любое время.")
    assert review.status == Status.PENDING
    question = qa_services.question_ask(author=shopper, product=page_tree["products"][1],
                                        title="Пишите на ivan@example.com, есть вопрос")
    assert question.status == Status.PENDING
    assert any("e-mail" in r.lower() for r in reasons_of(question))


def test_stop_words_wait(rules, shopper, product):
    rules.stop_words = "казино\nбыстрый заработок"
    rules.save()
    review = write_review(shopper, product, text="Лучше зайдите в наше казино, там выигрыши каждый день!")
    assert review.status == Status.PENDING and any("казино" in r for r in reasons_of(review))


def test_a_category_can_be_moderated_entirely(rules, shopper, page_tree):
    rules.moderate_all_in.add(page_tree["phones"])
    phone = page_tree["products"][2]
    review = write_review(shopper, phone, text="Отличный телефон, батарея держит два дня. Рекомендую.")
    assert review.status == Status.PENDING
    laptop_review = write_review(shopper, page_tree["products"][0], text="Отличный ноутбук, тихий. Рекомендую.")
    assert laptop_review.status == Status.PUBLISHED


def test_switching_a_rule_off_lets_content_through(rules, shopper, product):
    rules.contacts_in_text = False
    rules.save()
    review = write_review(shopper, product, text="Вопросы пишите на ivan@example.com, отвечу про ноутбук.")
    assert review.status == Status.PUBLISHED and not Review.objects.filter(status="pending").exists()


def test_the_first_contributions_rule_comes_from_the_settings(rules, newcomer, product):
    rules.premoderate_first = 2
    rules.save()
    review = write_review(newcomer, product, text="Нормальный ноутбук за свои деньги, без нареканий.")
    assert review.status == Status.PENDING
    assert any("new user" in r or "нового участника" in r for r in reasons_of(review))


def test_the_auto_hide_threshold_comes_from_the_settings(rules, shopper):
    from django.utils import timezone

    from tests.factories import UserFactory

    rules.auto_hide_flags = 2
    rules.save()
    note = Note.objects.create(author=shopper, text="Спорная", status=Status.PUBLISHED)
    for name in ("a1", "a2"):
        reporter = UserFactory(username=name, verified=True, date_joined=timezone.now() - timezone.timedelta(days=5))
        services.flag(reporter=reporter, content=note, reason="spam")
    note.refresh_from_db()
    assert note.status == Status.HIDDEN


def test_text_repeated_verbatim_from_another_account_waits_and_says_why(rules, shopper, other_shopper, page_tree):
    rules.repeated_text = True
    rules.save()
    text = "Отличный ноутбук, всем советую, лучший за свои деньги, берите не пожалеете!"
    first = write_review(other_shopper, page_tree["products"][0], title="Супер", text=text)
    assert first.status == Status.PUBLISHED  # the first copy is nobody's copy
    # The same words from another account (case, «ё», punctuation aside; pros and cons do not hide it).
    copy = write_review(shopper, page_tree["products"][1], title="СУПЕР", text=text.upper().replace(",", ""),
                        pros="Цена")
    assert copy.status == Status.PENDING
    assert any("another account" in r or "другого аккаунта" in r for r in reasons_of(copy))
    # A question and an answer repeating another account's text wait too; one's own text does not.
    words = "Подскажите пожалуйста как долго держит батарея при работе в браузере"
    qa_services.question_ask(author=other_shopper, product=page_tree["products"][2], title=words)
    assert qa_services.question_ask(author=shopper, product=page_tree["products"][1], title=words).status == Status.PENDING
    own = "Брал второй раз для жены, тоже доволен, экран яркий и клавиатура удобная"
    write_review(other_shopper, page_tree["products"][1], title="Второй", text=own)
    assert write_review(other_shopper, page_tree["products"][2], title="Второй", text=own).status == Status.PUBLISHED
    rules.repeated_text = False
    rules.save()
    assert write_review(shopper, page_tree["products"][2], title="Супер", text=text).status == Status.PUBLISHED
