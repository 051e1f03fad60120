"""Channels: they convert their updates to events and render replies; nothing else."""
