"""Thin Telegram glue, one module per feature. Imports knowledge/ and bot runtime helpers, never the app factory or CLI."""
