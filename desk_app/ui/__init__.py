"""The Qt window: models, widgets and dialogs. Qt is imported here, in workers/ (its threads)
and in the platform adapters that need it (the freedesktop tray, the D-Bus notifier, the Qt
preflight); domain, store and services never import it (tests/test_layering.py)."""
