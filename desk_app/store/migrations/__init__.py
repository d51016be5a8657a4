"""Alembic migrations, run from code at start-up (see store/migrate.py)."""
