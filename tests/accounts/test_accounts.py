import re

from django.contrib.auth import get_user_model
from django.core import mail

from community.accounts.models import Profile
from tests.factories import PASSWORD


def test_signing_up_creates_a_profile_and_sends_a_confirmation_email(client, db):
    response = client.post("/accounts/signup/", {
        "username": "laertes", "email": "laertes@example.ru", "password1": PASSWORD, "password2": PASSWORD,
    })
    assert response.status_code == 302
    user = get_user_model().objects.get(username="laertes")
    assert Profile.objects.filter(user=user, email_verified=False).exists()
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[1] if "testserver" in link else link
    client.post(path)
    user.profile.refresh_from_db()
    assert user.profile.email_verified is True


def test_signup_errors_are_shown_in_russian_and_nothing_is_created(client, db):
    response = client.post("/accounts/signup/", {
        "username": "x", "email": "not-an-email", "password1": "123", "password2": "456",
    })
    assert response.status_code == 200
    content = response.content.decode()
    assert "errorlist" in content
    assert "адрес" in content.lower() or "почт" in content.lower()
    assert not get_user_model().objects.filter(username="x").exists()


def test_log_in_and_log_out(client, shopper):
    response = client.post("/accounts/login/", {"login": "hamlet", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/cabinet/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/cabinet/").status_code == 302


def test_password_reset_sends_an_email(client, shopper):
    client.post("/accounts/password/reset/", {"email": shopper.email})
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_an_over_long_log_in_name_is_a_form_error_not_a_server_error(client, shopper):
    # SQLite refuses a LIKE pattern over 50,000 bytes: the name must not reach the lookup.
    response = client.post("/accounts/login/", {"login": "<b>" * 30_000, "password": "whatever-2026"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert 'maxlength="254"' in client.get("/accounts/login/").content.decode()


def test_the_personal_account_needs_a_login(client, db):
    response = client.get("/cabinet/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_personal_account_shows_purchases_and_edits_the_profile(client, shopper, product):
    from tests.factories import PurchaseFactory

    PurchaseFactory(user=shopper, product=product)
    client.force_login(shopper)
    page = client.get("/cabinet/")
    assert product.title in page.content.decode()
    response = client.post("/cabinet/", {"display_name": "  Принц Гамлет ", "about": "Быть или не быть"})
    assert response.status_code == 302
    shopper.profile.refresh_from_db()
    assert shopper.profile.display_name == "Принц Гамлет"
    assert shopper.profile.name == "Принц Гамлет"


def test_a_non_image_avatar_is_refused_with_a_field_error(client, shopper):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(shopper)
    response = client.post("/cabinet/", {
        "display_name": "Гамлет", "about": "",
        "avatar": SimpleUploadedFile("a.png", b"not an image", content_type="image/png"),
    })
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    shopper.profile.refresh_from_db()
    assert not shopper.profile.avatar


def test_private_pages_are_not_indexed(client, shopper):
    assert 'name="robots" content="noindex' in client.get("/accounts/login/").content.decode()
    client.force_login(shopper)
    assert 'name="robots" content="noindex' in client.get("/cabinet/").content.decode()
