"""Tests for nn.atomic: atomic writes, and which temporaries count as stale."""

import doctest
import os
import subprocess
import sys
import time

import pytest

from nn import atomic
from nn.atomic import STALE_AFTER, atomic_write, remove_stale_temporaries


def test_docstring_examples():
    result = doctest.testmod(atomic)
    assert result.attempted > 0 and result.failed == 0


def dead_pid():
    """The id of a process that has exited (and been reaped)."""
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    return int(child.stdout)


def touch(folder, name, age=0.0):
    file = folder / name
    file.write_bytes(b"partial")
    then = time.time() - age
    os.utime(file, (then, then))
    return file


def test_which_temporaries_are_stale(tmp_path):
    host, me, gone = atomic._HOST, os.getpid(), dead_pid()
    old = STALE_AFTER + 60
    names = {
        f".w.npz.{host}.{gone}.abcdefgh.tmp": ("writer gone", True),
        f".w.npz.{host}.{me}.abcdefgh.tmp": ("writer alive", False),
        f".w.npz.{host}.{me}.zyxwvuts.tmp": ("writer alive but silent for an hour", True),
        f".w.npz.elsewhere.{gone}.abcdefgh.tmp": ("another host's", False),
        f".w.npz.elsewhere.{me}.bcdefghi.tmp": ("another host's, an hour old", True),
        ".w.npz.abcdefgh.tmp": ("an older version's", False),
        ".w.npz.bcdefghi.tmp": ("an older version's, an hour old", True),
        f".w.npz.{host}.{gone}.abcdefgh.part": ("another suffix", False),
        f".x.npz.{host}.{gone}.abcdefgh.tmp": ("another target's", False),
        f".w.npz.{host}.{gone}.abcdefgh.tmp.keep": ("not the pattern", False),
        f"w.npz.{host}.{gone}.abcdefgh.tmp": ("not hidden: not ours", False),
        ".w.npz.backup.tmp": ("the user's", False),
        "w.npz": ("the target", False),
    }
    aged = {".w.npz.bcdefghi.tmp", f".w.npz.elsewhere.{me}.bcdefghi.tmp",
            f".w.npz.{host}.{me}.zyxwvuts.tmp"}
    for name in names:
        touch(tmp_path, name, age=old if name in aged else 0.0)
    removed = remove_stale_temporaries(tmp_path / "w.npz")
    assert removed == sorted(name for name, (_, stale) in names.items() if stale)
    assert sorted(os.listdir(tmp_path)) == sorted(n for n, (_, s) in names.items() if not s)


def test_only_regular_files_are_removed(tmp_path):
    gone = dead_pid()
    folder = tmp_path / f".w.npz.{atomic._HOST}.{gone}.abcdefgh.tmp"
    folder.mkdir()
    target = touch(tmp_path, "precious")
    link = tmp_path / f".w.npz.{atomic._HOST}.{gone}.bcdefghi.tmp"
    link.symlink_to(target)
    assert remove_stale_temporaries(tmp_path / "w.npz") == []
    assert folder.is_dir() and link.is_symlink() and target.exists()


def test_an_error_inside_leaves_the_target_and_no_temporary(tmp_path):
    path = tmp_path / "f.txt"
    path.write_bytes(b"old")
    with pytest.raises(KeyError):
        with atomic_write(path) as f:
            f.write(b"new, half")
            raise KeyError("boom")
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["f.txt"]


def test_the_mode_of_the_old_file_is_kept(tmp_path):
    path = tmp_path / "f.txt"
    with atomic_write(path) as f:
        f.write(b"one")
    assert os.stat(path).st_mode & 0o777 == 0o644
    os.chmod(path, 0o600)
    with atomic_write(path) as f:
        f.write(b"two")
    assert os.stat(path).st_mode & 0o777 == 0o600 and path.read_bytes() == b"two"


def test_the_temporary_names_its_writer(tmp_path):
    with atomic_write(tmp_path / "f.txt", suffix=".part") as f:
        [name] = os.listdir(tmp_path)
        f.write(b"x")
    prefix = f".f.txt.{atomic._HOST}.{os.getpid()}."
    assert name.startswith(prefix) and name.endswith(".part") and len(name) == len(prefix) + 13
