"""Soak: every bad command line of tests/reliability/test_bad_command_lines.py, at length;
at most one line on stderr, never a traceback (docs/reliability.md, "One-line errors").
Outside the default run; the case lists are imported from that test, not copied.

    python tests/benchmarks/soak_cli.py [--repeat 20] [--processes 3] [--variations 3000]
        [--seed 2026]

Three parts, each printing one figure line:
- repeated: each case `--repeat` times in this process (`desk_app.cli.main`), checked as the
  test checks it: exactly one stderr line holding its words, its exit status, no traceback,
  the desk's rows and its folder's files unchanged, no default desk made;
- processes: each case `--processes` times in a real process (forked from a pre-imported
  zygote, tests/reliability/zygote.py, so a traceback would reach stderr as in a terminal):
  one stderr line, the exit status, no traceback;
- variations: `--variations` random edits of the cases (a value swapped for a hostile one,
  an argument dropped, doubled or moved, an option added), in this process: at most one
  stderr line, exit status 0, 1 or 2, no traceback (an edit may make a command valid).
Exits 1 on any defect.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project's own `tests`

import desk_app.cli
from desk_app.cli import main as cli_main
from desk_app.platform.paths import default_database
from tests.reliability.harness import zygote
from tests.reliability.test_bad_command_lines import (
    BAD_ARGUMENTS,
    CSV,
    DRIVERLESS,
    FAILURES,
    PASSWORD,
    Desk,
    Snapshot,
)

# (argv, exit status, words the line must hold): the test's lists and its single cases.
CASES: list[tuple[list[str], int, str]] = [
    *[(argv, 2, words) for argv, words in BAD_ARGUMENTS],
    *[(argv, 1, words) for argv, words in FAILURES],
    (["--db", "", "seed", "--tickets", "1"], 2, "--db"),
    (["--db", f"postgresql://u:{PASSWORD}@host:port/x", "tickets", "list"], 1, "cannot use"),
]
# Values a variation puts in place of an argument: numbers, dates, zones, paths and texts
# near and far from valid (none a valid large count: an edit must not start a long seed).
# No NUL: a real command line cannot hold one (execve takes C strings).
HOSTILE = ["", " ", "-", "--", "-1", "0", "1e3", "0x10", "٣", "99999999999999999999",
           "2026-02-29", "1899-12-31", "3000-01-01", "9999-99-99", "Europe/Berlin",
           "Mars/Olympus", "../../etc/passwd", "/dev/null", "/", "{folder}", "{missing}",
           "{csv}", "x\ny", "é" * 50, "t" * 5000, "%s%n", "P1", "closed", "=",
           "a=b", "--db", "--help-not", "bogus://x", DRIVERLESS[0]]
OPTIONS = ["--from", "--to", "--tz", "--out", "--days", "--tickets", "--limit", "--status",
           "--priority", "--delimiter", "--encoding", "--format", "--title", "--requester",
           "--read-only", "--dry-run"]


@dataclass
class Figures:
    runs: int = 0
    wrong_status: int = 0
    more_lines: int = 0
    tracebacks: int = 0
    changed: int = 0
    windows: int = 0  # variations that asked for the window (not opened)
    defects: list[str] = field(default_factory=list)

    def defect(self, what: str, argv: list[str], err: str) -> None:
        self.defects.append(f"{what}: {' '.join(argv)[:120]!r}: {err.strip()[-300:]!r}")

    def line(self, name: str, took: float) -> str:
        return (f"{name}: {self.runs} runs, {self.tracebacks} tracebacks, {self.more_lines} "
                f"with more than one stderr line, {self.wrong_status} wrong exit status or "
                f"words, {self.changed} changed the desk"
                + (f", {self.windows} asked for the window (not opened)" if self.windows else "")
                + f"; {took:.0f} s")


def make_desk(root: Path) -> Desk:
    """A seeded desk, its CSV file, and the paths the cases name (as the test's fixture)."""
    folder = root / "desk"
    folder.mkdir(parents=True)
    db = folder / "desk.sqlite3"
    with redirect_stdout(io.StringIO()):
        assert cli_main(["--db", str(db), "seed", "--tickets", "5"]) == 0
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    csv = root / "in.csv"
    csv.write_text(CSV, encoding="utf-8")
    return Desk(folder=folder, db=db, csv=csv, out=root / "out.csv",
                missing=root / "nowhere" / "new.sqlite3")


def with_db(argv: list[str], desk: Desk) -> list[str]:
    argv = [desk.fill(a) if "{" in a and "}" in a else a for a in argv]
    return argv if "--db" in argv else ["--db", str(desk.db), *argv]


def in_process(argv: list[str]) -> tuple[int, str]:
    """Exit status and stderr of the command line run here; a traceback if it raised."""
    err = io.StringIO()
    try:
        with redirect_stdout(io.StringIO()), redirect_stderr(err):
            code = cli_main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        code = 1
        err.write(traceback.format_exc())
    return code, err.getvalue()


def check(figures: Figures, argv: list[str], code: int, err: str, *,
          expected: tuple[int, str] | None) -> bool:
    figures.runs += 1
    if "Traceback" in err:
        figures.tracebacks += 1
        figures.defect("traceback", argv, err)
        return False
    lines = err.splitlines()
    if len(lines) > 1 or (expected is not None and len(lines) != 1):
        figures.more_lines += 1
        figures.defect(f"{len(lines)} stderr lines", argv, err)
        return False
    if expected is None:
        ok = code in (0, 1, 2)
    else:
        ok = code == expected[0] and expected[1] in lines[0] and PASSWORD not in lines[0]
    if not ok:
        figures.wrong_status += 1
        figures.defect(f"exit {code}", argv, err)
    return ok


def repeated(desk: Desk, *, repeat: int) -> Figures:
    figures = Figures()
    for _ in range(repeat):
        for argv, code, words in CASES:
            before = Snapshot.of(desk)
            full = with_db(argv, desk)
            got, err = in_process(full)
            check(figures, full, got, err, expected=(code, words))
            if Snapshot.of(desk) != before or default_database().exists():
                figures.changed += 1
                figures.defect("changed the desk or made the default one", full, err)
                default_database().unlink(missing_ok=True)
    return figures


def processes(desk: Desk, root: Path, *, repeat: int) -> Figures:
    """The cases in real processes, a batch of them at a time (they change nothing, so
    they can share the desk)."""
    figures = Figures()
    errs = root / "errs"
    errs.mkdir(parents=True)
    before = Snapshot.of(desk)
    with zygote(root) as z:
        for _ in range(repeat):
            for start in range(0, len(CASES), 8):
                batch = CASES[start:start + 8]
                jobs: list[dict[str, object]] = [
                    {"cli": with_db(argv, desk), "err": str(errs / f"{start + i}.err")}
                    for i, (argv, _code, _words) in enumerate(batch)]
                codes, _ = z.run(jobs)
                for job, got, (_argv, code, words) in zip(jobs, codes, batch, strict=True):
                    err = Path(str(job["err"])).read_text(encoding="utf-8", errors="replace")
                    check(figures, list(job["cli"]), got, err,  # type: ignore[call-overload]
                          expected=(code, words))
    if Snapshot.of(desk) != before:
        figures.changed += 1
        figures.defects.append("the desk changed during the real-process runs")
    return figures


def vary(argv: list[str], rng: random.Random) -> list[str]:
    """One to three random edits of `argv`."""
    out = list(argv)
    for _ in range(rng.randint(1, 3)):
        edit = rng.choice(["value", "value", "drop", "double", "move", "option"])
        if edit == "value" and out:
            out[rng.randrange(len(out))] = rng.choice(HOSTILE)
        elif edit == "drop" and out:
            del out[rng.randrange(len(out))]
        elif edit == "double" and out:
            i = rng.randrange(len(out))
            out[i:i] = out[i:i + 2]
        elif edit == "move" and len(out) > 1:
            out.insert(rng.randrange(len(out)), out.pop(rng.randrange(len(out))))
        elif edit == "option":
            i = rng.randrange(len(out) + 1)
            out[i:i] = [rng.choice(OPTIONS), rng.choice(HOSTILE)]
    return out


def inside(argv: list[str], root: Path) -> list[str]:
    """An edit can put a path where an export writes (`--out /dev/null`, `--out
    ../../etc/passwd`), and this may run as root: absolute paths outside `root` are moved
    into it (the process's folder is two levels inside it, for the relative ones)."""
    return [str(root / "abs" / a.lstrip("/")) if a.startswith("/") and not a.startswith(
        str(root)) else a for a in argv]


def variations(desk: Desk, template: Path, *, count: int, rng: random.Random) -> Figures:
    """An edit that drops the sub-command asks for the window: that is not run (it would
    block, or, with no display, print the Qt pre-flight's two lines, install hint included),
    only counted."""
    figures = Figures()
    windows: list[object] = []

    def no_window(args: object) -> int:
        windows.append(args)
        return 0

    desk_app.cli._run_gui = no_window
    for _ in range(count):
        argv, _code, _words = rng.choice(CASES)
        full = inside(with_db(vary(argv, rng), desk), desk.folder.parent)
        got, err = in_process(full)
        check(figures, full, got, err, expected=None)
        if got == 0:  # a valid command may have changed the desk: start again from the copy
            shutil.copy(template, desk.db)
            for side in desk.folder.glob("desk.sqlite3-*"):
                side.unlink()
        default_database().unlink(missing_ok=True)
    figures.windows = len(windows)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--variations", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    defects: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for key in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
            os.environ[key] = str(root / key.lower())  # nothing lands in the user's folders
        os.environ.pop("DESK_APP_DB", None)
        desk = make_desk(root / "work")  # its folder's files are compared: nothing else there
        (root / "cwd" / "deep").mkdir(parents=True)
        os.chdir(root / "cwd" / "deep")  # relative paths of the variations stay in `root`
        template = root / "template.sqlite3"
        shutil.copy(desk.db, template)
        print(f"{len(CASES)} cases ({len(BAD_ARGUMENTS)} bad arguments, {len(FAILURES)} "
              "unusable desks or files, 2 more) from tests/reliability/test_bad_command_lines.py",
              flush=True)
        for name, run in [
                (f"repeated x{args.repeat} in process",
                 lambda: repeated(desk, repeat=args.repeat)),
                (f"x{args.processes} in real processes",
                 lambda: processes(desk, root / "processes", repeat=args.processes)),
                (f"{args.variations} random variations",
                 lambda: variations(desk, template, count=args.variations,
                                    rng=random.Random(args.seed)))]:
            started = time.perf_counter()
            figures = run()
            print(figures.line(name, time.perf_counter() - started), flush=True)
            defects += figures.defects
    for defect in defects[:15]:
        print(f"  DEFECT {defect}")
    return 1 if defects else 0


if __name__ == "__main__":
    sys.exit(main())
