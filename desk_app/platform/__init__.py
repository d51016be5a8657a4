"""Adapters to the operating system: paths, logging, the user's identity."""
