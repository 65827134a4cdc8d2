"""ASGI entry point: HTTP goes to Django, ``/ws/`` to the Channels router.

Websockets pass the origin check (the site's own origins: scheme, host and port — see
``chat.origins``) and the session/auth middleware before any consumer sees them.
Start-up fails with a clear message when static URLs cannot be built
(``community.checks``).
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs the app registry ready)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from chat.origins import SiteOriginValidator  # noqa: E402
from community.checks import ensure_static_manifest  # noqa: E402
from community.routing import websocket_urlpatterns  # noqa: E402

# Fail at start with a clear message rather than answer 500 to every request.
ensure_static_manifest()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SiteOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# What start-up built (Django, Wagtail, every module, the URL resolvers: about a million objects)
# lives as long as the process: move it out of the garbage collector's generations. A full
# collection scanned all of it and stopped the event loop for 150 ms, a few times a minute under
# chat traffic (bench.chat: ack p99 1.1 s at 300 msg/s; with this, 170 ms). Only objects made
# after start-up are scanned now.
gc.freeze()
# And a young generation of 10,000 objects instead of 700: a busy chat process allocates tens of
# thousands of containers a second (frames, model instances, querysets), so the default ran 37
# young and 3 middle collections a second, a twentieth of the process's time (bench.chat at
# 500 msg/s: 1.2 s of collection in 20 s; now 0.24 s, and no full collection). Only cyclic
# garbage waits a little longer to be freed: reference counting frees the rest at once.
gc.set_threshold(10_000, 10, 10)
