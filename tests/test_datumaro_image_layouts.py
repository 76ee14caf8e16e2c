"""mnistio and Datumaro read each other's image-file layouts.

Covers ``imagenet``, ``imagenet_with_subset_dirs``, ``imagenet_txt`` and
``image_dir`` (docs/formats.rst and the docstrings of
``mnistio/formats/<layout>.py``). Runs only where ``datumaro`` (and so numpy)
is importable; skipped elsewhere.

What must survive: label names and each item's label (compared by name),
subsets where the layout keeps them, ids as the layout maps them, and the
pixels. The id mapping is restated here from the module docstrings, not
taken from mnistio's code:

* ``imagenet``: file ``<label>/<name><ext>`` (``no_label/`` without a label),
  ``<name>`` = the id after its first ``:``, with ``/`` and unsafe characters
  as ``%XX``; read back as ``"<label>:<name>"``, Datumaro keeping the ``%XX``,
  mnistio undoing them; label names are the folders, sorted;
* ``imagenet_txt`` and ``image_dir``: file ``<id><ext>`` (``/`` make
  subfolders, unsafe characters ``%XX``), the id read back as the file name
  without extension (escapes undone by mnistio only);
* all but ``imagenet_with_subset_dirs`` share one image folder between
  subsets: mnistio writes a later item whose file is taken as
  ``<name>~<subset><ext>`` (so its id changes) and says so in the report.

Datumaro limits the data here steers around (its own, not mnistio's):

* its ``image_dir`` reader does not look into subfolders, so the ids written
  as ``image_dir`` hold no ``/``;
* its ``imagenet`` / ``imagenet_txt`` / ``image_dir`` exporters overwrite a
  file taken by another subset's item, so the datasets Datumaro writes in
  those layouts have ids unique across subsets; the real sample test counts
  what that costs on real MNIST;
* its ``imagenet_txt`` writer quotes an id only when it splits into several
  words, so its ids have no surrounding blanks;
* it reads colour as BGR(A): pixels are compared as RGB(A).
"""

import os
import random
import re
import shutil
import subprocess
import sys

import pytest

datumaro = pytest.importorskip("datumaro")
np = pytest.importorskip("numpy")

import mnistio as dm  # noqa: E402

LAYOUTS = ["imagenet", "imagenet_with_subset_dirs", "imagenet_txt", "image_dir"]
SHARED_FOLDER = {"imagenet": True, "imagenet_with_subset_dirs": False, "imagenet_txt": True, "image_dir": True}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "examples", "mnist_sample")

# not sorted, with spaces and non-ASCII: imagenet layouts give them back sorted
NAMES = ["zero", "big dog", "cat", "d\u00f6g", "7", "\u732b", "one"]


# -- the data: (subset or None, id, label index or None, (height, width, channels, RGB(A) bytes)) --

def varied_items(layout):
    """Every label in every subset (see test_datumaro_reads_imagenet_with_an_empty_label),
    gray / RGB / RGBA of several sizes, unlabeled items, same ids across subsets."""
    rng = random.Random(20240612)

    def image(height=28, width=28, channels=1):
        return (height, width, channels, bytes(rng.randrange(256) for _ in range(height * width * channels)))

    n = len(NAMES)
    items = []
    # train: ids 0..n-1, one per label, 28 x 28 gray; an unlabeled one; odd ids, sizes and channels
    items += [("train", str(i), i, image()) for i in range(n)]
    items.append(("train", str(n), None, image()))
    items += [
        ("train", "img 001", 2, image(5, 7, 3)),
        ("train", "rgba", 3, image(4, 3, 4)),
        ("train", "lbl:x", 1, image(1, 1)),          # imagenet: the file is "x"
        ("train", "q?%*<\"|", 4, image(3, 2)),       # unsafe in file names: %XX
        ("train", "\u00fcn\u00efc\u00f6de \U0001F600", 5, image(28, 28, 3)),
        ("train", "a.b;c", 6, image(2, 9, 4)),
    ]
    if layout != "image_dir":
        items.append(("train", "dir/x", 0, image(6, 6)))  # imagenet: one file "dir%2Fx"; others: a subfolder
    if layout == "imagenet_txt":
        items += [("train", " lead", 1, image(3, 3)), ("train", "trail ", 0, image(2, 2, 3)),
                  ("train", "two  spaces", 2, image(3, 3))]
    # test: the same ids; 0..3 with the same labels (same imagenet file), the rest with others
    items += [("test", str(i), i if i < 4 else 4 + (i - 3) % (n - 4), image(*([28, 28] if i % 2 else [32, 20])))
              for i in range(n)]
    items.append(("test", str(n), None, image(28, 28, 3)))  # no_label/<n> again
    items.append(("test", "img 001", 2, image(5, 7, 3)))
    # validation: every label, other sizes and channels
    items += [("validation", "v%d" % i, i, image(1 + i, 2 + 3 * i, (1, 3, 4)[i % 3])) for i in range(n)]
    items.append(("validation", "v unlabeled", None, image(9, 9, 4)))
    # no subset: "default"
    items += [(None, "d%d" % i, i, image(28, 28)) for i in range(n)]
    return items


def mnistio_dataset(items, names=NAMES):
    return dm.Dataset.from_iterable(
        [dm.DatasetItem(id=item_id, subset=subset,
                        image=dm.Image(image[3], shape=image[:2] if image[2] == 1 else image[:3]),
                        annotations=[] if label is None else [dm.Label(label)])
         for subset, item_id, label, image in items],
        categories=names)


def to_bgr_array(image):
    height, width, channels, pixels = image
    array = np.frombuffer(pixels, dtype=np.uint8)
    if channels == 1:
        return array.reshape(height, width).copy()
    array = array.reshape(height, width, channels).copy()
    array[:, :, :3] = array[:, :, 2::-1]  # RGB(A) -> BGR(A)
    return array


def datumaro_dataset(items, names=NAMES):
    return datumaro.Dataset.from_iterable(
        [datumaro.DatasetItem(id=item_id, subset=subset,
                              media=datumaro.Image.from_numpy(data=to_bgr_array(image)),
                              annotations=[] if label is None else [datumaro.Label(label)])
         for subset, item_id, label, image in items],
        categories={datumaro.AnnotationType.label: datumaro.LabelCategories.from_iterable(names)})


# -- the documented id <-> file name mapping -----------------------------------------------------

UNSAFE = set('<>:"|?*%\\') | {chr(code) for code in range(0x20)}


def escape(text):
    return "".join("%%%02X" % ord(char) if char in UNSAFE else char for char in text)


def unescape(text):
    return re.sub(r"%[0-9A-F]{2}", lambda match: chr(int(match.group()[1:], 16)), text)


def imagenet_name(item_id):
    """imagenet's file name (no extension): the id after its first ':', '/' escaped too."""
    return escape(item_id.split(":", 1)[1] if ":" in item_id else item_id).replace("/", "%2F")


def id_path(item_id):
    """imagenet_txt's and image_dir's file path (no extension): '/' make subfolders."""
    parts = item_id.split("/")
    assert all(part not in ("", ".", "..") for part in parts), "the data here has plain ids only"
    return "/".join(escape(part) for part in parts)


def expected_files(items, layout, names=NAMES):
    """What reading mnistio's export should give, and how many files were renamed.

    Returns ``({(subset, id as Datumaro reads it): (label name or None, image)},
    {(subset, id as mnistio reads it): ...}, renamed)``.
    """
    taken, renamed = set(), 0
    by_datumaro, by_mnistio = {}, {}
    for subset, item_id, label, image in items:
        subset = subset or "default"
        name = None if label is None else names[label]
        if layout.startswith("imagenet") and layout != "imagenet_txt":
            folder = "no_label" if name is None else name
            root = subset + "/" if layout == "imagenet_with_subset_dirs" else ""
            stem = imagenet_name(item_id)
        else:
            folder, root, stem = None, "", id_path(item_id)
        path = root + (folder + "/" if folder else "") + stem
        if path.lower() in taken:
            stem += "~" + escape(subset).replace("/", "%2F")
            path += "~" + escape(subset).replace("/", "%2F")
            renamed += 1
        assert path.lower() not in taken
        taken.add(path.lower())
        kept_subset = subset if layout in ("imagenet_with_subset_dirs", "imagenet_txt") else "default"
        kept_name = None if layout == "image_dir" else name
        dm_id = folder + ":" + stem if folder else stem
        mi_id = folder + ":" + unescape(stem) if folder else unescape(stem)
        by_datumaro[(kept_subset, dm_id)] = (kept_name, image)
        by_mnistio[(kept_subset, mi_id)] = (kept_name, image)
    return by_datumaro, by_mnistio, renamed


def expected_names(layout, items, names=NAMES):
    """The label names read back: imagenet's are its folders (one per label with an item), sorted."""
    if layout == "image_dir":
        return []
    if layout == "imagenet_txt":
        return list(names)
    return sorted({names[label] for _, _, label, _ in items if label is not None})


# -- what each tool read: ({(subset, id): (label name or None, (h, w, c, RGB(A) bytes))}, names) --

def datumaro_pixels(media):
    data = np.asarray(media.data)
    if data.dtype != np.uint8:  # some of Datumaro's paths give floats
        assert np.array_equal(data, np.round(data)) and data.min() >= 0 and data.max() <= 255, data.dtype
        data = data.astype(np.uint8)
    if data.ndim == 3 and data.shape[2] == 1:
        data = data[:, :, 0]
    if data.ndim == 2:
        return (data.shape[0], data.shape[1], 1, data.tobytes())
    assert data.ndim == 3 and data.shape[2] in (3, 4), data.shape
    data = data.copy()
    data[:, :, :3] = data[:, :, 2::-1]  # BGR(A) -> RGB(A)
    return data.shape + (data.tobytes(),)


def read_with_datumaro(path, layout):
    dataset = datumaro.Dataset.import_from(str(path), layout)
    categories = dataset.categories().get(datumaro.AnnotationType.label)
    names = [category.name for category in categories] if categories is not None else []
    found = {}
    for item in dataset:
        labels = [names[ann.label] for ann in item.annotations if ann.type == datumaro.AnnotationType.label]
        assert len(labels) <= 1, (item.id, labels)
        key = (item.subset, str(item.id))
        assert key not in found, "read twice: %r" % (key,)
        found[key] = (labels[0] if labels else None, None if item.media is None else datumaro_pixels(item.media))
    return found, names


def mnistio_pixels(image):
    shape = tuple(image.shape)
    return (shape[0], shape[1], shape[2] if len(shape) == 3 else 1, bytes(image.data))


def read_with_mnistio(path, layout):
    dataset = dm.Dataset.import_from(str(path), layout)
    names = list(dataset.label_names)
    found = {}
    for item in dataset:
        labels = [names[label] for label in item.labels]
        assert len(labels) <= 1, (item.id, labels)
        key = (item.subset, item.id)
        assert key not in found, "read twice: %r" % (key,)
        found[key] = (labels[0] if labels else None, None if item.media is None else mnistio_pixels(item.media))
    return found, names


def assert_same(found, wanted):
    """Equal {(subset, id): (label name, image)} maps, with a readable first difference."""
    missing, extra = sorted(set(wanted) - set(found)), sorted(set(found) - set(wanted))
    assert not missing and not extra, "items missing: %r; unexpected: %r" % (missing, extra)
    for key in sorted(wanted):
        (got_label, got_image), (want_label, want_image) = found[key], wanted[key]
        assert got_label == want_label, "label of %r: %r != %r" % (key, got_label, want_label)
        assert (got_image and got_image[:3]) == (want_image and want_image[:3]), "image shape of %r" % (key,)
        assert got_image == want_image, "pixels of %r differ" % (key,)


def count_files(folder):
    return sum(len(files) for _, _, files in os.walk(str(folder)))


# -- (a) mnistio writes, Datumaro (and mnistio) read --------------------------------------------

@pytest.mark.parametrize("layout", LAYOUTS)
def test_datumaro_reads_mnistio_export(tmp_path, layout):
    items = varied_items(layout)
    out = tmp_path / "out"
    report = mnistio_dataset(items).export(str(out), layout, save_media=True, image_ext=".png")
    by_datumaro, by_mnistio, renamed = expected_files(items, layout)
    # the test subset's twins of train items: imagenet only those with the same label too
    assert renamed == {"imagenet": 6, "imagenet_with_subset_dirs": 0}.get(layout, 9)
    assert report.items == len(items)
    assert count_files(out) == len(items) + (layout == "imagenet_txt") * 5  # synsets.txt + 4 lists
    if renamed:
        assert [note for note in report.notes if note.startswith("%d " % renamed) and "~<subset>" in note], \
            report.notes
    else:
        assert not [note for note in report.notes if "~<subset>" in note], report.notes

    found, names = read_with_datumaro(out, layout)
    assert names == expected_names(layout, items)
    assert_same(found, by_datumaro)

    found, names = read_with_mnistio(out, layout)
    assert names == expected_names(layout, items)
    assert_same(found, by_mnistio)


@pytest.mark.parametrize("layout", ["imagenet", "imagenet_with_subset_dirs"])
def test_datumaro_reads_mnistio_plain_digits(tmp_path, layout):
    """The common case: 28 x 28 gray digits, default ids, names "0".."9"."""
    names = [str(d) for d in range(10)]
    items = [(subset, str(i), i % 10, (28, 28, 1, bytes((i * 7 + j) % 256 for j in range(784))))
             for subset, count in (("train", 30), ("test", 20)) for i in range(count)]
    out = tmp_path / "out"
    mnistio_dataset(items, names).export(str(out), layout, save_media=True)
    by_datumaro, by_mnistio, renamed = expected_files(items, layout, names)
    assert renamed == (20 if layout == "imagenet" else 0)
    assert count_files(out) == 50
    for reader, wanted in ((read_with_datumaro, by_datumaro), (read_with_mnistio, by_mnistio)):
        found, found_names = reader(out, layout)
        assert found_names == names
        assert_same(found, wanted)


@pytest.mark.parametrize("layout", ["imagenet", "imagenet_with_subset_dirs"])
def test_datumaro_reads_imagenet_with_an_empty_label(tmp_path, layout):
    items = [("train", "a", 0, (2, 2, 1, bytes(4)))]
    out = tmp_path / "out"
    mnistio_dataset(items, ["used", "unused"]).export(str(out), layout, save_media=True)
    found, names = read_with_datumaro(out, layout)
    assert "used" in names
    assert len(found) == 1


# -- (b) Datumaro writes, mnistio reads ---------------------------------------------------------

def datumaro_items(layout):
    """varied_items, but for the layouts sharing one folder ids unique across subsets
    (Datumaro would overwrite one file with another), no blanks around ids, no '"'
    (Datumaro's imagenet_txt lists do not escape it) and no '%' (mnistio undoes %XX)."""
    items = [(subset, item_id.replace('"', "").replace("%", ""), label, image)
             for subset, item_id, label, image in varied_items("imagenet_txt") if item_id.strip() == item_id]
    if layout in ("imagenet", "imagenet_with_subset_dirs"):  # a '/' in the name makes a label folder
        items = [row for row in items if "/" not in row[1]]
    if SHARED_FOLDER[layout]:
        items = [(subset, item_id if subset != "test" else "t" + item_id, label, image)
                 for subset, item_id, label, image in items]
    return items


def expected_from_datumaro(items, layout, names=NAMES):
    """{(subset, id as mnistio reads it): (label name or None, image)} for Datumaro's export."""
    wanted = {}
    for subset, item_id, label, image in items:
        subset = subset or "default"
        name = None if label is None else names[label]
        if layout in ("imagenet", "imagenet_with_subset_dirs"):
            # Datumaro's file name: the id's parts after each ':' joined with '_'
            parts = item_id.split(":")
            stem = "_".join(parts[1:]) if len(parts) > 1 else item_id
            key_id = ("no_label" if name is None else name) + ":" + stem
        else:
            key_id = item_id
        kept_subset = subset if layout in ("imagenet_with_subset_dirs", "imagenet_txt") else "default"
        wanted[(kept_subset, key_id)] = (None if layout == "image_dir" else name, image)
    assert len(wanted) == len(items)
    return wanted


@pytest.mark.parametrize("layout", LAYOUTS)
def test_mnistio_reads_datumaro_export(tmp_path, layout):
    items = datumaro_items(layout)
    assert not any("%" in item_id for _, item_id, _, _ in items)  # mnistio would undo a %XX
    out = tmp_path / "out"
    datumaro_dataset(items).export(str(out), layout, save_media=True, image_ext=".png")
    assert count_files(out) == len(items) + (layout == "imagenet_txt") * 5  # synsets.txt + 4 lists
    wanted = expected_from_datumaro(items, layout)
    found, names = read_with_mnistio(out, layout)
    # Datumaro writes no folder for a label no item has; here every label has one
    assert names == expected_names(layout, items)
    assert_same(found, wanted)
    if layout != "image_dir":  # Datumaro's own reader misses image_dir's subfolder "dir/"
        found, names = read_with_datumaro(out, layout)
        assert names == expected_names(layout, items)
        assert_same(found, wanted)


def test_mnistio_reads_datumaro_imagenet_with_unused_label(tmp_path):
    """Datumaro drops a label no item has from imagenet (no folder): both tools agree on that."""
    # (not a one-letter label name: Datumaro refuses to read back an id like "x:b", a Windows drive)
    names = ["ex", "unused", "a label"]
    items = [("train", "a", 2, (2, 2, 1, bytes(range(4)))), ("train", "b", 0, (2, 2, 3, bytes(range(12))))]
    out = tmp_path / "out"
    datumaro_dataset(items, names).export(str(out), "imagenet", save_media=True, image_ext=".png")
    wanted = expected_from_datumaro(items, "imagenet", names)
    for reader in (read_with_mnistio, read_with_datumaro):
        found, found_names = reader(out, "imagenet")
        assert found_names == ["a label", "ex"]
        assert_same(found, wanted)


# -- (c) the real sample, converted by both CLIs ----------------------------------------------------

def _datum_cli():
    for candidate in (os.path.join(os.path.dirname(sys.executable), "datum"), "/work/scratch/dmvenv/bin/datum",
                      shutil.which("datum")):
        if candidate and os.path.isfile(candidate):
            return candidate
    pytest.skip("no datum command")


def _run(command):
    result = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, timeout=120)
    assert result.returncode == 0, "%s failed:\n%s\n%s" % (command[:3], result.stdout, result.stderr)
    return result


def test_real_sample_converted_to_imagenet_by_both_clis(tmp_path):
    if not os.path.isdir(SAMPLE):
        pytest.skip("no examples/mnist_sample")
    source = dm.Dataset.import_from(SAMPLE, "mnist")
    names = list(source.label_names)
    items = [(item.subset, item.id, item.labels[0] if item.labels else None, mnistio_pixels(item.media))
             for item in source]
    assert len(items) == 600
    distinct = {(label, item_id) for _, item_id, label, _ in items}
    assert len(distinct) < 600  # real MNIST: train and test items with the same id and label

    by_mnistio, by_datum = tmp_path / "by_mnistio", tmp_path / "by_datum"
    result = _run([sys.executable, "-m", "mnistio", "convert", "-i", SAMPLE, "-f", "imagenet",
                   "-o", str(by_mnistio), "--", "--save-media"])
    _run([_datum_cli(), "convert", "-if", "mnist", "-i", SAMPLE, "-f", "imagenet", "-o", str(by_datum),
          "--", "--save-media", "--image-ext", ".png"])

    mnistio_count, datum_count = count_files(by_mnistio), count_files(by_datum)
    print("real sample as imagenet: mnistio wrote %d files, Datumaro %d (of %d items)"
          % (mnistio_count, datum_count, len(items)))
    assert mnistio_count == 600
    renamed = 600 - len(distinct)
    assert "%d files renamed" % renamed in result.stdout + result.stderr
    assert datum_count == len(distinct)  # Datumaro's loss: one file per (label, id), the rest overwritten

    # mnistio's files: exactly the documented mapping (the later subset's twin renamed ~<subset>)
    by_datumaro_wanted, by_mnistio_wanted, found_renamed = expected_files(items, "imagenet", names)
    assert found_renamed == renamed
    for reader, wanted in ((read_with_datumaro, by_datumaro_wanted), (read_with_mnistio, by_mnistio_wanted)):
        found, found_names = reader(by_mnistio, "imagenet")
        assert found_names == sorted(names)
        assert_same(found, wanted)

    # Datumaro's files: both tools read them alike; each is one of the source's items
    found_by_datumaro, names_by_datumaro = read_with_datumaro(by_datum, "imagenet")
    found_by_mnistio, names_by_mnistio = read_with_mnistio(by_datum, "imagenet")
    assert names_by_datumaro == names_by_mnistio == sorted(names)
    assert_same(found_by_mnistio, found_by_datumaro)
    candidates = {}
    for _, item_id, label, image in items:
        candidates.setdefault(("default", "%s:%s" % (names[label], item_id)), []).append(image)
    assert sorted(found_by_datumaro) == sorted(candidates)
    for key, (label, image) in found_by_datumaro.items():
        assert label == key[1].split(":")[0]
        assert image in candidates[key], "pixels of %r are no source item's" % (key,)
