"""Accounts: Profile, sign-up and log-in (allauth), the cabinet and public profile with their
``cabinet_sections``/``profile_sections`` hooks, and ``trust.py``; imports catalog and
moderation; sends no event and hears ``post_save`` of users and allauth's ``email_confirmed``."""
