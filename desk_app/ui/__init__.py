"""The Qt window: models, widgets and dialogs. The only package that imports PySide6."""
