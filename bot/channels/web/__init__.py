"""The web chat: the same guide on a web page and as a widget for the city's site, for people
without Telegram. Served by the bot's ASGI app under ``/chat``."""
