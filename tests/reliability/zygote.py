"""A process that has already imported Desk App and forks a child per request.

Why: a kill -9 experiment needs a fresh process per kill, and starting Python with
SQLAlchemy, SQLModel and Alembic costs 1-3 s here, which would be nearly all of each run
and leave the kill landing in `import` most of the time. A forked child starts at once,
already imported, so a kill at a random offset lands inside the work (the migration, the
writes). The child runs the real command line (`desk_app.cli.main`) or a writer loop; the
kill is a real SIGKILL of a real process.

Protocol: one JSON list of jobs a line on stdin, each {"cli": [args]} or {"writer": {...}}
(plus an optional "log" file for the child's output, and "err" for its stderr alone). The
zygote forks one child per job, all at once, prints `pids P1 P2 ...`, waits for them all
and prints `exits S1 S2 ...` (an exit code, or -SIG when a signal killed the child). A
child ends as a real process would: argparse's SystemExit gives its status, any other
exception prints its traceback on stderr and exits 1 (`os._exit` alone would hide it).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import cast

import desk_app.app  # imported before forking: the point of the zygote
import desk_app.cli
import desk_app.store.migrate as migrate
from desk_app.store.migrate import alembic_config


def _writer(spec: dict[str, object]) -> int:
    """Add `count` tickets in a tight loop; the number of failures is the exit code."""
    from desk_app.app import open_context
    from desk_app.domain.ticket import RequesterInput, TicketDraft

    ctx = open_context(str(spec["db"]))
    failures = 0
    try:
        for i in range(int(str(spec["count"]))):
            draft = TicketDraft(title=f"{spec['name']} {i}",
                                requester=RequesterInput(name="Ann Lee"))
            try:
                ctx.tickets.create(draft, actor="Alex Morgan")
            except Exception as exc:  # counted, and one line each on stderr
                failures += 1
                print(f"{type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
    finally:
        ctx.close()
    return min(failures, 100)


def _child(request: dict[str, object]) -> int:
    out = request.get("log")
    if out:
        fd = os.open(str(out), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
    err = request.get("err")
    if err:  # stderr of its own (stdout stays on "log")
        os.dup2(os.open(str(err), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)
    try:
        if "cli" in request:
            return desk_app.cli.main([str(a) for a in cast(list[object], request["cli"])])
        return _writer(cast(dict[str, object], request["writer"]))
    except SystemExit as exc:  # argparse's refusals: its exit status, as in a real process
        return exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # as Python would: the traceback on stderr, exit status 1
        traceback.print_exc()
        return 1


def main() -> None:
    assert migrate and alembic_config  # imported for their cost, before any fork
    for line in sys.stdin:
        pids = []
        for job in json.loads(line):
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    code = _child(job)
                finally:
                    sys.stdout.flush()
                    sys.stderr.flush()
                    os._exit(code)
            pids.append(pid)
        print("pids " + " ".join(map(str, pids)), flush=True)
        codes = []
        for pid in pids:
            _, status = os.waitpid(pid, 0)
            codes.append(-os.WTERMSIG(status) if os.WIFSIGNALED(status)
                         else os.WEXITSTATUS(status))
        print("exits " + " ".join(map(str, codes)), flush=True)


if __name__ == "__main__":
    main()
