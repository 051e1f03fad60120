"""The conversation as plain-Python state machines; nothing here imports ``telegram``."""
