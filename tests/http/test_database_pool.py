"""PostgreSQL connections are pooled per process (DATABASE_POOL_SIZE, Django's ``pool`` option):
requests reuse them instead of connecting each time, and a connection PostgreSQL dropped is
replaced, never handed to a request (issue 17: a connect cost every request ≈ 4 ms)."""

from __future__ import annotations

import os

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="the connection pool is PostgreSQL's (psycopg_pool); SQLite opens a file"),
    pytest.mark.django_db(transaction=True),  # requests give their connection back to the pool
]


def _pooled_backends() -> set[int]:
    """The server process ids of the connections idle in this process's pool."""
    pids, taken = set(), []
    pool = connection.pool
    try:
        while pool.get_stats()["pool_available"]:
            conn = pool.getconn(timeout=1)
            taken.append(conn)
            pids.add(conn.info.backend_pid)
    finally:
        for conn in taken:
            pool.putconn(conn)
    return pids


def test_requests_reuse_the_pools_connections(client, page_tree):
    product = page_tree["products"][0]
    connection.close()
    assert client.get(product.url).status_code == 200
    first = _pooled_backends()
    assert first, "the request gave its connection back to the pool"
    for _ in range(5):
        assert client.get(product.url).status_code == 200
        assert client.get("/").status_code == 200
    assert _pooled_backends() == first, "no new connection was opened"
    assert connection.pool.max_size == 10


def test_a_connection_postgresql_dropped_is_replaced_not_handed_out(client, page_tree):
    product = page_tree["products"][0]
    connection.close()
    assert client.get(product.url).status_code == 200
    idle = _pooled_backends()
    from psycopg import connect

    from tests.conftest import database_url_for

    with connect(database_url_for(connection.settings_dict), autocommit=True) as admin:
        for pid in idle:  # as a PostgreSQL restart or failover does
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    assert client.get(product.url).status_code == 200
    assert client.get("/").status_code == 200
    assert not (_pooled_backends() & idle)
