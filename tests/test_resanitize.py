from django.core.management import call_command

from tests.testapp.models import Note


def test_resanitize_rerenders_stored_html_from_the_source(shopper, capsys):
    note = Note.objects.create(author=shopper, text="см. https://example.com", text_html="<p>old policy</p>")
    untouched = Note.objects.create(author=shopper, text="просто текст", text_html="<p>просто текст</p>")
    call_command("resanitize", "--no-progress")
    note.refresh_from_db()
    untouched.refresh_from_db()
    assert 'rel="ugc nofollow noopener"' in note.text_html
    assert untouched.text_html == "<p>просто текст</p>"
    assert "testapp.Note: 1 of 2 re-rendered" in capsys.readouterr().out
