"""Cross-cutting helpers. Imports no domain module."""
