"""The npz layout and the .npz codec (docs/formats.rst, npz): the publishers' files (keras, KMNIST,
Kuzushiji-49, MedMNIST) imported with no hints, numpy both ways, round trips through every other
layout, export refusals, hostile archives.

The fixtures are built at test time by tests/data/make_npz_fixtures.py, without numpy.
"""

import io
import os
import struct
import sys
import zipfile

import pytest
from hostile import assert_contained, case_count, mutations, run_cases, write_cases
from hypothesis import assume, given, note
from hypothesis import strategies as st

import mnistio as dm
from mnistio import formats, limits
from mnistio.codecs import idx, npy, npz
from mnistio.errors import FormatError, LimitError, TruncatedError, UsageError

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "data"))
import make_npz_fixtures  # noqa: E402

#: per fixture set: (label names count, {subset: count}, image shape of an item)
EXPECTED = {
    "keras": (10, {"test": 3, "train": 5}, (28, 28)),
    "kmnist": (10, {"test": 3, "train": 5}, (28, 28)),
    "k49": (49, {"test": 3, "train": 6}, (28, 28)),
    "pathmnist": (10, {"train": 4, "val": 2, "test": 2}, (28, 28, 3)),
    "organamnist": (11, {"train": 4, "val": 2, "test": 3}, (28, 28)),
}
IMAGE_KIND = {"x": "images", "y": "labels"}


def fixture(tmp_path, name):
    folder = str(tmp_path / name)
    make_npz_fixtures.write(folder, name)
    return folder


def published_items(name):
    """``{subset: [(pixels, label)]}`` from the fixture's arrays, as the publishers' loaders see them."""
    arrays = {}
    for file, members in make_npz_fixtures.arrays(name).items():
        for key, shape, values in members:
            if key == "arr_0":  # kmnist-train-imgs.npz
                _, subset, kind = file[:-4].split("-")
                kind = "images" if kind == "imgs" else "labels"
            elif key[:2] in ("x_", "y_"):
                subset, kind = key[2:], IMAGE_KIND[key[0]]
            else:
                subset, kind = key.rsplit("_", 1)
            size = len(values) // shape[0]
            arrays.setdefault(subset, {})[kind] = [values[i * size:(i + 1) * size] for i in range(shape[0])]
    return {subset: list(zip(kinds["images"], [label[0] for label in kinds["labels"]]))
            for subset, kinds in arrays.items()}


def snapshot(dataset, with_ids=True):
    """``{subset: sorted [(id, label names, shape, pixels)]}``."""
    names = dataset.label_names
    found = {}
    for item in dataset:
        image = None if item.media is None else (item.media.shape, bytes(item.media.data))
        key = (item.id if with_ids else "", tuple(names[label] for label in item.labels), image)
        found.setdefault(item.subset, []).append(key)
    return {subset: sorted(items, key=repr) for subset, items in found.items()}


# -- the publishers' files ------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_published_layouts_import_with_no_hints(tmp_path, name):
    folder = fixture(tmp_path, name)
    names_count, counts, shape = EXPECTED[name]
    assert formats.detect(folder) == ["npz"]
    dataset = dm.Dataset.import_from(folder)
    assert dataset.format == "npz" and dataset.subset_counts() == counts
    assert dataset.label_names == [str(label) for label in range(names_count)]
    published = published_items(name)
    for subset in counts:
        items = list(dataset.get_subset(subset)) if hasattr(dataset, "get_subset") else \
            [item for item in dataset if item.subset == subset]
        assert [item.id for item in items] == [str(i) for i in range(counts[subset])]
        assert all(item.media.shape == shape for item in items)
        assert [(bytes(item.media.data), item.labels[0]) for item in items] == published[subset]


def test_one_file_of_a_set_reads_its_subset_or_its_archive(tmp_path):
    folder = fixture(tmp_path, "kmnist")
    dataset = dm.Dataset.import_from(os.path.join(folder, "kmnist-test-labels.npz"))
    assert dataset.subset_counts() == {"test": 3} and all(item.media is not None for item in dataset)
    keras = fixture(tmp_path, "keras")
    assert formats.detect(os.path.join(keras, "mnist.npz")) == ["npz"]
    assert dm.Dataset.import_from(os.path.join(keras, "mnist.npz")).subset_counts() == {"test": 3, "train": 5}


def test_a_folder_of_several_sets_asks_which(tmp_path):
    folder = tmp_path / "both"
    make_npz_fixtures.write(str(folder), "kmnist")
    make_npz_fixtures.write(str(folder), "k49")
    with pytest.raises(UsageError, match=r"holds 2 npz datasets \(k49, kmnist\).*dataset="):
        dm.Dataset.import_from(str(folder), "npz")
    chosen = formats.read(str(folder), "npz", dataset="k49")
    assert len(chosen.categories) == 49 and chosen.subset_counts() == {"test": 3, "train": 6}
    with pytest.raises(UsageError, match="no npz dataset 'emnist'"):
        formats.read(str(folder), "npz", dataset="emnist")


def test_labels_file_names_the_labels_and_a_label_without_name_is_an_error(tmp_path):
    folder = fixture(tmp_path, "k49")
    with open(os.path.join(folder, "labels.txt"), "w") as file:
        file.write("\n".join("k%d" % i for i in range(49)))
    assert dm.Dataset.import_from(folder).label_names[48] == "k48"
    with open(os.path.join(folder, "labels.txt"), "w") as file:
        file.write("\n".join("k%d" % i for i in range(10)))
    with pytest.raises(FormatError, match=r"k49-.*-labels.npz/arr_0.npy, item \d+: label \d+ has no name"):
        list(dm.Dataset.import_from(folder))


# -- numpy both ways ------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_numpy_loads_the_fixtures_as_published(tmp_path, name):
    np = pytest.importorskip("numpy")
    folder = fixture(tmp_path, name)
    for file, members in make_npz_fixtures.arrays(name).items():
        with np.load(os.path.join(folder, file)) as loaded:
            assert loaded.files == [key for key, _, _ in members]
            for key, shape, values in members:
                assert loaded[key].dtype == np.uint8 and loaded[key].shape == shape
                assert loaded[key].tobytes() == values


@pytest.mark.parametrize("save", ["savez", "savez_compressed"])
def test_what_numpy_writes_is_read(tmp_path, save):
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(5)
    x_train, x_test = rng.integers(0, 256, (4, 28, 28), np.uint8), rng.integers(0, 256, (2, 28, 28), np.uint8)
    y_train, y_test = np.array([3, 1, 4, 1], dtype=">i8"), np.array([5, 9], dtype="<u2")
    keras = tmp_path / "keras"
    keras.mkdir()
    getattr(np, save)(keras / "fashion.npz", x_test=x_test, x_train=x_train, y_train=y_train, y_test=y_test)
    dataset = dm.Dataset.import_from(str(keras))
    assert dataset.format == "npz"
    items = {subset: [(bytes(i.media.data), i.labels[0]) for i in dataset if i.subset == subset]
             for subset in ("train", "test")}
    assert items["train"] == [(x.tobytes(), int(y)) for x, y in zip(x_train, y_train)]
    assert items["test"] == [(x.tobytes(), int(y)) for x, y in zip(x_test, y_test)]
    kmnist = tmp_path / "kmnist"
    kmnist.mkdir()
    getattr(np, save)(kmnist / "k49-train-imgs.npz", x_train)
    getattr(np, save)(kmnist / "k49-train-labels.npz", np.array([48, 0, 2, 1], dtype=np.uint8))
    medmnist = tmp_path / "medmnist"
    medmnist.mkdir()
    colour = rng.integers(0, 256, (3, 28, 28, 3), np.uint8)
    getattr(np, save)(medmnist / "bloodmnist.npz", train_images=colour, train_labels=np.array([[7], [0], [2]],
                                                                                                  np.uint8))
    k49 = dm.Dataset.import_from(str(kmnist))
    assert len(k49.label_names) == 49 and [i.labels[0] for i in k49] == [48, 0, 2, 1]
    blood = list(dm.Dataset.import_from(str(medmnist)))
    assert [(i.media.shape, bytes(i.media.data), i.labels) for i in blood] == \
        [((28, 28, 3), x.tobytes(), [int(y[0])]) for x, y in zip(colour, [[7], [0], [2]])]


@pytest.mark.parametrize("style, keys", [
    ("keras", ["x_train", "y_train", "ids_train", "x_test", "y_test"]),
    ("medmnist", ["train_images", "train_labels", "train_ids", "test_images", "test_labels"]),
])
def test_numpy_loads_every_export_style(tmp_path, style, keys):
    np = pytest.importorskip("numpy")
    dataset = dm.Dataset.from_iterable([
        dm.DatasetItem(id="a", subset="train", image=dm.Image(bytes(range(12)), shape=(2, 2, 3)),
                       annotations=[dm.Label(1)]),
        dm.DatasetItem(id="b\u732b", subset="train", image=dm.Image(bytes(12), shape=(2, 2, 3))),
        dm.DatasetItem(id="0", subset="test", image=dm.Image(b"\x01\x02", shape=(1, 2)),
                       annotations=[dm.Label(2)]),
    ], categories=["a", "b", "c"])
    dataset.export(tmp_path / "out", "npz", style=style)
    with np.load(tmp_path / "out" / "mnist.npz") as loaded:
        assert loaded.files == keys
        x, y, ids = (loaded[key] for key in keys[:3])
        assert x.shape == (2, 2, 2, 3) and x.dtype == np.uint8 and x[0].tobytes() == bytes(range(12))
        assert y.dtype == np.dtype("<i8") and y.ravel().tolist() == [1, -1]  # -1: no label
        assert y.shape == ((2, 1) if style == "medmnist" else (2,))
        assert ids.tolist() == ["a", "b\u732b"]
        assert loaded[keys[4]].dtype == np.uint8 and loaded[keys[3]].shape == (1, 1, 2)
    assert snapshot(dm.Dataset.import_from(tmp_path / "out")) == snapshot(dataset)


def test_kmnist_style_and_stored_members(tmp_path):
    np = pytest.importorskip("numpy")
    source = dm.Dataset.import_from(fixture(tmp_path, "keras"))
    source.export(tmp_path / "out", "npz", style="kmnist", name="fashion", stored=True)
    assert sorted(os.listdir(tmp_path / "out")) == [
        "fashion-test-imgs.npz", "fashion-test-labels.npz", "fashion-train-imgs.npz", "fashion-train-labels.npz",
        "labels.txt"]
    for file in os.listdir(tmp_path / "out"):
        if file.endswith(".npz"):
            with zipfile.ZipFile(tmp_path / "out" / file) as archive:
                assert [info.compress_type for info in archive.infolist()] == [zipfile.ZIP_STORED]
            assert np.load(tmp_path / "out" / file).files == ["arr_0"]
    assert snapshot(dm.Dataset.import_from(tmp_path / "out")) == snapshot(source)


# -- round trips ------------------------------------------------------------------------------

#: layouts that keep subsets, labels and pixels (ids may change), per kind of image
GRAY_LAYOUTS = ["mnist", "mnist_csv", "imagenet_txt", "imagenet_with_subset_dirs"]
COLOUR_LAYOUTS = ["cifar", "imagenet_txt", "imagenet_with_subset_dirs"]


@pytest.mark.parametrize("name, layout", [("keras", layout) for layout in GRAY_LAYOUTS]
                         + [("organamnist", "mnist"), ("k49", "mnist_csv")]
                         + [("pathmnist", layout) for layout in COLOUR_LAYOUTS])
def test_fixtures_go_through_every_layout_and_back_losslessly(tmp_path, name, layout):
    original = dm.Dataset.import_from(fixture(tmp_path, name))
    original.export(tmp_path / layout, layout, save_media=True, save_dataset_meta=True)
    through = dm.Dataset.import_from(tmp_path / layout, layout)
    through.export(tmp_path / "back", "npz")
    back = dm.Dataset.import_from(tmp_path / "back")
    keeps_ids = layout in ("mnist", "mnist_csv")
    assert snapshot(back, keeps_ids) == snapshot(original, keeps_ids)
    if keeps_ids and name == "keras":  # the same arrays, key by key
        with npz.Archive(os.path.join(tmp_path, "back", "mnist.npz")) as archive:
            assert sorted(archive.keys()) == ["x_test", "x_train", "y_test", "y_train"]
            written = {key: archive.open(key).read_all() for key in archive.keys()}
        published = make_npz_fixtures.arrays("keras")["mnist.npz"]
        assert written == {key: values for key, _, values in published}


def test_mnist_sample_to_npz_and_back_is_byte_identical(tmp_path, sample_dir):
    dm.Dataset.import_from(sample_dir).export(tmp_path / "npz", "npz")
    dm.Dataset.import_from(tmp_path / "npz").export(tmp_path / "back", "mnist", save_media=True)
    for name in ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz"):
        assert idx.read(tmp_path / "back" / name) == idx.read(os.path.join(sample_dir, name))


ids = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
names = st.lists(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=6), min_size=1,
                 max_size=12, unique=True)


@st.composite
def datasets(draw):
    label_names = draw(names)
    items = []
    for subset in draw(st.lists(st.sampled_from(["train", "test", "val", "my set", "a-b", "x_y", "images"]),
                                min_size=1, max_size=3, unique=True)):
        height, width, channels = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.sampled_from([1, 3, 4]))
        with_images = draw(st.integers(0, 3)) > 0
        custom_ids = draw(st.booleans())
        count = draw(st.integers(1, 5))
        item_ids = draw(st.lists(ids, min_size=count, max_size=count, unique=True)) if custom_ids \
            else [str(i) for i in range(count)]
        for item_id in item_ids:
            size = height * width * channels
            image = dm.Image(draw(st.binary(min_size=size, max_size=size)), shape=(height, width, channels)) \
                if with_images else None
            label = draw(st.one_of(st.none(), st.integers(0, len(label_names) - 1)))
            items.append(dm.DatasetItem(id=item_id, subset=subset, image=image,
                                        annotations=[] if label is None else [dm.Label(label)]))
    return dm.Dataset.from_iterable(items, categories=label_names)


@given(dataset=datasets(), style=st.sampled_from(["keras", "kmnist", "medmnist"]), stored=st.booleans())
def test_round_trip(tmp_path_factory, dataset, style, stored):
    assume(style != "medmnist" or "x_y" not in dataset.subset_counts())  # refused: see test_export_refusals
    out = tmp_path_factory.mktemp("npz") / "out"
    dataset.export(out, "npz", style=style, stored=stored, save_dataset_meta=True)
    loaded = dm.Dataset.import_from(out)
    note("files: %r" % sorted(os.listdir(out)))
    assert loaded.format == "npz" and loaded.label_names == dataset.label_names
    assert snapshot(loaded) == snapshot(dataset)


def test_without_save_media_only_labels_and_ids_are_written(tmp_path, sample_dir):
    source = dm.Dataset.import_from(sample_dir)
    report = source.export(tmp_path / "out", "npz", save_media=False)
    assert any("images of 600 items were not saved" in note for note in report.notes)
    with npz.Archive(os.path.join(tmp_path, "out", "mnist.npz")) as archive:
        assert archive.keys() == ["y_train", "y_test"]  # written in iteration order
    back = dm.Dataset.import_from(tmp_path / "out")
    assert [(i.id, i.labels, i.media) for i in back] == [(i.id, i.labels, None) for i in source]


def test_unlabelled_images_write_no_labels_array(tmp_path):
    dataset = dm.Dataset.from_iterable([dm.DatasetItem(id=str(i), image=dm.Image(bytes([i]) * 4, shape=(2, 2)))
                                        for i in range(3)])
    dataset.export(tmp_path / "out", "npz")
    with npz.Archive(os.path.join(tmp_path, "out", "mnist.npz")) as archive:
        assert archive.keys() == ["x_default"]
    assert snapshot(dm.Dataset.import_from(tmp_path / "out")) == snapshot(dataset)


# -- export refusals --------------------------------------------------------------------------

def image(height, width, channels=1):
    return dm.Image(bytes(height * width * channels), shape=(height, width, channels))


@pytest.mark.parametrize("items, options, message", [
    ([("a", image(2, 2)), ("b", image(2, 3))], {}, r"item 'b' \(subset 'default'\) has an image of 2 x 3, the "
                                                    r"subset's first one is 2 x 2"),
    ([("a", image(2, 2)), ("b", image(2, 2, 3))], {}, "2 x 2 x 3"),
    ([("a", image(2, 2)), ("b", None)], {}, r"item 'b' .* has no image: .* every item needs one, or none does"),
    ([("a", None), ("b", image(2, 2))], {}, "has an image and earlier items have none"),
    ([("a\x00", image(1, 1))], {}, "NUL"),
    ([("a", image(1, 1))], {"style": "hdf5"}, "is one of"),
    ([("a", image(1, 1))], {"name": "../x"}, "cannot name the file"),
    ([("a", image(1, 1))], {"style": "kmnist", "name": "my-set"}, "no '-'"),
    ([("a", image(1, 1), "x_y")], {"style": "medmnist"}, "read back as keras'"),
])
def test_export_refusals(tmp_path, items, options, message):
    dataset = dm.Dataset.from_iterable([dm.DatasetItem(id=item[0], image=item[1], subset=item[2] if len(item) > 2
                                                       else None) for item in items])
    with pytest.raises(UsageError, match=message):
        dataset.export(tmp_path / "out", "npz", **options)
    assert not os.path.exists(tmp_path / "out")


def test_kmnist_style_refuses_subsets_one_file_apart_by_case(tmp_path):
    dataset = dm.Dataset.from_iterable([dm.DatasetItem(id="0", subset=subset, image=image(1, 1))
                                        for subset in ("Train", "train")])
    with pytest.raises(UsageError, match="case-insensitive"):
        dataset.export(tmp_path / "out", "npz", style="kmnist")
    dataset.export(tmp_path / "keras", "npz")  # one archive: members differ by case, as zip allows
    assert dm.Dataset.import_from(tmp_path / "keras").subset_counts() == {"Train": 1, "train": 1}


def test_command_line_export_options(tmp_path, sample_dir):
    from mnistio.cli import main

    assert main(["convert", "-i", sample_dir, "-f", "npz", "-o", str(tmp_path / "out"), "-q", "--",
                 "--style", "medmnist", "--name", "digits", "--stored"]) == 0
    assert sorted(os.listdir(tmp_path / "out")) == ["digits.npz", "labels.txt"]
    assert main(["info", str(tmp_path / "out")]) == 0


# -- hostile archives ---------------------------------------------------------------------------

def write_npz(path, arrays, compress=True):
    """``arrays``: [(key, descr, shape, payload bytes)], or raw (name, bytes) members."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as archive:
        for member in arrays:
            if len(member) == 2:
                archive.writestr(member[0], member[1])
            else:
                key, descr, shape, payload = member
                archive.writestr(key + ".npy", npy.header_bytes(descr, shape) + payload)
    return str(path)


def read(path):
    with open(path, "rb") as file:
        return file.read()


def keras_arrays(x_shape=(2, 2, 2), y=b"\x01\x02"):
    return [("x_train", "|u1", x_shape, bytes(8)), ("y_train", "|u1", (len(y),), y)]


@pytest.mark.parametrize("arrays, error, message", [
    (keras_arrays() + [("mean", "|u1", (1,), b"\x00")], FormatError, "none of keras'"),
    (keras_arrays(y=b"\x01\x02\x03"), FormatError, "disagree on the number of items"),
    ([("x_train", "<f4", (1, 2, 2), bytes(16))], FormatError, "images of dtype <f4"),
    ([("x_train", "|u1", (1, 2, 2, 2), bytes(8))], FormatError, "images of shape"),
    ([("x_train", "|u1", (1, 0, 2), b"")], FormatError, "both sides at least 1"),
    ([("train_images", "|u1", (1, 1, 1), b"\x00"), ("train_labels", "|u1", (1, 14), bytes(14))], FormatError,
     "ChestMNIST"),
    ([("y_train", "<f8", (1,), bytes(8))], FormatError, "labels of dtype <f8"),
    ([("y_train", "|u1", (1,), b"\x00"), ("ids_train", "<i4", (1,), bytes(4))], FormatError, "ids of dtype"),
    ([("y_train", "|u1", (1,), b"\x00"), ("ids_train", "<U1", (1,), b"\xff" * 4)], FormatError,
     "ids_train.npy: value 0 holds .* not a Unicode code point"),
    ([("x_train", "|u1", (0, 5000, 5000), b"")], LimitError, "MAX_IMAGE_PIXELS"),
    ([("x_train", "|u1", (10 ** 12, 28, 28), bytes(784))], TruncatedError, "header declares"),
    ([("x_train.npy", b"\x93NUMPY\x01\x00\x40\x00{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
                      b"         \n\x80\x04N.")], FormatError, "object array"),
    ([("x_train.txt", b"hello")], FormatError, "x_train.txt: member is not a .npy array"),
    ([("readme.txt", b"hello")], FormatError, "none of keras'"),
    ([("y_train", "<i2", (2,), struct.pack("<2h", 1, -2))], FormatError, "item 1: label -2 is negative"),
    ([("y_train", "|u1", (1,), b"\x0c")], FormatError, r"item 0: label 12 has no name \(labels.txt names 10"),
])
def test_bad_arrays_are_refused_naming_the_member(tmp_path, arrays, error, message):
    folder = tmp_path / "set"
    folder.mkdir()
    write_npz(folder / "mnist.npz", arrays)
    (folder / "labels.txt").write_text("\n".join(map(str, range(10))))
    with pytest.raises(error, match=message):
        list(dm.Dataset.import_from(str(folder), "npz"))


def test_minus_one_is_no_label(tmp_path):
    path = write_npz(tmp_path / "mnist.npz", [("y_train", "<i8", (2,), struct.pack("<2q", -1, 3))])
    assert [item.labels for item in dm.Dataset.import_from(path)] == [[], [3]]


def test_not_a_zip_a_cut_zip_and_a_bad_crc(tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    assert formats.detect(str(path)) == ["npz"]  # detection looks at the magic only
    with pytest.raises(FormatError, match="not a zip archive"):
        dm.Dataset.import_from(str(path))
    good = read(write_npz(tmp_path / "good.npz", keras_arrays(), compress=False))
    path.write_bytes(good[:len(good) // 2])
    with pytest.raises(FormatError, match="not a zip archive"):
        dm.Dataset.import_from(str(path))
    start = good.index(b"\x93NUMPY") + 128  # the first member's values, stored
    path.write_bytes(good[:start] + b"\xff" + good[start + 1:])
    with pytest.raises(FormatError, match="mnist.npz/x_train.npy: unreadable member data .*CRC"):
        list(dm.Dataset.import_from(str(path)))


def test_zip_bomb_and_lying_sizes_are_refused(tmp_path):
    good = read(write_npz(tmp_path / "good.npz", keras_arrays()))
    directory = good.index(b"PK\x01\x02")  # the first central directory entry: x_train.npy
    bomb = bytearray(good)
    bomb[directory + 24:directory + 28] = struct.pack("<I", 0xFFFFFFF0)  # uncompressed size
    (tmp_path / "bomb").mkdir()
    (tmp_path / "bomb" / "mnist.npz").write_bytes(bytes(bomb))
    with pytest.raises(FormatError, match="more than any compression gives"):
        dm.Dataset.import_from(str(tmp_path / "bomb"))
    lying = bytearray(good)
    size = struct.unpack("<I", good[directory + 24:directory + 28])[0]
    lying[directory + 24:directory + 28] = struct.pack("<I", size + 8)
    (tmp_path / "lying").mkdir()
    (tmp_path / "lying" / "mnist.npz").write_bytes(bytes(lying))
    with pytest.raises(FormatError, match="8 bytes after the 8 bytes of values"):
        dm.Dataset.import_from(str(tmp_path / "lying"))


def test_member_count_limit(tmp_path, monkeypatch):
    folder = fixture(tmp_path, "keras")
    monkeypatch.setattr(limits, "MAX_ARCHIVE_MEMBERS", 3)
    with pytest.raises(LimitError, match=r"zip archive of 4 members, more than mnistio.limits.MAX_ARCHIVE_MEMBERS"):
        dm.Dataset.import_from(folder)


READ_ALL = """
def check(path):
    for item in mnistio.Dataset.import_from(path, "npz"):
        item.media is not None and bytes(item.media.data)
"""


@pytest.mark.parametrize("compress", [False, True])
def test_hostile_npz_files(tmp_path, compress):
    blob = read(write_npz(tmp_path / "seed.npz", [
        ("x_test", "|u1", (2, 4, 4), bytes(range(32))), ("y_test", "<i8", (2,), struct.pack("<2q", 1, -1)),
        ("ids_test", "<U2", (2,), "a\x00\x00\x00b\x00\x00\x00c\x00\x00\x00\x00\x00\x00\x00".encode())],
        compress=compress))
    cases = write_cases(tmp_path / "cases", mutations(blob, seed=7 + compress, count=case_count(), protect=4),
                        "mnist.npz")
    assert_contained(run_cases(READ_ALL, cases, tmp_path))


def test_a_stored_member_is_streamed_not_read_whole(tmp_path, monkeypatch):
    """Reading the first item of a 47 MB images member reads about 1 MB of it."""
    path = tmp_path / "mnist.npz"
    with npz.Writer(str(path), compress=False) as out:
        out.add("x_train", "|u1", (60000, 28, 28), io.BytesIO(bytes(60000 * 784)))
    reads = []
    original = npz._Member.read

    def counting(self, size=-1):
        data = original(self, size)
        reads.append(len(data))
        return data

    monkeypatch.setattr(npz._Member, "read", counting)
    item = next(iter(dm.Dataset.import_from(str(path))))
    assert item.media.shape == (28, 28) and sum(reads) < 3 << 20


def test_a_tolerant_import_skips_the_items_with_bad_labels(tmp_path):
    class Collect(dm.ImportErrorPolicy):
        def __init__(self):
            self.errors = []

        def _handle_item_error(self, error):
            self.errors.append(error)

    pixels = bytes(range(12))
    write_npz(tmp_path / "mnist.npz", [("x_train", "|u1", (3, 2, 2), pixels),
                                       ("y_train", "<i4", (3,), struct.pack("<3i", 1, -5, 2))])
    policy = Collect()
    dataset = dm.Dataset.import_from(str(tmp_path), "npz", error_policy=policy)
    for _ in range(2):
        assert [(i.id, i.labels, bytes(i.media.data)) for i in dataset] == [("0", [1], pixels[:4]),
                                                                             ("2", [2], pixels[8:])]
    assert [error.item_id for error in policy.errors] == [("1", "train")]
