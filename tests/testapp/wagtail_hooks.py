from wagtail import hooks
from wagtail.snippets.models import register_snippet

from community.moderation.registry import ContentKind
from community.moderation.viewsets import ModeratedContentViewSet
from tests.testapp.models import Note


class NoteViewSet(ModeratedContentViewSet):
    model = Note
    list_display = ["text", "author", "status", "flag_count"]
    inspect_view_fields = ["text"]


register_snippet(NoteViewSet)


@hooks.register("moderation_kinds")
def note_kinds():
    return [ContentKind(key="note", model=Note, label="Note", product_path=None, excerpt=lambda n: n.text,
                        admin_url_name="wagtailsnippets_testapp_note:inspect")]
