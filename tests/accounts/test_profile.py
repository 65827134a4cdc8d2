
from tests.factories import UserFactory


def render_author(user) -> str:
    """The one author component, as every template renders it."""
    from django.template import Context, Template

    return Template("{% load author_tags %}{% author user %}").render(Context({"user": user}))


def test_a_public_profile_shows_name_level_and_reputation(client, shopper):
    shopper.profile.display_name = "Принц Гамлет"
    shopper.profile.reputation = 640
    shopper.profile.level = "trusted"
    shopper.profile.save()
    response = client.get(f"/users/{shopper.username}/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Принц Гамлет" in content
    assert "640" in content
    assert "Знаток" in content
    assert "noindex" not in content


def test_newcomers_profiles_are_not_indexed(client, newcomer):
    assert 'content="noindex, follow"' in client.get(f"/users/{newcomer.username}/").content.decode()


def test_unknown_and_inactive_users_have_no_profile(client, db):
    UserFactory(username="ghost", is_active=False)
    assert client.get("/users/ghost/").status_code == 404
    assert client.get("/users/nobody/").status_code == 404


def test_the_author_component_shows_expert_badges_without_queries(shopper, django_assert_num_queries):
    shopper.profile.expert_categories = [{"id": 4, "title": "Ноутбуки и компьютеры"}]
    shopper.profile.level = "member"
    shopper.profile.save()
    shopper.refresh_from_db()
    author = type(shopper).objects.select_related("profile").get(pk=shopper.pk)
    with django_assert_num_queries(0):
        html = render_author(author)
    assert "Эксперт: Ноутбуки и компьютеры" in html
    assert "Участник" in html
    assert f'href="/users/{shopper.username}/"' in html


def test_display_names_are_escaped(shopper):
    shopper.profile.display_name = "<b>bold</b>"
    shopper.profile.save()
    html = render_author(shopper)
    assert "<b>bold</b>" not in html and "&lt;b&gt;" in html
