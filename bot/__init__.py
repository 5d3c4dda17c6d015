"""Runtime of domainbot: settings, storage, app wiring, console chat and CLI."""
