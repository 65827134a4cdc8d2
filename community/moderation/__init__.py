"""Moderation: the shared moderation state, Flag and the one moderation queue in the admin; imports
only the core; sends ``content_flagged`` and ``content_moderated`` and hears none."""
