"""Domain events: the one documented list of signals that services send.

Apps that must not import each other react through these (``experts`` listens to reviews
and Q&A, ``search`` indexes, ``notifications`` tells people). Services send them inside
their transaction; receivers that touch other systems (search index, channel layer, email)
defer their work with ``transaction.on_commit``.

Every signal is sent with ``sender`` = the model class of the content concerned. A signal with
no receiver yet is listed in :data:`RESERVED` (the notifications and search issues will hear
them); a test fails when a signal has neither a receiver nor that mark, or is missing here.

| signal                   | keyword arguments                                      | sent by                                   | heard by |
|--------------------------|--------------------------------------------------------|-------------------------------------------|----------|
| content_flagged          | content, flag                                          | moderation.services.flag                  | reserved |
| user_sanctioned          | user, sanction (or None when lifted), lifted (list), moderator | moderation.sanctions                | notifications.receivers (moderation.notifications: the user is told) |
| appeal_decided           | appeal, granted, moderator                             | moderation.appeals.appeal_decide          | notifications.receivers (moderation.notifications: the author is told) |
| content_moderated        | content, action, moderator, previous_status, reason (+ sanction when a ban hides or its lifting restores) | moderation.services.moderate, moderation.sanctions (ban / unban), qa.services and reviews.services (author's removal) | reviews.receivers (aggregates), qa.receivers (counters), experts.receivers (ledger), chat.receivers (open rooms), search.receivers (index), notifications.receivers (withdraw / restore notifications about it; moderation.notifications tells the author) |
| purchases_recorded       | pairs (sorted (user_id, product_id) of new purchases)  | catalog.feed, once per chunk              | reviews.receivers (verified purchase), search.receivers (index) |
| stock_changed            | product, previous_status (once per product and chunk)  | catalog.feed, after its UPDATE            | search.receivers (index), notifications.receivers (waiting list) |
| product_category_changed | moves ({product id: (previous, current) top-level category id}) | catalog.services (after a page move or save) | experts.receivers (ledger category, per-category totals, Expert statuses), search.receivers (index) |
| review_published         | review                                                 | reviews.services                          | experts.receivers, search.receivers (index), notifications.receivers (followers), catalog.receivers (webhooks) |
| review_removed           | review, previous_status                                | reviews.services                          | experts.receivers, search.receivers (index) |
| review_edited            | review (published, after its author's edit)            | reviews.services.review_update            | search.receivers (index) |
| review_voted             | vote, previous (the vote's earlier state or None)      | reviews.services.review_vote              | experts.receivers, search.receivers (index), notifications.receivers |
| question_asked           | question, recipients (users to notify)                 | qa.services.question_ask                  | search.receivers (index), notifications.receivers, catalog.receivers (webhooks) |
| question_edited          | question (after its author's edit)                     | qa.services.question_update               | search.receivers (index) |
| question_voted           | vote, previous                                         | qa.services.question_vote                 | experts.receivers, search.receivers (index) |
| answer_posted            | answer                                                 | qa.services.answer_post                   | experts.receivers (badges), search.receivers (index), notifications.receivers, catalog.receivers (webhooks) |
| answer_edited            | answer (after its author's edit)                       | qa.services.answer_update                 | search.receivers (index) |
| answer_voted             | vote, previous                                         | qa.services.answer_vote                   | experts.receivers, notifications.receivers |
| answer_accepted          | answer, previous_answer (or None), actor               | qa.services.answer_accept                 | experts.receivers, search.receivers (index), notifications.receivers, catalog.receivers (webhooks) |
| message_posted           | message (inside the transaction, room locked; a receiver may refuse it with ChatError) | chat.services.message_post | chat.support.receivers (ticket status; a closed ticket refuses), notifications.receivers |
| ticket_changed           | ticket, previous_status, actor                         | chat.support.services                     | catalog.receivers (webhooks) |
| expert_status_changed    | user, category (top-level CategoryPage), gained (bool), reason | experts.status                    | notifications.receivers, catalog.receivers (webhooks) |
| expert_status_at_risk    | user, category, grace_until (the Expert's grace period has begun) | experts.status                | notifications.receivers |
| notification_created     | notification_ids (after commit)                        | notifications.services                    | chat.receivers (live ``notification`` frame) |

allauth's own ``user_signed_up`` and ``email_confirmed`` signals cover accounts (experts hears
``email_confirmed``; accounts hears ``user_signed_up`` to verify a shop customer's profile); Wagtail's ``post_page_move`` is heard by ``catalog.receivers``.
"""

from django.dispatch import Signal

content_flagged = Signal()
content_moderated = Signal()
user_sanctioned = Signal()
appeal_decided = Signal()
purchases_recorded = Signal()
stock_changed = Signal()
product_category_changed = Signal()

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
expert_status_at_risk = Signal()

notification_created = Signal()

# Sent, with no receiver yet.
RESERVED = frozenset({"content_flagged"})
