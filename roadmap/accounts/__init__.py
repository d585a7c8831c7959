"""Users, roles, registration, login, password reset, profile."""
