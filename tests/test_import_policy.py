"""Tolerant import, mnistio's side (issue 9, point 6): every reader's skip path.

Each reader is given valid files in which some items are spoiled, one fault
an item, chosen by hypothesis. With a policy that collects, the import never
raises, the items read are exactly the unspoiled ones (ids, labels, pixels),
and the collected errors name exactly the spoiled items, once each, whatever
the number of passes. Without a policy, the first spoiled item's error is
raised, as before. Faults that leave the rest of a file unreadable still
raise with any policy. ``test_dropin_import_policy.py`` compares the same
calls with Datumaro.
"""

import gzip
import os
import pickle
import struct
import subprocess
import sys
import tempfile

import pytest
from conftest import ROOT, SAMPLE
from hypothesis import given, settings
from hypothesis import strategies as st

import mnistio as dm
from mnistio.errors import FormatError, ItemImportError, LimitError, TruncatedError, UsageError


class Collect(dm.ImportErrorPolicy):
    """Keeps every error; the import goes on."""

    def __init__(self):
        self.errors = []

    def _handle_item_error(self, error):
        self.errors.append(error)


def items_of(dataset):
    return [(item.subset, item.id, item.labels, None if item.media is None else bytes(item.media.data))
            for item in dataset]


def reported(policy):
    return sorted((error.item_id for error in policy.errors), key=repr)


def check_tolerant(path, format, expected, spoiled, **options):
    """Import with a collecting policy: the unspoiled items, every spoiled one reported once (also
    after several passes); without a policy the first fault raises."""
    policy = Collect()
    dataset = dm.Dataset.import_from(path, format, error_policy=policy, **options)
    assert reported(policy) == sorted(spoiled, key=repr)
    assert all(isinstance(error, ItemImportError) and isinstance(error.__cause__, dm.MnistioError)
               for error in policy.errors)
    for _ in range(2):  # later passes skip the same items and report nothing again
        assert items_of(dataset) == expected
        assert len(dataset) == len(expected)
    assert len(policy.errors) == len(spoiled)
    if spoiled:
        with pytest.raises((FormatError, UsageError)):
            list(dm.Dataset.import_from(path, format, **options))
    else:
        assert items_of(dm.Dataset.import_from(path, format, **options)) == expected
    return policy


# -- mnist -------------------------------------------------------------------------------

def idx(magic, dims, payload):
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims) + payload


@settings(max_examples=40)
@given(labels=st.lists(st.one_of(st.integers(0, 9), st.integers(10, 254), st.just(255)), min_size=1, max_size=12),
       custom_ids=st.booleans(), gzipped=st.booleans())
def test_mnist_bad_labels_are_skipped(labels, custom_ids, gzipped):
    """A label byte with no name spoils its item; its pixels are passed over, so the next item's
    are its own (plain path, and the meta path with Datumaro's ids)."""
    count = len(labels)
    pixels = [bytes((index * 7 + p) % 256 for p in range(6)) for index in range(count)]
    ids = ["id%d" % index if custom_ids else str(index) for index in range(count)]
    with tempfile.TemporaryDirectory() as folder:
        opener = gzip.open if gzipped else open
        suffix = ".gz" if gzipped else ""
        with opener(os.path.join(folder, "train-labels-idx1-ubyte" + suffix), "wb") as file:
            file.write(idx(0x801, [count], bytes(labels)))
        with opener(os.path.join(folder, "train-images-idx3-ubyte" + suffix), "wb") as file:
            file.write(idx(0x803, [count, 2, 3], b"".join(pixels)))
        if custom_ids:
            with gzip.open(os.path.join(folder, "train-meta.gz"), "wb") as file:
                file.write("".join(name.ljust(32, "\x00") for name in ids).encode("utf-32-le"))
        expected = [("train", ids[i], [] if label == 255 else [label], pixels[i])
                    for i, label in enumerate(labels) if label < 10 or label == 255]
        spoiled = [(ids[i], "train") for i, label in enumerate(labels) if 10 <= label < 255]
        policy = check_tolerant(folder, "mnist", expected, spoiled)
        for error in policy.errors:
            assert "train-labels-idx1-ubyte" in str(error.__cause__) and "has no name" in str(error)


def test_mnist_qmnist_negative_class_is_skipped(tmp_path):
    rows = [[3, 0, 0, 0, 0, 0, 0, 0], [-2, 0, 0, 0, 0, 0, 0, 0], [4, 0, 0, 0, 0, 0, 0, 0]]
    payload = b"".join(struct.pack(">8i", *row) for row in rows)
    (tmp_path / "train-labels-idx2-int").write_bytes(idx(0xC02, [3, 8], payload))
    (tmp_path / "train-images-idx3-ubyte").write_bytes(idx(0x803, [3, 1, 1], b"\x01\x02\x03"))
    policy = check_tolerant(str(tmp_path), "mnist", [("train", "0", [3], b"\x01"), ("train", "2", [4], b"\x03")],
                            [("1", "train")])
    assert "item 1: label -2 is negative" in str(policy.errors[0])


def test_mnist_file_faults_still_stop_the_import(tmp_path):
    """A file cut short, or a meta row whose size cannot be read, leaves no next item to go on with."""
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx(0x801, [3], b"\x01\x02\x03"))
    (tmp_path / "train-images-idx3-ubyte").write_bytes(idx(0x803, [3, 2, 2], bytes(10)))  # 12 promised
    dataset = dm.Dataset.import_from(str(tmp_path), "mnist")
    with pytest.raises(TruncatedError):
        dm.Dataset.import_from(str(tmp_path), "mnist", error_policy=Collect())
    with pytest.raises(TruncatedError):
        list(dataset)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(idx(0x803, [3, 2, 2], bytes(12)))
    cells = ["a", "2", "2", "b", "x", "2", "c", "2", "2"]
    with gzip.open(str(tmp_path / "train-meta.gz"), "wb") as file:
        file.write("".join(cell.ljust(32, "\x00") for cell in cells).encode("utf-32-le"))
    with pytest.raises(FormatError, match="not two integers"):
        dm.Dataset.import_from(str(tmp_path), "mnist", error_policy=Collect())


# -- mnist_csv ----------------------------------------------------------------------------

FAULTS = {
    "label text": lambda label, pixels: "x%d,%s" % (label, pixels),
    "label without name": lambda label, pixels: "%d,%s" % (label + 10, pixels),
    "negative label": lambda label, pixels: "-7,%s" % pixels,
    "pixel above 255": lambda label, pixels: "%d,256,%s" % (label, pixels.split(",", 1)[1]),
    "pixel text": lambda label, pixels: "%d,%s,z" % (label, pixels.rsplit(",", 1)[0]),
    "pixel missing": lambda label, pixels: "%d,%s" % (label, pixels.rsplit(",", 1)[0]),
    "pixel too many": lambda label, pixels: "%d,%s,0" % (label, pixels),
}


def csv_case(faults, folder, width=784):
    """Write ``mnist_train.csv`` with a line per entry of ``faults`` (None: a valid line). The first
    is valid: a first line whose label is not a number is a header (Kaggle's), not an item."""
    faults = [None] + list(faults)
    lines, expected, spoiled = [], [], []
    for index, fault in enumerate(faults):
        label = index % 10
        pixels = bytes((index * 5 + p) % 256 for p in range(width))
        text = ",".join(map(str, pixels))
        if fault is None:
            lines.append("%d,%s" % (label, text))
            expected.append(("train", str(index), [label], pixels))
        else:
            lines.append(FAULTS[fault](label, text))
            spoiled.append((str(index), "train"))
    with open(os.path.join(folder, "mnist_train.csv"), "w") as file:
        file.write("\n".join(lines) + "\n")
    # As Datumaro writes the folder: read label first. Without it, labels counting 0, 1, ... could be
    # pandas' index column, and a short file is refused (tests/test_csv_files.py).
    with open(os.path.join(folder, "labels.txt"), "w") as file:
        file.write("\n".join(map(str, range(10))) + "\n")
    return expected, spoiled


faults_lists = st.lists(st.one_of(st.none(), st.sampled_from(sorted(FAULTS))), min_size=1, max_size=10)


@settings(max_examples=40)
@given(faults=faults_lists)
def test_csv_bad_lines_are_skipped(faults):
    with tempfile.TemporaryDirectory() as folder:
        expected, spoiled = csv_case(faults, folder)
        policy = check_tolerant(folder, "mnist_csv", expected, spoiled, workers=1)
        assert all("mnist_train.csv, line " in str(error.__cause__) for error in policy.errors)


@pytest.fixture
def small_blocks(monkeypatch):
    from mnistio.formats import mnist_csv

    monkeypatch.setattr(mnist_csv, "_PARALLEL_BLOCK", 4096)


@settings(max_examples=8)
@given(faults=st.lists(st.one_of(st.none(), st.none(), st.sampled_from(sorted(FAULTS))), min_size=20, max_size=40))
def test_csv_bad_lines_are_skipped_by_the_parallel_reader(small_blocks, faults):
    """The worker processes hand a block with a bad line back to be read line by line: the same
    items survive, the same lines are reported, and the workers stop."""
    import threading

    with tempfile.TemporaryDirectory() as folder:
        expected, spoiled = csv_case(faults, folder)
        check_tolerant(folder, "mnist_csv", expected, spoiled, workers=2)
    assert threading.active_count() == 1


def test_csv_bad_meta_row_skips_its_line(tmp_path):
    (tmp_path / "mnist_train.csv").write_text("1,1,2,3,4\n2,5,6,7,8\n3,9,9,9,9\n")
    (tmp_path / "meta_train.csv").write_text("a,2,2\nb,two,2\nc,2,2\n")
    policy = check_tolerant(str(tmp_path), "mnist_csv", [("train", "a", [1], bytes([1, 2, 3, 4])),
                                                         ("train", "c", [3], bytes([9, 9, 9, 9]))], [("b", "train")])
    assert "meta_train.csv, line 2" in str(policy.errors[0])


def test_csv_file_faults_still_stop_the_import(tmp_path, monkeypatch):
    from mnistio import limits

    (tmp_path / "mnist_train.csv").write_text("1,1\n2," + ",".join(["0"] * 784) + "\n")
    (tmp_path / "meta_train.csv").write_text("a,1,1\n")  # fewer rows than lines
    with pytest.raises(FormatError, match="meta file ends before item 1"):
        dm.Dataset.import_from(str(tmp_path), "mnist_csv", error_policy=Collect())
    (tmp_path / "meta_train.csv").unlink()
    monkeypatch.setattr(limits, "MAX_LINE_BYTES", 100)
    with pytest.raises(LimitError):
        dm.Dataset.import_from(str(tmp_path), "mnist_csv", error_policy=Collect())


# -- cifar --------------------------------------------------------------------------------

CIFAR_FAULTS = {
    "label without name": lambda batch, i: batch["labels"].__setitem__(i, 10),
    "label negative": lambda batch, i: batch["labels"].__setitem__(i, -1),
    "label text": lambda batch, i: batch["labels"].__setitem__(i, "cat"),
    "file name not text": lambda batch, i: batch["filenames"].__setitem__(i, 7),
    "row too short": lambda batch, i: batch["data"].__setitem__(i, batch["data"][i][:-1]),
    "row not bytes": lambda batch, i: batch["data"].__setitem__(i, 3.5),
}


@settings(max_examples=40)
@given(faults=st.lists(st.one_of(st.none(), st.sampled_from(sorted(CIFAR_FAULTS))), min_size=1, max_size=8))
def test_cifar_bad_items_are_skipped(faults):
    count = len(faults)
    rows = [bytes((i * 3 + p) % 256 for p in range(3 * 32 * 32)) for i in range(count)]
    batch = {"batch_label": "b", "filenames": ["f%d.png" % i for i in range(count)],
             "labels": [i % 10 for i in range(count)], "data": list(rows)}
    for index, fault in enumerate(faults):
        if fault is not None:
            CIFAR_FAULTS[fault](batch, index)
    expected, spoiled = [], []
    for index, fault in enumerate(faults):
        if fault is None:
            rgb = bytearray(3 * 1024)
            for channel in range(3):
                rgb[channel::3] = rows[index][channel * 1024:(channel + 1) * 1024]
            expected.append(("data_batch_1", "f%d" % index, [index % 10], bytes(rgb)))
        else:
            spoiled.append((None if fault == "file name not text" else "f%d" % index, "data_batch_1"))
    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, "batches.meta"), "wb") as file:
            pickle.dump({"label_names": [str(n) for n in range(10)]}, file, protocol=2)
        with open(os.path.join(folder, "data_batch_1"), "wb") as file:
            pickle.dump(batch, file, protocol=2)
        policy = check_tolerant(folder, "cifar", expected, sorted(spoiled, key=repr))
        assert all("data_batch_1, item " in str(error.__cause__) for error in policy.errors)


def test_cifar_batch_faults_still_stop_the_import(tmp_path):
    with open(str(tmp_path / "batches.meta"), "wb") as file:
        pickle.dump({"label_names": ["a"]}, file, protocol=2)
    with open(str(tmp_path / "data_batch_1"), "wb") as file:
        pickle.dump({"filenames": ["a.png", "b.png"], "labels": [0], "data": []}, file, protocol=2)
    with pytest.raises(FormatError, match="1 label for 2 file names"):
        dm.Dataset.import_from(str(tmp_path), "cifar", error_policy=Collect())


# -- imagenet_txt -------------------------------------------------------------------------

TXT_FAULTS = {
    "label text": lambda i: ("i%d.png x" % i, None),  # the line cannot be parsed: no id
    "label without name": lambda i: ("i%d.png 7" % i, "i%d" % i),
    "negative label": lambda i: ("i%d.png -1" % i, None),
    "odd quotes": lambda i: ('"i%d.png 1' % i, None),
    "leaves the folder": lambda i: ("../i%d.png 0" % i, "../i%d" % i),
}


@settings(max_examples=40)
@given(faults=st.lists(st.one_of(st.none(), st.sampled_from(sorted(TXT_FAULTS))), min_size=1, max_size=10))
def test_imagenet_txt_bad_lines_are_skipped(faults):
    lines, expected, spoiled = [], [], []
    for index, fault in enumerate(faults):
        if fault is None:
            lines.append("i%d.png %d" % (index, index % 3))
            expected.append(("train", "i%d" % index, [index % 3], None))
        else:
            line, item_id = TXT_FAULTS[fault](index)
            lines.append(line)
            spoiled.append((item_id, "train"))
    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, "synsets.txt"), "w") as file:
            file.write("a\nb\nc\n")
        with open(os.path.join(folder, "train.txt"), "w") as file:
            file.write("\n".join(lines) + "\n")
        policy = check_tolerant(folder, "imagenet_txt", expected, sorted(spoiled, key=repr))
        assert all("train.txt, line " in str(error.__cause__) for error in policy.errors)


def test_imagenet_txt_text_that_is_not_utf8_still_stops_the_import(tmp_path):
    (tmp_path / "synsets.txt").write_text("a\n")
    (tmp_path / "train.txt").write_bytes(b"a.png 0\n\xff\xfe.png 0\n")
    with pytest.raises(FormatError, match="not UTF-8"):
        dm.Dataset.import_from(str(tmp_path), "imagenet_txt", error_policy=Collect())


# -- the dataset ----------------------------------------------------------------------------

def spoiled_csv(tmp_path):
    os.makedirs(str(tmp_path), exist_ok=True)
    csv_case(["label text", None, "pixel above 255", None], str(tmp_path))
    return str(tmp_path)


def test_without_a_policy_the_error_is_the_readers_own(tmp_path):
    """The default policy, given or not, stops with the very error mnistio raised before."""
    path = spoiled_csv(tmp_path)
    with pytest.raises(FormatError) as plain:
        list(dm.Dataset.import_from(path, "mnist_csv"))
    for policy in (dm.FailingImportErrorPolicy(), dm.ImportErrorPolicy()):
        with pytest.raises(FormatError) as failed:
            dm.Dataset.import_from(path, "mnist_csv", error_policy=policy)
        assert str(failed.value) == str(plain.value) == "%s, line 2: label 'x1' is not an integer" \
            % os.path.join(path, "mnist_train.csv")


def test_a_policy_may_fail_with_its_own_error(tmp_path):
    class Strict(dm.ImportErrorPolicy):
        def _handle_item_error(self, error):
            self.fail(RuntimeError("stopped at %r" % (error.item_id,)))

    with pytest.raises(RuntimeError, match=r"stopped at \('1', 'train'\)"):
        dm.Dataset.import_from(spoiled_csv(tmp_path), "mnist_csv", error_policy=Strict())


def test_a_policy_that_gives_up_after_some_errors(tmp_path):
    class AtMostOne(Collect):
        def _handle_item_error(self, error):
            super()._handle_item_error(error)
            if len(self.errors) > 1:
                self.fail(error)

    policy = AtMostOne()
    with pytest.raises(FormatError, match="line 4: pixel 1 is 256"):
        dm.Dataset.import_from(spoiled_csv(tmp_path), "mnist_csv", error_policy=policy)
    assert reported(policy) == [("1", "train"), ("3", "train")]


def test_the_survivors_through_operations_and_export(tmp_path):
    policy = Collect()
    dataset = dm.Dataset.import_from(spoiled_csv(tmp_path / "in"), "mnist_csv", error_policy=policy)
    assert dataset.get("1", "train") is None and dataset.get("2", "train") is not None
    assert dataset.subset_counts() == {"train": 3}
    dataset.export(str(tmp_path / "out"), "mnist", save_media=True)
    again = dm.Dataset.import_from(str(tmp_path / "out"), "mnist")
    assert [item.id for item in again] == ["0", "2", "4"]  # their ids kept (a meta file)
    dataset.filter('/item[annotation/label!="2"]')
    assert [item.id for item in dataset] == ["0", "4"] and len(policy.errors) == 2


def test_eager_import_holds_the_survivors(tmp_path):
    policy = Collect()
    with dm.eager_mode():
        dataset = dm.Dataset.import_from(spoiled_csv(tmp_path), "mnist_csv", error_policy=policy)
    assert dataset.is_cache_initialized and [item.id for item in dataset] == ["0", "2", "4"]
    assert len(policy.errors) == 2


def test_a_pickled_dataset_skips_the_same_items(tmp_path):
    dataset = dm.Dataset.import_from(spoiled_csv(tmp_path), "mnist_csv", error_policy=Collect())
    copy = pickle.loads(pickle.dumps(dataset))
    assert items_of(copy) == items_of(dataset) and len(copy) == 3


def test_progress_is_reported_at_import_only(tmp_path):
    log = []

    class Record(dm.ProgressReporter):
        period = 0.6  # a report at 0%, one at 60%
        interval = float("inf")

        def start(self, total, *, desc=None):
            log.append(("start", total, desc))

        def report_status(self, progress):
            log.append(("status", progress))

        def finish(self):
            log.append(("finish",))

        def split(self, count):
            log.append(("split", count))
            return (self,) * count

    dataset = dm.Dataset.import_from(SAMPLE, "mnist", progress_reporter=Record())
    assert log == [("split", 2), ("start", 500, "Importing 'train'"), ("status", 0), ("status", 300), ("finish",),
                   ("start", 100, "Importing 'test'"), ("status", 0), ("status", 60), ("finish",)]
    assert len(list(dataset)) == 600 and len(log) == 9


def test_progress_over_a_spoiled_file_counts_the_lines_read(tmp_path, capsys):
    dm.Dataset.import_from(spoiled_csv(tmp_path), "mnist_csv", error_policy=Collect(),
                           progress_reporter=dm.SimpleProgressReporter(period=0.5))
    assert capsys.readouterr().out.splitlines() == ["Importing 'train' 0/5 (  0.00%)",
                                                    "Importing 'train' 5/5 (100.00%)"]


@pytest.mark.parametrize("argument", [{"error_policy": 5}, {"error_policy": "skip"}, {"progress_reporter": print}])
def test_wrong_policy_or_reporter_is_a_usage_error(argument):
    with pytest.raises(UsageError, match="must be"):
        dm.Dataset.import_from(SAMPLE, "mnist", **argument)


def test_tqdm_reporter_says_why_it_is_not_there():
    with pytest.raises(UsageError, match="tqdm"):
        dm.TQDMProgressReporter()


def test_the_policy_names_cost_nothing_until_used():
    code = ("import sys, mnistio; assert 'mnistio.model.policy' not in sys.modules; "
            "assert 'mnistio.model.progress' not in sys.modules; mnistio.SimpleProgressReporter; "
            "assert 'mnistio.model.progress' in sys.modules; assert 'ImportErrorPolicy' in dir(mnistio)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    with pytest.raises(AttributeError, match="no attribute 'NoSuchName'"):
        dm.NoSuchName  # noqa: B018
