from django.db import migrations


class Migration(migrations.Migration):
    """Index Wagtail's page url_path: HomePage.route resolves catalog URLs by it in one query."""

    dependencies = [
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS catalog_wagtailcore_page_url_path ON wagtailcore_page (url_path)",
            "DROP INDEX IF EXISTS catalog_wagtailcore_page_url_path",
        ),
    ]
