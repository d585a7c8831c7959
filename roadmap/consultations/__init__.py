"""A consultation, its strategic axes (phases and workshops come with the citizens' journey)."""
