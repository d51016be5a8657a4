"""The team screens: technicians and organizations, and team desks (connecting to a shared
PostgreSQL desk, its password, switching desks)."""
