"""Downloading the published MNIST-family files by name (``docs/download.rst``).

::

    folder = mnistio.download("fashion-mnist", "data")   # data/FashionMNIST/raw/, verified
    mnistio.Dataset.import_from(folder)

Standard library only (``urllib.request``). Each file of the set is fetched
from the first mirror that serves it (torchvision's mirrors unless others are
given), into ``<name>.part``; a ``.part`` left by an earlier attempt is
continued with an HTTP ``Range`` request (a server that ignores it sends the
whole file, which then replaces the part). The file is renamed to its final
name only once its size and checksum are the published ones, so a file with
a final name is always complete; a wrong checksum removes the part and the
next mirror is tried. A file already there and verified is not fetched again.
The ``http_proxy``/``https_proxy``/``no_proxy`` variables are honoured
(urllib's ``ProxyHandler``).

The files go where torchvision keeps them, ``<root>/<Folder>/raw/``
(``MNIST``, ``FashionMNIST``, ``KMNIST``, ``K49``, ``EMNIST``, ``QMNIST``):
gzip files, as published; EMNIST's ``gzip.zip`` is kept and its members
extracted beside it.

The catalogue of the file sets (:data:`CATALOGUE`, :func:`identify`, ...) is
re-exported here: it lives with the layouts, which read label names from it.
"""

from __future__ import annotations

import http.client
import os
import socket
import urllib.error
import urllib.request
import zipfile

from ..errors import DownloadError, FileSystemError, UsageError
from ..formats import _catalogue
from ..formats._catalogue import (
    CATALOGUE,
    NAMES,
    FileSet,
    KnownFile,
    Match,
    category_names,
    describe_matches,
    file_digest,
    get,
    identify,
    known_label_names,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Iterable, List, Optional, Sequence, Tuple

    Progress = Callable[[str, int, Optional[int]], None]

__all__ = ["download", "download_file", "DEFAULT_TIMEOUT", "MAX_UNSIZED_BYTES", "CATALOGUE", "NAMES", "FileSet",
           "KnownFile", "Match", "get", "identify", "describe_matches", "known_label_names", "category_names"]

#: seconds to wait for a server to answer, or to send the next bytes
DEFAULT_TIMEOUT = 60.0
#: the most read for a file published without a size (EMNIST's archive, the largest, is 536 MiB)
MAX_UNSIZED_BYTES = 1 << 30
_CHUNK = 1 << 16
#: a transfer cut short is continued this many times from one mirror before the next is tried
_RESUMES = 3
_USER_AGENT = "mnistio (Python urllib)"
_ADVICE = ("no mirror could be reached: check the network connection and the http_proxy/https_proxy "
           "variables, or give a reachable mirror with --mirror URL (mirrors=[...] in Python)")


class _Failure(Exception):
    """One mirror could not serve a file; the next is tried. ``offline``: nothing answered."""

    def __init__(self, message: str, offline: bool = False) -> None:
        super().__init__(message)
        self.offline = offline


def download(name: str, root: str = ".", mirrors: Optional[Sequence[str]] = None,
             progress: Optional[Progress] = None, *, catalogue: Optional[Iterable[FileSet]] = None,
             timeout: float = DEFAULT_TIMEOUT) -> str:
    """Download the published file set ``name`` (:data:`NAMES`) into ``<root>/<Folder>/raw/``;
    return that folder.

    ``mirrors`` replace the set's mirrors (base URLs, tried in order; a
    file's URL is the base, a ``/``, and its name). ``progress(file name,
    bytes so far, total or None)`` is called as bytes arrive. ``catalogue``
    replaces :data:`CATALOGUE` (tests use small files). Raises
    :class:`~mnistio.errors.DownloadError` when no mirror serves a verified
    file, naming every URL tried and what went wrong.
    """
    fileset = get(name, catalogue)
    if fileset is None:
        raise UsageError("unknown dataset %r (known: %s)" % (name, ", ".join(each.name for each in _sets(catalogue))))
    archive_set, archive = _archive_of(fileset, catalogue) if fileset.archive is not None else (fileset, None)
    chosen = _mirrors(archive_set, mirrors)
    folder = os.path.join(os.fspath(root), fileset.folder, "raw")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        raise FileSystemError.from_os_error(error, folder, "cannot make the download folder") from None
    if archive is not None:  # one EMNIST split: the archive, then its members
        path = download_file(archive, folder, chosen, progress, timeout=timeout)
        _extract(path, [known for known in fileset.files if known.member], folder)
        return folder
    for known in fileset.files:
        path = download_file(known, folder, chosen, progress, timeout=timeout)
        if known.role == "archive":
            members = [each for other in _sets(catalogue)
                       if other.archive == known.name for each in other.files if each.member]
            _extract(path, members, folder)
    return folder


def _sets(catalogue: Optional[Iterable[FileSet]]) -> Iterable[FileSet]:
    """``catalogue``, or the catalogue's own as it is now (tests replace it)."""
    return _catalogue.CATALOGUE if catalogue is None else catalogue


def _mirrors(fileset: FileSet, mirrors: Optional[Sequence[str]]) -> List[str]:
    if isinstance(mirrors, str):  # one URL given as it is, not a list of its characters
        mirrors = [mirrors]
    chosen = list(fileset.mirrors if mirrors is None else mirrors)
    if not chosen or not all(isinstance(mirror, str) and mirror for mirror in chosen):
        raise UsageError("mirrors must be a non-empty list of base URLs, not %r" % (mirrors,))
    return chosen


def _archive_of(fileset: FileSet, catalogue: Optional[Iterable[FileSet]]) -> Tuple[FileSet, KnownFile]:
    for other in _sets(catalogue):
        for known in other.files:
            if known.name == fileset.archive and known.role == "archive":
                return other, known
    raise UsageError("%s is inside %s, which the catalogue does not list" % (fileset.name, fileset.archive))


def download_file(known: KnownFile, folder: str, mirrors: Sequence[str], progress: Optional[Progress] = None, *,
                  timeout: float = DEFAULT_TIMEOUT) -> str:
    """Fetch one published file into ``folder`` from the first of ``mirrors`` that serves it
    verified; return its path. A verified file already there is kept; one that is not the
    published file is refused (it is not ours to replace)."""
    final = os.path.join(folder, known.name)
    if os.path.lexists(final):
        problem = _verify(final, known)
        if problem is None:
            return final
        raise DownloadError("is there but is not the published %s (%s); remove it to download it again"
                            % (known.name, problem), final)
    part = final + ".part"
    opener = urllib.request.build_opener()  # its ProxyHandler reads http_proxy, https_proxy, no_proxy now
    failures = []
    offline = True
    for base in mirrors:
        url = base if base.endswith("/" + known.name) else base.rstrip("/") + "/" + known.name
        try:
            _fetch(opener, url, part, known, progress, timeout)
        except _Failure as failure:
            failures.append("%s: %s" % (url, failure))
            offline = offline and failure.offline
            continue
        try:
            os.replace(part, final)
        except OSError as error:
            raise FileSystemError.from_os_error(error, final, "cannot rename the verified download") from None
        return final
    advice = _ADVICE if offline else "try again later, or give another mirror with --mirror URL"
    raise DownloadError("cannot download %s: %s; %s" % (known.name, "; ".join(failures), advice), final)


def _fetch(opener, url: str, part: str, known: KnownFile, progress: Optional[Progress], timeout: float) -> None:
    """Fill ``part`` from ``url`` until it holds the verified file; raise :class:`_Failure`."""
    restarted = False
    resumes = 0
    while True:
        start = _size(part)
        if known.size is not None and start > known.size:
            _remove(part)
            start = 0
        try:
            _transfer(opener, url, part, start, known, progress, timeout)
        except _Cut as cut:
            # The connection ended early: the bytes so far stay in the part, and are continued.
            resumes += 1
            if resumes > _RESUMES:
                raise _Failure("the transfer was cut short %d times (%s); the bytes so far are kept in %s"
                               % (resumes, cut, os.path.basename(part))) from None
            continue
        problem = _verify(part, known)
        if problem is None:
            return
        _remove(part)
        if start and not restarted:  # the bytes continued may have been a different file's: once more, whole
            restarted = True
            continue
        raise _Failure("%s; the download was removed" % problem)


class _Cut(Exception):
    """A response that ended before its last byte (the part keeps what came)."""


def _transfer(opener, url: str, part: str, start: int, known: KnownFile, progress: Optional[Progress],
              timeout: float) -> None:
    """One request: the bytes from ``start`` on, appended to ``part`` (or the whole file, when
    the server ignores the range)."""
    headers = {"User-Agent": _USER_AGENT}
    if start:
        headers["Range"] = "bytes=%d-" % start
    try:
        response = opener.open(urllib.request.Request(url, headers=headers), timeout=timeout)
    except urllib.error.HTTPError as error:
        error.close()
        if error.code == 416 and start:  # nothing after ``start``: the part may be complete already
            return
        raise _Failure("HTTP error %d (%s)" % (error.code, error.reason)) from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        reason = getattr(error, "reason", error)
        raise _Failure("no connection (%s)" % (reason,), offline=True) from None
    with response:
        status = getattr(response, "status", 200)
        if status == 206 and _range_start(response) != start:
            raise _Failure("the server sent bytes from %s on, asked for %d on" % (_range_start(response), start))
        resumed = start > 0 and status == 206
        offset = start if resumed else 0
        length = response.headers.get("Content-Length")
        expected_end = offset + int(length) if length is not None and length.isdigit() else None
        total = known.size if known.size is not None else expected_end
        limit = known.size if known.size is not None else MAX_UNSIZED_BYTES
        try:
            out = open(part, "ab" if resumed else "wb")
        except OSError as error:
            raise FileSystemError.from_os_error(error, part, "cannot write the download") from None
        with out:
            done = offset
            if progress is not None:
                progress(known.name, done, total)
            while True:
                try:
                    chunk = response.read(_CHUNK)
                except (http.client.HTTPException, OSError, socket.timeout) as error:
                    raise _Cut(str(error) or type(error).__name__) from None
                if not chunk:
                    break
                if done + len(chunk) > limit:
                    out.close()
                    _remove(part)
                    raise _Failure("the server sent more than the %d bytes %s" % (
                        limit, "published" if known.size is not None else "accepted (MAX_UNSIZED_BYTES)"))
                try:
                    out.write(chunk)
                except OSError as error:
                    raise FileSystemError.from_os_error(error, part, "cannot write the download") from None
                done += len(chunk)
                if progress is not None:
                    progress(known.name, done, total)
    if expected_end is not None and done < expected_end:
        raise _Cut("%d of %d bytes came" % (done, expected_end))
    if known.size is not None and done < known.size and expected_end is None:
        raise _Cut("%d of %d bytes came" % (done, known.size))


def _range_start(response) -> Optional[int]:
    """The first byte a 206 response holds (``Content-Range: bytes START-END/TOTAL``)."""
    value = response.headers.get("Content-Range", "")
    unit, _, rest = value.partition(" ")
    first = rest.partition("-")[0]
    return int(first) if unit == "bytes" and first.isdigit() else None


def _verify(path: str, known: KnownFile) -> Optional[str]:
    """None when ``path`` is the published file, else what differs (size first: it costs no read)."""
    size = _size(path)
    if known.size is not None and size != known.size:
        return "%d bytes, expected %d" % (size, known.size)
    if known.md5 is None and known.sha256 is None:
        return "no published checksum to verify it against"
    try:
        if known.md5 is not None:
            digest = file_digest(path, "md5")
            if digest != known.md5:
                return "md5 %s, expected %s" % (digest, known.md5)
        if known.sha256 is not None:
            digest = file_digest(path, "sha256")
            if digest != known.sha256:
                return "sha256 %s, expected %s" % (digest, known.sha256)
    except OSError as error:
        raise FileSystemError.from_os_error(error, path, "cannot read the download") from None
    return None


def _extract(archive: str, members: Sequence[KnownFile], folder: str) -> None:
    """Copy ``members`` out of the verified ``archive`` into ``folder``, each through a ``.part``
    (zipfile checks each member's CRC-32 as it is read). A member already there with its size
    in the archive is kept."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            for known in members:
                try:
                    info = zipped.getinfo(known.member or known.name)
                except KeyError:
                    raise DownloadError("has no member %s" % known.member, archive) from None
                final = os.path.join(folder, known.name)
                if os.path.lexists(final):
                    if _size(final) == info.file_size:
                        continue
                    raise DownloadError("is there but is not %s of %s (%d bytes, expected %d); remove it to "
                                        "extract it again" % (known.member, os.path.basename(archive),
                                                              _size(final), info.file_size), final)
                part = final + ".part"
                try:
                    with zipped.open(info) as source, open(part, "wb") as out:
                        for chunk in iter(lambda: source.read(1 << 20), b""):
                            out.write(chunk)
                    os.replace(part, final)
                except BaseException:
                    _remove(part)
                    raise
    except zipfile.BadZipFile as error:
        raise DownloadError("unreadable archive (%s)" % error, archive) from None
    except OSError as error:
        raise FileSystemError.from_os_error(error, archive, "cannot extract the archive") from None


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
    except OSError as error:
        raise FileSystemError.from_os_error(error, path, "cannot remove the failed download") from None
