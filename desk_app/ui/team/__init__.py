"""The team screens: technicians and organizations (and, in team mode, connecting)."""
