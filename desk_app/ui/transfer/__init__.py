"""Moving tickets in and out of the desk: the CSV import dialog."""
