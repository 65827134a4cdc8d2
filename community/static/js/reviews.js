// Progressive enhancement of the reviews feature (owned by its app; every page works without it).
