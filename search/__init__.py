"""Site search (Wagtail's search over products until the search engines land); imports catalog;
sends and hears no event."""
