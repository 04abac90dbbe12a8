"""Writing a file atomically: a reader sees the old file or the new one, never a part.

The bytes go to a temporary file in the target's folder, are flushed to disk (fsync), and
the temporary is renamed over the target: ``os.replace`` is atomic, so a crash or an error
at any moment leaves either the complete old file or the complete new one.

A process killed midway (``kill -9``, a power cut) cannot remove its temporary, so each
write first removes the stale temporaries of the same target. A temporary's name carries
its writer's host and process id, ``.<target>.<host>.<pid>.<random><suffix>``, and it is
stale when that process is gone (same host) or when it has not been written to for
STALE_AFTER seconds (a writer on another host sharing the folder, or a process id since
reused). The temporary of a live writer is left alone, so two processes may write the
same target at once: each renames its own complete file, and the last rename wins.
"""

import contextlib
import os
import re
import socket
import stat
import tempfile
import time

__all__ = ["atomic_write", "remove_stale_temporaries", "STALE_AFTER", "HOST"]

# An hour without a write: no save or download of this library pauses that long.
STALE_AFTER = 3600.0

# The host's first label, so that names stay short and the pattern stays unambiguous; public
# because a caller that watches a write (a download's progress, a test) looks for it.
HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname().split(".")[0])[:32] or "host"
# tempfile's random part: 8 characters from this alphabet.
_RANDOM = r"[a-z0-9_]{8}"


@contextlib.contextmanager
def atomic_write(target, suffix=".tmp"):
    """Yield a binary file ("w+b") that becomes ``target`` when the block ends cleanly; if
    it raises, the temporary is removed and ``target`` is left as it was.

    The new file gets the old file's permissions, or rw-r--r-- if there was none.

    Args:
        target: the path to write.
        suffix: the temporary's suffix, which says what it is (".tmp", ".part").

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "hello.txt")
    >>> with atomic_write(path) as f:
    ...     _ = f.write(b"hello")
    >>> open(path, "rb").read(), os.listdir(os.path.dirname(path))
    (b'hello', ['hello.txt'])
    """
    target = os.fspath(target)
    folder = os.path.dirname(os.path.abspath(target))
    remove_stale_temporaries(target, suffix)
    prefix = f".{os.path.basename(target)}.{HOST}.{os.getpid()}."
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=suffix)
    try:
        with os.fdopen(fd, "w+b") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file private (0600); keep what readers of the target had.
        try:
            mode = os.stat(target).st_mode & 0o777
        except FileNotFoundError:
            mode = 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def remove_stale_temporaries(target, suffix=".tmp"):
    """Remove the temporaries that earlier, killed writes of ``target`` left behind.

    Only names of the pattern above, for this target and suffix, and only regular files;
    also the older names without host and process id (``.<target>.<random><suffix>``),
    which only age makes stale.

    Returns:
        The names removed, sorted.
    """
    target = os.fspath(target)
    folder = os.path.dirname(os.path.abspath(target))
    pattern = re.compile(re.escape("." + os.path.basename(target) + ".")
                         + rf"(?:(?P<host>[A-Za-z0-9-]+)\.(?P<pid>\d+)\.)?{_RANDOM}"
                         + re.escape(suffix) + r"\Z")
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    removed = []
    now = time.time()
    for name in names:
        match = pattern.match(name)
        if match is None:
            continue
        file = os.path.join(folder, name)
        try:
            info = os.lstat(file)
        except FileNotFoundError:
            continue                        # its writer just renamed or removed it
        if not stat.S_ISREG(info.st_mode):
            continue
        gone = (match["host"] == HOST and match["pid"] is not None
                and not _is_running(int(match["pid"])))
        if gone or now - info.st_mtime > STALE_AFTER:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(file)
                removed.append(name)
    return sorted(removed)


def _is_running(pid):
    """Whether a process with this id exists on this host (a zombie counts as running)."""
    if os.name != "posix":
        return True          # on Windows os.kill(pid, 0) would terminate the process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True          # another user's process
    return True


def _fsync_folder(folder):
    """Make the rename itself durable (POSIX); folders cannot be opened on Windows."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
