"""Pure ticket rules: no Qt, no SQL, no clock reads (`now` is always a parameter)."""
