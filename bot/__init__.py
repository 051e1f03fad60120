"""Wegweiser: a Telegram bot guiding newcomers in Stuttgart into the integration-course system."""
