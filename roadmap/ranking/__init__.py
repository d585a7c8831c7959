"""Ranking: evaluation criteria and scores, need indices, and the consolidation of proposals.

The consolidation itself lives in :mod:`roadmap.ranking.scoring`: pure, deterministic functions
with no Flask and no database.
"""
