"""Roadmaps: the published roadmap, its items, versions, and implementation tracking."""
