"""The SLA screens: the live watch, alerts, notifications, risk colours and shapes,
the legend, the SLA settings."""
