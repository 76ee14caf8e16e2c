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


# -- files a layout looks for that are there but are no regular file -------------------------------
#
# Readers used to gate optional and per-subset files with os.path.isfile, so a FIFO, a folder or a
# symbolic link to nothing where a file belongs was taken for "no such file": default label names,
# ids 0..N-1 instead of the meta file's, a CIFAR subset dropped without a word, and a FIFO
# batches.meta hanging `info`. Each is now refused, naming the path.

NOT_FILES = ["fifo", "folder", "dangling link", "link loop"]


def make_not_a_file(path, kind):
    """Replace whatever is at ``path`` by ``kind``: something that is there but no regular file."""
    import shutil

    path = str(path)
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.remove(path)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        os.mkdir(path)
        with open(os.path.join(path, "x"), "wb") as file:  # not empty, in case a reader skips empty folders
            file.write(b"x")
    elif kind == "dangling link":
        os.symlink("no-such-target", path)
    elif kind == "link loop":
        os.symlink(os.path.basename(path), path)
    elif kind == "regular file":
        with open(path, "wb") as file:
            file.write(b"x")
    else:
        raise AssertionError(kind)


def small_dataset():
    import mnistio as dm

    image = dm.Image(bytes(range(16)), shape=(4, 4))
    return dm.Dataset.from_iterable(
        [dm.DatasetItem(id=item_id, subset=subset, image=image, annotations=[dm.Label(label)])
         for item_id, subset, label in [("a", "train", 0), ("b", "train", 1), ("c", "test", 1)]],
        categories=["zero", "one"])


# (layout, the file of its export to replace, export options); every one is a file the reader looks for
FILES_LOOKED_FOR = [
    ("mnist", "labels.txt", {}),
    ("mnist", "dataset_meta.json", {"save_dataset_meta": True}),
    ("mnist", "train-meta.gz", {}),  # ids a, b: a meta file is written
    ("mnist", "test-meta.gz", {}),  # named by the subset, not by the t10k prefix
    ("mnist", "train-labels-idx1-ubyte.gz", {}),
    ("mnist", "t10k-images-idx3-ubyte.gz", {}),
    ("mnist_csv", "labels.txt", {}),
    ("mnist_csv", "dataset_meta.json", {"save_dataset_meta": True}),
    ("mnist_csv", "meta_train.csv", {}),
    ("mnist_csv", "mnist_test.csv", {}),
    ("cifar", "batches.meta", {}),
    ("cifar", "dataset_meta.json", {"save_dataset_meta": True}),
    ("cifar", "test", {}),
    ("cifar", "train", {}),
    ("imagenet_txt", "synsets.txt", {}),
    ("imagenet_txt", "dataset_meta.json", {"save_dataset_meta": True}),
    ("imagenet_txt", "train.txt", {}),
    ("imagenet_txt", "images/c.png", {}),
]


def read_everything(folder, format=None):
    import mnistio

    dataset = mnistio.Dataset.import_from(str(folder), format)
    dataset.subset_counts()
    for item in dataset:
        if item.media is not None:
            bytes(item.media.data)
    return dataset


class _Hung(BaseException):
    pass


def within_seconds(seconds, function, *args):
    """``function(*args)``, failing the test instead of hanging when it blocks (on a FIFO, say)."""
    import signal

    def alarm(signum, frame):
        raise _Hung("blocked for %s s" % seconds)

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return function(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("kind", NOT_FILES)
@pytest.mark.parametrize("layout, name, options", FILES_LOOKED_FOR,
                         ids=["%s-%s" % (layout, name) for layout, name, _ in FILES_LOOKED_FOR])
def test_a_file_looked_for_that_is_no_regular_file_is_refused(tmp_path, layout, name, options, kind):
    import mnistio
    from mnistio.errors import MnistioError

    folder = tmp_path / "d"
    small_dataset().export(str(folder), layout, save_media=True, **options)
    assert os.path.lexists(str(folder / name)), sorted(os.listdir(str(folder)))
    within_seconds(10, read_everything, folder)  # the export reads back whole
    if layout == "cifar" and name in ("test", "train") and kind == "folder":
        # Datumaro's rule: a batch is any file without extension, and a folder is no file. The
        # folder is not read; the rest of the dataset is (which is what Datumaro reads too).
        within_seconds(10, read_everything, folder)
        return
    make_not_a_file(folder / name, kind)
    # Detection never blocks, and names the layout as before (or nothing, then reading is refused).
    detected = within_seconds(10, mnistio.formats.detect, str(folder))
    assert detected in ([layout], []), detected
    with pytest.raises(MnistioError) as caught:
        within_seconds(10, read_everything, folder, layout)
    text = str(caught.value)
    assert str(folder / name) in text, text
    expected = {"fifo": "is a FIFO, not a regular file", "folder": "is a folder",
                "dangling link": "is a symbolic link to nothing", "link loop": "is a symbolic link that cannot be "
                                                                               "followed"}[kind]
    assert expected in text, text
    if name.startswith("images/"):  # named by the list file and its line
        assert text.startswith(str(folder / "test.txt") + ", line 1: image "), text


@pytest.mark.parametrize("kind", ["fifo", "dangling link", "link loop", "regular file"])
def test_imagenet_txt_images_folder_that_is_no_folder_is_refused(tmp_path, kind):
    from mnistio.errors import UsageError

    folder = tmp_path / "d"
    small_dataset().export(str(folder), "imagenet_txt", save_media=True)
    make_not_a_file(folder / "images", kind)
    with pytest.raises(UsageError, match="not a folder") as caught:
        within_seconds(10, read_everything, folder, "imagenet_txt")
    assert str(folder / "images") in str(caught.value)


def test_imagenet_txt_a_missing_image_is_an_item_without_image(tmp_path):
    """As Datumaro reads a labels-only export: a plainly missing file is no error."""
    folder = tmp_path / "d"
    small_dataset().export(str(folder), "imagenet_txt", save_media=True)
    os.remove(str(folder / "images" / "c.png"))
    dataset = read_everything(folder)
    assert {item.id: item.media is not None for item in dataset} == {"a": True, "b": True, "c": False}
    os.remove(str(folder / "images" / "a.png"))
    os.remove(str(folder / "images" / "b.png"))
    os.rmdir(str(folder / "images"))
    assert [item.media for item in read_everything(folder)] == [None] * 3


@pytest.mark.parametrize("command", ["info", "detect-format", "convert"])
def test_cifar_with_a_fifo_meta_file_is_refused_not_waited_on(tmp_path, command):
    """The reviewer's case: `info` and `detect-format` on a CIFAR export whose batches.meta is a FIFO
    never returned (detection opened it with a plain open())."""
    import subprocess
    import sys

    folder = tmp_path / "c"
    small_dataset().export(str(folder), "cifar", save_media=True)
    make_not_a_file(folder / "batches.meta", "fifo")
    arguments = {"info": ["info", str(folder)], "detect-format": ["detect-format", str(folder)],
                 "convert": ["convert", str(folder), "-f", "mnist", "-o", str(tmp_path / "o")]}[command]
    done = subprocess.run([sys.executable, "-m", "mnistio"] + arguments, capture_output=True, text=True,
                          timeout=30, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if command == "detect-format":
        assert done.returncode == 0 and "cifar" in done.stdout, (done.stdout, done.stderr)
        return
    assert done.returncode == 1, done.stderr
    assert done.stderr == "mnistio: error: %s: is a FIFO, not a regular file (only files are read)\n" % (
        folder / "batches.meta")
    assert not (tmp_path / "o").exists()


def test_a_dangling_mnist_meta_file_no_longer_renumbers_the_ids(tmp_path):
    import mnistio
    from mnistio.errors import UsageError

    folder = tmp_path / "d"
    small_dataset().export(str(folder), "mnist", save_media=True)
    assert [item.id for item in mnistio.Dataset.import_from(str(folder))] == ["a", "b", "c"]  # train, then test
    make_not_a_file(folder / "train-meta.gz", "dangling link")
    with pytest.raises(UsageError, match="train-meta.gz: is a symbolic link to nothing, not a regular file"):
        mnistio.Dataset.import_from(str(folder))


@pytest.mark.parametrize("kind", NOT_FILES)
def test_a_project_file_that_is_no_regular_file_is_not_taken_for_none(tmp_path, kind):
    from mnistio.errors import UsageError
    from mnistio.project import PROJECT_FILE, Project

    Project.create(str(tmp_path))
    make_not_a_file(tmp_path / PROJECT_FILE, kind)
    with pytest.raises(UsageError) as caught:
        within_seconds(10, Project.load, str(tmp_path))
    assert "no project file" not in str(caught.value) and "not a regular file" in str(caught.value)


def test_file_present_answers_for_every_kind(tmp_path):
    from mnistio.errors import UsageError
    from mnistio.formats._reading import file_present, folder_present

    (tmp_path / "file").write_bytes(b"x")
    os.symlink("file", str(tmp_path / "link to file"))
    os.mkdir(str(tmp_path / "dir"))
    os.symlink("dir", str(tmp_path / "link to dir"))
    assert file_present(str(tmp_path / "file")) and file_present(str(tmp_path / "link to file"))
    assert not file_present(str(tmp_path / "nothing"))
    assert folder_present(str(tmp_path / "dir")) and folder_present(str(tmp_path / "link to dir"))
    assert not folder_present(str(tmp_path / "nothing"))
    for kind in NOT_FILES:
        make_not_a_file(tmp_path / "thing", kind)
        with pytest.raises(UsageError, match="not a regular file"):
            file_present(str(tmp_path / "thing"))
    for name in ("file", "link to file"):
        with pytest.raises(UsageError, match="is a regular file, not a folder"):
            folder_present(str(tmp_path / name))
    with pytest.raises(UsageError, match="a part of its path is not a folder"):
        file_present(str(tmp_path / "file" / "below"))
