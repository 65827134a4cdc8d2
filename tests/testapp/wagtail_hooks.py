from wagtail.snippets.models import register_snippet

from community.moderation.viewsets import ModeratedContentViewSet
from tests.testapp.models import Note


class NoteViewSet(ModeratedContentViewSet):
    model = Note
    list_display = ["text", "author", "status", "flag_count"]
    inspect_view_fields = ["text"]


register_snippet(NoteViewSet)
