// Progressive enhancement of the chat feature (owned by its app; every page works without it).
