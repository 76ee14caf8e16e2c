"""``mnistio download`` / ``mnistio.download``, end to end against a local HTTP server on 127.0.0.1.

The real files are megabytes on the internet; these tests use a fixture
catalogue of small IDX files built here (their true sizes and md5s), served
by ``http.server`` in a thread on an ephemeral port, whose paths choose how
the server behaves: ``/good/`` serves with ``Range`` support, ``/fail/``
answers 500, ``/cut/`` closes every response that starts at byte 0 half way
(a ``Content-Length`` it does not keep), ``/cut-norange/`` cuts and then
ignores ``Range``, ``/bad/`` serves other bytes of the same size, ``/long/``
more bytes than published, ``/ignore-range/`` never honours ``Range``. After
every failure only ``.part`` files, or nothing, are left: never a file with
its final name that is not the published one.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import os
import socket
import threading
import zipfile

import pytest

import mnistio
from mnistio.cli import main
from mnistio.codecs import idx
from mnistio.errors import DownloadError, UsageError
from mnistio.formats import _catalogue as catalogue_module
from mnistio.ops import download as dl
from mnistio.ops.download import FileSet, KnownFile

NAMES = tuple("abcdefghij")


def _gz(payload_writer):
    buffer = io.BytesIO()
    payload_writer(buffer)
    return gzip.compress(buffer.getvalue(), mtime=0)


def _idx_bytes(values, shape, tmp_path, name):
    path = str(tmp_path / name)
    idx.write(path, bytes(values), shape=shape)
    with open(path, "rb") as file:
        return file.read()


@pytest.fixture(scope="module")
def fixture_files(tmp_path_factory):
    """``{name: bytes}`` of a tiny MNIST-like set: 6 train and 3 test items of 4 x 4 pixels."""
    folder = tmp_path_factory.mktemp("fixture")
    files = {}
    for prefix, count in (("train", 6), ("t10k", 3)):
        labels = [i % 10 for i in range(count)]
        pixels = [(7 * i) % 256 for i in range(count * 16)]
        files[prefix + "-labels-idx1-ubyte.gz"] = _idx_bytes(labels, (count,), folder, prefix + "-l.gz")
        files[prefix + "-images-idx3-ubyte.gz"] = _idx_bytes(pixels, (count, 4, 4), folder, prefix + "-i.gz")
    return files


def _fileset(files, mirrors, name="tiny", archive=None, folder="Tiny"):
    known = tuple(KnownFile(file, len(data), hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest(),
                            "labels" if "labels" in file else "images", "train" if file.startswith("train") else "test")
                  for file, data in sorted(files.items()))
    return FileSet(name, "Tiny-MNIST", known, tuple(mirrors), folder, NAMES)


class _Server:
    """The fixture files behind paths that choose how they are served; ``requests`` logs (path, Range)."""

    def __init__(self, files):
        self.files = files
        self.requests = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                server.handle(self)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def handle(self, handler):
        path = handler.path
        if path.startswith("http://"):  # a proxy's request names the whole URL
            path = "/" + path.split("/", 3)[3]
        _, mode, name = path.split("/", 2)
        range_header = handler.headers.get("Range")
        self.requests.append((mode, name, range_header))
        data = self.files.get(name)
        if mode == "fail" or data is None:
            handler.send_error(500 if mode == "fail" else 404)
            return
        if mode == "bad":
            data = bytes(b ^ 0xFF for b in data)
        if mode == "long":
            data = data + b"x" * 100
        start = 0
        if range_header and mode in ("good", "cut", "bad", "long"):
            start = int(range_header.split("=")[1].rstrip("-"))
        if start >= len(data) and start:
            handler.send_response(416)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        body = data[start:]
        handler.send_response(206 if start else 200)
        if start:
            handler.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Accept-Ranges", "bytes")
        handler.end_headers()
        if mode in ("cut", "cut-norange") and start == 0:
            # Promise the whole body, send half, hang up.
            handler.wfile.write(body[:len(body) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        handler.wfile.write(body)


@pytest.fixture
def server(fixture_files):
    running = _Server(fixture_files)
    yield running
    running.close()


@pytest.fixture(autouse=True)
def no_proxy_from_outside(monkeypatch):
    """A proxy set where the tests run must not carry their requests to 127.0.0.1 elsewhere."""
    for variable in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                     "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(variable, raising=False)


def _closed_port_url():
    """A URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return "http://127.0.0.1:%d/good/" % port


def _left(root):
    """Every file under ``root``, relative."""
    found = []
    for folder, _, names in os.walk(root):
        found += [os.path.relpath(os.path.join(folder, name), root) for name in names]
    return sorted(found)


def _assert_complete_or_part(root, files):
    """Every file with a final name is the published file; anything else is a ``.part``."""
    for relative in _left(root):
        name = os.path.basename(relative)
        if name.endswith(".part"):
            continue
        with open(os.path.join(root, relative), "rb") as file:
            assert file.read() == files[name], relative


def test_downloads_verifies_and_reads_back(server, fixture_files, tmp_path):
    catalogue = [_fileset(fixture_files, [server.url + "/good/"])]
    folder = dl.download("tiny", str(tmp_path), catalogue=catalogue)
    assert folder == os.path.join(str(tmp_path), "Tiny", "raw")  # torchvision's <root>/<Name>/raw/
    assert _left(folder) == sorted(fixture_files)
    _assert_complete_or_part(str(tmp_path), fixture_files)
    dataset = mnistio.Dataset.import_from(folder)
    assert dataset.subset_counts() == {"test": 3, "train": 6}


def test_present_and_verified_files_are_not_downloaded_again(server, fixture_files, tmp_path):
    catalogue = [_fileset(fixture_files, [server.url + "/good/"])]
    dl.download("tiny", str(tmp_path), catalogue=catalogue)
    server.requests.clear()
    dl.download("tiny", str(tmp_path), catalogue=catalogue)
    assert server.requests == []


def test_a_file_there_that_is_not_the_published_one_is_refused_not_replaced(server, fixture_files, tmp_path):
    catalogue = [_fileset(fixture_files, [server.url + "/good/"])]
    folder = tmp_path / "Tiny" / "raw"
    folder.mkdir(parents=True)
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(b"mine")
    with pytest.raises(DownloadError, match="is not the published train-labels-idx1-ubyte.gz .*remove it"):
        dl.download("tiny", str(tmp_path), catalogue=catalogue)
    assert (folder / "train-labels-idx1-ubyte.gz").read_bytes() == b"mine"


def test_a_failing_mirror_is_passed_over(server, fixture_files, tmp_path):
    catalogue = [_fileset(fixture_files, [server.url + "/fail/", _closed_port_url(), server.url + "/good/"])]
    folder = dl.download("tiny", str(tmp_path), catalogue=catalogue)
    assert _left(folder) == sorted(fixture_files)
    assert {mode for mode, _, _ in server.requests} == {"fail", "good"}


def test_a_response_cut_short_is_resumed_with_a_range_request(server, fixture_files, tmp_path):
    catalogue = [_fileset(fixture_files, [server.url + "/cut/"])]
    folder = dl.download("tiny", str(tmp_path), catalogue=catalogue)
    assert _left(folder) == sorted(fixture_files)
    _assert_complete_or_part(str(tmp_path), fixture_files)
    name = "train-images-idx3-ubyte.gz"
    ranges = [header for mode, file, header in server.requests if file == name]
    assert ranges == [None, "bytes=%d-" % (len(fixture_files[name]) // 2)]


def test_a_server_that_ignores_range_restarts_cleanly(server, fixture_files, tmp_path):
    catalogue = [_fileset(fixture_files, [server.url + "/cut-norange/"])]
    # Every response starting at 0 is cut, and ranges are ignored: the transfer never completes.
    with pytest.raises(DownloadError, match=r"cut short 4 times.*kept in .*\.part"):
        dl.download("tiny", str(tmp_path), catalogue=catalogue)
    left = _left(str(tmp_path))
    assert left and all(name.endswith(".part") for name in left)
    # The next run, from a mirror that ignores Range but completes, replaces the part whole.
    catalogue = [_fileset(fixture_files, [server.url + "/ignore-range/"])]
    folder = dl.download("tiny", str(tmp_path), catalogue=catalogue)
    assert _left(folder) == sorted(fixture_files)
    _assert_complete_or_part(str(tmp_path), fixture_files)


def test_a_part_left_by_an_earlier_run_is_continued(server, fixture_files, tmp_path):
    catalogue = [_fileset(fixture_files, [server.url + "/good/"])]
    folder = tmp_path / "Tiny" / "raw"
    folder.mkdir(parents=True)
    name = "train-images-idx3-ubyte.gz"
    (folder / (name + ".part")).write_bytes(fixture_files[name][:10])
    dl.download("tiny", str(tmp_path), catalogue=catalogue)
    assert (folder / name).read_bytes() == fixture_files[name]
    assert ("good", name, "bytes=10-") in server.requests
    assert not [n for n in _left(str(tmp_path)) if n.endswith(".part")]


def test_a_part_of_other_bytes_is_started_over(server, fixture_files, tmp_path):
    catalogue = [_fileset(fixture_files, [server.url + "/good/"])]
    folder = tmp_path / "Tiny" / "raw"
    folder.mkdir(parents=True)
    name = "train-images-idx3-ubyte.gz"
    (folder / (name + ".part")).write_bytes(b"\0" * 10)  # not the file's first bytes: the checksum fails
    dl.download("tiny", str(tmp_path), catalogue=catalogue)
    assert (folder / name).read_bytes() == fixture_files[name]
    assert [header for _, file, header in server.requests if file == name] == ["bytes=10-", None]


def test_a_wrong_checksum_is_refused_removed_and_the_next_mirror_used(server, fixture_files, tmp_path):
    catalogue = [_fileset(fixture_files, [server.url + "/bad/", server.url + "/good/"])]
    folder = dl.download("tiny", str(tmp_path), catalogue=catalogue)
    _assert_complete_or_part(str(tmp_path), fixture_files)
    assert _left(folder) == sorted(fixture_files)
    with pytest.raises(DownloadError, match=r"/bad/t10k-images-idx3-ubyte.gz: md5 [0-9a-f]{32}, expected .*"
                                            r"download was removed"):
        dl.download("tiny", str(tmp_path / "again"),
                    catalogue=[_fileset(fixture_files, [server.url + "/bad/"])])
    assert _left(str(tmp_path / "again")) == []


def test_more_bytes_than_published_are_refused(server, fixture_files, tmp_path):
    catalogue = [_fileset(fixture_files, [server.url + "/long/"])]
    with pytest.raises(DownloadError, match="more than the .* bytes published"):
        dl.download("tiny", str(tmp_path), catalogue=catalogue)
    assert _left(str(tmp_path)) == []


def test_offline_is_one_clear_error_naming_the_url_and_what_to_do(fixture_files, tmp_path):
    url = _closed_port_url()
    catalogue = [_fileset(fixture_files, [url])]
    with pytest.raises(DownloadError) as caught:
        dl.download("tiny", str(tmp_path), catalogue=catalogue)
    message = str(caught.value)
    assert "\n" not in message
    assert url + "t10k-images-idx3-ubyte.gz: no connection" in message
    assert "http_proxy" in message and "--mirror URL" in message
    assert isinstance(caught.value, OSError)
    assert _left(str(tmp_path)) == []


def test_the_http_proxy_variable_is_honoured(server, fixture_files, tmp_path, monkeypatch):
    # The mirror's host does not exist: only the proxy (the local server) can answer for it.
    monkeypatch.setenv("http_proxy", server.url)
    catalogue = [_fileset(fixture_files, ["http://mirror.invalid/good/"])]
    folder = dl.download("tiny", str(tmp_path), catalogue=catalogue)
    assert _left(folder) == sorted(fixture_files)
    assert len(server.requests) == len(fixture_files)


def test_progress_is_reported_in_bytes(server, fixture_files, tmp_path):
    seen = []
    catalogue = [_fileset(fixture_files, [server.url + "/good/"])]
    dl.download("tiny", str(tmp_path), catalogue=catalogue, progress=lambda *args: seen.append(args))
    name = "train-images-idx3-ubyte.gz"
    mine = [(done, total) for file, done, total in seen if file == name]
    assert mine[0] == (0, len(fixture_files[name])) and mine[-1] == (len(fixture_files[name]),) * 2


def test_unknown_names_and_bad_mirrors_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="unknown dataset 'mnits' .*fashion-mnist"):
        mnistio.download("mnits", str(tmp_path))
    with pytest.raises(UsageError, match="mirrors must be"):
        mnistio.download("mnist", str(tmp_path), mirrors=[])
    assert os.listdir(str(tmp_path)) == []  # refused before anything is made


def test_one_mirror_may_be_given_as_a_string(server, fixture_files, tmp_path):
    catalogue = [_fileset(fixture_files, ["http://127.0.0.1:9/never/"])]
    folder = dl.download("tiny", str(tmp_path), server.url + "/good", catalogue=catalogue)
    assert _left(folder) == sorted(fixture_files)


def test_an_archive_is_verified_and_its_members_extracted(server, fixture_files, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in fixture_files.items():
            archive.writestr("gzip/" + name.replace("train", "tiny-x-train").replace("t10k", "tiny-x-test"), data)
    zipped = buffer.getvalue()
    server.files = dict(fixture_files, **{"gzip.zip": zipped})
    whole = FileSet("tiny-zip", "Tiny zip", (KnownFile("gzip.zip", len(zipped), hashlib.md5(zipped).hexdigest(),
                                                       None, "archive"),), (server.url + "/good/",), "TinyZ", NAMES)
    members = tuple(KnownFile(name, None, None, None, "labels" if "labels" in name else "images", None,
                              "gzip/" + name)
                    for name in ("tiny-x-train-labels-idx1-ubyte.gz", "tiny-x-train-images-idx3-ubyte.gz"))
    split = FileSet("tiny-zip-x", "Tiny zip x", members, (server.url + "/good/",), "TinyZ", NAMES,
                    archive="gzip.zip")
    folder = dl.download("tiny-zip-x", str(tmp_path), catalogue=[whole, split])
    assert _left(folder) == sorted(["gzip.zip"] + [member.name for member in members])
    assert mnistio.Dataset.import_from(folder).subset_counts() == {"tiny-x-train": 6}
    server.requests.clear()
    dl.download("tiny-zip-x", str(tmp_path), catalogue=[whole, split])  # all there: nothing fetched
    assert server.requests == []
    # The whole archive's name extracts the members of every set inside it.
    folder = dl.download("tiny-zip", str(tmp_path / "whole"), catalogue=[whole, split])
    assert _left(folder) == sorted(["gzip.zip"] + [member.name for member in members])


def test_command_line(server, fixture_files, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(catalogue_module, "CATALOGUE", (_fileset(fixture_files, ["http://127.0.0.1:9/never/"]),))
    status = main(["download", "tiny", "-o", str(tmp_path), "--mirror", server.url + "/fail/",
                   "--mirror", server.url + "/good", "-q"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert out.strip() == "%s: 4 files of Tiny-MNIST, checksums verified" % os.path.join(str(tmp_path), "Tiny", "raw")
    status = main(["download", "tiny", "-o", str(tmp_path / "off"), "--mirror", _closed_port_url()])
    out, err = capsys.readouterr()
    assert status == 1 and len(err.strip().splitlines()) == 1 and "no connection" in err


def test_help_lists_the_names(capsys):
    with pytest.raises(SystemExit):
        main(["download", "--help"])
    out = capsys.readouterr().out
    for name in dl.NAMES:
        assert "  " + name + " " in out
    assert "fashion-mnist    Fashion-MNIST (31 MB) -> FashionMNIST/raw/" in out


def test_download_is_loaded_on_first_use():
    import subprocess
    import sys

    code = ("import sys, mnistio; assert not [m for m in sys.modules if m.startswith('mnistio.ops')]; "
            "print(mnistio.download.__module__)")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert done.stdout.strip() == "mnistio.ops.download"


def test_an_interrupted_download_leaves_only_a_part_and_the_next_run_continues(server, fixture_files, tmp_path):
    catalogue = [_fileset(fixture_files, [server.url + "/good/"])]
    name = "train-images-idx3-ubyte.gz"

    def interrupt(file, done, total):
        if file == name and done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        dl.download("tiny", str(tmp_path), catalogue=catalogue, progress=interrupt)
    folder = os.path.join(str(tmp_path), "Tiny", "raw")
    assert name + ".part" in os.listdir(folder) and name not in os.listdir(folder)
    _assert_complete_or_part(str(tmp_path), fixture_files)
    server.requests.clear()
    dl.download("tiny", str(tmp_path), catalogue=catalogue)
    assert _left(folder) == sorted(fixture_files)
    assert [header for _, file, header in server.requests if file == name][0].startswith("bytes=")


def test_the_progress_bar_counts_bytes():
    from mnistio.cli.progress import Progress

    bar = Progress(total=2048, enabled=False, label="x.gz", unit="bytes")
    bar.update(1024)
    assert "1,024/2,048 bytes" in bar._line(1.0)


def test_torchvision_takes_the_downloaded_files_as_its_own(server, fixture_files, tmp_path, monkeypatch):
    """torchvision, pointed at a root mnistio downloaded into, finds its files verified, fetches
    nothing, gunzips them and loads them."""
    datasets = pytest.importorskip("torchvision.datasets")
    fileset = _fileset(fixture_files, [server.url + "/good/"])
    dl.download("tiny", str(tmp_path), catalogue=[fileset._replace(folder="MNIST")])
    monkeypatch.setattr(datasets.MNIST, "resources", [(known.name, known.md5) for known in fileset.files])
    monkeypatch.setattr(datasets.MNIST, "mirrors", ["http://127.0.0.1:9/never/"])
    train = datasets.MNIST(str(tmp_path), train=True, download=True)
    assert len(train) == 6 and train.targets.tolist() == [0, 1, 2, 3, 4, 5]
