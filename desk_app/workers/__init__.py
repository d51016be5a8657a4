"""Qt threads (the SLA monitor, the task runner) arrive with the issues that need them."""
