"""The rules of the integration-course system, free of any channel or storage."""
