"""Courses: one model, matching, the provider CSV format, course cards."""
