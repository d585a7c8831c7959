"""The help desk at the commune office: an official identifies a resident who is present and
enters their proposals and supports on their behalf, each marked and audit-logged."""
