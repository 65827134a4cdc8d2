"""Domain events: the one documented list of signals that services send.

Apps that must not import each other react through these (``experts`` listens to reviews
and Q&A, ``search`` indexes, ``notifications`` tells people). Services send them inside
their transaction; receivers that touch other systems (search index, channel layer, email)
defer their work with ``transaction.on_commit``.

Every signal is sent with ``sender`` = the model class of the content concerned.

| signal              | keyword arguments                                      | sent by                         |
|---------------------|--------------------------------------------------------|---------------------------------|
| content_flagged     | content, flag                                          | moderation.services.flag        |
| content_moderated   | content, action, moderator, previous_status, reason    | moderation.services.moderate    |
| purchase_recorded   | purchase                                               | catalog.services.purchase_record|
| stock_changed       | product, previous_status                               | catalog.services.stock_update   |
| user_signed_up      | user                                                   | accounts (allauth's signal)     |
"""

from django.dispatch import Signal

content_flagged = Signal()
content_moderated = Signal()
purchase_recorded = Signal()
stock_changed = Signal()
