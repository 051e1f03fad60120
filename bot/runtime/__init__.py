"""Running the service: settings, logs, health."""
