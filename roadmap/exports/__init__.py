"""Exports: XLSX, CSV, GeoJSON, GeoPackage and PDF files, the open-data JSON API and the
participation dashboard."""
