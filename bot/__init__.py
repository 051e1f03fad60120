"""Wegweiser: a bot guiding newcomers to a city, in their language, into the integration-course
system; the city is a content pack (``bot/content/packs``)."""
