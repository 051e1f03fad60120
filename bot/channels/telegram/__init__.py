"""The Telegram channel: python-telegram-bot updates in, flow replies out. Kept thin."""

import os

# Opt in to PTB's coming behaviour: durations (RetryAfter.retry_after) as timedelta.
os.environ.setdefault("PTB_TIMEDELTA", "1")
