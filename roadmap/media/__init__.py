"""Photos, documents and voice notes attached to proposals, comments, workshops and progress
updates: one store (``ROADMAP_UPLOAD_PATH``), files checked by their content and re-encoded."""
