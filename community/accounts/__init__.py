"""Accounts: Profile, sign-up and log-in (allauth; sign-in with the shop's account in
``shop_sign_in.py``), the cabinet and public profile with their ``cabinet_sections``/
``profile_sections`` hooks, and ``trust.py``; imports catalog and moderation; sends no event and
hears ``post_save`` of users and allauth's ``email_confirmed`` and ``user_signed_up``."""
