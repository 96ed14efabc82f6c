"""Builders for tests: small, explicit, database-backed where a test needs rows."""
