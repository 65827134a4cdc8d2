"""Notifications: what concerns a user, on the site (bell, page, live frame) and by email."""
