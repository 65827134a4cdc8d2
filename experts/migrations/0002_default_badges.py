"""The first, small set of milestone badges (staff edit them in the admin: Snippets → Badges)."""

from django.db import migrations

BADGES = [
    # slug, name, description, icon, metric, threshold, order
    ("first-review", "Первый отзыв", "Опубликовал(а) первый отзыв.", "✍", "reviews", 1, 10),
    ("first-helpful-vote", "Первое «полезно»", "Чей-то отзыв впервые назвали полезным.", "♥", "helpful_votes", 1, 20),
    ("photo-review", "Фотоотзыв", "Опубликовал(а) отзыв с фотографиями.", "◉", "photo_reviews", 1, 30),
    ("helpful-reviewer", "10 полезных отзывов", "Десять отзывов, которые покупатели сочли полезными.", "✦",
     "helpful_reviews", 10, 40),
    ("first-answer", "Первый ответ", "Ответил(а) на вопрос покупателя.", "✎", "answers", 1, 50),
    ("accepted-answer", "Принятый ответ", "Автор вопроса принял ответ.", "✔", "accepted_answers", 1, 60),
    ("expert", "Эксперт", "Получил(а) статус эксперта в категории.", "★", "expert_categories", 1, 70),
]


def create(apps, schema_editor):
    Badge = apps.get_model("experts", "Badge")
    for slug, name, description, icon, metric, threshold, order in BADGES:
        Badge.objects.get_or_create(slug=slug, defaults={
            "name": name, "description": description, "icon": icon, "metric": metric,
            "threshold": threshold, "sort_order": order,
        })


def remove(apps, schema_editor):
    apps.get_model("experts", "Badge").objects.filter(slug__in=[b[0] for b in BADGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("experts", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
