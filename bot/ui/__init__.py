"""What people see, shared by chat, the command line and the outbox: wording used in more than one place, and
the inline buttons with their callback data."""
