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
