"""Outputs are never written through a symbolic link, and never left half-written."""

from __future__ import annotations

import os
import stat

import pytest

from symconv import safeio
from symconv.cli import main
from symconv.safeio import UnsafeOutput, open_for_appending, open_for_writing, write_bytes, write_text


@pytest.fixture
def victim(tmp_path):
    path = tmp_path / "victim.txt"
    path.write_text("precious", encoding="utf-8")
    return path


def test_a_symlink_at_the_target_is_refused(tmp_path, victim):
    link = tmp_path / "key.tex"
    link.symlink_to(victim)
    for write in (lambda: write_text(link, "x"), lambda: write_bytes(link, b"x"),
                  lambda: open_for_writing(link).__enter__(), lambda: open_for_appending(link)):
        with pytest.raises(UnsafeOutput, match="symbolic link"):
            write()
    assert victim.read_text() == "precious" and link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["key.tex", "victim.txt"]


def test_a_dangling_symlink_is_refused_too(tmp_path):
    link = tmp_path / "key.tex"
    link.symlink_to(tmp_path / "would-be-created")
    with pytest.raises(UnsafeOutput):
        write_text(link, "x")
    assert not (tmp_path / "would-be-created").exists()


def test_a_directory_at_the_target_is_refused(tmp_path):
    (tmp_path / "key.tex").mkdir()
    with pytest.raises(UnsafeOutput, match="not a regular file"):
        write_text(tmp_path / "key.tex", "x")


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "results.csv"
    target.write_text("old", encoding="utf-8")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="No space"):
        write_text(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == [
        "results.csv"]


def test_an_error_inside_the_block_replaces_nothing(tmp_path):
    target = tmp_path / "results.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with open_for_writing(target) as fh:
            fh.write("half")
            raise RuntimeError("stop")
    assert target.read_text() == "old" and len(list(tmp_path.iterdir())) == 1


def test_an_existing_file_keeps_its_mode_and_a_new_one_follows_the_umask(tmp_path):
    target = tmp_path / "key.tex"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    write_text(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_text() == "new"
    umask = os.umask(0o022)
    try:
        fresh = write_text(tmp_path / "fresh.tex", "x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644  # mkstemp alone would give 0o600


def test_appending_adds_to_the_file(tmp_path):
    journal = tmp_path / "run.journal"
    for line in ("a\n", "b\n"):
        with open_for_appending(journal) as fh:
            fh.write(line)
    assert journal.read_text() == "a\nb\n"


def test_an_unwritable_output_is_one_line_from_the_cli(tmp_path, monkeypatch, capsys):
    # Root ignores a read-only directory, so the refusal is simulated where it happens.
    good = tmp_path / "q.toml"
    good.write_text('[[question]]\nid = "q1"\nkind = "prose"\ntext = "Why?"\nprose = "Because."\n',
                    encoding="utf-8")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "out"))

    monkeypatch.setattr(safeio.tempfile, "mkstemp", denied)
    assert main(["key", str(good), "-o", str(tmp_path / "out"), "--no-torch"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"symconv key: error: {tmp_path / 'out'}: Permission denied"]
