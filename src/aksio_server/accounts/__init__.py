"""Accounts: users, their devices and bearer tokens, login with a rate limit, profile and preferences."""
