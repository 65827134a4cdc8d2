// Progressive enhancement of the qa feature (owned by its app; every page works without it).
