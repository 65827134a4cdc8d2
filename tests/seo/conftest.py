"""Demo-like content for the SEO tests: the real demo loader on a small catalog."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.fixture
def demo(db, settings):
    """``demo_content --products 60``: reviews, questions, experts, chat rooms and tickets."""
    call_command("demo_content", "--products", "60", "--no-progress", stdout=open("/dev/null", "w"))  # noqa: SIM115
    from django.contrib.auth import get_user_model

    return {name: get_user_model().objects.get(username=name) for name in ("anna", "support", "admin")}
