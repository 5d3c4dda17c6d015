"""Configuration: settings from the environment (one-line errors) and logging that never shows a secret."""
