"""What every channel says around the flows: the command menu, apologies, limits."""

from __future__ import annotations

from bot.core.messages import N_

# The commands, in the order menus show them.
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
TAGLINE = N_("Your guide to integration courses in {city}, in your language.")
SORRY = N_("Sorry, something went wrong on my side. Please try again in a moment.")
STOPPED = N_("Stopped. You will not get these messages any more.")
SLOW_DOWN = N_(
    "You are sending a lot of messages very fast. Please wait a moment, then write again. "
    "I read your messages one after another."
)
