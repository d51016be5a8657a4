"""The Reports window, its charts and credits table, and the contracts dialog."""
