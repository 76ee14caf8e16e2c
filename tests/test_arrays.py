"""Arrays in one call (issue 11): ``mnistio.load`` and ``subset.to_arrays()`` equal iterating, in every layout."""

import gzip
import os
import pickle
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mnistio
from mnistio.model.arrays import Array, arrays_of_items

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "examples", "mnist_sample")


def iterated(subset, no_label=-1):
    """``(pixel bytes, labels, image shape)`` of a subset, by iterating."""
    pixels, labels, shapes = b"", [], set()
    for item in subset:
        pixels += bytes(item.media.data)
        labels.append(item.annotations[0].label if item.annotations else no_label)
        shapes.add(item.media.shape)
    return pixels, labels, shapes


def check_equal_to_iteration(dataset, subset_name, no_label=-1):
    subset = dataset.get_subset(subset_name)
    images, labels = subset.to_arrays(no_label=no_label)
    pixels, values, shapes = iterated(subset, no_label)
    assert images.tobytes() == pixels
    assert labels.tolist() == values
    assert images.dtype == "uint8" and labels.dtype == "int64"
    assert len(images) == len(labels) == len(values)
    assert shapes == {images.shape[1:]}
    return images, labels


def small_items(count=5, shape=(6, 5), unlabelled=(2,), seed=0):
    rng = random.Random(seed)
    items = []
    for index in range(count):
        data = bytes(rng.randrange(256) for _ in range(shape[0] * shape[1] * (shape[2] if len(shape) > 2 else 1)))
        annotations = [] if index in unlabelled else [mnistio.Label(rng.randrange(3))]
        items.append(mnistio.DatasetItem(str(index), subset="train", media=mnistio.Image(data, shape=shape),
                                         annotations=annotations))
    return items


def small_dataset(shape=(6, 5)):
    return mnistio.Dataset.from_iterable(small_items(shape=shape), categories=["a", "b", "c"])


def test_load_of_the_sample_equals_iterating_it():
    dataset = mnistio.Dataset.import_from(SAMPLE)
    for name in ("train", "test"):
        images, labels = check_equal_to_iteration(dataset, name)
        assert images.shape == (len(labels), 28, 28)
        assert mnistio.load(SAMPLE, name) == (images, labels)


@pytest.mark.parametrize("format, options", [
    ("mnist", {}), ("mnist", {"compress": "none"}), ("mnist_csv", {}), ("cifar", {}), ("imagenet", {}),
    ("imagenet_txt", {}), ("npz", {}), ("imagenet_with_subset_dirs", {}),
])
def test_every_layout_arrays_equal_iterating(tmp_path, format, options):
    dataset = small_dataset(shape=(6, 5, 3) if format == "cifar" else (6, 5))
    dataset.export(str(tmp_path / "out"), format, save_media=True, **options)
    back = mnistio.Dataset.import_from(str(tmp_path / "out"), format)
    for name in back.subset_counts():
        check_equal_to_iteration(back, name)
    if format == "mnist":  # the fast path: unlabelled items are mnist's 255 in the file, -1 in the array
        images, labels = mnistio.load(str(tmp_path / "out"), "train")
        assert labels.tolist()[2] == -1
        assert mnistio.load(str(tmp_path / "out"), "train", no_label=255)[1].tolist()[2] == 255


def test_colour_images_have_a_channel_axis():
    images, labels = small_dataset(shape=(4, 3, 3)).get_subset("train").to_arrays()
    assert images.shape == (5, 4, 3, 3) and labels.shape == (5,)
    assert labels.tolist() == [item.annotations[0].label if item.annotations else -1
                               for item in small_items(shape=(4, 3, 3))]


def test_mixed_sizes_name_the_item():
    items = small_items(count=3)
    items[1] = mnistio.DatasetItem("odd", subset="train", media=mnistio.Image(bytes(12), shape=(3, 4)))
    dataset = mnistio.Dataset.from_iterable(items, categories=["a", "b", "c"])
    with pytest.raises(mnistio.UsageError, match=r"item 'odd' of subset 'train' is 4x3 pixels.*one size"):
        dataset.get_subset("train").to_arrays()


def test_items_without_images_or_with_two_labels_are_refused():
    items = [mnistio.DatasetItem("bare", subset="train")]
    with pytest.raises(mnistio.UsageError, match="item 'bare' of subset 'train' has no image"):
        mnistio.Dataset.from_iterable(items).get_subset("train").to_arrays()
    items = small_items(count=1, unlabelled=())
    items[0].annotations.append(mnistio.Label(0))
    with pytest.raises(mnistio.UsageError, match="has 2 labels"):
        mnistio.Dataset.from_iterable(items, categories=["a", "b", "c"]).get_subset("train").to_arrays()


def test_load_refuses_a_missing_subset_and_a_bad_no_label():
    with pytest.raises(mnistio.UsageError, match=r"no subset 'val' \(found: (train, test|test, train)\)"):
        mnistio.load(SAMPLE, "val")
    with pytest.raises(mnistio.UsageError, match="choose one with subset=NAME"):
        mnistio.load(SAMPLE, None)
    with pytest.raises(mnistio.UsageError, match="no_label"):
        mnistio.load(SAMPLE, no_label="none")


def test_a_label_without_a_name_is_reported_as_iterating_reports_it(tmp_path):
    """The fast path gives way to iterating, which names the item."""
    folder = tmp_path / "bad"
    folder.mkdir()
    for name in os.listdir(SAMPLE):
        with open(os.path.join(SAMPLE, name), "rb") as file:
            data = file.read()
        if name == "train-labels-idx1-ubyte.gz":
            raw = bytearray(gzip.decompress(data))
            raw[8 + 3] = 77
            data = gzip.compress(bytes(raw))
        (folder / name).write_bytes(data)
    with pytest.raises(mnistio.FormatError, match="item 3"):
        mnistio.load(str(folder), "train")


def test_a_truncated_images_file_is_an_error(tmp_path):
    folder = tmp_path / "cut"
    folder.mkdir()
    for name in os.listdir(SAMPLE):
        with open(os.path.join(SAMPLE, name), "rb") as file:
            data = file.read()
        if name == "train-images-idx3-ubyte.gz":
            data = gzip.compress(gzip.decompress(data)[:-100])
        (folder / name).write_bytes(data)
    with pytest.raises(mnistio.TruncatedError):
        mnistio.load(str(folder), "train")


def test_array_rows_tolist_and_pickling():
    images, labels = mnistio.load(SAMPLE, "test")
    row = images[1]
    assert isinstance(row, Array) and row.shape == (28, 28)
    assert row.tobytes() == images.tobytes()[784:2 * 784]
    assert labels[-1] == labels.tolist()[-1] and isinstance(labels[0], int)
    assert images[0].tolist()[3] == list(images.tobytes()[3 * 28:4 * 28])
    with pytest.raises(IndexError):
        labels[len(labels)]
    with pytest.raises(mnistio.UsageError):
        images["0"]
    assert pickle.loads(pickle.dumps((images, labels))) == (images, labels)
    assert not mnistio.load(SAMPLE, "test", writable=False)[0].writable
    assert "read-only" in repr(mnistio.load(SAMPLE, "test", writable=False)[0])


def test_through_numpy_zero_copy_and_writable():
    np = pytest.importorskip("numpy")
    arrays = mnistio.load(SAMPLE, "train")
    images, labels = arrays
    x, y = np.asarray(images), np.asarray(labels)
    assert x.dtype == np.uint8 and y.dtype == np.int64 and x.shape == images.shape
    assert x.flags.writeable and y.flags.writeable and x.flags.c_contiguous
    assert np.shares_memory(x, np.asarray(images)) and np.shares_memory(y, arrays.to_numpy()[1])
    x[0, 0, 0] = 201
    assert images.data[0] == 201  # the same memory
    frozen = mnistio.load(SAMPLE, "train", writable=False)
    assert not np.asarray(frozen[0]).flags.writeable and not np.asarray(frozen[1]).flags.writeable
    generic = small_dataset().get_subset("train").to_numpy()
    assert generic[0].shape == (5, 6, 5) and generic[0].flags.writeable
    dataset = mnistio.Dataset.import_from(SAMPLE)
    assert np.array_equal(x[1:], np.stack([np.asarray(item.media) for item in dataset.get_subset("train")])[1:])


def test_to_numpy_without_numpy_says_to_install_it(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_numpy(name, *args, **kwargs):
        if name == "numpy":
            raise ImportError("no numpy")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_numpy)
    with pytest.raises(mnistio.UsageError, match="pip install numpy"):
        mnistio.load(SAMPLE, "test").to_numpy()


def test_idx2numpy_reads_the_same_arrays():
    np = pytest.importorskip("numpy")
    idx2numpy = pytest.importorskip("idx2numpy")
    with gzip.open(os.path.join(SAMPLE, "train-images-idx3-ubyte.gz")) as file:
        expected = idx2numpy.convert_from_string(file.read())
    assert np.array_equal(mnistio.load(SAMPLE).to_numpy()[0], expected)


@given(st.lists(st.integers(0, 255), min_size=1, max_size=4), st.integers(0, 6), st.integers(1, 5),
       st.integers(1, 5), st.sampled_from([1, 3, 4]))
def test_random_shapes_round_trip_through_the_arrays(labels, unlabelled, height, width, channels):
    shape = (height, width) if channels == 1 else (height, width, channels)
    items = []
    for index, label in enumerate(labels):
        data = bytes((index * 31 + k) % 256 for k in range(height * width * channels))
        annotations = [] if index == unlabelled else [mnistio.Label(label)]
        items.append(mnistio.DatasetItem(str(index), subset="s", media=mnistio.Image(data, shape=shape),
                                         annotations=annotations))
    images, values = arrays_of_items(items, "subset 's'", count=len(items) if unlabelled % 2 else None)
    assert images.shape == (len(items),) + shape
    assert values.tolist() == [-1 if index == unlabelled else label for index, label in enumerate(labels)]
    assert images.tobytes() == b"".join(bytes(item.media.data) for item in items)
    assert [images[index].tobytes() for index in range(len(items))] == [bytes(item.media.data) for item in items]


def test_load_is_lazy_in_import_mnistio():
    import subprocess
    import sys

    code = "import sys, mnistio; assert 'mnistio.model.arrays' not in sys.modules; print(mnistio.load.__module__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "mnistio.model.arrays"


def copy_sample(folder, images=None):
    """The sample in ``folder``, its train images file's decompressed bytes replaced by ``images(raw)``
    (the bytes of the file to write)."""
    folder.mkdir()
    for name in os.listdir(SAMPLE):
        with open(os.path.join(SAMPLE, name), "rb") as file:
            data = file.read()
        if name == "train-images-idx3-ubyte.gz" and images is not None:
            data = images(gzip.decompress(data))
        (folder / name).write_bytes(data)
    return str(folder)


def test_gzip_members_one_after_another_are_read_as_one_stream(tmp_path):
    """As GzipFile reads them (the fast path decompresses with zlib itself)."""
    folder = copy_sample(tmp_path / "members", lambda raw: gzip.compress(raw[:1000]) + gzip.compress(raw[1000:]))
    dataset = mnistio.Dataset.import_from(folder)
    assert mnistio.load(folder) == check_equal_to_iteration(dataset, "train")


@pytest.mark.parametrize("change, error, message", [
    (lambda raw: gzip.compress(raw) + b"junk", mnistio.FormatError, "bad gzip data"),
    (lambda raw: gzip.compress(raw + b"\x00" * 5), mnistio.FormatError, "at least 5 bytes after"),
    (lambda raw: gzip.compress(raw)[:-3000], mnistio.TruncatedError, "ends early"),
    (lambda raw: gzip.compress(raw)[:500] + bytes(200) + gzip.compress(raw)[700:], mnistio.FormatError,
     "bad gzip data"),
])
def test_a_bad_gzip_stream_is_the_same_error_as_iterating_gives(tmp_path, change, error, message):
    folder = copy_sample(tmp_path / "bad", change)
    with pytest.raises(error, match=message):
        mnistio.load(folder)
    with pytest.raises(error):
        list(mnistio.Dataset.import_from(folder).get_subset("train"))


def test_raw_files_read_only_and_writable(tmp_path):
    np = pytest.importorskip("numpy")
    mnistio.Dataset.import_from(SAMPLE).export(str(tmp_path / "raw"), "mnist", save_media=True, compress="none")
    writable = mnistio.load(str(tmp_path / "raw"))
    frozen = mnistio.load(str(tmp_path / "raw"), writable=False)
    assert writable == frozen == mnistio.load(SAMPLE)
    assert np.asarray(writable[0]).flags.writeable and not np.asarray(frozen[0]).flags.writeable


def test_large_buffers_are_memory_maps_shared_and_writable(monkeypatch):
    """From 1 MB up the image buffer is an anonymous memory map where the system has one (Linux)."""
    import mnistio.model.arrays as arrays

    monkeypatch.setattr(arrays, "_MAPPED_AT_LEAST", 0)
    images, labels = mnistio.load(SAMPLE)
    assert images == mnistio.Dataset.import_from(SAMPLE).get_subset("train").to_arrays()[0]
    assert pickle.loads(pickle.dumps(images)) == images
    np = pytest.importorskip("numpy")
    x = np.asarray(images)
    assert x.flags.writeable and np.shares_memory(x, np.asarray(images))
    x[...] = 7
    assert set(images.tobytes()) == {7}
    assert not np.asarray(mnistio.load(SAMPLE, writable=False)[0]).flags.writeable


def test_plain_idx_files_take_the_fast_path():
    """The sample's plain IDX files are read straight into the buffer, not item by item: a merge once
    moved the layout's read_arrays out of its class, and load fell back to iterating (6x slower)."""
    dataset = mnistio.Dataset.import_from(SAMPLE)
    assert dataset.source.read_arrays("train", no_label=-1, writable=True) is not None
