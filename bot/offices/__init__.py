"""Offices at every level of one deployment: the home office and those under it, which units and admins belong to
each, and what an office's admins may see (their office and every office under it)."""
