"""The resource limits of the import and of `seed`, in one place (docs/import.md, "Limits").

Why they exist: without them a 528 MB file ran past ten minutes and 7.9 GB of memory, and
`seed --tickets 99999999999999999999` wrote a 5 GB write-ahead log in one transaction
(issue 11, item 7). Each limit is far above what a help desk migration needs and far below
what hurts the machine; every refusal names the limit and the value found.
"""

from __future__ import annotations

IMPORT_MAX_BYTES = 1_000_000_000  # 1 GB: a file larger is refused before it is read
IMPORT_MAX_ROWS = 1_000_000  # data rows (the header not counted)
IMPORT_MAX_CELL_CHARS = 200_000  # one cell: twice the longest description, whose own rule
# (DESCRIPTION_MAX, 100,000) then names the row and the column
IMPORT_MAX_PROBLEMS = 1_000  # problems kept and listed; the rest are counted
IMPORT_CHUNK_ROWS = 1_000  # rows converted and written per batch, and per progress report
IMPORT_MAX_LINE_CHARS = 10_000_000  # one physical line: a file with no line breaks
SNIFF_BYTES = 65_536  # the prefix the encoding and the delimiter are guessed from
SEED_MAX_TICKETS = 1_000_000
SEED_MAX_DAYS = 36_500  # a hundred years back

