"""Delivery through the outbox: the queue and its atomic claims, the paced sender, the scheduled jobs."""
