"""Answers to free-text questions: a multilingual FAQ, fuzzy matching, translation status."""
