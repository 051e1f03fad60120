"""The web chat page's own words (buttons and labels at most 32 characters)."""

from __future__ import annotations

from bot.core.messages import N_

MESSAGE_LABEL = N_("Your message")
SEND = N_("Send")
MENU = N_("Menu")
YOU = N_("You")
DOWNLOAD = N_("Download: {file}")
OFFLINE = N_("No connection. Trying again …")
TOO_LONG = N_("Your message is too long. Please write at most {limit} characters.")
NEEDS_SCRIPT = N_("This chat needs JavaScript. Please switch it on and load the page again.")
