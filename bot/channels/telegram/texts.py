"""Texts the Telegram channel shows around the flows: command menu, bot description, notices."""

from __future__ import annotations

from bot.core.messages import N_

# The command menu, in the order Telegram shows it.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Start from the beginning")),
    ("appointments", N_("Your appointments")),
    ("reminders", N_("Your course reminders")),
    ("language", N_("Change the language")),
    ("privacy", N_("What I store about you")),
    ("mydata", N_("All data stored about you")),
    ("delete", N_("Delete your data")),
    ("help", N_("Help")),
)
# setMyDescription allows 512 characters, setMyShortDescription 120.
DESCRIPTION = N_(
    "Wegweiser helps newcomers in {city} find their way into an integration course: "
    "who decides about it, what that means for you, what to bring and where to get "
    "free counselling. In your language."
)
SHORT_DESCRIPTION = N_("Your guide to integration courses in {city}, in your language.")
PRIVATE_ONLY = N_("I only talk in private chats. Please write to me directly.")
SORRY = N_("Sorry, something went wrong on my side. Please try again in a moment.")
STOPPED = N_("Stopped. You will not get these messages any more.")
SLOW_DOWN = N_(
    "You are sending a lot of messages very fast. Please wait a moment, then write again. "
    "I read your messages one after another."
)
# For admins and counsellors only (/console).
CONSOLE_LINK = N_(
    "Your sign-in link to the web console. It works once and for 10 minutes. "
    "Do not forward it.\n{link}"
)
CONSOLE_OFF = N_("The web console is not set up yet (CONSOLE_URL). Please ask the admin.")
