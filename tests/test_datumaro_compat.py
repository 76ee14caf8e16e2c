"""mnistio and Datumaro read each other's ``mnist`` and ``mnist_csv`` datasets.

Runs only where ``datumaro`` (and so numpy) is importable; skipped elsewhere.
docs/formats.rst (mnist, mnist_csv, label names) says what must survive: ids, subsets, labels,
label names and pixels. Datumaro quirks the data here steers around, because
they are Datumaro's own limits, not mnistio's:

* its ``mnist`` reader splits file names on ``-`` and its ``mnist_csv``
  reader takes the subset after the last ``_``: the custom subset has neither;
* its CSV meta has no quoting, so ids hold no ``,`` or ``"``, and it strips
  each meta line, so ids have no surrounding blanks;
* its ``mnist`` exporter breaks on an item without an image among items with
  images, so Datumaro-written datasets have none of those;
* it reads an ``mnist`` item that mnistio stored as size ``0, 0`` (no image)
  as an empty 0 x 0 image: that counts as "no image" here.
"""

import gzip
import os
import random

import pytest

datumaro = pytest.importorskip("datumaro")
np = pytest.importorskip("numpy")

import mnistio as dm  # noqa: E402

FORMATS = ["mnist", "mnist_csv"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "examples", "mnist_sample")

NAMES = ["zero", "one", "two", "three", "cat", "d\u00f6g", "big dog", "7", "\u732b"]


# -- the data: (subset or None, id, label or None, (height, width, pixels) or None) -----------

def varied_items(missing_images):
    """Items covering every meta file shape, unlabeled items, odd sizes and ids."""
    rng = random.Random(20240611)

    def image(height=28, width=28):
        return (height, width, bytes(rng.randrange(256) for _ in range(height * width)))

    def label():
        return None if rng.random() < 0.25 else rng.randrange(len(NAMES))

    items = []
    # train: default ids, all 28 x 28: no meta file at all
    items += [("train", str(i), label() if i != 2 else None, image()) for i in range(7)]
    # test (t10k-* files): custom ids, all 28 x 28: an ids-only meta file
    test_ids = ["42", "img 001", "\u00fcn\u00efc\u00f6de", "\U0001F600 smile", "x" * 32, "a.b;c", "0"]
    items += [("test", item_id, label(), image()) for item_id in test_ids]
    # validation: custom ids and other sizes: an id + size meta file
    sizes = [(28, 28), (5, 7), (1, 1), (32, 20), (28, 28), (3, 40)]
    items += [("validation", "v%d" % i, label(), image(*size)) for i, size in enumerate(sizes)]
    items.append(("validation", "v-unlabeled", None, image(9, 9)))
    # no subset ("default"): default ids, first image not 28 x 28: a size-only meta file
    items += [(None, str(i), label(), image(*size)) for i, size in enumerate([(10, 12), (28, 28), (2, 3)])]
    # extra: default ids, every image 10 x 10 (the IDX header can say so; the meta file must)
    items += [("extra", str(i), label(), image(10, 10)) for i in range(3)]
    if missing_images:
        items.insert(10, ("test", "no image", 3, None))  # the fourth test item
        first_validation = [row[0] for row in items].index("validation")
        items.insert(first_validation, ("validation", "no image first", 2, None))
        items.append(("validation", "no image no label", None, None))
        items.append((None, "3", 1, None))
    return items


def expected(items, save_media=True):
    """{subset: [(id, labels, (shape, pixels) or None)]} as both tools should read it."""
    result = {}
    for subset, item_id, label, image in items:
        pixels = None if image is None or not save_media else ((image[0], image[1]), image[2])
        result.setdefault(subset or "default", []).append((item_id, [] if label is None else [label], pixels))
    return result


def mnistio_dataset(items, names=NAMES):
    return dm.Dataset.from_iterable(
        [dm.DatasetItem(id=item_id, subset=subset,
                        image=None if image is None else dm.Image(image[2], shape=image[:2]),
                        annotations=[] if label is None else [dm.Label(label)])
         for subset, item_id, label, image in items],
        categories=names)


def datumaro_dataset(items, names=NAMES):
    return datumaro.Dataset.from_iterable(
        [datumaro.DatasetItem(id=item_id, subset=subset,
                              media=None if image is None else datumaro.Image.from_numpy(
                                  data=np.frombuffer(image[2], dtype=np.uint8).reshape(image[:2])),
                              annotations=[] if label is None else [datumaro.Label(label)])
         for subset, item_id, label, image in items],
        categories=names)


# -- what each tool read ---------------------------------------------------------------

def read_with_mnistio(path, fmt):
    dataset = dm.Dataset.import_from(path, fmt)
    result = {}
    for item in dataset:
        pixels = None if item.media is None else (tuple(item.media.shape), bytes(item.media.data))
        result.setdefault(item.subset, []).append((item.id, list(item.labels), pixels))
    return dataset.label_names, result


def read_with_datumaro(path, fmt):
    dataset = datumaro.Dataset.import_from(path, fmt)
    result = {}
    for item in dataset:
        pixels = None
        if item.media is not None:
            data = item.media.data
            assert data.dtype == np.uint8 and data.ndim == 2, (item.id, data.dtype, data.shape)
            if data.size:  # an empty 0 x 0 image is how Datumaro reads mnistio's "no image"
                pixels = (tuple(data.shape), data.tobytes())
        labels = [int(ann.label) for ann in item.annotations if ann.type == datumaro.AnnotationType.label]
        result.setdefault(item.subset, []).append((str(item.id), labels, pixels))
    names = [category.name for category in dataset.categories()[datumaro.AnnotationType.label]]
    return names, result


def assert_same(found, wanted):
    """Per-subset item lists equal, with a readable first difference."""
    assert sorted(found) == sorted(wanted), "subsets differ"
    for subset in wanted:
        assert [row[0] for row in found[subset]] == [row[0] for row in wanted[subset]], "ids of %r" % subset
        for got, want in zip(found[subset], wanted[subset]):
            assert got[1] == want[1], "labels of %r/%r: %r != %r" % (subset, want[0], got[1], want[1])
            got_shape = got[2] and got[2][0]
            want_shape = want[2] and want[2][0]
            assert got_shape == want_shape, "image of %r/%r: %r != %r" % (subset, want[0], got_shape, want_shape)
            assert got[2] == want[2], "pixels of %r/%r differ" % (subset, want[0])


# -- (a) mnistio writes, Datumaro reads ------------------------------------------------------

@pytest.mark.parametrize("save_dataset_meta", [False, True], ids=["labels_txt", "dataset_meta"])
@pytest.mark.parametrize("save_media", [True, False], ids=["media", "labels_only"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_datumaro_reads_mnistio_export(tmp_path, fmt, save_media, save_dataset_meta):
    items = varied_items(missing_images=True)
    out = tmp_path / "out"
    mnistio_dataset(items).export(str(out), fmt, save_media=save_media, save_dataset_meta=save_dataset_meta)
    assert (out / "dataset_meta.json").exists() == save_dataset_meta
    names, found = read_with_datumaro(str(out), fmt)
    assert names == NAMES
    assert_same(found, expected(items, save_media))


@pytest.mark.parametrize("fmt", FORMATS)
def test_datumaro_reads_mnistio_plain_export(tmp_path, fmt):
    """The common case: default ids, 28 x 28, default names; no meta files written."""
    items = [(subset, str(i), i % 10, (28, 28, bytes((i * 7 + j) % 256 for j in range(784))))
             for subset, count in (("train", 20), ("test", 5)) for i in range(count)]
    out = tmp_path / "out"
    mnistio_dataset(items, names=[str(d) for d in range(10)]).export(str(out), fmt, save_media=True)
    assert not [name for name in os.listdir(str(out)) if "meta" in name]
    names, found = read_with_datumaro(str(out), fmt)
    assert names == [str(d) for d in range(10)]
    assert_same(found, expected(items))


# -- (b) Datumaro writes, mnistio reads --------------------------------------------------------

@pytest.mark.parametrize("save_dataset_meta", [False, True], ids=["labels_txt", "dataset_meta"])
@pytest.mark.parametrize("save_media", [True, False], ids=["media", "labels_only"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_mnistio_reads_datumaro_export(tmp_path, fmt, save_media, save_dataset_meta):
    # Datumaro's exporters cannot write an item without an image among items with one.
    items = varied_items(missing_images=not save_media)
    out = tmp_path / "out"
    datumaro_dataset(items).export(str(out), fmt, save_media=save_media, save_dataset_meta=save_dataset_meta)
    names, found = read_with_mnistio(str(out), fmt)
    assert names == NAMES
    assert_same(found, expected(items, save_media))


def test_mnistio_reads_datumaro_pixel_total_header(tmp_path):
    """Datumaro's images header counts pixels (docs/formats.rst, mnist): still read right."""
    items = [("train", str(i), i % 10, (28, 28, bytes((i + j) % 256 for j in range(784)))) for i in range(3)]
    out = tmp_path / "out"
    datumaro_dataset(items, names=[str(d) for d in range(10)]).export(str(out), "mnist", save_media=True)
    with gzip.open(str(out / "train-images-idx3-ubyte.gz"), "rb") as file:
        header = file.read(16)
    assert int.from_bytes(header[4:8], "big") == 3 * 784  # the quirk is really there
    _, found = read_with_mnistio(str(out), "mnist")
    assert_same(found, expected(items))


# -- (c) real digits ---------------------------------------------------------------------

def _real_items():
    """Real MNIST digits as (subset, id, label, image) rows, from the repo's sample."""
    dataset = dm.Dataset.import_from(SAMPLE)
    return SAMPLE, dataset.label_names, [
        (item.subset, item.id, item.labels[0] if item.labels else None,
         None if item.media is None else (item.media.height, item.media.width, bytes(item.media.data)))
        for item in dataset]


@pytest.fixture(scope="module")
def real_items():
    return _real_items()


def test_real_sample_read_alike(real_items):
    """The shipped fixture reads the same in both tools (where Datumaro can read it)."""
    sample, names, items = real_items
    fmt = dm.Dataset.import_from(sample).format
    names_found, found = read_with_datumaro(sample, fmt)
    assert names_found == names
    assert_same(found, expected(items))


@pytest.mark.parametrize("fmt", FORMATS)
def test_real_digits_mnistio_to_datumaro(tmp_path, real_items, fmt):
    _, names, items = real_items
    out = tmp_path / "out"
    mnistio_dataset(items, names).export(str(out), fmt, save_media=True)
    names_found, found = read_with_datumaro(str(out), fmt)
    assert names_found == names
    assert_same(found, expected(items))


@pytest.mark.parametrize("fmt", FORMATS)
def test_real_digits_datumaro_to_mnistio(tmp_path, real_items, fmt):
    _, names, items = real_items
    if any(image is None for _, _, _, image in items):
        pytest.skip("Datumaro cannot write items without images among items with images")
    out = tmp_path / "out"
    datumaro_dataset(items, names).export(str(out), fmt, save_media=True)
    names_found, found = read_with_mnistio(str(out), fmt)
    assert names_found == names
    assert_same(found, expected(items))


@pytest.mark.parametrize("source_fmt,target_fmt", [("mnist", "mnist_csv"), ("mnist_csv", "mnist")])
def test_real_digits_converted_by_both_tools_alike(tmp_path, real_items, source_fmt, target_fmt):
    """A conversion by mnistio and one by Datumaro give datasets both read alike."""
    _, names, items = real_items
    if any(image is None for _, _, _, image in items):
        pytest.skip("Datumaro cannot write items without images among items with images")
    source = tmp_path / "source"
    mnistio_dataset(items, names).export(str(source), source_fmt, save_media=True)
    by_mnistio, by_datumaro = tmp_path / "by_mnistio", tmp_path / "by_datumaro"
    dm.Dataset.import_from(str(source), source_fmt).export(str(by_mnistio), target_fmt, save_media=True)
    datumaro.Dataset.import_from(str(source), source_fmt).export(str(by_datumaro), target_fmt, save_media=True)
    for folder in (by_mnistio, by_datumaro):
        for reader in (read_with_mnistio, read_with_datumaro):
            names_found, found = reader(str(folder), target_fmt)
            assert names_found == names, (folder.name, reader.__name__)
            assert_same(found, expected(items))
