"""Settings: the dialog and the per-workstation preferences it edits."""
