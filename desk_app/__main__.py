"""`python -m desk_app` runs the same entry point as the `desk-app` command."""

from __future__ import annotations

import sys

from desk_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
