"""Reviews: Review, photos, helpful votes, the shop's reply and rating aggregates; imports catalog,
accounts and moderation; sends ``review_published``, ``review_removed``, ``review_edited``,
``review_voted`` and hears ``content_moderated`` and ``purchases_recorded``."""
