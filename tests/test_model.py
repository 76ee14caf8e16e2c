"""The model: images from every input kind, items, label names, datasets."""

import array

import pytest

import mnistio as dm
from mnistio.errors import UsageError


def test_image_from_bytes_and_shape():
    image = dm.Image(bytes(range(6)), shape=(2, 3))
    assert image.shape == (2, 3) and image.size == (2, 3) and image.channels == 1
    assert image.tobytes() == bytes(range(6))


def test_image_from_nested_sequences_and_whole_floats():
    assert dm.Image([[0, 1.0], [254.0, 255]]).tobytes() == bytes([0, 1, 254, 255])
    rgb = dm.Image([[[1, 2, 3], [4, 5, 6]]])
    assert rgb.shape == (1, 2, 3) and rgb.tobytes() == bytes(range(1, 7))


@pytest.mark.parametrize("bad, message", [
    ([[0.5, 1]], "pixel 0 is 0.5"),
    ([[256, 1]], "pixel 0 is 256"),
    ([[-1, 1]], "pixel 0 is -1"),
    ([[float("nan"), 1]], "pixel 0 is nan"),
    ([["a", 1]], "pixel 0 is 'a'"),
])
def test_image_refuses_values_that_are_not_pixels(bad, message):
    with pytest.raises(UsageError, match=message):
        dm.Image(bad)


def test_image_refuses_ragged_rows_and_bad_shapes():
    with pytest.raises(UsageError, match="ragged"):
        dm.Image([[1, 2], [3]])
    with pytest.raises(UsageError, match="do not fill shape"):
        dm.Image(b"abc", shape=(2, 2))
    with pytest.raises(UsageError, match="needs a shape"):
        dm.Image(b"abcd")
    with pytest.raises(UsageError, match="1 to 4 channels"):
        dm.Image(bytes(10), shape=(1, 2, 5))


def test_image_from_buffer_protocol_objects():
    assert dm.Image(array.array("B", [1, 2, 3, 4]), shape=(2, 2)).tobytes() == b"\x01\x02\x03\x04"
    two_d = memoryview(bytes(range(6))).cast("B", (2, 3))
    assert dm.Image(two_d).shape == (2, 3)
    assert dm.Image(array.array("d", [0.0, 255.0]), shape=(1, 2)).tobytes() == b"\x00\xff"


def test_image_equality_and_copy():
    image = dm.Image(bytes(4), shape=(2, 2))
    assert dm.Image(image) == image
    assert dm.Image(bytes(4), shape=(1, 4)) != image


def test_lazy_image_loads_once():
    calls = []

    def load():
        calls.append(1)
        return b"\x07" * 4, 2, 2, 1

    image = dm.Image.from_loader(load)
    assert calls == [] and image.has_data
    assert image.tobytes() == b"\x07" * 4 and image.shape == (2, 2)
    image.data
    assert calls == [1]


def test_numpy_arrays_in_and_out_without_copy():
    np = pytest.importorskip("numpy")
    image = dm.Image(np.ones((28, 28)))
    assert image.tobytes() == b"\x01" * 784
    assert dm.Image(np.arange(6, dtype=">i4").reshape(2, 3)).tobytes() == bytes(range(6))
    assert dm.Image(np.arange(12, dtype=np.uint8).reshape(2, 3, 2)[:, ::2]).tobytes() == bytes([0, 1, 4, 5, 6, 7, 10, 11])
    with pytest.raises(UsageError):
        dm.Image(np.full((2, 2), 0.5))
    with pytest.raises(UsageError):
        dm.Image(np.zeros((2, 2), dtype=complex))
    shared = dm.Image(bytearray(range(6)), shape=(2, 3))
    view = np.asarray(shared)
    assert view.shape == (2, 3) and view.dtype == np.uint8 and view.tolist() == [[0, 1, 2], [3, 4, 5]]
    assert np.shares_memory(view, np.frombuffer(shared.data, dtype=np.uint8))


def test_item_defaults_and_conversions():
    item = dm.DatasetItem(id=0, image=[[1, 2]], annotations=[dm.Label(2)])
    assert item.id == "0" and item.subset == "default" and item.labels == [2]
    assert isinstance(item.media, dm.Image) and item.image is item.media
    with pytest.raises(UsageError):
        dm.DatasetItem(id=1, image=[[1]], media=dm.Image([[1]]))
    with pytest.raises(UsageError):
        dm.Label(-1)
    with pytest.raises(UsageError):
        dm.Label(True)
    assert dm.Label(3.0).label == 3


def test_label_categories():
    categories = dm.LabelCategories.from_iterable(["cat", "dog"])
    assert categories.find("dog") == (1, categories[1]) and categories.find("cow") == (None, None)
    assert categories.add("cow") == 2 and categories.names == ["cat", "dog", "cow"]
    with pytest.raises(UsageError, match="appears twice"):
        categories.add("cat")


def test_dataset_from_iterable_api():
    items = [dm.DatasetItem(id=i, subset=s, image=bytes([i] * 4) and dm.Image(bytes([i] * 4), shape=(2, 2)),
                            annotations=[dm.Label(i % 2)])
             for i, s in enumerate(["train", "test", "train"])]
    dataset = dm.Dataset.from_iterable(items, categories=["a", "b"])
    assert len(dataset) == 3 and dataset.label_names == ["a", "b"]
    assert list(dataset.subsets()) == ["train", "test"] and len(dataset.subsets()["train"]) == 2
    assert [item.id for item in dataset.get_subset("train")] == ["0", "2"]
    # as Datumaro's: get() without a subset looks in "default" (issue 9)
    assert dataset.get(1, "test").subset == "test" and dataset.get(1, subset="train") is None
    assert dataset.get(1) is None
    assert dataset.categories()[dm.AnnotationType.label].names == ["a", "b"]
    with pytest.raises(UsageError, match="expected a DatasetItem"):
        dm.Dataset.from_iterable([1])


# -- the extension of an image (Datumaro's Image.ext) ------------------------------------------

def test_image_ext_is_normalised_and_checked():
    assert dm.Image(bytes([1]), shape=(1, 1), ext="JPG").ext == ".jpg"
    assert dm.Image.from_numpy([[1]], ext=".Bmp").ext == ".bmp"
    assert dm.Image([[1]]).ext is None
    for bad in ["", ".", "a/b", ".p\x00g", "..png", 5]:
        with pytest.raises(UsageError, match="extension"):
            dm.Image([[1]], ext=bad)


def test_image_ext_survives_copies_and_pickles_but_the_source_file_does_not(tmp_path):
    import pickle

    from mnistio.codecs.png import encode_png

    path = tmp_path / "x.PNG"
    path.write_bytes(encode_png(bytes([7]), 1, 1, 1))
    read = dm.Image.from_file(path)
    assert (read.ext, read.source_file, read.path) == (".PNG", str(path), str(path))
    assert dm.Image.from_file(path, ext="bmp").ext == ".bmp"
    copy = dm.Image(read)
    assert copy.ext == ".PNG" and copy.source_file is None and copy == read
    assert dm.Image(read, ext=".png").ext == ".png"
    again = pickle.loads(pickle.dumps(read))
    assert (again.ext, again.path, again.source_file, bytes(again.data)) == (".PNG", str(path), None, b"\x07")


def test_only_an_image_read_from_a_file_has_a_source_file(tmp_path):
    from mnistio.codecs.png import encode_png

    path = tmp_path / "x.png"
    path.write_bytes(encode_png(bytes([7, 8, 9]), 1, 1, 3))
    read = dm.Image.from_file(path)
    assert read.source_file == str(path)
    assert read.to_gray().source_file is None  # new pixels
    assert dm.Image.from_loader(lambda: (b"\x01", 1, 1, 1), path=str(path)).source_file is None
    assert dm.Image([[1]], path=str(path)).source_file is None
