"""Prefectures, communes, their boundaries and census indicators, point-in-commune lookup."""
