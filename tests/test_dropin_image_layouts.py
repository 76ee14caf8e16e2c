"""The image-file layouts as Datumaro's: per-image extensions, items with several labels, label
hierarchy from nested folders, imagenet_txt's import options, format detection.

Every test takes ``lib`` (conftest.py) and runs on mnistio and on Datumaro 1.13 with the same
body, so that a difference shows as a failing test. The lines that check one library only say
why: Datumaro loses or corrupts data there, or the check is of mnistio's own guarantee.
Images are gray, so that Datumaro's BGR order does not matter.
"""

import os
import warnings

import pytest
from conftest import is_datumaro

from mnistio.codecs.png import encode_png


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Datumaro warns about its own deprecations
        yield


def pixels(lib, rows):
    """Gray pixel rows as each library takes them: numpy for Datumaro, nested lists for mnistio."""
    if is_datumaro(lib):
        import numpy

        return numpy.array(rows, dtype=numpy.uint8)
    return rows


def image(lib, rows, ext=None):
    return lib.Image.from_numpy(pixels(lib, rows), ext=ext)


def values(media):
    """The pixels of an image as bytes, whichever library made it."""
    return bytes(media.data.tobytes() if hasattr(media.data, "tobytes") else media.data)


def files_under(folder):
    return sorted(os.path.relpath(os.path.join(parent, name), folder).replace(os.sep, "/")
                  for parent, _, names in os.walk(folder) for name in names)


def write_png(path, rows, **options):
    """A gray PNG file of ``rows`` (compressed at level 9, unlike either library's writer)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = bytes(value for row in rows for value in row)
    with open(path, "wb") as file:
        file.write(encode_png(data, len(rows), len(rows[0]), 1, compress_level=options.get("level", 9)))


# -- 4. the extension of each image --------------------------------------------------------------

def test_an_image_keeps_the_extension_it_is_given(lib):
    assert image(lib, [[1]], ext="JPG").ext == ".jpg"  # with its dot, in lower case
    assert image(lib, [[1]], ext=".Png").ext == ".png"
    assert image(lib, [[1]]).ext is None


def test_an_image_read_from_a_file_keeps_the_files_extension(lib, tmp_path):
    write_png(str(tmp_path / "x.PNG"), [[1, 2], [3, 4]])
    read = lib.Image.from_file(str(tmp_path / "x.PNG"))
    assert read.ext == ".PNG"  # as the name spells it
    assert values(read) == bytes([1, 2, 3, 4])


@pytest.mark.parametrize("layout", ["image_dir", "imagenet", "imagenet_txt"])
def test_each_image_is_written_with_its_own_extension(lib, tmp_path, layout):
    dataset = lib.Dataset.from_iterable([
        lib.DatasetItem(id="a", media=image(lib, [[1, 2], [3, 4]], ".bmp"), annotations=[lib.Label(0)]),
        lib.DatasetItem(id="b", media=image(lib, [[5, 6], [7, 8]], ".png"), annotations=[lib.Label(0)]),
        lib.DatasetItem(id="c", media=image(lib, [[9, 10], [11, 12]]), annotations=[lib.Label(0)]),
    ], categories=["cat"])
    out = str(tmp_path / "out")
    dataset.export(out, layout, save_media=True)
    names = [name.rsplit("/", 1)[-1] for name in files_under(out) if not name.endswith(".txt")]
    # An image with no extension of its own: Datumaro writes JPEG, whose loss changes the pixels;
    # mnistio writes PNG, lossless.
    assert sorted(names) == ["a.bmp", "b.png", "c.jpg" if is_datumaro(lib) else "c.png"]
    back = {item.id.split(":")[-1]: item.media for item in lib.Dataset.import_from(out, layout)}
    assert (back["a"].ext, values(back["a"])) == (".bmp", bytes([1, 2, 3, 4]))
    assert (back["b"].ext, values(back["b"])) == (".png", bytes([5, 6, 7, 8]))
    if not is_datumaro(lib):
        assert values(back["c"]) == bytes([9, 10, 11, 12])
    if layout == "imagenet_txt":
        with open(os.path.join(out, "default.txt"), encoding="utf-8") as lines:
            assert sorted(line.split()[0] for line in lines) == sorted(names)


def test_image_ext_still_chooses_for_every_image(lib, tmp_path):
    dataset = lib.Dataset.from_iterable([
        lib.DatasetItem(id="a", media=image(lib, [[1]], ".bmp")),
        lib.DatasetItem(id="b", media=image(lib, [[2]])),
    ])
    dataset.export(str(tmp_path / "out"), "image_dir", save_media=True, image_ext=".png")
    assert files_under(str(tmp_path / "out")) == ["a.png", "b.png"]


@pytest.mark.parametrize("layout", ["image_dir", "imagenet", "imagenet_with_subset_dirs", "imagenet_txt"])
def test_an_image_file_written_unchanged_is_the_same_bytes(lib, tmp_path, layout):
    source = str(tmp_path / "in")
    write_png(os.path.join(source, "cat", "x.png"), [[1, 2], [3, 4]])
    write_png(os.path.join(source, "dog", "y.png"), [[5, 6], [7, 8]])
    with open(os.path.join(source, "cat", "x.png"), "rb") as file:
        original = file.read()
    dataset = lib.Dataset.import_from(source, "imagenet")
    out = str(tmp_path / "out")
    dataset.export(out, layout, save_media=True)
    written = [name for name in files_under(out) if name.endswith("x.png")]
    assert len(written) == 1
    with open(os.path.join(out, written[0]), "rb") as file:
        assert file.read() == original  # copied, not decoded and encoded again (level 9 is no writer's)


def test_a_changed_image_is_written_with_its_new_pixels(lib, tmp_path):
    source = str(tmp_path / "in")
    write_png(os.path.join(source, "cat", "x.png"), [[1, 2], [3, 4]])
    dataset = lib.Dataset.import_from(source, "imagenet")
    item = dataset.get("cat:x")
    dataset.put(item.wrap(media=image(lib, [[9, 9], [9, 9]], ".png")))
    dataset.export(str(tmp_path / "out"), "imagenet", save_media=True)
    (back,) = lib.Dataset.import_from(str(tmp_path / "out"), "imagenet")
    assert values(back.media) == bytes([9, 9, 9, 9])


def test_another_extension_is_encoded_anew(lib, tmp_path):
    source = str(tmp_path / "in")
    write_png(os.path.join(source, "cat", "x.png"), [[1, 2], [3, 4]])
    lib.Dataset.import_from(source, "imagenet").export(str(tmp_path / "out"), "imagenet", save_media=True,
                                                        image_ext=".bmp")
    assert files_under(str(tmp_path / "out")) == ["cat/x.bmp"]
    (back,) = lib.Dataset.import_from(str(tmp_path / "out"), "imagenet")
    assert values(back.media) == bytes([1, 2, 3, 4])


@pytest.mark.parametrize("layout", ["imagenet", "imagenet_with_subset_dirs", "image_dir"])
def test_saving_an_image_tree_in_place_rewrites_what_changed(lib, tmp_path, layout):
    folder = str(tmp_path / "in")
    prefix = "train/" if layout == "imagenet_with_subset_dirs" else ""
    label = "cat/" if layout != "image_dir" else ""
    for number, name in enumerate(["x", "y", "z"]):
        write_png(os.path.join(folder, *(prefix + label + name + ".png").split("/")), [[number]])
    unchanged = os.path.join(folder, *(prefix + label + "y.png").split("/"))
    before = os.stat(unchanged)
    with open(unchanged, "rb") as file:
        original = file.read()
    dataset = lib.Dataset.import_from(folder, layout)
    item_id = ("cat:" if label else "") + "x"
    dataset.put(dataset.get(item_id, "train" if prefix else "default").wrap(media=image(lib, [[200]], ".png")))
    dataset.export(folder, layout, save_media=True)
    back = {item.id: values(item.media) for item in lib.Dataset.import_from(folder, layout)}
    assert back[item_id] == bytes([200]) and len(back) == 3
    with open(unchanged, "rb") as file:
        assert file.read() == original
    if not is_datumaro(lib):  # the unchanged image is the same file (a hard link), not written again
        assert os.stat(unchanged).st_ino == before.st_ino


# -- 3. items with several labels ----------------------------------------------------------------

def two_label_dataset(lib):
    return lib.Dataset.from_iterable([
        lib.DatasetItem(id="a", media=image(lib, [[1, 2], [3, 4]], ".png"),
                        annotations=[lib.Label(1), lib.Label(0)]),
        lib.DatasetItem(id="b", media=image(lib, [[5, 6], [7, 8]], ".png"), annotations=[lib.Label(1)]),
    ], categories=["cat", "dog"])


def labels_by_id(lib, dataset):
    names = dataset.categories()[lib.AnnotationType.label]
    return {item.id: sorted(names[annotation.label].name for annotation in item.annotations
                            if annotation.type == lib.AnnotationType.label) for item in dataset}


@pytest.mark.parametrize("layout", ["imagenet", "imagenet_with_subset_dirs"])
def test_an_item_with_two_labels_is_written_in_both_label_folders(lib, tmp_path, layout):
    out = str(tmp_path / "out")
    two_label_dataset(lib).export(out, layout, save_media=True)
    prefix = "default/" if layout == "imagenet_with_subset_dirs" else ""
    assert [name for name in files_under(out) if name.endswith(".png")] == \
        [prefix + "cat/a.png", prefix + "dog/a.png", prefix + "dog/b.png"]
    back = labels_by_id(lib, lib.Dataset.import_from(out, layout))
    if is_datumaro(lib):
        # Datumaro 1.13 reads each copy as an item of its own (the id holds the label folder):
        # the item comes back split in two.
        assert back == {"cat:a": ["cat"], "dog:a": ["dog"], "dog:b": ["dog"]}
    else:
        # mnistio reads copies of one name that hold the same image as one item, id of the first.
        assert back == {"cat:a": ["cat", "dog"], "dog:b": ["dog"]}


def test_files_of_one_name_that_differ_are_different_items(lib, tmp_path):
    source = str(tmp_path / "in")
    write_png(os.path.join(source, "cat", "1.png"), [[1]])
    write_png(os.path.join(source, "dog", "1.png"), [[2]])
    back = labels_by_id(lib, lib.Dataset.import_from(source, "imagenet"))
    assert back == {"cat:1": ["cat"], "dog:1": ["dog"]}


def test_imagenet_txt_keeps_several_labels_on_a_line(lib, tmp_path):
    out = str(tmp_path / "out")
    two_label_dataset(lib).export(out, "imagenet_txt", save_media=True)
    with open(os.path.join(out, "default.txt"), encoding="utf-8") as lines:
        assert lines.read().splitlines() == ["a.png 0 1", "b.png 1"]
    assert labels_by_id(lib, lib.Dataset.import_from(out, "imagenet_txt")) == {"a": ["cat", "dog"], "b": ["dog"]}


@pytest.mark.parametrize("layout", ["mnist", "mnist_csv", "cifar"])
def test_layouts_of_one_label_an_item_refuse_a_second(lib, tmp_path, layout):
    shape = [[0] * 32 for _ in range(32)] if layout == "cifar" else [[0] * 28 for _ in range(28)]
    rows = pixels(lib, shape)
    if layout == "cifar" and is_datumaro(lib):
        rows = rows.reshape(32, 32, 1).repeat(3, axis=2)  # its cifar exporter takes colour only
    dataset = lib.Dataset.from_iterable([
        lib.DatasetItem(id="two", media=lib.Image.from_numpy(rows), annotations=[lib.Label(0), lib.Label(1)])],
        categories=["cat", "dog"])
    out = str(tmp_path / "out")
    if is_datumaro(lib):
        # Datumaro 1.13 writes the first label and drops the other without a word.
        dataset.export(out, layout, save_media=True)
        assert labels_by_id(lib, lib.Dataset.import_from(out, layout)) == {"two": ["cat"]}
    else:
        with pytest.raises(lib.errors.UsageError, match="item 'two' .* has 2 labels"):
            dataset.export(out, layout, save_media=True)


# -- 6. label hierarchy from nested imagenet folders ---------------------------------------------

def test_nested_label_folders_have_their_holder_as_parent(lib, tmp_path):
    source = str(tmp_path / "in")
    for name in ["animal/cat/1.png", "animal/dog/2.png", "car/3.png"]:
        write_png(os.path.join(source, *name.split("/")), [[1]])
    dataset = lib.Dataset.import_from(source, "imagenet")
    labels = dataset.categories()[lib.AnnotationType.label]
    assert [(label.name, label.parent) for label in labels] == \
        [("animal", ""), ("animal/cat", "animal"), ("animal/dog", "animal"), ("car", "")]
    assert [(group.name, group.labels, int(group.group_type)) for group in labels.label_groups] == \
        [("animal", ["cat", "dog"], 0)]
    assert labels_by_id(lib, dataset) == {"animal/cat:1": ["animal/cat"], "animal/dog:2": ["animal/dog"],
                                          "car:3": ["car"]}


# -- 7. imagenet_txt's import options -------------------------------------------------------------

def txt_folder(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "train.txt").write_text("a.jpg 0 3\nb.jpg 1\n")
    (folder / "classes.txt").write_text("x\ny\nz\nw\n")
    return str(folder)


def test_imagenet_txt_generates_label_names(lib, tmp_path):
    folder = txt_folder(tmp_path)
    dataset = lib.Dataset.import_from(folder, "imagenet_txt", labels="generate")
    assert [label.name for label in dataset.categories()[lib.AnnotationType.label]] == \
        ["class-0", "class-1", "class-2", "class-3"]
    # classes.txt is not the names file here, so it is a list too (of items without labels).
    assert labels_by_id(lib, dataset) == {"a": ["class-0", "class-3"], "b": ["class-1"], "x": [], "y": [],
                                          "z": [], "w": []}


def test_imagenet_txt_takes_the_names_file_it_is_given(lib, tmp_path):
    folder = txt_folder(tmp_path)
    dataset = lib.Dataset.import_from(folder, "imagenet_txt", labels_file="classes.txt")
    assert [label.name for label in dataset.categories()[lib.AnnotationType.label]] == ["x", "y", "z", "w"]
    assert labels_by_id(lib, dataset) == {"a": ["w", "x"], "b": ["y"]}  # classes.txt is no list


def test_imagenet_txt_without_names_refuses_a_label(lib, tmp_path):
    with pytest.raises(Exception) as caught:
        list(lib.Dataset.import_from(txt_folder(tmp_path), "imagenet_txt"))  # mnistio reads lazily
    if not is_datumaro(lib):
        assert "label 0 has no name" in str(caught.value)


# -- detection -------------------------------------------------------------------------------------

TREES = {
    "flat": ["1.png", "2.png"],
    "labels and loose images": ["cat/1.png", "2.png"],
    "nested labels": ["animal/cat/1.png", "car/2.png"],
    "two levels everywhere": ["animal/cat/1.png", "vehicle/car/2.png"],
    "subsets": ["train/cat/1.png", "test/dog/2.png"],
    "subsets with loose images": ["train/cat/1.png", "train/5.png", "test/6.png"],
    "subsets of loose images only": ["train/5.png", "val/6.png"],
    "one subset among other folders": ["train/cat/1.png", "foo/dog/2.png"],
    "folders not named as subsets": ["foo/cat/1.png", "bar/dog/2.png"],
    "an images folder": ["images/1.png", "cat/2.png"],
    "another file": ["cat/1.png", "notes.md"],
    "an empty folder": ["cat/1.png", "dog/"],
}

DETECTED = {
    "flat": ["image_dir", "imagenet"],
    "labels and loose images": ["imagenet"],
    "nested labels": ["imagenet"],
    "two levels everywhere": ["imagenet"],
    "subsets": ["imagenet_with_subset_dirs"],
    "subsets with loose images": ["imagenet_with_subset_dirs"],
    "subsets of loose images only": ["imagenet_with_subset_dirs"],
    "one subset among other folders": ["imagenet_with_subset_dirs"],
    "folders not named as subsets": ["imagenet"],
    "an images folder": [],
    "another file": [],
    "an empty folder": [],
}


def detected(lib, path):
    """The formats detected, best first: Datumaro's Environment().detect_dataset (sorted by name,
    all of the best confidence), mnistio's formats.detect (by rank) less those of lower rank that
    Datumaro drops (imagenet beside imagenet_with_subset_dirs)."""
    if is_datumaro(lib):
        from datumaro.components.environment import Environment

        return Environment().detect_dataset(path)
    found = lib.formats.detect(path)
    if "imagenet_with_subset_dirs" in found:
        found.remove("imagenet")
    return found


@pytest.mark.parametrize("tree", sorted(TREES))
def test_image_folders_are_detected_as_datumaro_detects_them(lib, tmp_path, tree):
    root = tmp_path / "tree"
    for name in TREES[tree]:
        if name.endswith("/"):
            (root / name).mkdir(parents=True)
        elif name.endswith(".png"):
            write_png(str(root / name), [[1]])
        else:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text("x")
    assert sorted(detected(lib, str(root))) == sorted(DETECTED[tree])
    if DETECTED[tree] and DETECTED[tree] != ["image_dir", "imagenet"]:
        assert lib.Dataset.detect(str(root)) == DETECTED[tree][0]
