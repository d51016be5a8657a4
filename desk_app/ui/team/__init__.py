"""Team desks: connecting to a shared PostgreSQL desk, its password, switching desks."""
