"""Use cases behind a unit of work: conversation, appointments, casework, courses, FAQ,
privacy and admin."""
