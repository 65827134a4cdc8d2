"""A minimal moderated content kind, used only by the tests of the shared moderation state."""

from django.conf import settings
from django.db import models

from community.moderation.models import ModeratedContent


class Note(ModeratedContent):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    text_html = models.TextField(blank=True)

    SANITIZED_FIELDS = {"text": "text_html"}

    def __str__(self) -> str:
        return self.text[:40]
