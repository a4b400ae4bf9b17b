"""Write a run's output folder whole, or not at all.

After a run the output folder holds exactly that run's files: never a mix with an earlier run's files, never a part
of a run, never two runs mixed. How:

- **Staging.** Files go to a hidden folder `.<name>.partial-*` beside the target (same file system). Only when every
  file is written (and synced) does the staging folder take the target's place, by rename. On Linux
  `renameat2(RENAME_EXCHANGE)` swaps the two folders in one step, so a kill at any moment leaves the complete old or
  the complete new folder in place. Where that is not available the target is renamed to `.<name>.old-*`, the staging
  folder to the target, and the old folder removed; a crash between those two renames leaves the complete old folder
  under `.old-*`, and the next run into the same target puts it back before doing anything else.
- **Lock.** `.<name>.lock` beside the target, locked (`flock`) from before staging until the swap is done. A second
  run into the same folder *waits* for the first to finish writing (at most `LOCK_WAIT` seconds, then a one-line
  error), then replaces its files whole: the folder always holds one run's files, as if the runs had been made one
  after the other. The lock file stays after a successful run: it records that ftzshare wrote the folder.
- **Clean-up.** Staging and old folders left by a killed run are removed by the next run into the same target,
  under the lock (so never a live run's).
- **Nothing else is replaced.** The target must be a new folder, an empty one, or one ftzshare wrote (the lock file
  says so, or it holds ftzshare's `summary.json` / `comparison_summary.csv` and no subfolders): `--out` naming a
  folder of one's own documents is refused, not emptied. A mount point cannot be renamed; it is refused too, with
  the advice to name a folder inside it (clearing a mounted disk to write into it could never be atomic).
- Every failure (a file on the way, a read-only file system, a full disk) is one `InputError` line.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import stat
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.errors import InputError

LOCK_WAIT = 300.0  # seconds a second run waits for the first to finish writing the same folder
SIGN = b"ftzshare output folder - the next run into it replaces it whole\n"
LEGACY_SIGNS = ("summary.json", "comparison_summary.csv")  # outputs written before the lock file recorded it


@contextmanager
def atomic_folder(target: str | Path) -> Iterator[Path]:
    """A fresh empty folder to write into; on leaving without error it replaces `target` whole."""
    shown = str(target)
    path = Path(os.path.realpath(target))  # a symlink to a folder: replace the folder it points to
    if os.path.lexists(path) and not path.is_dir():
        raise InputError(shown, None, "output_not_dir")
    if path.is_dir() and os.path.ismount(path):
        raise InputError(shown, None, "output_mount")
    created = _make_parents(path.parent, shown)
    lock_path = path.parent / f".{path.name}.lock"
    try:
        fd = _acquire(lock_path, shown)
    except OSError as exc:
        _remove_created(created)
        raise _write_error(shown, exc) from None
    except InputError:
        _remove_created(created)
        raise
    swapped = False
    try:
        _recover(path)
        _check_replaceable(path, shown, fd)
        staging = _stage(path)
        try:
            yield staging
            _sync_tree(staging)
            _swap(staging, path)
            swapped = True
            _sign(fd)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except OSError as exc:
        raise _write_error(shown, exc) from None
    finally:
        _release(fd, lock_path, keep=swapped or _signed(fd))
        if not swapped:
            _remove_created(created)


def recover(target: str | Path) -> None:
    """Put back the complete old folder a crash between the two renames left aside; remove stale staging folders.
    Every run does this under the lock before writing; call it only while no run writes `target`."""
    _recover(Path(os.path.realpath(target)))


def _write_error(shown: str, exc: OSError) -> InputError:
    return InputError(shown, None, "output_write", detail=exc.strerror or str(exc))


def _make_parents(parent: Path, shown: str) -> list[Path]:
    """Create the missing folders above the target; the ones created, deepest first (removed again on failure)."""
    missing = []
    anchor = parent
    while not os.path.lexists(anchor):
        missing.append(anchor)
        anchor = anchor.parent
    if not anchor.is_dir():
        raise InputError(shown, None, "output_below_file", parent=str(anchor))
    created: list[Path] = []
    try:
        for folder in reversed(missing):
            folder.mkdir()
            created.insert(0, folder)
    except FileExistsError:
        pass  # another run made it meanwhile
    except OSError as exc:
        _remove_created(created)
        raise _write_error(shown, exc) from None
    return created


def _remove_created(created: list[Path]) -> None:
    for folder in created:
        try:
            folder.rmdir()
        except OSError:
            return


# ---------------------------------------------------------------- the lock


def _acquire(lock_path: Path, shown: str) -> int:
    """An open, exclusively locked descriptor of the lock file, waiting at most LOCK_WAIT seconds."""
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            if _try_lock(fd):
                try:
                    current = os.stat(lock_path)
                except FileNotFoundError:
                    current = None
                if current is not None and current.st_ino == os.fstat(fd).st_ino:
                    return fd
                # the holder removed the file before letting go: lock the new one instead
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
        if time.monotonic() > deadline:
            raise InputError(shown, None, "output_locked", seconds=round(LOCK_WAIT))
        time.sleep(0.05)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _signed(fd: int) -> bool:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, len(SIGN)) == SIGN
    except OSError:
        return False


def _sign(fd: int) -> None:
    with contextlib.suppress(OSError):  # the folder is in place; a missing sign only makes the next run stricter
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, SIGN)


def _release(fd: int, lock_path: Path, keep: bool) -> None:
    if not keep:  # removed while still held: a waiting run then finds the file gone and locks a new one
        with contextlib.suppress(OSError):
            lock_path.unlink()
    _unlock(fd)
    os.close(fd)


# ---------------------------------------------------------------- staging and swapping


def _siblings(path: Path, kind: str) -> list[Path]:
    prefix = f".{path.name}.{kind}-"
    try:
        names = os.listdir(path.parent)
    except OSError:
        return []
    return [path.parent / n for n in names if n.startswith(prefix)]


def _recover(path: Path) -> None:
    old = sorted(_siblings(path, "old"), key=lambda p: p.lstat().st_mtime_ns)
    if old and not os.path.lexists(path):
        os.rename(old.pop(), path)  # the complete folder a crash between the two renames left aside
    for stale in old + _siblings(path, "partial"):
        shutil.rmtree(stale, ignore_errors=True)


def _check_replaceable(path: Path, shown: str, fd: int) -> None:
    if not os.path.lexists(path):
        return
    entries = list(os.scandir(path))
    if not entries or _signed(fd):
        return
    names = {e.name for e in entries}
    if any(n in names for n in LEGACY_SIGNS) and not any(e.is_dir(follow_symlinks=False) for e in entries):
        return
    raise InputError(shown, None, "output_foreign", example=sorted(names)[0])


def _stage(path: Path) -> Path:
    while True:
        staging = path.parent / f".{path.name}.partial-{secrets.token_hex(4)}"
        try:
            os.mkdir(staging, 0o777)  # the umask applies, as for any folder the user makes
            break
        except FileExistsError:
            continue
    with contextlib.suppress(OSError):
        if path.is_dir():  # keep the permissions an official gave the folder
            os.chmod(staging, stat.S_IMODE(os.stat(path).st_mode))
    return staging


def _sync_tree(folder: Path) -> None:
    """Flush every written file before the rename makes the folder visible (a power cut then loses no data)."""
    for root, _, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDWR if sys.platform == "win32" else os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _sync_dir(Path(root))


def _sync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some systems cannot sync a folder
    finally:
        os.close(fd)


def _swap(staging: Path, path: Path) -> None:
    if not os.path.lexists(path):
        os.rename(staging, path)
    elif not _exchange(staging, path):
        old = path.parent / f".{path.name}.old-{secrets.token_hex(4)}"
        os.rename(path, old)
        try:
            os.rename(staging, path)
        except OSError:
            os.rename(old, path)
            raise
        shutil.rmtree(old, ignore_errors=True)
    _sync_dir(path.parent)


_renameat2 = None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE); False where the system cannot."""
    global _renameat2
    if _renameat2 is None:
        _renameat2 = False
        if sys.platform.startswith("linux"):
            import ctypes

            try:
                function = ctypes.CDLL(None, use_errno=True).renameat2
            except (OSError, AttributeError):
                pass
            else:
                function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
                function.restype = ctypes.c_int
                _renameat2 = function
    if not _renameat2:
        return False
    import ctypes

    at_fdcwd, rename_exchange = -100, 2
    if _renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False  # this file system cannot exchange: rename twice
    raise OSError(code, os.strerror(code), str(b))
