"""The output folder of an export: locked, written aside, swapped in, recoverable.

An export never writes into its output folder. It writes into a temporary
folder beside it, ``.<name>.partial-XXXX``, and only when everything is
written renames that into place. Replacing an existing output
(``overwrite``) takes two renames: the old output moves into
``.<name>.old-XXXX``, the new one takes its place, the old one is removed.

What can go wrong, and what the next export into the same folder does:

* Two exports into one folder: each takes a lock on ``.<name>.lock`` beside
  the output (``flock``, released by the kernel when the process ends, even
  killed) for its whole run; the second fails at once, naming the folder.
* An export killed (power cut, SIGKILL) between the two renames leaves the
  old output in ``.<name>.old-XXXX`` and nothing at the output path: the
  next export (holding the lock, so no live export owns that folder) renames
  it back before it starts, and says so.
* A killed export leaves ``.partial-`` and ``.old-`` folders: the next export
  removes them (again only under the lock).
* An output that is, holds or lies inside one of the export's own inputs is
  refused before anything is touched: ``--overwrite`` would delete the input.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import tempfile
from contextlib import contextmanager

from .._words import count
from ..errors import FileSystemError, MnistioError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Iterator, List, Optional

__all__ = ["output_folder", "recover", "check_not_an_input", "create_file", "link_or_copy"]

_PARTIAL = ".partial-"
_OLD = ".old-"
#: what tempfile.mkdtemp puts after the prefix
_MKDTEMP_SUFFIX = "[a-z0-9_]{8}"


def _names(save_dir: str):
    parent, base = os.path.split(save_dir)
    return parent, base, ".%s%s" % (base, _PARTIAL), ".%s%s" % (base, _OLD), ".%s.lock" % base


@contextmanager
def output_folder(save_dir: Any, overwrite: bool, inputs: Iterable[str] = (),
                  notes: Optional[List[str]] = None) -> Iterator[str]:
    """Yield an empty temporary folder beside ``save_dir`` that replaces it on success (and is
    removed on failure), holding the output's lock and recovering what dead runs left."""
    save_dir = _output_path(save_dir)
    check_not_an_input(save_dir, inputs)
    parent = os.path.dirname(save_dir)
    try:
        os.makedirs(parent, exist_ok=True)
    except OSError as error:
        raise FileSystemError.from_os_error(error, parent, "cannot make the output's parent folder") from None
    with _locked(save_dir):
        restored = recover(save_dir)
        if restored and notes is not None:
            notes.extend(restored)
        try:
            _check_replaceable(save_dir, overwrite)
        except UsageError as error:
            if restored:  # say why a folder that was missing is now in the way
                raise UsageError("%s; it is an earlier output, just restored after an interrupted export"
                                 % error.message, save_dir) from None
            raise
        temporary = _make_temporary(save_dir)
        try:
            yield temporary
            _make_permissions_usual(temporary)
            _check_replaceable(save_dir, overwrite)  # nothing may have appeared meanwhile (the lock says so)
            _replace_dir(temporary, save_dir)
        except BaseException as error:
            shutil.rmtree(temporary, ignore_errors=True)
            if isinstance(error, OSError) and not isinstance(error, MnistioError):
                raise _named_in_output(error, temporary, save_dir) from None
            raise


def _output_path(save_dir: Any) -> str:
    """``save_dir`` made absolute, refused when empty or when it is (or holds) the current folder:
    replacing that would pull the working folder out from under the caller."""
    given = os.fspath(save_dir)
    if not isinstance(given, str) or not given or "\x00" in given:
        raise UsageError("the output folder must be a non-empty path without NUL, not %r" % (given,))
    try:
        path = os.path.abspath(given)
        here = os.path.realpath(os.getcwd())
    except OSError as error:  # the working folder itself is gone
        raise FileSystemError.from_os_error(error, given, "cannot resolve the output path") from None
    if _inside(here, os.path.realpath(path)):
        raise UsageError("the output folder is, or holds, the current folder; give a new folder's name", given)
    return path


def check_not_an_input(save_dir: str, inputs: Iterable[str]) -> None:
    """Refuse an output that is, holds or lies inside an input folder, or holds an input file:
    replacing it would delete the input, writing into it would change it."""
    real = os.path.realpath(save_dir)
    for path in inputs:
        source = os.path.realpath(path)
        if _inside(source, real) or (os.path.isdir(source) and _inside(real, source)):
            raise UsageError("the output folder would replace or write into the input %s; choose another" % path,
                             save_dir)


def _named_in_output(error: OSError, temporary: str, save_dir: str) -> FileSystemError:
    """The system's error, naming the file as it would have been in the output folder."""
    filename = error.filename if isinstance(error.filename, str) else None
    if filename is not None and _inside(os.path.abspath(filename), temporary):
        filename = os.path.join(save_dir, os.path.relpath(os.path.abspath(filename), temporary))
    reason = error.strerror or str(error) or type(error).__name__
    return FileSystemError("cannot write the output (%s)" % reason, filename or save_dir, errno=error.errno)


def recover_output(save_dir: Any) -> List[str]:
    """:func:`recover`, holding the output's lock (failing at once if an export holds it)."""
    save_dir = os.path.abspath(os.fspath(save_dir))
    with _locked(save_dir):
        return recover(save_dir)


def recover(save_dir: Any) -> List[str]:
    """Undo what interrupted exports left beside ``save_dir``: an old output moved aside and not
    back is restored when the output is missing; other leftovers are removed. The caller holds
    the output's lock. Returns what was done, for the user."""
    save_dir = os.path.abspath(os.fspath(save_dir))
    parent, base, partial, old, _ = _names(save_dir)
    try:
        entries = sorted(os.listdir(parent))
    except OSError:
        return []
    # Only names as tempfile.mkdtemp makes them (eight characters after the prefix): a folder of
    # the user's that happens to start alike (.out.old-backup2023) is never touched.
    ours = re.compile("(%s|%s)%s$" % (re.escape(old), re.escape(partial), _MKDTEMP_SUFFIX))
    leftovers = [name for name in entries if ours.match(name) and os.path.isdir(os.path.join(parent, name))]
    notes = []
    for name in leftovers:
        path = os.path.join(parent, name)
        if name.startswith(old) and os.path.isdir(os.path.join(path, base)) and not os.path.lexists(save_dir):
            os.rename(os.path.join(path, base), save_dir)
            notes.append("restored %s, which an interrupted export had moved aside" % save_dir)
        shutil.rmtree(path, ignore_errors=True)
    removed = leftovers
    if removed and not notes:
        notes.append("removed %s an interrupted export had left beside %s" % (count(len(removed), "folder"),
                                                                               save_dir))
    return notes


@contextmanager
def _locked(save_dir: str) -> Iterator[None]:
    """Hold ``.<name>.lock`` beside the output, or fail at once if another export holds it."""
    parent, base, _, _, lock_name = _names(save_dir)
    lock_path = os.path.join(parent, lock_name)
    while True:
        try:
            descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as error:
            raise FileSystemError.from_os_error(error, lock_path, "cannot lock the output folder") from None
        try:
            _lock(descriptor, save_dir)
            # The file may have been removed and made anew by the holder we waited for: the lock
            # counts only on the file that is at the path now.
            if os.path.exists(lock_path) and os.path.samestat(os.fstat(descriptor), os.stat(lock_path)):
                break
        except BaseException:
            os.close(descriptor)
            raise
        os.close(descriptor)
    try:
        yield
    finally:
        try:
            os.remove(lock_path)  # while held: nobody can be between open and lock on it
        except OSError:
            pass
        os.close(descriptor)


def _lock(descriptor: int, save_dir: str) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            raise _busy(save_dir) from None
        return
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise _busy(save_dir) from None
        raise FileSystemError.from_os_error(error, save_dir, "cannot lock the output folder") from None


def _busy(save_dir: str) -> UsageError:
    return UsageError("another export is writing this output folder now; wait for it to end", save_dir)


def _check_replaceable(save_dir: str, overwrite: bool) -> None:
    if os.path.lexists(save_dir):
        if not os.path.isdir(save_dir) or os.path.islink(save_dir):
            raise UsageError("output path exists and is not a folder", save_dir)
        if os.listdir(save_dir) and not overwrite:
            raise UsageError("output folder is not empty (use --overwrite, or overwrite=True, to replace it)",
                             save_dir)


def _make_temporary(save_dir: str) -> str:
    parent, _, partial, _, _ = _names(save_dir)
    try:
        return tempfile.mkdtemp(prefix=partial, dir=parent)
    except OSError as error:
        raise FileSystemError.from_os_error(error, parent, "cannot write beside the output folder") from None


def _make_permissions_usual(folder: str) -> None:
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(folder, 0o777 & ~umask)


def _replace_dir(new: str, target: str) -> None:
    if not os.path.exists(target):
        os.rename(new, target)
        return
    parent, base, _, old_prefix, _ = _names(target)
    old = tempfile.mkdtemp(prefix=old_prefix, dir=parent)
    os.rename(target, os.path.join(old, base))
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(os.path.join(old, base), target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _inside(path: str, folder: str) -> bool:
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # different drives on Windows
        return False


# -- files in the output -------------------------------------------------------------------

# O_EXCL: never replace a file, whatever happens. A raw descriptor costs a
# third of what open() does, and files are most of an export's time.
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def create_file(path: str, data: Any) -> None:
    """A new file ``path`` holding ``data`` (bytes-like); an existing file is never replaced."""
    descriptor = os.open(path, _CREATE_FLAGS, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
    finally:
        os.close(descriptor)


def link_or_copy(source: str, target: str) -> None:
    """``target`` (new, in an existing folder) the same file as ``source``: a hard link, else (another
    file system, or one without links) a copy; either way byte for byte ``source``, never
    replacing a file. A ``source`` that is not a regular file is refused, naming it."""
    try:
        if not stat.S_ISREG(os.stat(source).st_mode):
            raise UsageError("is not a regular file: only files are linked or copied into an export", source)
        try:
            os.link(source, target)
            return
        except FileExistsError:
            raise
        except OSError:
            pass  # EXDEV, EPERM, EMLINK, ENOTSUP...: copy instead
        with open(source, "rb") as reading:
            descriptor = os.open(target, _CREATE_FLAGS, 0o666)
            with os.fdopen(descriptor, "wb") as writing:
                shutil.copyfileobj(reading, writing, 1 << 20)
    except OSError as error:
        raise FileSystemError.from_os_error(error, source, "cannot link or copy the file into the export") \
            from None
