from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Chat")

    def ready(self) -> None:
        from chat import signals
        from chat.server_options import close_oversized_messages_with_1009
        from community import events

        close_oversized_messages_with_1009()

        events.content_moderated.connect(signals.on_content_moderated, dispatch_uid="chat.on_content_moderated")
