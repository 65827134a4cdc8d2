from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Chat")

    def ready(self) -> None:
        from chat import receivers  # noqa: F401  (connects the @receiver functions)
        from chat.server_options import close_oversized_messages_with_1009, disconnect_slow_readers
        from chat.support import receivers as support_receivers  # noqa: F401

        close_oversized_messages_with_1009()
        disconnect_slow_readers()
