"""Durable delivery: the outbox of messages to send later, and the dispatcher that sends them."""
