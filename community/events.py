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
| review_published    | review                                                 | reviews.services                |
| review_removed      | review, previous_status                                | reviews.services                |
| review_edited       | review (published, after its author's edit)            | reviews.services.review_update  |
| review_voted        | vote, previous (the vote's earlier state or None)      | reviews.services.review_vote    |
| question_asked      | question, recipients (users to notify)                 | qa.services.question_ask        |
| question_edited     | question (after its author's edit)                     | qa.services.question_update     |
| question_voted      | vote, previous                                         | qa.services.question_vote       |
| answer_posted       | answer                                                 | qa.services.answer_post         |
| answer_edited       | answer (after its author's edit)                       | qa.services.answer_update       |
| answer_voted        | vote, previous                                         | qa.services.answer_vote         |
| answer_accepted     | answer, previous_answer (or None), actor               | qa.services.answer_accept       |
| message_posted      | message                                                | chat.services.message_post      |
| ticket_changed      | ticket, previous_status, actor                         | chat.services (tickets)         |
| expert_status_changed | user, category (top-level CategoryPage), gained (bool), reason | experts.services          |

allauth's own ``user_signed_up`` and ``email_confirmed`` signals cover accounts.
"""

from django.dispatch import Signal

content_flagged = Signal()
content_moderated = Signal()
purchase_recorded = Signal()
stock_changed = Signal()

review_published = Signal()
review_removed = Signal()
review_edited = Signal()
review_voted = Signal()

question_asked = Signal()
question_edited = Signal()
question_voted = Signal()
answer_posted = Signal()
answer_edited = Signal()
answer_voted = Signal()
answer_accepted = Signal()

message_posted = Signal()
ticket_changed = Signal()

expert_status_changed = Signal()
