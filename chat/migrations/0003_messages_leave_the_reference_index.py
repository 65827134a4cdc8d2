"""Chat messages are no longer in Wagtail's reference index (``Message.wagtail_reference_index_ignore``):
the rows recorded for them before are removed."""

from django.db import migrations


def forward(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ReferenceIndex = apps.get_model("wagtailcore", "ReferenceIndex")
    content_type = ContentType.objects.filter(app_label="chat", model="message").first()
    if content_type is not None:
        ReferenceIndex.objects.filter(content_type=content_type).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("chat", "0002_support_desk_notes_topics_canned_sla"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0078_referenceindex"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
