"""Hostile IDX, CSV, meta, labels and JSON files: only mnistio errors, bounded memory and time.

Each test mutates valid files (see ``tests/hostile.py``) and reads every
mutant through the public API in a child process limited to 600 MB of
address space and 10 s an input: the dataset is opened, every item read and
its pixels touched. Anything but a success or a mnistio error fails.
"""

import gzip
import json
import os
import struct

import pytest
from hostile import assert_contained, case_count, mutations, run_cases

READ_ALL = """
def check(folder):
    dataset = mnistio.Dataset.import_from(folder)
    for item in dataset:
        if item.media is not None:
            bytes(item.media.data)
    dataset.subset_counts()
"""

pytestmark = pytest.mark.skipif(os.name != "posix", reason="resource limits and SIGALRM are POSIX")


def idx_bytes(magic, dims, payload):
    return struct.pack(">I", magic) + struct.pack(">%dI" % len(dims), *dims) + payload


def labels_and_images(count=6, size=(4, 3)):
    labels = idx_bytes(0x801, (count,), bytes(i % 10 for i in range(count)))
    images = idx_bytes(0x803, (count,) + size, bytes(range(count * size[0] * size[1])))
    return labels, images


def write_folder(folder, files):
    os.makedirs(folder, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(folder, name), "wb") as file:
            file.write(data)
    return str(folder)


def run_folders(tmp_path, folders):
    return run_cases(READ_ALL, folders, tmp_path)


@pytest.mark.parametrize("target, compressed", [("labels", False), ("images", False), ("labels", True),
                                                ("images", True)])
def test_hostile_idx_files(tmp_path, target, compressed):
    labels, images = labels_and_images()
    blob = labels if target == "labels" else images
    folders = []
    for number, mutant in enumerate(mutations(blob, seed=hash((target, compressed)) & 0xFFFF, count=case_count())):
        files = {"train-labels-idx1-ubyte": labels, "train-images-idx3-ubyte": images}
        name = "train-%s-idx%d-ubyte" % (target, 1 if target == "labels" else 3)
        files[name] = gzip.compress(mutant, mtime=0) if compressed else mutant
        if compressed:
            files[name + ".gz"] = files.pop(name)
        folders.append(write_folder(tmp_path / str(number), files))
    assert_contained(run_folders(tmp_path, folders))


def test_hostile_gzip_streams(tmp_path):
    """Mutations of the compressed bytes themselves: bad CRCs, cut streams, corrupt deflate data."""
    labels, images = labels_and_images()
    blob = gzip.compress(images, mtime=0)
    folders = [write_folder(tmp_path / str(number), {"train-labels-idx1-ubyte": labels,
                                                     "train-images-idx3-ubyte.gz": mutant})
               for number, mutant in enumerate(mutations(blob, seed=7, count=case_count(), protect=2))]
    assert_contained(run_folders(tmp_path, folders))


def qmnist_labels(count=4, columns=8):
    rows = b"".join(struct.pack(">%di" % columns, *([i % 10] + list(range(columns - 1)))) for i in range(count))
    return idx_bytes(0x0C02, (count, columns), rows)


def test_hostile_qmnist_labels(tmp_path):
    folders = [write_folder(tmp_path / str(number), {"qmnist-train-labels-idx2-int": mutant})
               for number, mutant in enumerate(mutations(qmnist_labels(), seed=11, count=case_count()))]
    assert_contained(run_folders(tmp_path, folders))


def meta_cells(*values):
    return b"".join(value.ljust(32, "\x00").encode("utf-32-le") for value in values)


@pytest.mark.parametrize("columns", [1, 2, 3])
def test_hostile_mnist_meta_files(tmp_path, columns):
    rows = {1: ["a", "b"], 2: ["4", "3", "2", "6"], 3: ["a", "4", "3", "b", "2", "6"]}[columns]
    labels = idx_bytes(0x801, (2,), b"\x01\x02")
    images = idx_bytes(0x803, (2, 4, 3), bytes(24))
    meta = meta_cells(*rows)
    folders = []
    for number, mutant in enumerate(mutations(meta, seed=columns, count=case_count())):
        for compress in (False, True):
            folders.append(write_folder(tmp_path / ("%d%s" % (number, "z" if compress else "")), {
                "train-labels-idx1-ubyte": labels, "train-images-idx3-ubyte": images,
                "train-meta.gz": gzip.compress(mutant, mtime=0) if compress else mutant}))
    assert_contained(run_folders(tmp_path, folders))


def test_hostile_meta_sizes(tmp_path):
    """Sizes in a meta file that claim huge images or overflow: refused before any allocation."""
    labels = idx_bytes(0x801, (1,), b"\x01")
    images = idx_bytes(0x803, (1, 28, 28), bytes(784))
    folders = []
    for number, (height, width) in enumerate([("32768", "32768"), ("9" * 31, "1"), ("-1", "5"), ("0", "0"),
                                              ("4096", "4097"), ("1", "9" * 40), ("1e3", "2")]):
        folders.append(write_folder(tmp_path / str(number), {
            "train-labels-idx1-ubyte": labels, "train-images-idx3-ubyte": images,
            "train-meta.gz": gzip.compress(meta_cells(height, width), mtime=0)}))
        folders.append(write_folder(tmp_path / ("csv%d" % number), {
            "mnist_train.csv": b"1," + b",".join([b"0"] * 784) + b"\n",
            "meta_train.csv": ("%s,%s\n" % (height, width)).encode()}))
    results = run_folders(tmp_path, folders)
    assert_contained(results)
    assert [case for case, _ in results["ok"]] == []


def csv_text(lines=4, header=False):
    body = "".join("%d,%s\n" % (i % 10, ",".join(str((i * 7 + p) % 256) for p in range(784))) for i in range(lines))
    return (("label," + ",".join("%dx%d" % (r, c) for r in range(1, 29) for c in range(1, 29)) + "\n")
            if header else "") + body


@pytest.mark.parametrize("header", [False, True])
def test_hostile_csv_files(tmp_path, header):
    blob = csv_text(header=header).encode()
    folders = [write_folder(tmp_path / str(number), {"mnist_train.csv": mutant})
               for number, mutant in enumerate(mutations(blob, seed=31 + header, count=case_count()))]
    assert_contained(run_folders(tmp_path, folders))


def test_hostile_csv_in_parallel_blocks(tmp_path):
    """A CSV file large enough to be parsed by worker processes, mutated."""
    blob = csv_text(lines=600).encode()
    folders = [write_folder(tmp_path / str(number), {"mnist_train.csv": mutant})
               for number, mutant in enumerate(mutations(blob, seed=41, count=max(10, case_count() // 10)))]
    setup = READ_ALL.replace("import_from(folder)", "import_from(folder, 'mnist_csv', workers=2)")
    setup = "import mnistio.formats.mnist_csv as _csv\n_csv._PARALLEL_BLOCK = 4096\n" + setup
    assert_contained(run_cases(setup, folders, tmp_path))


def test_hostile_csv_meta(tmp_path):
    meta = b"a,4,3\n\"b,c\",2,6\n"
    data = b"1," + b",".join([b"7"] * 12) + b"\n2," + b",".join([b"9"] * 12) + b"\n"
    folders = [write_folder(tmp_path / str(number), {"mnist_train.csv": data, "meta_train.csv": mutant})
               for number, mutant in enumerate(mutations(meta, seed=43, count=case_count()))]
    assert_contained(run_folders(tmp_path, folders))


@pytest.mark.parametrize("name", ["labels.txt", "dataset_meta.json"])
def test_hostile_label_names_files(tmp_path, name):
    blob = ("zero\none\ntwo\n" if name == "labels.txt" else json.dumps({"labels": ["zero", "one", "two"]})).encode()
    labels, images = labels_and_images(count=3)
    folders = [write_folder(tmp_path / str(number), {"train-labels-idx1-ubyte": labels,
                                                     "train-images-idx3-ubyte": images, name: mutant})
               for number, mutant in enumerate(mutations(blob, seed=len(name), count=case_count()))]
    assert_contained(run_folders(tmp_path, folders))


@pytest.mark.parametrize("text", [
    "[" * 200000 + "]" * 200000,
    '{"labels": ' + "[" * 100000 + "]" * 100000 + "}",
    '{"labels": true}', '{"labels": {"a": "b"}}', '{"labels": "abc"}', '{"labels": [1, 2]}',
    '{"labels": ["a"], "label_map": []}', '{"label_map": {"0": 5}}', "null", "1e999999",
], ids=lambda text: text if len(text) < 40 else text[:12] + "...(%d)" % len(text))
def test_odd_dataset_meta_files(tmp_path, text):
    labels, images = labels_and_images(count=1)
    folder = write_folder(tmp_path / "d", {"train-labels-idx1-ubyte": labels, "train-images-idx3-ubyte": images,
                                            "dataset_meta.json": text.encode()})
    results = run_folders(tmp_path, [folder])
    assert_contained(results)


def test_json_nesting_is_refused_before_parsing(tmp_path):
    """Deep JSON is a LimitError naming MAX_NESTING, found by a scan: Python's parser would recurse."""
    import mnistio
    from mnistio.codecs.jsonfile import read_json
    from mnistio.errors import LimitError

    for depth, allowed in [(100, True), (101, False)]:
        (tmp_path / "a.json").write_text('{"labels": %s"x"%s, "s": "[[[["}' % ("[" * (depth - 1), "]" * (depth - 1)))
        if allowed:
            assert read_json(tmp_path / "a.json", "a file")["s"] == "[[[["  # brackets in strings do not count
        else:
            with pytest.raises(LimitError, match=r"a file nests containers more than mnistio.limits.MAX_NESTING"):
                read_json(tmp_path / "a.json", "a file")
    saved = mnistio.limits.MAX_NESTING
    mnistio.limits.MAX_NESTING = 200  # read when called
    try:
        assert read_json(tmp_path / "a.json", "a file")["s"] == "[[[["
    finally:
        mnistio.limits.MAX_NESTING = saved


def test_json_nesting_check_matches_the_parsed_value():
    import json

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from mnistio.codecs.jsonfile import nests_deeper_than

    def depth(value):
        if isinstance(value, list):
            return 1 + max(map(depth, value), default=0)
        if isinstance(value, dict):
            return 1 + max(map(depth, value.values()), default=0)
        return 0

    values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab'),
                          lambda inner: st.lists(inner) | st.dictionaries(st.text(alphabet='[]{}"\\'), inner),
                          max_leaves=30)

    @settings(max_examples=300, deadline=None)
    @given(values)
    def check(value):
        data = json.dumps(value).encode()
        for limit in range(depth(value) + 2):
            assert nests_deeper_than(data, limit) == (depth(value) > limit)

    check()


@pytest.mark.parametrize("where", ["path", "inside", "link to a device"])
def test_non_regular_files_are_refused_not_waited_on(tmp_path, where):
    """``info`` on a FIFO never returned; a FIFO given as the path reached detection as a folder."""
    import subprocess
    import sys

    folder = tmp_path / "d"
    folder.mkdir()
    if where == "link to a device":
        os.symlink("/dev/zero", str(folder / "train-images-idx3-ubyte"))
        (folder / "train-labels-idx1-ubyte").write_bytes(labels_and_images(count=1)[0])
    else:
        os.mkfifo(str(folder / "mnist_train.csv"))
    target = folder / "mnist_train.csv" if where == "path" else folder
    for command in (["info", str(target)], ["detect-format", str(target)],
                    ["convert", str(target), "-f", "mnist", "-o", str(tmp_path / "out")]):
        done = subprocess.run([sys.executable, "-m", "mnistio"] + command, capture_output=True, text=True,
                              timeout=30, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        if command[0] == "detect-format" and where != "path":
            continue  # naming formats by file names is fine; reading is what is refused
        assert done.returncode == 1 and done.stderr.count("\n") == 1, (command, done.stderr)
        assert "not a regular file" in done.stderr or "neither a folder nor a regular file" in done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("workers", [1, 2])
def test_a_line_past_the_limit_is_refused_exactly(tmp_path, workers, monkeypatch):
    """Not only lines longer than a read chunk: every line, serial or in parallel blocks."""
    import mnistio
    from mnistio.errors import FormatError, LimitError

    line = "1" + ",0" * 784 + "\n"
    (tmp_path / "mnist_train.csv").write_text(line * 3000 + "2" + ",0" * 900 + "\n" + line)
    monkeypatch.setattr(mnistio.limits, "MAX_LINE_BYTES", len(line) + 10)
    dataset = mnistio.Dataset.import_from(str(tmp_path), "mnist_csv", workers=workers)
    with pytest.raises(LimitError, match=r"line 3001: a line longer than mnistio.limits.MAX_LINE_BYTES \(1580 bytes\)"):
        list(dataset)
    monkeypatch.setattr(mnistio.limits, "MAX_LINE_BYTES", 2000)
    with pytest.raises(FormatError, match=r"line 3001: 900 pixel values"):
        list(dataset)
