"""Rules on the content: routing, appointment schedules, timing."""
