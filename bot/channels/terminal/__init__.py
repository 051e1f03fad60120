"""The terminal channel: the same flows as numbered choices."""
