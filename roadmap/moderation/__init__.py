"""Moderation: reports, decisions, merging duplicates, the audit log."""
