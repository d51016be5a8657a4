"""Use cases: one transaction each, writing the audit event with the change. No Qt."""
