"""The project package and the community's core: the composition root (settings, urls, asgi,
routing, wsgi may import every app), the one sanitizer (``text.py``), the domain events
(``events.py``), the shared HTTP helpers (``http.py``), the layout's hooks (``layout.py``), the
admin's roles (``admin_roles.py``) and the core sub-apps catalog, accounts, moderation and qa — none of which
imports a feature app."""
