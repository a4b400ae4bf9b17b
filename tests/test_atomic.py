"""The output folder holds exactly one run's files: earlier files gone, whole after kill -9 at any moment, never two
concurrent runs mixed, no staging folders left behind, and one-line errors for places it cannot write."""

from __future__ import annotations

import contextlib
import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import analysis.outputs.atomic as atomic
from analysis.cli import main
from analysis.outputs.atomic import atomic_folder
from sim.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example"
SCENARIO = EXAMPLE / "guangxi_example.yaml"


def settle_argv(out: Path, statistics: bool) -> list[str]:
    argv = ["settle", str(SCENARIO), "--ledger", str(EXAMPLE / "ledger.csv"), "--out", str(out)]
    return argv + (["--statistics", str(EXAMPLE / "statistics.csv")] if statistics else [])


def files(folder: Path) -> dict[str, bytes] | None:
    if not folder.is_dir():
        return None
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def leftovers(out: Path) -> list[str]:
    """Hidden entries beside the target other than its lock file."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.") and p.name != lock(out))


def lock(out: Path) -> str:
    return f".{out.name}.lock"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    """The complete file sets of the two runs the tests alternate: with statistics (old) and without (new)."""
    base = tmp_path_factory.mktemp("reference")
    sets = {}
    for name, statistics in (("old", True), ("new", False)):
        assert main(settle_argv(base / name, statistics)) == 0
        sets[name] = files(base / name)
    assert "statistics.csv" in sets["old"] and "statistics.csv" not in sets["new"]
    return sets


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    """The same two file sets as written by `_write`, the part of `settle` a forked child runs."""
    base = tmp_path_factory.mktemp("written")
    sets = {}
    for name, statistics in (("old", True), ("new", False)):
        assert _write(base / name, statistics) == 0
        sets[name] = files(base / name)
    return sets


def test_a_new_run_leaves_none_of_the_earlier_files(tmp_path, runs, capsys):
    out = tmp_path / "out"
    assert main(settle_argv(out, statistics=True)) == 0
    assert files(out) == runs["old"]
    assert main(settle_argv(out, statistics=False)) == 0
    assert files(out) == runs["new"]  # statistics.csv of the earlier run is gone
    assert leftovers(out) == []
    assert (tmp_path / lock(out)).read_bytes() == atomic.SIGN


def test_stale_staging_and_old_folders_are_removed_by_the_next_run(tmp_path, runs, capsys):
    out = tmp_path / "out"
    assert main(settle_argv(out, statistics=True)) == 0
    for stale in (".out.partial-dead0001", ".out.old-dead0002"):
        (tmp_path / stale).mkdir()
        (tmp_path / stale / "allocation.csv").write_text("half\n")
    assert main(settle_argv(out, statistics=False)) == 0
    assert files(out) == runs["new"] and leftovers(out) == []


def test_a_crash_between_the_two_renames_is_put_back_by_the_next_run(tmp_path, runs, capsys):
    out = tmp_path / "out"
    assert main(settle_argv(out, statistics=True)) == 0
    out.rename(tmp_path / ".out.old-1234abcd")  # as left by a kill between `target → old` and `staging → target`
    (tmp_path / ".out.partial-1234abcd").mkdir()
    with pytest.raises(RuntimeError), atomic_folder(out):
        raise RuntimeError("this run fails too")
    assert files(out) == runs["old"] and leftovers(out) == []


def test_a_failed_run_leaves_no_trace(tmp_path):
    out = tmp_path / "a" / "b" / "out"
    with pytest.raises(RuntimeError), atomic_folder(out) as folder:
        (folder / "allocation.csv").write_text("x\n")
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []  # no staging folder, no lock file, not even the parents it made


def test_a_folder_of_ones_own_files_is_refused_not_emptied(tmp_path, capsys):
    out = tmp_path / "documents"
    out.mkdir()
    (out / "budget.xlsx").write_bytes(b"mine")
    assert main(settle_argv(out, statistics=False)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {out}: ") and "budget.xlsx" in err[0]
    assert files(out) == {"budget.xlsx": b"mine"} and sorted(p.name for p in tmp_path.iterdir()) == ["documents"]


def test_an_empty_folder_and_an_earlier_versions_output_are_replaced(tmp_path, runs, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(settle_argv(empty, statistics=False)) == 0
    assert files(empty) == runs["new"]
    legacy = tmp_path / "legacy"  # written before the lock file recorded it: known by its summary.json
    legacy.mkdir()
    (legacy / "summary.json").write_text("{}")
    (legacy / "statistics.csv").write_text("old\n")
    assert main(settle_argv(legacy, statistics=False)) == 0
    assert files(legacy) == runs["new"]


def test_permissions_and_symlinked_output_folders(tmp_path, runs, capsys):
    real = tmp_path / "real"
    assert main(settle_argv(real, statistics=True)) == 0
    umask = os.umask(0)
    os.umask(umask)
    assert real.stat().st_mode & 0o777 == 0o777 & ~umask  # not the 0700 of a temporary folder
    real.chmod(0o750)
    link = tmp_path / "link"
    link.symlink_to(real)
    assert main(settle_argv(link, statistics=False)) == 0
    assert link.is_symlink() and files(real) == runs["new"]
    assert real.stat().st_mode & 0o777 == 0o750


def test_output_below_a_file_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "report.pdf"
    blocker.write_text("x")
    for out in (blocker / "out", blocker / "a" / "b"):
        assert main(settle_argv(out, statistics=False)) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [f"error: {out}: 输出位置位于文件 {blocker} 之下 / output path lies below the file {blocker}"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]


def test_read_only_places_are_one_line_simulated(tmp_path, monkeypatch, runs, capsys):
    out = tmp_path / "out"
    assert main(settle_argv(out, statistics=True)) == 0

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(atomic, "_stage", read_only)
    assert main(settle_argv(out, statistics=False)) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"error: {out}: 无法写入输出：Read-only file system / cannot write output: Read-only file system"
    ]
    monkeypatch.setattr(atomic, "_acquire", read_only)
    assert main(settle_argv(tmp_path / "new", statistics=False)) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert files(out) == runs["old"] and leftovers(out) == [] and not (tmp_path / "new").exists()


def test_a_mount_point_is_refused_simulated(tmp_path, monkeypatch, capsys):
    out = tmp_path / "disk"
    out.mkdir()
    (out / "other.txt").write_text("on the disk")
    real_ismount = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == out or real_ismount(p))
    assert main(settle_argv(out, statistics=False)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "mount point" in err[0] and err[0].startswith(f"error: {out}: ")
    assert files(out) == {"other.txt": b"on the disk"}


def _can_unshare() -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    done = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    return done.returncode == 0


needs_unshare = pytest.mark.skipif(not _can_unshare(), reason="needs root and unshare -m for a private mount")


@needs_unshare
def test_read_only_file_system_and_mount_point_for_real(tmp_path, runs):
    """In a private mount namespace: a tmpfs made read-only after a first run; a tmpfs as the output folder."""
    disk, mounted = tmp_path / "disk", tmp_path / "mounted"
    disk.mkdir()
    mounted.mkdir()
    cli = f"{sys.executable} -m analysis.cli"
    first = " ".join(settle_argv(disk / "out", statistics=True))
    second = " ".join(settle_argv(disk / "out", statistics=False))
    script = f"""
        set -u
        mount -t tmpfs tmpfs {disk} && mount -t tmpfs tmpfs {mounted} || exit 90
        {cli} {first} >/dev/null || exit 91
        mount -o remount,ro {disk} || exit 92
        {cli} {second} 2>{tmp_path}/ro.err; echo $? >{tmp_path}/ro.code
        {cli} {" ".join(settle_argv(disk / "elsewhere", statistics=False))} 2>{tmp_path}/ro2.err
        echo $? >{tmp_path}/ro2.code
        tar -C {disk} -cf {tmp_path}/disk.tar .
        {cli} {" ".join(settle_argv(mounted, statistics=False))} 2>{tmp_path}/mount.err; echo $? >{tmp_path}/mount.code
        ls -A {mounted} >{tmp_path}/mount.ls
    """
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for name in ("ro", "ro2", "mount"):
        assert (tmp_path / f"{name}.code").read_text().strip() == "2"
        err = (tmp_path / f"{name}.err").read_text().strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: ") and "Traceback" not in err[0], err
    assert "Read-only file system" in (tmp_path / "ro.err").read_text()
    assert "mount point" in (tmp_path / "mount.err").read_text()
    assert (tmp_path / "mount.ls").read_text() == ""
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    subprocess.run(["tar", "-C", str(unpacked), "-xf", str(tmp_path / "disk.tar")], check=True)
    assert files(unpacked / "out") == runs["old"]  # the earlier run, untouched
    assert sorted(p.name for p in unpacked.iterdir()) == [".out.lock", "out"]


# ---------------------------------------------------------------- kill -9 all through a run, in a forked child

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="forks a child to kill")
_STEPS = {"count": 0, "kill_at": 0, "armed": False, "body_start": 0, "body_end": 0}


def _tick() -> None:
    if _STEPS["armed"]:
        _STEPS["count"] += 1
        if _STEPS["count"] == _STEPS["kill_at"]:
            os.kill(os.getpid(), signal.SIGKILL)


def _counted(function):
    def step(*args, **kwargs):
        _tick()
        return function(*args, **kwargs)

    return step


def _arm(kill_at: int, exchange: bool, slow: float = 0.0) -> None:
    """In the child: count every file-system step inside atomic_folder (opening, renaming, syncing, removing) and
    SIGKILL itself just before step `kill_at`."""
    import builtins
    import io

    import analysis.settlement as settlement

    _STEPS.update(count=0, kill_at=kill_at, armed=False)
    for module, name in ((os, "open"), (os, "rename"), (os, "mkdir"), (os, "fsync"), (os, "ftruncate")):
        setattr(module, name, _counted(getattr(module, name)))
    for module, name in ((shutil, "rmtree"), (atomic, "_exchange")):
        setattr(module, name, _counted(getattr(module, name)))
    builtins.open = io.open = _counted(io.open)
    if not exchange:
        atomic._exchange = _counted(lambda a, b: False)
    if slow:
        write_csv = settlement.write_csv

        def slow_csv(*args):
            time.sleep(slow)
            write_csv(*args)

        settlement.write_csv = slow_csv

    sync_tree = atomic._sync_tree

    def body_done(folder):
        _STEPS["body_end"] = _STEPS["count"]
        sync_tree(folder)

    atomic._sync_tree = body_done

    @contextlib.contextmanager
    def armed(target):
        _STEPS["armed"] = True
        with atomic_folder(target) as folder:
            _STEPS["body_start"] = _STEPS["count"]
            yield folder

    settlement.atomic_folder = armed


_SETTLED: dict[bool, object] = {}


def _settled(statistics: bool):
    """The settlement a `settle` run writes, computed once in this process: a forked child only writes it."""
    if statistics not in _SETTLED:
        from analysis.settlement import settle
        from sim.records.ledger import read_ledger, read_statistics
        from sim.scenario.loading import load_scenario

        scenario = load_scenario(SCENARIO)
        records = read_statistics(EXAMPLE / "statistics.csv", scenario) if statistics else None
        _SETTLED[statistics] = settle(scenario, read_ledger(EXAMPLE / "ledger.csv", scenario), records)
    return _SETTLED[statistics]


def _write(out: Path, statistics: bool) -> int:
    """What `ftzshare settle` does once the inputs are read (the same files, byte for byte)."""
    from analysis.settlement import write_settlement

    inputs = {"scenario": SCENARIO, "ledger": EXAMPLE / "ledger.csv"}
    if statistics:
        inputs["statistics"] = EXAMPLE / "statistics.csv"
    try:
        write_settlement(_settled(statistics), out, inputs)
    except InputError:
        return 2
    return 0


def _fork_settle(out: Path, statistics: bool, kill_at: int, exchange: bool = True, slow: float = 0.0):
    """Write a settlement in a forked child; (killed?, exit code, [steps, body start, body end], [start, end])."""
    _settled(statistics)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 99
        try:
            os.close(read)
            with open(os.devnull, "w") as null, contextlib.redirect_stdout(null), contextlib.redirect_stderr(null):
                _arm(kill_at, exchange, slow)
                start = time.time()
                code = _write(out, statistics)
            steps = f"{_STEPS['count']} {_STEPS['body_start']} {_STEPS['body_end']}"
            os.write(write, f"{steps} {start} {time.time()}".encode())
        finally:
            os._exit(code)
    os.close(write)
    deadline = time.monotonic() + 60
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the child hung")
        time.sleep(0.01)
    report = os.read(read, 200).decode().split()
    os.close(read)
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    code = None if killed else os.WEXITSTATUS(status)
    steps = [int(n) for n in report[:3]]
    return killed, code, steps, [float(t) for t in report[3:]]


@needs_fork
@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2-exchange", "two-renames"])
def test_kill_at_steps_all_through_leaves_the_old_or_the_new_folder(tmp_path, written, capsys, exchange):
    if exchange and not atomic._exchange(*_two_folders(tmp_path)):
        pytest.skip("this file system cannot exchange folders")
    out = tmp_path / "out"
    killed, code, (steps, body_start, body_end), _ = _fork_settle(tmp_path / "count" / "out", False, 0, exchange)
    assert not killed and code == 0 and 0 < body_start < body_end < steps
    # every step of taking the lock and staging, every fourth while the files are written and every third while
    # they are synced (alike: the target is untouched), every step from the last syncs through the swap to the end
    points = {*range(1, body_start + 2), *range(body_start, body_end, 4), *range(body_end, steps - 6, 3)}
    points |= set(range(steps - 6, steps + 1))
    seen = set()
    for kill_at in sorted(points):
        _put(out, written["old"])
        killed, code, _, _ = _fork_settle(out, False, kill_at, exchange)
        assert killed, kill_at
        state = files(out)
        if state is None:  # only between the two renames: the old folder set aside whole, put back next time
            assert not exchange
            (aside,) = [p for p in tmp_path.iterdir() if p.name.startswith(".out.old-")]
            assert files(aside) == written["old"]
            atomic.recover(out)
            state = files(out)
            seen.add("set aside")
        assert state in (written["old"], written["new"]), kill_at
        seen.add("old" if state == written["old"] else "new")
        _put(out, written["new"])  # the next run cleans up and completes
        assert files(out) == written["new"] and leftovers(out) == [], kill_at
    assert seen == {"old", "new"} | (set() if exchange else {"set aside"})  # the kills landed on every side
    capsys.readouterr()


def _put(out: Path, content: dict[str, bytes]) -> None:
    """A run's files written through atomic_folder (without computing them again)."""
    with atomic_folder(out) as folder:
        for name, data in content.items():
            (folder / name).write_bytes(data)


def _two_folders(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "probe-a", tmp_path / "probe-b"
    a.mkdir()
    b.mkdir()
    return a, b


def test_kill_minus_9_of_real_runs_at_random_moments(tmp_path, runs, capsys):
    out = tmp_path / "out"
    rng = random.Random(20240601)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(5):
        assert main(settle_argv(out, statistics=True)) == 0
        child = subprocess.Popen(
            [sys.executable, "-m", "analysis.cli", *settle_argv(out, statistics=False)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.5, 1.5))  # a run takes about 1.2 s, the last 0.2 s writing
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert files(out) in (runs["old"], runs["new"])
        assert main(settle_argv(out, statistics=False)) == 0
        assert files(out) == runs["new"] and leftovers(out) == []
    capsys.readouterr()


# ---------------------------------------------------------------- concurrent runs into one folder


@needs_fork
def test_two_concurrent_runs_take_turns(tmp_path, written):
    """Two processes settle into the same folder at once, each slowed to half a second of writing: the second
    waits for the first, then replaces its files whole."""
    out = tmp_path / "out"
    results = {}

    def run(name, statistics):
        results[name] = _fork_settle(out, statistics, 0, slow=0.1)

    threads = [threading.Thread(target=run, args=(n, s)) for n, s in (("old", True), ("new", False))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(not killed and code == 0 for killed, code, _, _ in results.values())
    (first, first_times), (last, last_times) = sorted(
        ((name, r[3]) for name, r in results.items()), key=lambda item: item[1][1]
    )
    assert last_times[0] < first_times[1]  # the runs overlapped …
    assert files(out) == written[last]  # … yet the folder holds one run's files: the one that finished last
    assert leftovers(out) == []


def test_the_second_writer_waits_for_the_lock(tmp_path):
    out = tmp_path / "out"
    inside, release, order = threading.Event(), threading.Event(), []

    def first():
        with atomic_folder(out) as folder:
            (folder / "first.csv").write_text("1\n")
            inside.set()
            release.wait(10)
        order.append("first")

    def second():
        with atomic_folder(out) as folder:
            (folder / "second.csv").write_text("2\n")
        order.append("second")

    one = threading.Thread(target=first)
    one.start()
    assert inside.wait(10)
    two = threading.Thread(target=second)
    two.start()
    time.sleep(0.4)
    assert order == [] and not out.exists()  # the second waits while the first holds the lock
    release.set()
    one.join(10)
    two.join(10)
    assert order == ["first", "second"] and files(out) == {"second.csv": b"2\n"} and leftovers(out) == []


def test_a_lock_held_too_long_is_one_line(tmp_path, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setattr(atomic, "LOCK_WAIT", 0.3)
    inside, release = threading.Event(), threading.Event()

    def hold():
        with atomic_folder(out):
            inside.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(10)
    try:
        with pytest.raises(InputError) as error, atomic_folder(out):
            pass
    finally:
        release.set()
        holder.join(10)
    assert error.value.key == "output_locked" and error.value.line().count("\n") == 0
    assert error.value.line().startswith(f"error: {out}: ")
