"""Supports (votes) and comments on proposals."""
