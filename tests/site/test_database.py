"""The PostgreSQL backend's health check, skipped for a connection in use (ncasite.postgresql)."""

import time

import pytest
from django.db import OperationalError, connection, connections

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL backend only"),
]


@pytest.fixture
def second_connection():
    """A connection of its own, that the test may break without touching its transaction."""
    other = connections.create_connection("default")
    other.settings_dict = {**other.settings_dict, "HEALTH_CHECK_IDLE_SECONDS": 1}
    other.ensure_connection()
    yield other
    other.close()


def pings(wrapper, monkeypatch) -> list:
    seen = []
    real = wrapper.is_usable
    monkeypatch.setattr(wrapper, "is_usable", lambda: seen.append(1) or real())
    return seen


def start_request(wrapper):
    wrapper.health_check_done = False  # what Django does when a request starts
    wrapper.close_if_health_check_failed()


def test_settings_use_the_backend():
    assert connection.settings_dict["ENGINE"] == "ncasite.postgresql"
    assert connection.settings_dict["HEALTH_CHECK_IDLE_SECONDS"] == 1


def test_a_connection_used_a_moment_ago_is_not_pinged(second_connection, monkeypatch):
    seen = pings(second_connection, monkeypatch)
    with second_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    start_request(second_connection)
    assert seen == [] and second_connection.health_check_done
    second_connection.used_at -= 2  # idle for two seconds
    start_request(second_connection)
    assert seen == [1]
    second_connection.used_at = time.monotonic()
    second_connection.errors_occurred = True  # a failed query is never trusted
    start_request(second_connection)
    assert seen == [1, 1]


def test_a_connection_the_server_dropped_is_replaced(second_connection):
    def drop():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(%s)", [second_connection.connection.info.backend_pid]
            )

    drop()
    second_connection.used_at -= 2  # idle: the ping finds it dead and reconnects
    start_request(second_connection)
    with second_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)

    drop()  # in use a moment ago: the request's first query fails, as without health checks
    start_request(second_connection)
    with pytest.raises(OperationalError), second_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    second_connection.close_if_unusable_or_obsolete()  # what Django does when a request ends
    with second_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
