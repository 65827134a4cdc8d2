"""Which database errors are an outage (503, wait and retry) and which are bugs (500)."""

from __future__ import annotations

import psycopg
from django.db import InterfaceError, OperationalError, connection
from django.test import override_settings
from django.urls import path

from community.middleware import is_database_unavailable


def wrapped(cause: Exception) -> OperationalError:
    error = OperationalError(str(cause))
    error.__cause__ = cause
    return error


class FakeSqlstateError(psycopg.OperationalError):
    sqlstate = "40001"  # serialization failure: a query problem, not an outage


def test_connection_failures_are_an_outage():
    assert is_database_unavailable(wrapped(psycopg.OperationalError("connection refused")))
    assert is_database_unavailable(InterfaceError("connection already closed"))
    assert is_database_unavailable(OperationalError("database is locked"))


def test_query_errors_are_not_an_outage():
    assert not is_database_unavailable(wrapped(FakeSqlstateError("could not serialize access")))
    assert not is_database_unavailable(OperationalError('near "x": syntax error'))
    assert not is_database_unavailable(RuntimeError("boom"))
    assert not is_database_unavailable(None)


def refused(request):
    raise wrapped(psycopg.OperationalError("connection to server at 127.0.0.1 failed: Connection refused"))


def bad_query(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table_at_all")


urlpatterns = [path("refused/", refused), path("bad-query/", bad_query)]


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_an_outage_gets_the_503_page_in_the_cookies_language_and_a_bug_stays_a_500(client, db):
    client.raise_request_exception = False
    response = client.get("/refused/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30" and response["Cache-Control"] == "no-store"
    assert "Сайт временно недоступен" in response.content.decode()
    client.cookies["lang"] = "en"
    english = client.get("/refused/", HTTP_ACCEPT="application/json")
    assert english.status_code == 503
    assert english.json()["error"].startswith("The site is temporarily unavailable")
    assert client.get("/bad-query/").status_code == 500
