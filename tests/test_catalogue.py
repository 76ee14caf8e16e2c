"""The catalogue of published MNIST-family files: well-formed figures, recognising files on disk,
and label names for a folder of published files (``docs/download.rst``).

The real files are not here (they are megabytes, and on the internet): recognition is tested with
a fixture catalogue of small files built here, with their true sizes and checksums; the real
catalogue's figures are checked for form, and against torchvision's when it is installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mnistio
from mnistio.cli import main
from mnistio.codecs import idx
from mnistio.formats import _catalogue as catalogue
from mnistio.formats._catalogue import CATALOGUE, FileSet, KnownFile

HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


# -- the real catalogue -----------------------------------------------------------------------

def test_entries_are_well_formed():
    assert len({fileset.name for fileset in CATALOGUE}) == len(CATALOGUE)
    for fileset in CATALOGUE:
        assert fileset.name == fileset.name.lower() and " " not in fileset.name
        assert fileset.mirrors and all(m.startswith(("http://", "https://")) and m.endswith("/")
                                       for m in fileset.mirrors), fileset.name
        names = [known.name for known in fileset.files]
        assert len(set(names)) == len(names), fileset.name
        assert len(set(fileset.label_names)) == len(fileset.label_names), fileset.name
        for known in fileset.files:
            assert known.size is None or (type(known.size) is int and known.size > 0), known
            assert known.md5 is None or HEX32.match(known.md5), known
            assert known.sha256 is None or HEX64.match(known.sha256), known
            assert known.role in ("images", "labels", "archive", "mapping"), known
            assert (known.member is not None) == (fileset.archive is not None), known
        if fileset.archive is None:  # downloadable as it is: every file can be verified
            assert all(known.md5 or known.sha256 for known in fileset.files), fileset.name
        else:
            assert catalogue.get(fileset.archive.replace(".zip", "")) is None
            assert [known for other in CATALOGUE for known in other.files
                    if known.name == fileset.archive and known.role == "archive"], fileset.name


def test_label_name_counts():
    counts = {fileset.name: (len(fileset.label_names), fileset.first_label) for fileset in CATALOGUE}
    assert counts == {
        "mnist": (10, 0), "fashion-mnist": (10, 0), "kmnist": (10, 0), "k49": (49, 0), "emnist": (62, 0),
        "emnist-byclass": (62, 0), "emnist-bymerge": (47, 0), "emnist-balanced": (47, 0),
        "emnist-letters": (26, 1), "emnist-digits": (10, 0), "emnist-mnist": (10, 0),
        "qmnist": (10, 0), "qmnist-nist": (10, 0)}
    letters = catalogue.category_names(catalogue.get("emnist-letters"))
    assert letters[0] == "N/A" and letters[1:] == list(string.ascii_uppercase)
    assert catalogue.get("emnist-balanced").label_names[36:] == tuple("abdefghnqrt")
    assert catalogue.get("kmnist").label_names == tuple("おきすつなはまやれを")
    assert catalogue.get("k49").label_names[-3:] == ("を", "ん", "ゝ")
    assert catalogue.get("fashion-mnist").label_names[0] == "T-shirt/top"


def test_orientation_and_names():
    assert [fileset.name for fileset in CATALOGUE if fileset.transposed] == [
        "emnist", "emnist-byclass", "emnist-bymerge", "emnist-balanced", "emnist-letters", "emnist-digits",
        "emnist-mnist"]
    assert catalogue.get("Fashion_MNIST").name == "fashion-mnist"
    assert catalogue.get("emnist-balanced").files[0].member == "gzip/emnist-balanced-train-images-idx3-ubyte.gz"


def test_published_labels_sizes_tell_the_sets_apart():
    """Recognition goes by size first: no two published labels files share a size."""
    sizes = [known.size for fileset in CATALOGUE for known in fileset.files
             if known.role == "labels" and known.size is not None]
    assert len(set(sizes)) == len(sizes) == 6


def test_md5s_are_torchvisions():
    datasets = pytest.importorskip("torchvision.datasets")
    for name, cls in (("mnist", datasets.MNIST), ("fashion-mnist", datasets.FashionMNIST),
                      ("kmnist", datasets.KMNIST)):
        fileset = catalogue.get(name)
        assert [(known.name, known.md5) for known in fileset.files] == list(cls.resources)
        assert fileset.folder == cls.__name__
    assert list(catalogue.get("mnist").mirrors) == list(datasets.MNIST.mirrors)
    assert catalogue.get("emnist").files[0].md5 == datasets.EMNIST.md5
    qmnist = {os.path.basename(url): md5 for files in datasets.QMNIST.resources.values() for url, md5 in files}
    assert {known.name: known.md5 for name in ("qmnist", "qmnist-nist")
            for known in catalogue.get(name).files} == qmnist


# -- recognising files ------------------------------------------------------------------------

def _write_set(folder, train=6, test=3, seed=0):
    """A tiny MNIST-like set in ``folder``; ``{name: bytes}``."""
    os.makedirs(folder, exist_ok=True)
    for prefix, count in (("train", train), ("t10k", test)):
        idx.write(os.path.join(folder, prefix + "-labels-idx1-ubyte.gz"), bytes((i + seed) % 10 for i in range(count)))
        idx.write(os.path.join(folder, prefix + "-images-idx3-ubyte.gz"),
                  bytes((7 * i + seed) % 256 for i in range(count * 16)), shape=(count, 4, 4))
    files = {}
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as file:
            files[name] = file.read()
    return files


def _fileset(files, name="tiny", title="Tiny-MNIST", label_names=tuple("abcdefghij"), sized=True):
    known = tuple(KnownFile(file, len(data) if sized else None, hashlib.md5(data).hexdigest(), None,
                            "labels" if "labels" in file else "images",
                            "train" if file.startswith("train") else "test")
                  for file, data in sorted(files.items()))
    return FileSet(name, title, known, ("http://127.0.0.1:9/",), "Tiny", label_names)


@pytest.fixture
def tiny(tmp_path):
    folder = str(tmp_path / "tiny")
    return folder, _write_set(folder)


def test_identify_by_size_then_checksum(tiny, tmp_path):
    folder, files = tiny
    fileset = _fileset(files)
    matches = catalogue.identify(folder, [fileset])
    assert sorted(match.file.name for match in matches) == sorted(files)
    assert catalogue.describe_matches(matches) == ["Tiny-MNIST train, test, original files"]
    # A renamed copy is still recognised (size, then checksum); the same size with other bytes is not.
    other = tmp_path / "other"
    other.mkdir()
    (other / "renamed.gz").write_bytes(files["train-labels-idx1-ubyte.gz"])
    data = bytearray(files["t10k-labels-idx1-ubyte.gz"])
    data[-5] ^= 1
    (other / "t10k-labels-idx1-ubyte.gz").write_bytes(bytes(data))
    matches = catalogue.identify(str(other), [fileset])
    assert [(os.path.basename(m.path), m.file.name) for m in matches] == [("renamed.gz", "train-labels-idx1-ubyte.gz")]
    assert catalogue.describe_matches(matches) == ["Tiny-MNIST train, 1 of 4 original files"]
    assert catalogue.identify(os.path.join(folder, "train-images-idx3-ubyte.gz"), [fileset])[0].file.role == "images"


def test_only_files_of_a_published_size_are_read(tiny, monkeypatch):
    folder, files = tiny
    with open(os.path.join(folder, "big.bin"), "wb") as file:
        file.write(b"\0" * 100000)
    hashed = []
    real = catalogue.file_digest
    monkeypatch.setattr(catalogue, "file_digest", lambda path, algorithm="md5": hashed.append(path) or
                        real(path, algorithm))
    catalogue.identify(folder, [_fileset(files)])
    assert sorted(os.path.basename(path) for path in hashed) == sorted(files)


def test_files_published_without_a_size_are_recognised_by_name_and_checksum(tiny):
    folder, files = tiny
    matches = catalogue.identify(folder, [_fileset(files, sized=False)])
    assert len(matches) == 4


def test_the_real_catalogue_names_no_regenerated_file(sample_dir):
    assert catalogue.identify(sample_dir) == []


@given(st.binary(min_size=1, max_size=300), st.integers(0, 299))
def test_recognised_exactly_when_the_bytes_are_the_published_ones(tmp_path_factory, data, flip):
    folder = tmp_path_factory.mktemp("hyp")
    published = _fileset({"x-labels-idx1-ubyte.gz": data})
    path = folder / "x-labels-idx1-ubyte.gz"
    path.write_bytes(data)
    assert len(catalogue.identify(str(path), [published])) == 1
    changed = bytearray(data)
    changed[flip % len(data)] ^= 0x5A
    path.write_bytes(bytes(changed))
    assert catalogue.identify(str(path), [published]) == []


# -- label names for a folder of published files --------------------------------------------------

def test_published_files_get_their_label_names_when_the_folder_names_none(tiny, monkeypatch):
    folder, files = tiny
    monkeypatch.setattr(catalogue, "CATALOGUE", (_fileset(files, label_names=tuple("ABCDEFGHIJ")),))
    assert mnistio.Dataset.import_from(folder, "mnist").label_names == list("ABCDEFGHIJ")
    with open(os.path.join(folder, "labels.txt"), "w") as file:  # the folder's own names win
        file.write("\n".join(string.ascii_lowercase[:10]))
    assert mnistio.Dataset.import_from(folder, "mnist").label_names == list("abcdefghij")


def test_files_that_are_not_the_published_ones_keep_the_digits(tiny, tmp_path, monkeypatch):
    folder, files = tiny
    monkeypatch.setattr(catalogue, "CATALOGUE", (_fileset(files, label_names=tuple("ABCDEFGHIJ")),))
    changed = str(tmp_path / "changed")
    _write_set(changed, seed=1)  # same sizes, other bytes
    assert mnistio.Dataset.import_from(changed, "mnist").label_names == list("0123456789")


def test_two_sets_side_by_side_name_nothing(tiny, tmp_path, monkeypatch):
    folder, files = tiny
    other = _write_set(str(tmp_path / "other"), train=5, test=2)
    os.replace(str(tmp_path / "other" / "train-labels-idx1-ubyte.gz"), os.path.join(folder, "b-labels-idx1-ubyte.gz"))
    monkeypatch.setattr(catalogue, "CATALOGUE", (_fileset(files, label_names=tuple("ABCDEFGHIJ")),
                                                 _fileset(other, "other", label_names=tuple("KLMNOPQRST"))))
    assert catalogue.known_label_names(folder) is None


def test_info_names_the_known_files(tiny, monkeypatch, capsys):
    folder, files = tiny
    monkeypatch.setattr(catalogue, "CATALOGUE", (_fileset(files, label_names=tuple("ABCDEFGHIJ")),))
    assert main(["info", folder]) == 0
    out = capsys.readouterr().out
    assert "known files: Tiny-MNIST train, test, original files (checksums match)" in out.splitlines()
    assert "labels: 10 (A, B, C, D, E, F, G, H, I, J)" in out
    assert main(["info", folder, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["known_files"] == ["Tiny-MNIST train, test, original files"]
