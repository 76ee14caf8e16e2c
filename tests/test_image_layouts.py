"""imagenet, imagenet_with_subset_dirs, imagenet_txt, image_dir: round trips,
nothing overwritten, nothing written outside the output folder."""

import os
import pathlib

import pytest
from hypothesis import assume, given, note
from hypothesis import strategies as st

import mnistio as dm
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
