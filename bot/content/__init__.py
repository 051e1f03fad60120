"""Content: the facts the bot tells users, kept as data with their sources."""
