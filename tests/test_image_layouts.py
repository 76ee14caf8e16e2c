"""imagenet, imagenet_with_subset_dirs, imagenet_txt, image_dir: round trips,
nothing overwritten, nothing written outside the output folder."""

import os
import pathlib
import shutil

import pytest
from hypothesis import assume, given, note
from hypothesis import strategies as st

import mnistio as dm
from mnistio.codecs.png import encode_png
from mnistio.errors import UsageError
from mnistio.formats import _paths

LAYOUTS = ["imagenet", "imagenet_with_subset_dirs", "imagenet_txt", "image_dir"]


def pixels_by_label(dataset):
    """Sorted (label name, shape, pixels) of every item: what every layout keeps."""
    names = dataset.label_names
    return sorted((names[item.labels[0]] if item.labels else "", item.media.shape, bytes(item.media.data))
                  for item in dataset if item.media is not None)


ids = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
names = st.lists(st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=6),
                 min_size=1, max_size=5, unique=True)


@st.composite
def datasets(draw):
    label_names = draw(names)
    items = []
    for subset in draw(st.lists(st.sampled_from(["train", "test", "val"]), min_size=1, max_size=2, unique=True)):
        for item_id in draw(st.lists(ids, min_size=1, max_size=4, unique=True)):
            height, width, channels = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.sampled_from([1, 3, 4]))
            data = draw(st.binary(min_size=height * width * channels, max_size=height * width * channels))
            label = draw(st.one_of(st.none(), st.integers(0, len(label_names) - 1)))
            items.append(dm.DatasetItem(id=item_id, subset=subset, image=dm.Image(data, shape=(height, width, channels)),
                                        annotations=[] if label is None else [dm.Label(label)]))
    return dm.Dataset.from_iterable(items, categories=label_names)


@pytest.mark.parametrize("layout", LAYOUTS)
@given(dataset=datasets())
def test_round_trip_keeps_every_image_and_label(tmp_path_factory, layout, dataset):
    assume(not any(item.id.split(":", 1)[-1] in ("", ".", "..") for item in dataset))
    if layout == "imagenet":
        # Files of one name and the same bytes in two label folders are read back as one item with
        # both labels, as Datumaro reads them (docs/formats.rst, imagenet): not this test's subject.
        files = [(item.id.split(":", 1)[-1], item.media.shape, bytes(item.media.data)) for item in dataset]
        assume(len(set(files)) == len(files))
    out = tmp_path_factory.mktemp(layout) / "out"
    report = dataset.export(out, layout, save_media=True, workers=1)
    loaded = dm.Dataset.import_from(out, layout)
    note(repr([(i.id, i.subset, i.labels) for i in dataset]))
    assert report.items == len(dataset)
    if layout == "image_dir":
        assert sorted(p for _, _, p in pixels_by_label(loaded)) == sorted(p for _, _, p in pixels_by_label(dataset))
        return
    used = {dataset.label_names[label] for item in dataset for label in item.labels}
    if layout == "imagenet_txt":
        assert loaded.label_names == dataset.label_names
    else:  # imagenet keeps names only as folders of images
        assert set(loaded.label_names) == used
    assert pixels_by_label(loaded) == pixels_by_label(dataset)
    if layout in ("imagenet_with_subset_dirs", "imagenet_txt"):
        assert loaded.subset_counts() == dataset.subset_counts()


def test_mnist_round_trip_through_every_layout(tmp_path, sample_dir):
    original = dm.Dataset.import_from(sample_dir)
    for layout in LAYOUTS[:-1]:
        original.export(tmp_path / layout, layout, save_media=True)
        back = tmp_path / (layout + "-back")
        dm.Dataset.import_from(tmp_path / layout).export(back, "mnist", save_media=True)
        assert pixels_by_label(dm.Dataset.import_from(back)) == pixels_by_label(original)
        assert len(dm.Dataset.import_from(back)) == 600


def test_same_id_in_two_subsets_is_renamed_not_overwritten(tmp_path):
    image = dm.Image(bytes([1]), shape=(1, 1))
    other = dm.Image(bytes([2]), shape=(1, 1))
    dataset = dm.Dataset.from_iterable([dm.DatasetItem(id="7", subset="train", image=image, annotations=[dm.Label(0)]),
                                        dm.DatasetItem(id="7", subset="test", image=other, annotations=[dm.Label(0)])],
                                       categories=["zero"])
    report = dataset.export(tmp_path / "o", "imagenet", save_media=True)
    assert sorted(os.listdir(tmp_path / "o" / "zero")) == ["7.png", "7~test.png"]
    assert report.notes == ["1 file renamed with ~<subset> so that no item overwrites another"]
    ids = sorted(item.id for item in dm.Dataset.import_from(tmp_path / "o"))
    assert ids == ["zero:7", "zero:7~test"]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("evil", ["../../escape", "/etc/passwd", "C:\\windows\\x", "a\x00b", "..", "sub/../../x"])
def test_ids_never_write_outside_the_output(tmp_path, layout, evil):
    image = dm.Image(bytes([5]), shape=(1, 1))
    dataset = dm.Dataset.from_iterable([dm.DatasetItem(id=evil, image=image, annotations=[dm.Label(0)])],
                                       categories=["l"])
    out = tmp_path / "deep" / "out"
    if layout in ("imagenet", "imagenet_with_subset_dirs") and evil == "..":
        with pytest.raises(UsageError, match="no usable file name"):
            dataset.export(out, layout, save_media=True)
        return
    dataset.export(out, layout, save_media=True)
    written = [os.path.join(folder, name) for folder, _, files in os.walk(tmp_path) for name in files]
    assert written and all(path.startswith(str(out) + os.sep) for path in written)
    (item,) = dm.Dataset.import_from(out, layout)
    if layout.startswith("imagenet") and layout != "imagenet_txt":
        # imagenet ids are "<label>:<file stem>", the stem being the id after its first ":"
        assert item.id == "l:" + evil.split(":", 1)[-1]
    else:
        assert item.id == evil
    assert bytes(item.media.data) == b"\x05"


def test_safe_join_refuses_what_would_escape(tmp_path):
    for bad in ["../x", "/abs", "a/../b", "C:/x", "a\\b", "a//b", "."]:
        with pytest.raises(UsageError, match="would leave the output folder"):
            _paths.safe_join(str(tmp_path), bad)


def test_ids_with_slashes_make_subfolders(tmp_path):
    image = dm.Image(bytes([5]), shape=(1, 1))
    dm.Dataset.from_iterable([dm.DatasetItem(id="a/b/c", image=image)]).export(tmp_path / "o", "image_dir",
                                                                                save_media=True)
    assert os.path.isfile(tmp_path / "o" / "a" / "b" / "c.png")
    # A folder of nested images reads as imagenet too: image_dir is named explicitly.
    assert [i.id for i in dm.Dataset.import_from(tmp_path / "o", "image_dir")] == ["a/b/c"]


def test_save_media_defaults_to_the_layout_and_false_is_said(tmp_path, sample_dir):
    dataset = dm.Dataset.import_from(sample_dir)
    assert dataset.export(tmp_path / "default", "imagenet").items == 600  # as Datumaro: images are the layout
    report = dataset.export(tmp_path / "o", "imagenet", save_media=False)
    assert "no image files written" in report.notes[0]
    assert os.listdir(tmp_path / "o") == []


def test_label_names_without_items_are_reported_not_left_as_empty_folders(tmp_path):
    image = dm.Image(bytes([5]), shape=(1, 1))
    dataset = dm.Dataset.from_iterable([dm.DatasetItem(id="a", image=image, annotations=[dm.Label(0)])],
                                       categories=["used", "unused"])
    report = dataset.export(tmp_path / "o", "imagenet", save_media=True)
    assert os.listdir(tmp_path / "o") == ["used"]
    assert report.notes == ["1 label name has no item, and this layout keeps names only as folders of "
                            "images: unused"]


def test_imagenet_txt_lines_as_datumaro_writes_them(tmp_path):
    image = dm.Image(bytes([5]), shape=(1, 1))
    dm.Dataset.from_iterable([dm.DatasetItem(id="my img", subset="train", image=image, annotations=[dm.Label(1)]),
                              dm.DatasetItem(id="x", subset="train", image=image)], categories=["a", "b"]) \
        .export(tmp_path, "imagenet_txt", save_media=True)
    assert (tmp_path / "train.txt").read_text() == '"my img".png 1\nx.png \n'
    assert (tmp_path / "synsets.txt").read_text() == "a\nb\n"
    assert sorted(os.listdir(tmp_path / "images")) == ["my img.png", "x.png"]


def test_detection_of_every_layout(tmp_path, sample_dir):
    from mnistio import formats
    original = dm.Dataset.import_from(sample_dir)
    for layout in LAYOUTS + ["mnist_csv"]:
        original.export(tmp_path / layout, layout, save_media=True)
        assert formats.detect(tmp_path / layout)[0] == layout


def test_parallel_writing_matches_serial(tmp_path, sample_dir):
    dataset = dm.Dataset.import_from(sample_dir)
    dataset.export(tmp_path / "one", "imagenet", save_media=True, workers=1)
    dataset.export(tmp_path / "two", "imagenet", save_media=True, workers=2)
    files = {}
    for run in ("one", "two"):
        root = tmp_path / run
        files[run] = {os.path.relpath(os.path.join(f, n), root): pathlib.Path(f, n).read_bytes()
                      for f, _, names in os.walk(root) for n in names}
    assert len(files["one"]) == 600 and files["one"] == files["two"]


@pytest.mark.parametrize("name, blob, message", [
    ("cut.png", "TRUNCATED", "the file ends after"),
    ("crc.png", "BADCRC", "CRC"),
    ("bomb.png", "BOMB", "pixels"),
    ("what.jpg", b"\xff\xd8\xff\xe0 not really a jpeg", ".jpg"),
])
def test_bad_image_files_give_one_line_errors_naming_the_file(tmp_path, name, blob, message):
    import struct
    import subprocess
    import sys
    import zlib

    from mnistio import png

    good = png.encode_png(bytes(4), 2, 2, 1)
    if blob == "TRUNCATED":
        blob = good[:-20]
    elif blob == "BADCRC":
        blob = good[:29] + bytes([good[29] ^ 0xFF]) + good[30:]  # the IHDR CRC
    elif blob == "BOMB":
        ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 0, 0, 0, 0)
        blob = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    folder = tmp_path / "data" / "3"
    folder.mkdir(parents=True)
    (folder / name).write_bytes(blob)
    done = subprocess.run([sys.executable, "-m", "mnistio", "convert", "-if", "imagenet", "-i", str(tmp_path / "data"),
                           "-f", "mnist", "-o", str(tmp_path / "out"), "--", "--save-media"],
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=os.pathsep.join(
                              [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))] + sys.path)))
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and str(folder / name) in done.stderr, done.stderr
    assert message.lower() in done.stderr.lower()
    assert not (tmp_path / "out").exists()


# -- symbolic links inside image trees ---------------------------------------------------------------
#
# The walk used os.walk without following links, so a label folder that was a symbolic link was skipped
# without a word (Datumaro walks with followlinks=True and reads it); a link to nothing made detection
# fail with "cannot tell the format". Links to folders are followed now, a cycle is an error (it would be
# walked forever), and a link to nothing, a FIFO or a device in the tree is an error naming it.

posix_only = pytest.mark.skipif(os.name != "posix", reason="symbolic links and FIFOs as POSIX makes them")


def read_all(path, layout=None):
    """``[(subset, id, label names, pixels)]`` in reading order."""
    dataset = dm.Dataset.import_from(str(path), layout)
    names = dataset.label_names
    return [(item.subset, item.id, tuple(names[label] for label in item.labels), bytes(item.media.data))
            for item in dataset]


def tree_dataset(folders):
    """Items whose ids make ``folders`` (``/``-separated) in image_dir, with distinct pixels."""
    items = []
    for number, folder in enumerate(folders):
        for name in ("a", "b"):
            items.append(dm.DatasetItem(id="%s/%s" % (folder, name) if folder else name,
                                        image=dm.Image(bytes([number * 2 + (name == "b")]), shape=(1, 1))))
    return dm.Dataset.from_iterable(items)


def move_out_and_link(root, relative, elsewhere):
    """Move ``root/relative`` to ``elsewhere/<n>`` and leave a symbolic link to it in its place."""
    source = os.path.join(str(root), *relative.split("/"))
    target = os.path.join(str(elsewhere), str(len(os.listdir(str(elsewhere)))))
    shutil.move(source, target)
    os.symlink(target, source)


@posix_only
@pytest.mark.parametrize("layout", ["imagenet", "image_dir"])
@given(data=st.data())
def test_linked_folders_read_as_the_folders_themselves(tmp_path_factory, layout, data):
    """Generated trees: any set of folders replaced by links to where they were moved reads exactly as
    before, items in the same order (the walk follows links in the sorted order of names)."""
    parts = st.sampled_from(["a", "b", "c d", "%41"])
    folders = data.draw(st.lists(st.lists(parts, min_size=1, max_size=3).map("/".join), min_size=1, max_size=5,
                                 unique=True))
    root = tmp_path_factory.mktemp("tree")
    tree_dataset([""] + folders if layout == "image_dir" else folders).export(str(root / "plain"), "image_dir",
                                                                              save_media=True)
    expected = read_all(root / "plain", layout)
    shutil.copytree(str(root / "plain"), str(root / "linked"))
    (root / "elsewhere").mkdir()
    all_folders = sorted(os.path.relpath(folder, str(root / "plain")).replace(os.sep, "/")
                         for folder, _, _ in os.walk(str(root / "plain")) if folder != str(root / "plain"))
    linked = data.draw(st.lists(st.sampled_from(all_folders), min_size=1, unique=True))
    for relative in sorted(linked, key=lambda folder: -folder.count("/")):  # deepest first: paths stay valid
        move_out_and_link(root / "linked", relative, root / "elsewhere")
    note(repr((folders, linked)))
    assert dm.formats.detect(str(root / "linked")) == dm.formats.detect(str(root / "plain"))
    assert read_all(root / "linked", layout) == expected


@posix_only
def test_the_reviewers_symlinked_label_folder(tmp_path, sample_dir):
    """`cp -r 0 in/0; cp -r 1 other/1; ln -s ../other/1 in/1; mnistio info in` showed label 0 only."""
    dm.Dataset.import_from(sample_dir).export(str(tmp_path / "export"), "imagenet")
    (tmp_path / "in").mkdir()
    (tmp_path / "other").mkdir()
    shutil.copytree(str(tmp_path / "export" / "0"), str(tmp_path / "in" / "0"))
    shutil.copytree(str(tmp_path / "export" / "1"), str(tmp_path / "other" / "1"))
    os.symlink(os.path.join("..", "other", "1"), str(tmp_path / "in" / "1"))
    dataset = dm.Dataset.import_from(str(tmp_path / "in"))
    assert dataset.label_names == ["0", "1"]
    counts = {}
    for item in dataset:
        counts[dataset.label_names[item.labels[0]]] = counts.get(dataset.label_names[item.labels[0]], 0) + 1
    assert counts == {"0": len(os.listdir(str(tmp_path / "in" / "0"))), "1": len(os.listdir(str(tmp_path / "other" / "1")))}
    assert counts["1"] > 0


@posix_only
def test_imagenet_with_subset_dirs_follows_linked_subsets_and_labels(tmp_path):
    image = dm.Image(bytes([9]), shape=(1, 1))
    dataset = dm.Dataset.from_iterable(
        [dm.DatasetItem(id=i, subset=s, image=image, annotations=[dm.Label(label)])
         for i, s, label in [("x", "train", 0), ("y", "train", 1), ("z", "test", 1)]], categories=["p", "q"])
    dataset.export(str(tmp_path / "plain"), "imagenet_with_subset_dirs")
    expected = read_all(tmp_path / "plain")
    shutil.copytree(str(tmp_path / "plain"), str(tmp_path / "linked"))
    (tmp_path / "elsewhere").mkdir()
    move_out_and_link(tmp_path / "linked", "train/q", tmp_path / "elsewhere")  # a label folder
    move_out_and_link(tmp_path / "linked", "test", tmp_path / "elsewhere")  # a subset folder
    assert dm.formats.detect(str(tmp_path / "linked"))[0] == "imagenet_with_subset_dirs"
    assert read_all(tmp_path / "linked") == expected


@posix_only
def test_a_folder_reached_through_two_label_links_gives_its_images_both_labels(tmp_path):
    """Its images are in both label folders: copies of one item with two labels (Datumaro 1.13 reads
    each copy as an item, ids cat:a and dog:a, one label each)."""
    (tmp_path / "common").mkdir()
    dm.Dataset.from_iterable([dm.DatasetItem(id="a", image=dm.Image(bytes([1]), shape=(1, 1)))]) \
        .export(str(tmp_path / "common" / "images"), "image_dir")
    (tmp_path / "in").mkdir()
    os.symlink("../common/images", str(tmp_path / "in" / "cat"))
    os.symlink("../common/images", str(tmp_path / "in" / "dog"))
    assert [(item_id, labels) for _, item_id, labels, _ in read_all(tmp_path / "in")] == [("cat:a", ("cat", "dog"))]


BROKEN = ["dangling link", "link loop", "cycle", "fifo image", "fifo"]


def make_broken(folder, kind):
    """Put ``kind`` into ``folder`` (a label folder of an image tree)."""
    if kind == "dangling link":
        os.symlink("../no-such-folder", str(folder / "gone"))
        return folder / "gone"
    if kind == "link loop":
        os.symlink("loop", str(folder / "loop"))
        return folder / "loop"
    if kind == "cycle":
        os.symlink("..", str(folder / "up"))
        return folder / "up"
    os.mkfifo(str(folder / ("fifo.png" if kind == "fifo image" else "notes")))
    return folder / ("fifo.png" if kind == "fifo image" else "notes")


EXPECTED_REASON = {"dangling link": "is a symbolic link to nothing", "link loop": "cannot be followed",
                   "cycle": "leads back to a folder that holds it (a cycle of symbolic links)",
                   "fifo image": "is a FIFO, not a regular file", "fifo": "is a FIFO, not a regular file"}


@posix_only
@pytest.mark.parametrize("kind", BROKEN)
@pytest.mark.parametrize("layout", ["imagenet", "imagenet_with_subset_dirs", "image_dir"])
def test_what_a_tree_walk_cannot_read_is_refused_naming_it(tmp_path, layout, kind):
    import subprocess
    import sys

    image = dm.Image(bytes([9]), shape=(1, 1))
    dm.Dataset.from_iterable([dm.DatasetItem(id=item_id, subset="train", image=image, annotations=[dm.Label(0)])
                              for item_id in ("sub/x", "y")], categories=["lab"]).export(str(tmp_path / "d"), layout)
    deepest = {"imagenet": "lab", "imagenet_with_subset_dirs": "train/lab", "image_dir": "sub"}[layout]
    named = make_broken(tmp_path / "d" / deepest, kind)
    # Detection still names the layout (it is not "cannot tell the format"), and reading says why not.
    # image_dir is detected in a flat folder only, as Datumaro detects it: with sub/ this is imagenet.
    assert ("imagenet" if layout == "image_dir" else layout) in dm.formats.detect(str(tmp_path / "d"))
    with pytest.raises(dm.errors.MnistioError) as caught:
        read_all(tmp_path / "d", layout)
    assert str(caught.value) == "%s: %s" % (named, str(caught.value).split(": ", 1)[1])
    assert EXPECTED_REASON[kind] in str(caught.value)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run([sys.executable, "-m", "mnistio", "info", str(tmp_path / "d")], capture_output=True,
                          text=True, timeout=60, cwd=root)
    assert done.returncode == 1 and done.stderr == "mnistio: error: %s\n" % caught.value, done.stderr


@posix_only
def test_a_dangling_subset_folder_link_is_refused_not_skipped(tmp_path):
    image = dm.Image(bytes([9]), shape=(1, 1))
    dm.Dataset.from_iterable([dm.DatasetItem(id="x", subset="train", image=image, annotations=[dm.Label(0)])],
                             categories=["lab"]).export(str(tmp_path / "d"), "imagenet_with_subset_dirs")
    os.symlink("../gone", str(tmp_path / "d" / "test"))
    with pytest.raises(UsageError, match="test: is a symbolic link to nothing"):
        dm.Dataset.import_from(str(tmp_path / "d"), "imagenet_with_subset_dirs")


@posix_only
def test_an_unlistable_folder_is_an_error_not_skipped(tmp_path):
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("root lists any folder")
    image = dm.Image(bytes([9]), shape=(1, 1))
    dm.Dataset.from_iterable([dm.DatasetItem(id="x", image=image, annotations=[dm.Label(0)])],
                             categories=["lab"]).export(str(tmp_path / "d"), "imagenet")
    os.mkdir(str(tmp_path / "d" / "locked"))
    os.chmod(str(tmp_path / "d" / "locked"), 0)
    try:
        with pytest.raises(dm.errors.FileSystemError, match="locked: cannot list the folder"):
            read_all(tmp_path / "d", "imagenet")
    finally:
        os.chmod(str(tmp_path / "d" / "locked"), 0o700)


def test_walk_tree_order_is_sorted_depth_first(tmp_path):
    from mnistio.formats._imagefiles import walk_tree

    for relative in ["b/z", "b/a", "a", "c/d/e"]:
        os.makedirs(str(tmp_path.joinpath(*relative.split("/"))))
    for relative in ["2.png", "1.png", "b/x.png", "c/d/e/y.png"]:
        tmp_path.joinpath(*relative.split("/")).write_bytes(b"")
    assert [(folder, subfolders, files) for folder, subfolders, files, _ in walk_tree(str(tmp_path))] == [
        ("", ["a", "b", "c"], ["1.png", "2.png"]), ("a", [], []), ("b", ["a", "z"], ["x.png"]), ("b/a", [], []),
        ("b/z", [], []), ("c", ["d"], []), ("c/d", ["e"], []), ("c/d/e", [], ["y.png"])]


# -- each image's own extension; unchanged image files linked, not encoded again -------------------

EXTENSIONS = [None, ".png", ".bmp", ".PNG", ".pnm"]


@st.composite
def images_with_extensions(draw):
    """Items with gray or colour images, each with its own extension (or none), some labelled."""
    items = []
    for number in range(draw(st.integers(1, 6))):
        channels = draw(st.sampled_from([1, 3]))
        height, width = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        data = draw(st.binary(min_size=height * width * channels, max_size=height * width * channels))
        ext = draw(st.sampled_from(EXTENSIONS))
        ext = {".pnm": ".pgm" if channels == 1 else ".ppm"}.get(ext, ext)
        items.append(dm.DatasetItem(id="i%d" % number, subset=draw(st.sampled_from(["train", "test"])),
                                    image=dm.Image(data, shape=(height, width, channels), ext=ext),
                                    annotations=[dm.Label(draw(st.integers(0, 1)))]))
    return dm.Dataset.from_iterable(items, categories=["a", "b"])


def by_id_suffix(dataset):
    """{id (after its label, for imagenet): (extension, shape, pixels)}."""
    return {item.id.split(":", 1)[-1]: (item.media.ext, item.media.shape, bytes(item.media.data)) for item in dataset}


@pytest.mark.parametrize("layout", LAYOUTS)
@given(dataset=images_with_extensions())
def test_each_image_keeps_its_extension_through_a_round_trip(tmp_path_factory, layout, dataset):
    out = tmp_path_factory.mktemp(layout) / "out"
    dataset.export(out, layout, save_media=True, workers=1)
    back = by_id_suffix(dm.Dataset.import_from(out, layout))
    want = {item.id: (item.media.ext or ".png", item.media.shape, bytes(item.media.data)) for item in dataset}
    assert back == want
    # Written again, unchanged: the same files, linked (the same inode), whatever the layout.
    again = tmp_path_factory.mktemp(layout) / "again"
    dm.Dataset.import_from(out, layout).export(again, layout, save_media=True, workers=1)
    written = [name for name in sorted(os.listdir(str(again))) if not name.endswith(".txt")]
    first = [name for name in sorted(os.listdir(str(out))) if not name.endswith(".txt")]
    assert written == first
    for folder, _, files in os.walk(str(out)):
        for name in files:
            if not name.endswith(".txt"):
                copy = os.path.join(str(again), os.path.relpath(os.path.join(folder, name), str(out)))
                assert os.path.samefile(os.path.join(folder, name), copy)


def test_unchanged_image_files_are_linked_and_changed_ones_encoded(tmp_path, sample_dir):
    dm.Dataset.import_from(sample_dir).export(tmp_path / "a", "imagenet", save_media=True)
    dataset = dm.Dataset.import_from(tmp_path / "a")
    first = next(iter(dataset))
    changed = first.wrap(media=dm.Image(bytes(784), shape=(28, 28)))
    dataset.put(changed)
    report = dataset.export(tmp_path / "b", "imagenet", save_media=True)
    assert report.items == 600
    label = dataset.label_names[first.labels[0]]
    stem = first.id.split(":", 1)[1]
    assert not os.path.samefile(tmp_path / "a" / label / (stem + ".png"), tmp_path / "b" / label / (stem + ".png"))
    assert bytes(dm.Image.from_file(tmp_path / "b" / label / (stem + ".png")).data) == bytes(784)
    linked = sum(os.path.samefile(os.path.join(folder, name), os.path.join(str(tmp_path / "b"), os.path.relpath(
        folder, str(tmp_path / "a")), name)) for folder, _, names in os.walk(str(tmp_path / "a")) for name in names)
    assert linked == 599


def test_a_file_that_cannot_be_linked_is_copied(tmp_path, monkeypatch):
    import errno

    write = dm.Dataset.from_iterable([dm.DatasetItem(id="x", image=dm.Image([[3, 4]]), annotations=[dm.Label(0)])],
                                     categories=["c"])
    write.export(tmp_path / "a", "imagenet")

    def refuse(source, target, **options):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", refuse)
    dm.Dataset.import_from(tmp_path / "a").export(tmp_path / "b", "imagenet", workers=1)
    original, copy = tmp_path / "a" / "c" / "x.png", tmp_path / "b" / "c" / "x.png"
    assert copy.read_bytes() == original.read_bytes() and not os.path.samefile(original, copy)


def test_an_image_file_gone_before_it_is_linked_is_named(tmp_path):
    dm.Dataset.from_iterable([dm.DatasetItem(id="x", image=dm.Image([[3]]), annotations=[dm.Label(0)])],
                             categories=["c"]).export(tmp_path / "a", "imagenet")
    dataset = dm.Dataset.import_from(tmp_path / "a")
    items = list(dataset)
    os.remove(tmp_path / "a" / "c" / "x.png")
    with pytest.raises(dm.errors.FileSystemError, match="x.png"):
        dm.Dataset.from_iterable(items, categories=["c"]).export(tmp_path / "b", "imagenet", workers=1)
    assert not (tmp_path / "b").exists()


def test_an_images_own_extension_that_cannot_be_written_is_refused_naming_the_item(tmp_path, monkeypatch):
    from mnistio.codecs import images

    dataset = dm.Dataset.from_iterable([dm.DatasetItem(id="x", image=dm.Image([[3]], ext=".xyz"))])
    with pytest.raises(UsageError, match=r"item 'x' \(subset 'default'\).*'.xyz'.*--image-ext"):
        dataset.export(tmp_path / "a", "image_dir")
    monkeypatch.setattr(images, "_pillow", lambda: None)
    dataset = dm.Dataset.from_iterable([dm.DatasetItem(id="y", image=dm.Image([[3]], ext=".jpg"))])
    with pytest.raises(UsageError, match=r"item 'y' \(subset 'default'\): cannot write .jpg images without Pillow"):
        dataset.export(tmp_path / "b", "image_dir")
    assert dataset.export(tmp_path / "c", "image_dir", image_ext=".png").items == 1


def test_a_name_is_taken_whatever_its_extension(tmp_path):
    dataset = dm.Dataset.from_iterable([
        dm.DatasetItem(id="x", subset="train", image=dm.Image([[1]], ext=".png"), annotations=[dm.Label(0)]),
        dm.DatasetItem(id="x", subset="test", image=dm.Image([[2]], ext=".bmp"), annotations=[dm.Label(0)])],
        categories=["c"])
    report = dataset.export(tmp_path / "o", "imagenet")
    assert sorted(os.listdir(tmp_path / "o" / "c")) == ["x.png", "x~test.bmp"]  # x.bmp would read back as c:x too
    assert report.notes == ["1 file renamed with ~<subset> so that no item overwrites another"]


def test_an_image_outside_every_subset_folder_is_refused_naming_it(tmp_path):
    """Datumaro 1.13 detects the tree as imagenet_with_subset_dirs and leaves the image out."""
    (tmp_path / "d" / "train" / "cat").mkdir(parents=True)
    (tmp_path / "d" / "train" / "cat" / "1.png").write_bytes(encode_png(bytes([1]), 1, 1, 1))
    (tmp_path / "d" / "3.png").write_bytes(encode_png(bytes([2]), 1, 1, 1))
    assert dm.formats.detect(str(tmp_path / "d"))[0] == "imagenet_with_subset_dirs"
    with pytest.raises(dm.errors.FormatError, match="image file '3.png' is in no subset folder"):
        dm.Dataset.import_from(str(tmp_path / "d"))


@given(st.lists(st.sets(st.integers(0, 3)), min_size=1, max_size=6),
       st.sampled_from(["imagenet", "imagenet_with_subset_dirs", "imagenet_txt"]))
def test_items_with_several_labels_come_back_with_them(tmp_path_factory, label_sets, layout):
    out = tmp_path_factory.mktemp("several") / "out"
    dataset = dm.Dataset.from_iterable(
        [dm.DatasetItem(id="i%d" % number, image=dm.Image(bytes([number]), shape=(1, 1)),
                        annotations=[dm.Label(label) for label in labels])
         for number, labels in enumerate(label_sets)], categories=["a", "b", "c", "d"])
    dataset.export(str(out), layout, save_media=True)
    names = ["a", "b", "c", "d"]
    read = dm.Dataset.import_from(str(out), layout)
    back = {item.id.split(":")[-1]: sorted(read.label_names[label] for label in item.labels) for item in read}
    assert back == {"i%d" % number: sorted(names[label] for label in labels)
                    for number, labels in enumerate(label_sets)}
