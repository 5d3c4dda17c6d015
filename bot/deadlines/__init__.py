"""Deadlines: the working-day calendar, deadlines started by events and campaigns, reminder planning."""
