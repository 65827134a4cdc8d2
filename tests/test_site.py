"""Site-wide behaviour: translations, error pages, production settings, the ASGI entry point."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings as dj_settings
from django.test import override_settings

ROOT = Path(__file__).resolve().parent.parent


def test_russian_translations_are_complete():
    from tests.polib_free_po_check import untranslated

    for po in ROOT.glob("**/locale/ru/LC_MESSAGES/django.po"):
        if any(part.startswith(".") or part == "node_modules" for part in po.relative_to(ROOT).parts):
            continue  # virtual environments (.venv, .venv-lowest) and tool folders hold others' catalogs
        assert untranslated(po) == [], po


def test_no_translation_repeats_itself():
    # A merge once left three search messages translated as the same sentence three times over.
    from tests.polib_free_po_check import entries

    for po in ROOT.glob("**/locale/ru/LC_MESSAGES/django.po"):
        if any(part.startswith(".") or part == "node_modules" for part in po.relative_to(ROOT).parts):
            continue
        repeated = [msgid for msgid, msgstr in entries(po) if len(msgstr) > 1 and any(
            len(msgstr) % k == 0 and msgstr[:len(msgstr) // k] * k == msgstr for k in (2, 3, 4))]
        assert repeated == [], po


def test_compiled_translations_are_up_to_date():
    for po in ROOT.glob("**/locale/ru/LC_MESSAGES/django.po"):
        if any(part.startswith(".") or part == "node_modules" for part in po.relative_to(ROOT).parts):
            continue  # virtual environments (.venv, .venv-lowest) and tool folders hold others' catalogs
        mo = po.with_suffix(".mo")
        assert mo.exists(), mo
        assert _same_catalog(po, mo), f"{mo} is stale: run make messages"


def _same_catalog(po: Path, mo: Path) -> bool:
    import gettext

    from tests.polib_free_po_check import entries

    catalog = gettext.GNUTranslations(mo.open("rb"))
    return all(catalog.gettext(msgid) == msgstr for msgid, msgstr in entries(po) if msgstr)


def test_robots_txt_points_to_the_sitemap(client, db):
    body = client.get("/robots.txt").content.decode()
    assert f"Sitemap: {dj_settings.SITE_URL}/sitemap.xml" in body
    assert "Disallow: /admin/" in body


@override_settings(ROOT_URLCONF="tests.urls_failing", DEBUG=False)
def test_a_server_error_gets_the_styled_page_that_leaks_nothing(client, db):
    client.raise_request_exception = False
    response = client.get("/boom/")
    content = response.content.decode()
    assert response.status_code == 500
    assert "Что-то пошло не так" in content
    assert "secret-detail" not in content and "Traceback" not in content


def _check_deploy(static_root) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "x" * 64 + "-production-like-secret-key-for-the-check",
        "ALLOWED_HOSTS": "community.example.ru",
        "SHOP_API_TOKEN": "prod-token",
        "COMMUNITY_TESTING": "0",
        "STATIC_ROOT": str(static_root),
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_manage_py_check_deploy_is_clean_with_production_variables(tmp_path):
    # What collectstatic leaves behind (the manifest of hashed names) is all the check reads.
    (tmp_path / "staticfiles.json").write_text('{"paths": {"css/site.css": "css/site.0123abcd.css"}, "version": "1.1"}')
    result = _check_deploy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_manage_py_check_deploy_reports_a_missing_static_manifest(tmp_path):
    result = _check_deploy(tmp_path)
    assert result.returncode == 1
    assert "community.E001" in result.stderr and "collectstatic" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "", "COMMUNITY_TESTING": "0"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.django_db(transaction=True)
async def test_websockets_from_foreign_origins_are_refused():
    from community.asgi import application

    communicator = WebsocketCommunicator(application, "/ws/", headers=[(b"origin", b"https://evil.example.com"),
                                                                      (b"host", b"127.0.0.1")])
    connected, _code = await communicator.connect()
    assert not connected
    await communicator.disconnect()
