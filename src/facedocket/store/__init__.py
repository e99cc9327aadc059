"""Persistence: one SQLAlchemy schema for SQLite (embedded) and PostgreSQL (production)."""
