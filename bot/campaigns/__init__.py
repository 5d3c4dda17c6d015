"""Campaigns in the database: added, edited and ended by admins; the shipped ones are the default."""
