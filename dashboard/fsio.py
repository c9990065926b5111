"""Every file operation the store makes when it writes, through one object: the fault-injection seam.

`store` calls `fsio.ops.<operation>` for each directory it makes, file it opens for writing, block it
writes, fsync and rename. tests/test_store_faults.py replaces `ops` with a subclass that raises an
OSError at one of these calls in turn (as SQLite's I/O-error tests do) and checks the store is whole
after every one. Clean-up (removing what a failed write left) is not a fault point: it is best effort
by design, and whatever it cannot remove, the next publish removes.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import os
import shutil
from pathlib import Path


class FileOps:
    """The real file system. Each method is one point where a write can fail."""

    def mkdir(self, path: Path, parents: bool = False, exist_ok: bool = False) -> None:
        Path(path).mkdir(parents=parents, exist_ok=exist_ok)

    def open(self, path: Path, mode: str = "wb"):
        return open(path, mode)  # noqa: SIM115 (the caller closes it)

    def write(self, handle, data: bytes) -> None:
        handle.write(data)

    def fsync(self, handle) -> None:
        handle.flush()
        os.fsync(handle.fileno())

    def fsync_dir(self, path: Path) -> None:
        """Make a rename inside `path` durable (a directory's entries are data too)."""
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def rename(self, source: Path, target: Path) -> None:
        os.rename(source, target)

    def replace(self, source: Path, target: Path) -> None:
        os.replace(source, target)

    # ---- clean-up: never a fault point (see the module's docstring)
    def remove(self, path: Path) -> None:
        path = Path(path)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError:
                pass


ops = FileOps()


class HashingWriter(io.RawIOBase):
    """A binary file for pandas and pyarrow to write into: every block goes through `ops.write`, and
    the SHA-256 and size of what was written are kept (for the version's manifest)."""

    def __init__(self, handle):
        super().__init__()
        self.handle = handle
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if self.closed:  # a writer that failed part-way may be flushed late by the garbage collector
            raise ValueError("write to a closed file")
        data = bytes(data)
        ops.write(self.handle, data)
        self.sha256.update(data)
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def seekable(self) -> bool:
        return False


def write_file(path: Path, produce) -> dict:
    """Create `path`, let `produce(binary_file)` write it (in blocks of up to 1 MB), fsync it; return its
    size and SHA-256."""
    handle = ops.open(path, "wb")
    writer = HashingWriter(handle)
    buffered = io.BufferedWriter(writer, buffer_size=1 << 20)  # Parquet writers write many small pieces
    try:
        produce(buffered)
        buffered.flush()
        ops.fsync(handle)
    finally:
        writer.close()  # first: a late flush of what failed must not write (see HashingWriter.write)
        with contextlib.suppress(ValueError, OSError):
            buffered.close()
        handle.close()
    return {"bytes": writer.size, "sha256": writer.sha256.hexdigest()}


def write_bytes(path: Path, data: bytes) -> dict:
    return write_file(path, lambda out: out.write(data))


def append_line(path: Path, line: str) -> None:
    """One short write in append mode, then fsync. One write keeps lines of two processes apart on a local
    disk; the lock keeps them apart on a network file system too (NFS does not make O_APPEND atomic
    across machines)."""
    handle = ops.open(path, "ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        ops.write(handle, line.encode("utf-8"))
        ops.fsync(handle)
    finally:
        handle.close()  # closing releases the lock


def file_digest(path: Path) -> dict:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
            size += len(block)
    return {"bytes": size, "sha256": h.hexdigest()}
