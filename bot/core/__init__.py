"""The framework-free core: message vocabulary, events, state, rules, courses, FAQ matching."""
