"""Priority proposals: submission, listing, search."""
