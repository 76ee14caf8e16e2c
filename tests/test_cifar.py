"""The cifar layout (docs/formats.rst, cifar): round trips, golden bytes, real and
Datumaro-written pickles, refused pickles, and numpy / Datumaro cross-checks.

Runs without numpy; the tests that need numpy or Datumaro skip themselves.
"""

import io
import os
import pickle
import pickletools
import posixpath
import struct

import pytest
from conftest import with_repeats
from hypothesis import given, note
from hypothesis import strategies as st

import mnistio as dm
from mnistio import limits
from mnistio.codecs import pickles
from mnistio.errors import FormatError, LimitError, TruncatedError, UsageError
from mnistio.formats import cifar  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "examples", "mnist_sample")


def snapshot(dataset):
    """``{subset: [(id, labels, (shape, pixels) or None)]}`` in item order."""
    result = {}
    for item in dataset:
        image = None if item.media is None else (item.media.shape, bytes(item.media.data))
        result.setdefault(item.subset, []).append((item.id, item.labels, image))
    return result


def as_stored(dataset, save_media=True):
    """What cifar keeps of a dataset: three channels (gray replicated, alpha dropped)."""
    result = {}
    for item in dataset:
        image = None
        if save_media and item.media is not None:
            rgb = item.media.to_rgb()
            image = (rgb.shape, bytes(rgb.data))
        result.setdefault(item.subset, []).append((item.id, item.labels, image))
    return result


def planes(rgb):
    """CIFAR's row for interleaved RGB bytes: the R plane, then G, then B."""
    return rgb[0::3] + rgb[1::3] + rgb[2::3]


def storable(item_id):
    return posixpath.splitext(item_id + ".png")[0] == item_id


# -- hypothesis round trips ---------------------------------------------------------------

ids = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20).filter(storable)
names = st.lists(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8),
                 min_size=1, max_size=12, unique=True)
SUBSETS = ["data_batch_1", "data_batch_2", "test_batch", "test", "my set", "\u00fcber-\u732b", "default"]


@st.composite
def images(draw):
    height, width = draw(st.sampled_from([(32, 32), (32, 32), (28, 28), (1, 1), (2, 5), (0, 3)]))
    channels = draw(st.sampled_from([1, 3, 3, 4, 2]))
    size = height * width * channels
    return dm.Image(draw(st.binary(min_size=size, max_size=size)), shape=(height, width, channels))


@st.composite
def datasets(draw):
    label_names = draw(names)
    subsets = draw(st.lists(st.sampled_from(SUBSETS), min_size=1, max_size=3, unique=True))
    items = []
    for subset in subsets:
        count = draw(st.integers(1, 5))
        for item_id in draw(st.lists(ids, min_size=count, max_size=count)):
            image = draw(st.one_of(st.none(), images()))
            label = draw(st.one_of(st.none(), st.integers(0, len(label_names) - 1)))
            items.append(dm.DatasetItem(id=item_id, subset=subset, image=image,
                                        annotations=[] if label is None else [dm.Label(label)]))
    return with_repeats(items, categories=label_names)


@given(dataset=datasets(), save_dataset_meta=st.booleans())
def test_round_trip(tmp_path_factory, dataset, save_dataset_meta):
    out = tmp_path_factory.mktemp("cifar") / "out"
    dataset.export(out, "cifar", save_media=True, save_dataset_meta=save_dataset_meta)
    loaded = dm.Dataset.import_from(out, "cifar")
    assert loaded.format == "cifar"
    assert loaded.label_names == dataset.label_names
    expected = as_stored(dataset)
    note("items: %r" % expected)
    assert snapshot(loaded) == expected
    assert loaded.subset_counts() == {subset: len(rows) for subset, rows in expected.items()}


@given(dataset=datasets())
def test_without_save_media_only_labels_are_written(tmp_path_factory, dataset):
    out = tmp_path_factory.mktemp("cifar") / "out"
    report = dataset.export(out, "cifar")
    assert not [text for text in report.notes if "gray" in text or "alpha" in text]  # no pixels, no conversion
    assert snapshot(dm.Dataset.import_from(out, "cifar")) == as_stored(dataset, save_media=False)


@pytest.mark.parametrize("item_id", ["", "a/", ".", "..", "...", "a/."])
def test_ids_that_would_change_on_reading_are_refused(tmp_path, item_id):
    assert not storable(item_id)
    dataset = dm.Dataset.from_iterable([dm.DatasetItem(id=item_id, subset="train")], categories=["a"])
    with pytest.raises(UsageError, match="cannot be stored in cifar"):
        dataset.export(tmp_path / "out", "cifar")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("subset", ["my.set", ".hidden", "meta", "a/b"])
def test_subsets_that_cannot_be_batch_files_are_refused(tmp_path, subset):
    dataset = dm.Dataset.from_iterable([dm.DatasetItem(id="0", subset=subset)], categories=["a"])
    with pytest.raises(UsageError, match="cannot name a CIFAR batch file"):
        dataset.export(tmp_path / "out", "cifar")


def test_subsets_differing_only_in_case_are_refused(tmp_path):
    dataset = dm.Dataset.from_iterable([dm.DatasetItem(id="0", subset="Train"), dm.DatasetItem(id="0", subset="train")])
    with pytest.raises(UsageError, match="case-insensitive"):
        dataset.export(tmp_path / "out", "cifar")


def test_image_ext_names_the_files_and_is_stripped_on_reading(tmp_path):
    image = dm.Image(b"\x01\x02\x03", shape=(1, 1, 3))
    dataset = dm.Dataset.from_iterable([dm.DatasetItem(id="a.b", subset="s", image=image)])
    dataset.export(tmp_path / "out", "cifar", save_media=True, image_ext="jpg")
    with open(str(tmp_path / "out" / "s"), "rb") as file:
        assert b"a.b.jpg" in file.read()
    assert [item.id for item in dm.Dataset.import_from(tmp_path / "out", "cifar")] == ["a.b"]
    with pytest.raises(UsageError, match="image extension"):
        dataset.export(tmp_path / "bad", "cifar", image_ext=".tar.gz")


def test_report_notes_and_duplicate_ids(tmp_path):
    gray = dm.Image(bytes(range(4)), shape=(2, 2))
    rgba = dm.Image(bytes(range(16)), shape=(2, 2, 4))
    dataset = with_repeats([
        dm.DatasetItem(id="0", subset="train", image=gray),
        dm.DatasetItem(id="0", subset="train", image=rgba),
        dm.DatasetItem(id="1", subset="test", image=gray),
    ])
    report = dataset.export(tmp_path / "out", "cifar", save_media=True)
    assert report.subsets == {"train": 2, "test": 1}
    assert report.notes == ["2 gray images replicated into R, G and B (CIFAR stores three channels)",
                            "1 alpha channel dropped",  # counts said as words since issue 8
                            "1 item shares an id with an earlier item of their subset "
                            "(kept; Datumaro reads only the last of each)"]
    items = snapshot(dm.Dataset.import_from(tmp_path / "out", "cifar"))
    assert items["train"][1][2] == ((2, 2, 3), bytes(rgba.to_rgb().data))


# -- real MNIST digits -------------------------------------------------------------------------

def test_gray_mnist_to_cifar_to_mnist_keeps_the_pixels(tmp_path):
    mnist = dm.Dataset.import_from(SAMPLE, "mnist")
    report = mnist.export(tmp_path / "cifar", "cifar", save_media=True)
    assert report.notes == ["600 gray images replicated into R, G and B (CIFAR stores three channels)"]
    assert sorted(os.listdir(str(tmp_path / "cifar"))) == ["batches.meta", "test", "train"]
    via_cifar = dm.Dataset.import_from(tmp_path / "cifar")  # detected
    assert via_cifar.format == "cifar"
    assert next(iter(via_cifar)).media.shape == (28, 28, 3)
    via_cifar.export(tmp_path / "mnist", "mnist", save_media=True)
    back = dm.Dataset.import_from(tmp_path / "mnist", "mnist")
    assert snapshot(back) == snapshot(mnist)
    assert back.label_names == mnist.label_names


# -- the bytes written ---------------------------------------------------------------------------

def ops(blob):
    return [(op.name, arg) for op, arg, _ in pickletools.genops(blob)]


def test_golden_batch_bytes(tmp_path):
    dataset = dm.Dataset.from_iterable(
        [dm.DatasetItem(id="a", subset="test", image=dm.Image(bytes(range(1, 7)), shape=(1, 2, 3)),
                        annotations=[dm.Label(1)])],
        categories=["x", "y"])
    dataset.export(tmp_path / "out", "cifar", save_media=True)
    with open(str(tmp_path / "out" / "test"), "rb") as file:
        blob = file.read()
    array = (b"cnumpy.core.multiarray\n_reconstruct\nq\x00" b"cnumpy\nndarray\nq\x01"
             b"K\x00\x85C\x01b\x87R"                       # _reconstruct(ndarray, (0,), b"b")
             b"(K\x01" b"K\x01K\x06\x86"                   # (1, (1, 6),
             b"cnumpy\ndtype\nq\x02\x8c\x02u1\x89\x88\x87R"   # dtype("u1", False, True)
             b"(K\x03\x8c\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"  # its state, BUILD
             b"\x89C\x06\x01\x04\x02\x05\x03\x06tb")        # not Fortran, R plane, G plane, B plane
    assert blob == (b"\x80\x04}("
                    b"\x8c\x0bbatch_label\x8c\x14testing batch 1 of 1"
                    b"\x8c\x09filenames](\x8c\x05a.pnge"
                    b"\x8c\x06labels](K\x01e"
                    b"\x8c\x04data" + array +
                    b"\x8c\x0bimage_sizes](K\x01K\x02\x86e"
                    b"u.")
    pickletools.dis(blob, out=io.StringIO())  # well formed: marks, memo, stack
    assert [arg for name, arg in ops(blob) if name == "GLOBAL"] == \
        ["numpy.core.multiarray _reconstruct", "numpy ndarray", "numpy dtype"]
    with open(str(tmp_path / "out" / "batches.meta"), "rb") as file:
        assert file.read() == b"\x80\x04}(\x8c\x0blabel_names](\x8c\x01x\x8c\x01ye" b"u."


def test_batch_structure_for_each_data_shape(tmp_path):
    """32 x 32 only: a plain N x 3072 array; missing images: an object array and sizes."""
    pixels = bytes(range(256)) * 12
    full = dm.Image(pixels, shape=(32, 32, 3))
    plain = dm.Dataset.from_iterable([dm.DatasetItem(id=str(i), subset="data_batch_1", image=full,
                                                     annotations=[dm.Label(0)]) for i in range(3)], categories=["cat"])
    plain.export(tmp_path / "plain", "cifar", save_media=True)
    blob = (tmp_path / "plain" / "data_batch_1").read_bytes()
    assert b"image_sizes" not in blob and b"O8" not in blob
    assert b"training batch 1 of 1" in blob
    assert b"B" + struct.pack("<I", 3 * 3072) + planes(pixels) * 3 in blob
    mixed = dm.Dataset.from_iterable([dm.DatasetItem(id="0", subset="s", image=full),
                                      dm.DatasetItem(id="1", subset="s")])
    mixed.export(tmp_path / "mixed", "cifar", save_media=True)
    blob = (tmp_path / "mixed" / "s").read_bytes()
    assert b"\x8c\x02O8" in blob and b"\x8c\x0bimage_sizes](K K \x86K K \x86e" in blob
    labels_only = dm.Dataset.from_iterable([dm.DatasetItem(id="0", subset="s", image=full)])
    labels_only.export(tmp_path / "labels", "cifar")
    blob = (tmp_path / "labels" / "s").read_bytes()
    assert b"K\x00M\x00\x0c\x86" in blob and b"C\x00tb" in blob  # shape (0, 3072), no bytes


# -- real CIFAR files: Python 2, protocol 2, bytes keys ---------------------------------------

def p2_str(data):
    """A Python 2 ``str``: SHORT_BINSTRING or BINSTRING (bytes under encoding="bytes")."""
    return (b"U" + bytes((len(data),)) if len(data) < 256 else b"T" + struct.pack("<i", len(data))) + data


def p2_int(value):
    return b"K" + bytes((value,)) if value < 256 else b"J" + struct.pack("<i", value)


def p2_list(items):
    return b"](" + b"".join(items) + b"e"


def p2_dict(pairs):
    return b"\x80\x02}(" + b"".join(p2_str(key) + value for key, value in pairs) + b"u."


def p2_uint8_array(shape, raw):
    """How numpy 1.x under Python 2 pickled a uint8 array (version-1 state, dtype state 3)."""
    shape_ops = b"".join(p2_int(n) for n in shape) + (b"\x85" if len(shape) == 1 else b"\x86")
    return (b"cnumpy.core.multiarray\n_reconstruct\nq\x01cnumpy\nndarray\nq\x02K\x00\x85" + p2_str(b"b") + b"\x87R"
            b"(K\x01" + shape_ops + b"cnumpy\ndtype\nq\x03" + p2_str(b"u1") + b"K\x00K\x01\x87R"
            b"(K\x03" + p2_str(b"|") + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89" + p2_str(raw) + b"tb")


def real_cifar10(folder, rows, labels, filenames, name="test_batch"):
    """A CIFAR-10 folder as the real download has it (its key order, bytes keys)."""
    label_names = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse", b"ship", b"truck"]
    with open(os.path.join(folder, "batches.meta"), "wb") as file:
        file.write(p2_dict([(b"num_cases_per_batch", p2_int(10000)),
                            (b"label_names", p2_list([p2_str(n) for n in label_names])),
                            (b"num_vis", p2_int(3072))]))
    blob = p2_dict([(b"batch_label", p2_str(b"testing batch 1 of 1")),
                    (b"labels", p2_list([p2_int(label) for label in labels])),
                    (b"data", p2_uint8_array((len(rows), 3072), b"".join(rows))),
                    (b"filenames", p2_list([p2_str(n) for n in filenames]))])
    with open(os.path.join(folder, name), "wb") as file:
        file.write(blob)
    with open(os.path.join(folder, "readme.html"), "w") as file:
        file.write("<html></html>")
    return blob


def rgb_image(seed):
    return bytes((seed * 31 + 7 * i) % 256 for i in range(3072))


def test_reads_real_cifar10_python2_pickles(tmp_path):
    images = [rgb_image(i) for i in range(3)]
    blob = real_cifar10(str(tmp_path), [planes(image) for image in images], [3, 8, 0],
                        [b"domestic_cat_s_000907.png", b"hydrofoil_s_000078.png", b"sea_boat_s_001456.png"])
    assert ops(blob)[0] == ("PROTO", 2) and "BINSTRING" in {name for name, _ in ops(blob)}
    assert cifar.detect(str(tmp_path)) and cifar.detect(str(tmp_path / "test_batch"))
    dataset = dm.Dataset.import_from(tmp_path)
    assert dataset.format == "cifar"
    assert dataset.label_names[:3] == ["airplane", "automobile", "bird"]
    assert snapshot(dataset) == {"test_batch": [
        ("domestic_cat_s_000907", [3], ((32, 32, 3), images[0])),
        ("hydrofoil_s_000078", [8], ((32, 32, 3), images[1])),
        ("sea_boat_s_001456", [0], ((32, 32, 3), images[2]))]}
    one_file = dm.Dataset.import_from(tmp_path / "test_batch", "cifar")
    assert snapshot(one_file) == snapshot(dataset) and one_file.label_names == dataset.label_names


def test_hand_built_python2_pickle_is_what_numpy_reads(tmp_path):
    np = pytest.importorskip("numpy")
    rows = [planes(rgb_image(i)) for i in range(2)]
    blob = real_cifar10(str(tmp_path), rows, [1, 2], [b"a.png", b"b.png"])
    for encoding in ("bytes", "latin1"):
        batch = pickle.loads(blob, encoding=encoding)
        key = b"data" if encoding == "bytes" else "data"
        assert batch[key].dtype == np.uint8 and batch[key].tobytes() == b"".join(rows)


def test_reads_cifar100_meta_and_fine_labels(tmp_path):
    with open(str(tmp_path / "meta"), "wb") as file:
        pickle.dump({"fine_label_names": ["apple", "aquarium_fish", "baby"],
                     "coarse_label_names": ["fruit", "fish", "people"]}, file, protocol=2)
    with open(str(tmp_path / "train"), "wb") as file:
        file.write(p2_dict([(b"filenames", p2_list([p2_str(b"x.png"), p2_str(b"y.png")])),
                            (b"batch_label", p2_str(b"training batch 1 of 1")),
                            (b"fine_labels", p2_list([p2_int(2), p2_int(0)])),
                            (b"coarse_labels", p2_list([p2_int(2), p2_int(0)])),
                            (b"data", p2_uint8_array((2, 3072), planes(rgb_image(1)) + planes(rgb_image(2))))]))
    dataset = dm.Dataset.import_from(tmp_path)
    assert dataset.label_names == ["apple", "aquarium_fish", "baby"]
    assert [(item.id, item.labels) for item in dataset] == [("x", [2]), ("y", [0])]
    assert bytes(dataset.get("y", "train").media.data) == rgb_image(2)  # get's subset is "default" when not given


def test_dataset_meta_json_wins_over_batches_meta(tmp_path):
    dataset = dm.Dataset.from_iterable([dm.DatasetItem(id="0", subset="s", annotations=[dm.Label(1)])],
                                       categories=["a", "b"])
    dataset.export(tmp_path / "out", "cifar", save_dataset_meta=True)
    with open(str(tmp_path / "out" / "dataset_meta.json"), "w") as file:
        file.write('{"labels": ["p", "q"]}')
    assert dm.Dataset.import_from(tmp_path / "out", "cifar").label_names == ["p", "q"]


def test_detect(tmp_path, sample_dir):
    assert not cifar.detect(sample_dir)
    assert not cifar.detect(os.path.join(sample_dir, "train-labels-idx1-ubyte.gz"))
    (tmp_path / "batches.meta").write_bytes(b"not a pickle")
    (tmp_path / "data_batch_1").write_bytes(b"\x80\x04}")
    assert not cifar.detect(str(tmp_path))
    dm.Dataset.from_iterable([dm.DatasetItem(id="0", subset="s")]).export(tmp_path / "out", "cifar")
    assert cifar.detect(str(tmp_path / "out")) and cifar.detect(str(tmp_path / "out" / "s"))
    assert not cifar.detect(str(tmp_path / "out" / "batches.meta"))


# -- the scan passes what any pickler writes ----------------------------------------------------

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=300),
                    st.binary(max_size=300))
keys = st.one_of(st.text(max_size=20), st.binary(max_size=20), st.integers(-2 ** 63, 2 ** 63 - 1))


def plain_values(protocol):
    """Values without a global at ``protocol`` (frozensets need one before protocol 4)."""
    def containers(children):
        return st.one_of(st.lists(children, max_size=5), st.tuples(children, children),
                         st.dictionaries(keys, children, max_size=5),
                         st.frozensets(keys, max_size=5) if protocol >= 4 else st.nothing(),
                         st.builds(lambda value: [value, (value, value)], children))  # shared
    return st.recursive(scalars, containers, max_leaves=40)


@given(data=st.data(), protocol=st.integers(0, pickle.HIGHEST_PROTOCOL))
def test_scan_passes_plain_values_of_every_protocol(tmp_path_factory, data, protocol):
    """Shared values, every protocol, Python's pickler: loaded as pickle loads them
    (dict keys and set items are strings, bytes or numbers, as in any CIFAR file)."""
    value = data.draw(plain_values(protocol))
    path = tmp_path_factory.mktemp("pickle") / "p"
    path.write_bytes(pickle.dumps(value, protocol=protocol))
    assert pickles.load(str(path)) == pickle.loads(path.read_bytes(), encoding="bytes")


# -- pickles that must be refused -------------------------------------------------------------

class Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, ("touch %s" % self.marker,)


@pytest.mark.parametrize("where", ["batch", "meta"])
def test_a_pickle_that_would_run_code_is_refused(tmp_path, where):
    marker = tmp_path / "pwned"
    batch = {"filenames": ["a.png"], "labels": [0], "data": Evil(marker)}
    meta = {"label_names": ["a"]} if where == "batch" else {"label_names": Evil(marker)}
    with open(str(tmp_path / "batches.meta"), "wb") as file:
        pickle.dump(meta, file)
    with open(str(tmp_path / "train"), "wb") as file:
        pickle.dump(batch, file, protocol=2)
    with pytest.raises(FormatError) as error:
        list(dm.Dataset.import_from(tmp_path, "cifar"))
    assert not marker.exists()
    assert error.value.path == str(tmp_path / ("train" if where == "batch" else "batches.meta"))
    assert "refused to load the global %s.system" % os.system.__module__ in str(error.value)


@pytest.mark.parametrize("where", ["batch", "meta"])
def test_a_pickle_that_would_run_code_is_refused_on_import(tmp_path, where):
    """Refused when the dataset is opened, by a scan of the opcodes: an UnsafePickleError,
    which pickle users catch as pickle.UnpicklingError."""
    marker = tmp_path / "pwned"
    (tmp_path / "batches.meta").write_bytes(pickle.dumps({"label_names": Evil(marker) if where == "meta" else ["a"]}))
    (tmp_path / "data_batch_1").write_bytes(pickle.dumps({"filenames": ["a.png"], "labels": [0], "data": []}))
    (tmp_path / "test_batch").write_bytes(pickle.dumps({"filenames": ["a.png"], "labels": [0],
                                                        "data": Evil(marker) if where == "batch" else []}))
    with pytest.raises(pickles.UnsafePickleError) as error:
        dm.Dataset.import_from(tmp_path, "cifar")
    assert isinstance(error.value, pickle.UnpicklingError) and isinstance(error.value, FormatError)
    assert error.value.path == str(tmp_path / ("test_batch" if where == "batch" else "batches.meta"))
    assert not marker.exists()


def test_import_scans_batches_without_unpickling_them(tmp_path, monkeypatch):
    dm.Dataset.from_iterable([dm.DatasetItem(id="0", subset="s", annotations=[dm.Label(0)])],
                             categories=["a"]).export(tmp_path / "out", "cifar", save_dataset_meta=True)
    unpickled = []
    monkeypatch.setattr(pickles._SafeUnpickler, "load", lambda self: unpickled.append(self))
    dm.Dataset.import_from(tmp_path / "out", "cifar")
    assert unpickled == []


def test_nesting_limit_is_read_when_a_file_is_read(tmp_path, monkeypatch):
    path = tmp_path / "s"
    path.write_bytes(b"\x80\x02}(U\x06labels](K\x00" + b"\x85" * 300 + b"eU\tfilenames](U\x01aeU\x04data]u.")
    with pytest.raises(LimitError, match="nested more than 100 deep"):
        dm.Dataset.import_from(path, "cifar")
    monkeypatch.setattr(limits, "MAX_NESTING", 1000)
    with pytest.raises(FormatError, match="item 0: label .* is not a non-negative integer") as error:
        list(dm.Dataset.import_from(path, "cifar"))
    assert len(str(error.value)) < 400  # the deep label is shown short


def test_shown_is_short_for_any_value():
    deep = 0
    for _ in range(500):
        deep = (deep, deep)  # shared: 2 ** 500 leaves when walked
    assert len(pickles.shown(deep)) < 100
    assert pickles.shown(1 << 100000) == "<an integer of 100001 bits>"
    assert len(pickles.shown(b"x" * 10 ** 7)) < 100 and len(pickles.shown("x" * 10 ** 7)) < 100


@pytest.mark.parametrize("module, name", [("builtins", "eval"), ("subprocess", "Popen"), ("numpy", "load"),
                                          ("numpy.core.multiarray", "fromstring"), ("copyreg", "_reconstructor")])
def test_only_the_array_globals_are_allowed(tmp_path, module, name):
    (tmp_path / "s").write_bytes(b"\x80\x02c%s\n%s\n)R." % (module.encode(), name.encode()))
    with pytest.raises(FormatError, match=r"refused to load the global %s\.%s" % (module, name)):
        list(dm.Dataset.import_from(tmp_path / "s", "cifar"))


@pytest.mark.parametrize("target", [b"cnumpy.core.multiarray\n_reconstruct\n", b"cnumpy\ndtype\n",
                                    b"cnumpy\nndarray\n"])
def test_a_pickle_cannot_change_the_allowed_globals(tmp_path, target):
    """BUILD on a global would set attributes on our stand-ins for every later load."""
    before = {key: dir(value) for key, value in pickles._ALLOWED_GLOBALS.items()}
    (tmp_path / "s").write_bytes(b"\x80\x02" + target + b"N}U\x01xK\x01s\x86b.")  # BUILD (None, {"x": 1})
    with pytest.raises(FormatError, match="tried to change the global"):
        list(dm.Dataset.import_from(tmp_path / "s", "cifar"))
    assert {key: dir(value) for key, value in pickles._ALLOWED_GLOBALS.items()} == before


def test_an_empty_dataset_is_an_empty_folder_of_labels(tmp_path):
    dm.Dataset.from_iterable([], categories=["a"]).export(tmp_path / "out", "cifar")
    assert os.listdir(str(tmp_path / "out")) == ["batches.meta"]
    loaded = dm.Dataset.import_from(tmp_path / "out", "cifar")
    assert len(loaded) == 0 and loaded.label_names == ["a"]


def valid_batch(**changes):
    batch = [(b"filenames", p2_list([p2_str(b"a.png"), p2_str(b"b.png")])),
             (b"labels", p2_list([p2_int(1), b"N"])),
             (b"data", p2_uint8_array((2, 3072), bytes(6144)))]
    return p2_dict([(key, changes.get(key.decode(), value)) for key, value in batch
                    if changes.get(key.decode(), value) is not None])


@pytest.mark.parametrize("blob, error, message", [
    (valid_batch()[:-40], TruncatedError, "ends early"),
    (b"", TruncatedError, "ends early"),
    (b"\x80\x02]q\x00.", FormatError, "expected a pickled dict"),
    (b"\xffgarbage", FormatError, "not a readable pickle"),
    (valid_batch(filenames=None), FormatError, "no 'filenames' list"),
    (valid_batch(labels=None), FormatError, "no 'labels'"),
    (valid_batch(labels=p2_list([p2_int(1)])), FormatError, "1 label for 2 file names"),
    (valid_batch(labels=p2_list([p2_int(1), p2_int(10)])), FormatError, "label 10 has no name"),
    (valid_batch(labels=p2_list([p2_int(1), p2_str(b"x")])), FormatError, "not a non-negative integer"),
    (valid_batch(data=None), FormatError, "no 'data' array"),
    (valid_batch(data=p2_uint8_array((2, 3000), bytes(6000))), FormatError, "3000 pixel values, expected 3072"),
    (valid_batch(data=p2_uint8_array((3, 3072), bytes(9216))), FormatError, "'data' has 3 rows for 2 file names"),
    (valid_batch(data=p2_uint8_array((2, 3072), bytes(100))), FormatError, "holds 100 bytes, expected 6144"),
])
def test_broken_batches_are_format_errors_naming_the_file(tmp_path, blob, error, message):
    path = tmp_path / "data_batch_1"
    path.write_bytes(blob)
    with pytest.raises(error, match=message) as raised:
        list(dm.Dataset.import_from(path, "cifar"))
    assert raised.value.path == str(path)


def test_wrong_image_size_names_the_item(tmp_path):
    path = tmp_path / "s"
    sizes = p2_list([b"K\x20K\x20\x86", b"K\x01K\x01\x86"])  # [(32, 32), (1, 1)]
    path.write_bytes(valid_batch()[:-2] + p2_str(b"image_sizes") + sizes + b"u.")
    with pytest.raises(FormatError) as raised:
        list(dm.Dataset.import_from(path, "cifar"))
    assert str(raised.value) == "%s, item 1: 3072 pixel values, expected 3 (3 x 1 x 1)" % path


def test_a_length_beyond_the_file_is_a_format_error(tmp_path):
    path = tmp_path / "s"
    path.write_bytes(b"\x80\x04\x8e" + struct.pack("<Q", 1 << 60) + b"abc")
    with pytest.raises(FormatError):
        list(dm.Dataset.import_from(path, "cifar"))


# -- numpy reads what mnistio writes, mnistio reads what numpy writes ---------------------------

def varied_dataset(missing_image=False, odd_size=False):
    items = []
    for index in range(4):
        image = dm.Image(rgb_image(index), shape=(32, 32, 3))
        if odd_size and index == 1:
            image = dm.Image(bytes(range(30)), shape=(2, 5, 3))
        if index == 2:
            image = dm.Image(rgb_image(index)[:1024], shape=(32, 32))  # gray
        if missing_image and index == 3:
            image = None
        items.append(dm.DatasetItem(id="img %d \u00e9" % index, subset="data_batch_1", image=image,
                                    annotations=[] if index == 0 else [dm.Label(index % 3)]))
    return dm.Dataset.from_iterable(items, categories=["a", "b", "c"])


def test_numpy_loader_reads_mnistio_files(tmp_path):
    np = pytest.importorskip("numpy")
    dataset = varied_dataset()
    dataset.export(tmp_path / "out", "cifar", save_media=True)
    with open(str(tmp_path / "out" / "data_batch_1"), "rb") as file:  # as torchvision's CIFAR10 does
        entry = pickle.load(file, encoding="latin1")
    data = np.vstack([entry["data"]]).reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1))
    assert entry["labels"] == [None, 1, 2, 0]
    assert entry["filenames"] == ["img %d \u00e9.png" % i for i in range(4)]
    for row, item in zip(data, dataset):
        assert row.tobytes() == bytes(item.media.to_rgb().data)
    with open(str(tmp_path / "out" / "batches.meta"), "rb") as file:
        assert pickle.load(file, encoding="latin1") == {"label_names": ["a", "b", "c"]}


def test_numpy_reads_mixed_sizes_and_missing_images(tmp_path):
    np = pytest.importorskip("numpy")
    dataset = varied_dataset(missing_image=True, odd_size=True)
    dataset.export(tmp_path / "out", "cifar", save_media=True)
    with open(str(tmp_path / "out" / "data_batch_1"), "rb") as file:
        entry = pickle.load(file)
    assert entry["data"].dtype == object and entry["data"].shape == (4,)
    assert entry["image_sizes"] == [(32, 32), (2, 5), (32, 32), (32, 32)]
    for row, size, item in zip(entry["data"], entry["image_sizes"], dataset):
        if item.media is None:
            assert row is None
            continue
        pixels = row.astype(np.uint8).reshape(3, size[0], size[1]).transpose((1, 2, 0))  # as Datumaro
        assert pixels.tobytes() == bytes(item.media.to_rgb().data)


@pytest.mark.parametrize("dtype", ["u1", "<i2", ">i4", "<u8", "O"])
@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (1, 4), (0, 2)])
def test_fortran_and_object_arrays_read_in_numpy_order(tmp_path, dtype, shape):
    np = pytest.importorskip("numpy")
    array = np.arange(int(np.prod(shape))).reshape(shape).astype(dtype)
    for protocol in (2, 4, 5):
        (tmp_path / "a").write_bytes(pickle.dumps(np.asfortranarray(array), protocol=protocol))
        loaded = pickles.load(str(tmp_path / "a"))
        assert loaded.shape == shape and loaded.ints() == [int(n) for n in array.flatten()], protocol


def numpy_batch(np, rows, **extra):
    batch = {"batch_label": "training batch 1 of 1", "filenames": ["a.png", "b.png"], "labels": [2, 0],
             "data": np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(len(rows), -1)}
    batch.update(extra)
    return batch


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_reads_numpy_written_pickles(tmp_path, protocol):
    np = pytest.importorskip("numpy")
    images = [rgb_image(5), rgb_image(6)]
    rows = [planes(image) for image in images]
    variants = {
        "plain": numpy_batch(np, rows),
        "fortran": numpy_batch(np, rows, data=np.asfortranarray(numpy_batch(np, rows)["data"])),
        "int_labels": numpy_batch(np, rows, labels=np.array([2, 0], dtype=">i8")),
        "scalar_labels": numpy_batch(np, rows, labels=list(np.array([2, 0], dtype=np.int64))),
        "object_rows": numpy_batch(np, rows, data=np.array([np.frombuffer(r, np.uint8) for r in rows] + [None],
                                                           dtype=object)[:2]),
        "object_ints": numpy_batch(np, rows, data=np.array([np.frombuffer(r, np.uint8) for r in rows], dtype=object)),
        "sizes_array": numpy_batch(np, rows, image_sizes=np.array([[32, 32], [32, 32]], dtype=np.int32)),
    }
    for name, batch in variants.items():
        path = tmp_path / name
        with open(str(path), "wb") as file:
            pickle.dump(batch, file, protocol=protocol)
        found = snapshot(dm.Dataset.import_from(path, "cifar"))
        assert found == {name: [("a", [2], ((32, 32, 3), images[0])), ("b", [0], ((32, 32, 3), images[1]))]}, name


# -- Datumaro ------------------------------------------------------------------------------------
#
# Quirk (colour swap): Datumaro's cifar plugin maps the file's planes straight
# onto its in-memory B, G, R order, so it shows real CIFAR's red as blue and
# writes its blue plane first. mnistio follows the CIFAR page (red first), so
# the two tools hold the same bytes per pixel, in their own channel orders.

def test_datumaro_reads_real_cifar_red_as_blue(tmp_path):
    pytest.importorskip("datumaro")
    red = bytes((255, 0, 0)) * 1024
    real_cifar10(str(tmp_path), [planes(red)], [0], [b"red.png"])
    assert bytes(next(iter(dm.Dataset.import_from(tmp_path))).media.data[:3]) == b"\xff\x00\x00"
    _, found = datumaro_items(tmp_path)
    assert found[("test_batch", "red")][1][1][:3] == b"\xff\x00\x00"  # in Datumaro's B, G, R: blue


def datumaro_items(path):
    """``(label names, {(subset, id): (labels, (shape, bytes of Datumaro's array))})``."""
    datumaro = pytest.importorskip("datumaro")
    dataset = datumaro.Dataset.import_from(str(path), "cifar")
    names = [category.name for category in dataset.categories()[datumaro.AnnotationType.label]]
    items = {}
    for item in dataset:
        image = None
        if item.media is not None:
            data = item.media.data
            image = (data.shape, data.tobytes())
        labels = [ann.label for ann in item.annotations]
        items[(item.subset, str(item.id))] = (labels, image)
    return names, items


def keyed(snap):
    return {(subset, item_id): (labels, image) for subset, rows in snap.items() for item_id, labels, image in rows}


@pytest.mark.parametrize("save_media", [True, False])
@pytest.mark.parametrize("case", ["plain", "odd_size", "missing_image"])
def test_datumaro_reads_mnistio_export(tmp_path, case, save_media):
    pytest.importorskip("datumaro")
    dataset = varied_dataset(missing_image=case == "missing_image", odd_size=case == "odd_size")
    extra = dm.DatasetItem(id="dir/\u732b 1", subset="test", annotations=[dm.Label(2)],
                           image=dm.Image(bytes(range(24)), shape=(2, 3, 4)))
    dataset = dm.Dataset.from_iterable(list(dataset) + [extra], categories=dataset.label_names)
    dataset.export(tmp_path / "out", "cifar", save_media=save_media, save_dataset_meta=case == "plain")
    names, found = datumaro_items(tmp_path / "out")
    assert names == dataset.label_names
    assert found == keyed(as_stored(dataset, save_media))


def test_datumaro_reads_mnist_digits_via_mnistio(tmp_path):
    pytest.importorskip("datumaro")
    mnist = dm.Dataset.import_from(SAMPLE, "mnist")
    mnist.export(tmp_path / "out", "cifar", save_media=True)
    names, found = datumaro_items(tmp_path / "out")
    assert names == mnist.label_names
    assert found == keyed(as_stored(mnist))


@pytest.mark.parametrize("case", ["same_size", "mixed_sizes", "other_size", "labels_only", "unlabeled"])
def test_mnistio_reads_datumaro_export(tmp_path, case):
    datumaro = pytest.importorskip("datumaro")
    np = pytest.importorskip("numpy")
    sizes = {"mixed_sizes": [(32, 32), (2, 3), (5, 1)], "other_size": [(4, 6)] * 3}.get(case, [(32, 32)] * 3)
    items, wanted = [], {}
    for index, (height, width) in enumerate(sizes):
        rgb = bytes((index * 13 + i) % 256 for i in range(height * width * 3))
        label = None if case == "unlabeled" or index == 1 else index
        subset = "data_batch_1" if index < 2 else "test"
        items.append(datumaro.DatasetItem(
            id="item %d.x" % index, subset=subset,
            media=datumaro.Image.from_numpy(data=np.frombuffer(rgb, np.uint8).reshape(height, width, 3)),
            annotations=[] if label is None else [datumaro.Label(label)]))
        image = None if case == "labels_only" else ((height, width, 3), rgb)
        wanted.setdefault(subset, []).append(("item %d.x" % index, [] if label is None else [label], image))
    datumaro.Dataset.from_iterable(items, categories=["p", "q", "r"]).export(
        str(tmp_path / "out"), "cifar", save_media=case != "labels_only", save_dataset_meta=case == "other_size")
    loaded = dm.Dataset.import_from(tmp_path / "out")
    assert loaded.format == "cifar"
    assert loaded.label_names == ["p", "q", "r"]
    assert snapshot(loaded) == wanted
