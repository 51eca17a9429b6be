"""Django's PostgreSQL backend, pinging a kept connection only after it has sat idle.

With CONN_HEALTH_CHECKS Django sends `SELECT 1` before the first query of every request: on a
cold page that is one round trip in four. A connection that ran a query without error less
than DATABASES["default"]["HEALTH_CHECK_IDLE_SECONDS"] ago is trusted instead. If the server
went away in that moment, the request's first query fails, the error marks the connection
and Django drops it at the end of the request, as it would without health checks.
"""

import time

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    used_at = float("-inf")

    def create_cursor(self, name=None):
        self.used_at = time.monotonic()
        return super().create_cursor(name)

    def close_if_health_check_failed(self):
        idle_seconds = self.settings_dict.get("HEALTH_CHECK_IDLE_SECONDS", 0)
        recently_fine = time.monotonic() - self.used_at < idle_seconds
        if recently_fine and not self.errors_occurred and self.connection is not None:
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
