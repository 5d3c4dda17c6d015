"""The Telegram runtime: settings, logs, the application factory, update ordering, polling/webhook/console."""
