"""Reputation and Experts: the ledger, levels, per-category Expert status, badges, vote-fraud
defence and leaderboards; imports reviews, qa, catalog, accounts and moderation; sends
``expert_status_changed`` and hears the vote, review and answer events, ``content_moderated``,
``product_category_changed`` and ``email_confirmed``."""
