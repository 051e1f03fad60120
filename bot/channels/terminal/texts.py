"""Texts the terminal channel shows around the flows."""

from __future__ import annotations

from bot.core.messages import N_

TERMINAL_HINT = N_("Type the number of your choice and press Enter. /help shows the commands.")
TERMINAL_BYE = N_("Goodbye. Your answers are saved; you can continue later.")
TERMINAL_SAVED = N_("Calendar file saved: {path}")
TERMINAL_FILE_SAVED = N_("File saved: {path}")
