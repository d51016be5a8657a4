"""Qt threads for work that must not run on the GUI thread: the SLA monitor (one long-lived
QThread ticking the SLA clocks) and the task runner (slow user actions such as reports,
exports and imports, with callbacks back on the GUI thread)."""
