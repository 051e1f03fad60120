"""Texts the Telegram channel shows around the flows: command menu, bot description, notices."""

from __future__ import annotations

from bot.core.messages import N_
from bot.core.notices import COMMANDS, SLOW_DOWN, SORRY, STOPPED, TAGLINE

__all__ = [
    "COMMANDS",
    "CONSOLE_LINK",
    "CONSOLE_OFF",
    "DESCRIPTION",
    "PRIVATE_ONLY",
    "SHORT_DESCRIPTION",
    "SLOW_DOWN",
    "SORRY",
    "STOPPED",
]

# setMyDescription allows 512 characters, setMyShortDescription 120.
DESCRIPTION = N_(
    "Wegweiser helps newcomers in {city} find their way into an integration course: "
    "who decides about it, what that means for you, what to bring and where to get "
    "free counselling. In your language."
)
SHORT_DESCRIPTION = TAGLINE
PRIVATE_ONLY = N_("I only talk in private chats. Please write to me directly.")
# For admins and counsellors only (/console).
CONSOLE_LINK = N_(
    "Your sign-in link to the web console. It works once and for 10 minutes. "
    "Do not forward it.\n{link}"
)
CONSOLE_OFF = N_("The web console is not set up yet (CONSOLE_URL). Please ask the admin.")
