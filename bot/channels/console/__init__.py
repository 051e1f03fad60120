"""The web console for the city team (admins, counsellors, translators)."""
