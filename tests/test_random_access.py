"""Random access and iteration order (issue 11, points 2 and 4; ``docs/api.rst``, "Random access" and
"Order").

Every layout yields its subsets in one order (train, test, then the others sorted) and its items in
file order; ``subset[i]``, slices, negative indices, ``dataset[i]`` and ``get(id, subset)`` give the
item iteration gives there, whether the layout seeks (raw and gzip IDX, CSV) or reads up to it.
"""

import gzip
import os
import pickle
import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mnistio as dm
from mnistio.model.sources import ItemSource, in_subset_order, subset_order_key

#: subsets given in no particular order: read back train, test, then the others sorted
SUBSETS = ["val", "extra", "test", "train"]
EXPECTED_ORDER = ["train", "test", "extra", "val"]
SIZES = {"train": 23, "test": 9, "extra": 4, "val": 6}


def _dataset(ids=None):
    items = []
    for subset in SUBSETS:
        for index in range(SIZES[subset]):
            pixels = bytes((index * 7 + position + len(subset)) % 256 for position in range(28 * 28))
            item_id = ids(subset, index) if ids else str(index)
            items.append(dm.DatasetItem(id=item_id, subset=subset, media=dm.Image(pixels, shape=(28, 28)),
                                        annotations=[dm.Label(index % 3)] if index % 5 else []))
    return dm.Dataset.from_iterable(items, categories=["a", "b", "c"])


def _gzip_csv(folder):
    for name in os.listdir(folder):
        if name.endswith(".csv") and not name.startswith("meta_"):
            path = os.path.join(folder, name)
            with open(path, "rb") as source, gzip.open(path + ".gz", "wb") as target:
                shutil.copyfileobj(source, target)
            os.remove(path)


#: (name, format, export options, whether every subset seeks, how the files are changed after export)
LAYOUTS = [
    ("mnist-gzip", "mnist", {}, True, None),
    ("mnist-raw", "mnist", {"compress": "none"}, True, None),
    ("mnist-transposed", "mnist", {"compress": "none", "transpose": True}, True, None),
    ("mnist_csv", "mnist_csv", {}, True, None),
    ("mnist_csv-gzip", "mnist_csv", {}, True, _gzip_csv),
    ("npz", "npz", {}, True, None),
    ("npz-stored-medmnist", "npz", {"stored": True, "style": "medmnist"}, True, None),
    ("npz-kmnist", "npz", {"style": "kmnist"}, True, None),
    ("imagenet_txt", "imagenet_txt", {}, False, None),
    ("imagenet_with_subset_dirs", "imagenet_with_subset_dirs", {}, False, None),
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """``{layout name: (dataset read back, its items as iteration yields them)}``."""
    root = tmp_path_factory.mktemp("layouts")
    found = {}
    for name, format, options, _, change in LAYOUTS:
        folder = str(root / name)
        _dataset().export(folder, format, save_media=True, **options)
        if change is not None:
            change(folder)
        dataset = dm.Dataset.import_from(folder, format)
        found[name] = dataset, list(dataset)
    return found


@pytest.mark.parametrize("name", [layout[0] for layout in LAYOUTS])
def test_every_layout_yields_train_then_test_then_the_others_sorted(exported, name):
    dataset, items = exported[name]
    order = list(dict.fromkeys(item.subset for item in items))
    assert order == EXPECTED_ORDER
    assert list(dataset.subset_counts()) == EXPECTED_ORDER == list(dataset.subsets())
    if name.startswith(("mnist", "npz")):  # items in file order: the ids are the positions in the files
        for subset in EXPECTED_ORDER:
            assert [item.id for item in items if item.subset == subset] == [str(i) for i in range(SIZES[subset])]


@pytest.mark.parametrize("name, seeks", [(layout[0], layout[3]) for layout in LAYOUTS])
def test_random_access_says_whether_it_seeks(exported, name, seeks):
    assert exported[name][0].source.random_access is seeks


@settings(max_examples=25, deadline=None)
@given(layout=st.sampled_from([layout[0] for layout in LAYOUTS]), data=st.data())
def test_subset_index_is_the_item_iteration_gives(exported, layout, data):
    dataset, items = exported[layout]
    subset = data.draw(st.sampled_from(EXPECTED_ORDER))
    expected = [item for item in items if item.subset == subset]
    view = dataset.get_subset(subset)
    assert len(view) == len(expected)
    index = data.draw(st.integers(-len(expected), len(expected) - 1))
    assert view[index] == expected[index]
    start, stop = data.draw(st.integers(-30, 30)), data.draw(st.integers(-30, 30))
    step = data.draw(st.sampled_from([1, 2, 3, -1, -2]))
    assert view[start:stop:step] == expected[start:stop:step]
    position = data.draw(st.integers(-len(items), len(items) - 1))
    assert dataset[position] == items[position]
    assert dataset[start:stop:step] == items[start:stop:step]


@pytest.mark.parametrize("name", [layout[0] for layout in LAYOUTS])
def test_past_the_end_is_an_index_error(exported, name):
    dataset, items = exported[name]
    view = dataset.get_subset("test")
    for index in (SIZES["test"], -SIZES["test"] - 1, 10 ** 6):
        with pytest.raises(IndexError):
            view[index]
    with pytest.raises(IndexError):
        dataset[len(items)]
    with pytest.raises(IndexError):
        dataset.get_subset("nothing")[0]
    assert view[SIZES["test"]:] == [] and dataset.get_subset("nothing")[:] == []
    with pytest.raises(dm.errors.UsageError):
        view["1"]


@pytest.mark.parametrize("name", [layout[0] for layout in LAYOUTS])
def test_get_by_id_is_the_scan(exported, name):
    dataset, items = exported[name]
    for item in items[::5] + items[-2:]:
        assert dataset.get(item.id, item.subset) == item
    for missing in ("23", "-1", "01", "1.0", " 1", "\u0663", "x"):
        assert dataset.get(missing, "train") is None
    assert dataset.get("0", "nothing") is None


@pytest.mark.parametrize("compress", ["gzip", "none"])
def test_ids_and_sizes_from_a_meta_file_are_indexed(tmp_path, compress):
    _dataset(ids=lambda subset, index: "%s-%d" % (subset, index)).export(tmp_path / "m", "mnist", save_media=True,
                                                                          compress=compress)
    dataset = dm.Dataset.import_from(tmp_path / "m")
    items = list(dataset)
    assert dataset.source.random_access
    assert dataset.get("train-22", "train") == items[22] and dataset.get("22", "train") is None
    assert dataset.get_subset("val")[-1] == items[-1] and dataset[:3] == items[:3]
    assert [dataset[i] for i in range(len(items))] == items


@pytest.mark.parametrize("compress", ["gzip", "none"])
def test_images_of_several_sizes_and_none_are_found_by_their_meta_sizes(tmp_path, compress):
    shapes = [(28, 28), (3, 5), None, (7, 2), (28, 28), None]
    dm.Dataset.from_iterable(
        [dm.DatasetItem(id="i%d" % index, subset="train", annotations=[dm.Label(index % 2)],
                        media=dm.Image(bytes(range(index, index + shape[0] * shape[1])) if shape[0] * shape[1] < 200
                                       else bytes(shape[0] * shape[1]), shape=shape) if shape else None)
         for index, shape in enumerate(shapes)], categories=["a", "b"]).export(
        tmp_path / "s", "mnist", save_media=True, compress=compress)
    dataset = dm.Dataset.import_from(tmp_path / "s")
    items = list(dataset)
    assert [item.media.shape if item.media is not None else None for item in items] == shapes
    view = dataset.get_subset("train")
    assert [view[i] for i in range(len(items))] == items == view[::-1][::-1]
    assert dataset.get("i3", "train") == items[3] and dataset.get("3", "train") is None


def test_in_memory_edited_and_transformed_datasets(tmp_path):
    dataset = _dataset()
    items = list(dataset)
    assert dataset[5] == items[5] and dataset.get_subset("test")[-1] == [i for i in items if i.subset == "test"][-1]
    dataset.export(tmp_path / "raw", "mnist", save_media=True, compress="none")
    read = dm.Dataset.import_from(tmp_path / "raw")
    new = dm.DatasetItem(id="new", subset="train", annotations=[dm.Label(1)])
    read.put(new)  # a put under a new key comes last in iteration: dataset[i] follows it
    assert list(read)[-1] == new == read[-1] and read.get_subset("train")[-1] == new
    read.remove("0", "train")
    assert read.get_subset("train")[0].id == "1" and read[0].id == "1"
    relabelled = dm.Dataset.import_from(tmp_path / "raw").transform("remap_labels", mapping={"a": "b"})
    assert relabelled.get_subset("val")[2] == list(relabelled.get_subset("val"))[2]


def test_an_error_policy_reads_up_to_the_item(tmp_path):
    _dataset().export(tmp_path / "raw", "mnist", save_media=True, compress="none")
    labels = tmp_path / "raw" / "train-labels-idx1-ubyte"
    data = bytearray(labels.read_bytes())
    data[8 + 2] = 200  # item 2 of train: a label with no name
    labels.write_bytes(bytes(data))
    plain = dm.Dataset.import_from(tmp_path / "raw")
    with pytest.raises(dm.errors.FormatError, match="label 200"):
        plain.get_subset("train")[2]
    assert plain.get_subset("train")[3].id == "3"  # a seek: the bad item before it is not read
    class Skipping(dm.ImportErrorPolicy):
        def _handle_item_error(self, error):
            return None  # the item is left out

    tolerant = dm.Dataset.import_from(tmp_path / "raw", error_policy=Skipping())
    assert len(tolerant.get_subset("train")) == SIZES["train"] - 1
    assert tolerant.get_subset("train")[2].id == "3" and tolerant.get("2", "train") is None


def test_a_truncated_raw_file_is_refused_on_seeking(tmp_path):
    _dataset().export(tmp_path / "raw", "mnist", save_media=True, compress="none")
    images = tmp_path / "raw" / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-7])
    with pytest.raises(dm.errors.TruncatedError):
        dm.Dataset.import_from(tmp_path / "raw").get_subset("train")[0]


def test_a_source_with_seeks_pickles_without_its_temporary_files(exported):
    dataset, items = exported["mnist-gzip"]
    assert dataset.get_subset("train")[3] == items[3]  # made the decompressed copies
    again = pickle.loads(pickle.dumps(dataset.source))
    assert again.item_at("train", 4) == items[4]
    csv, csv_items = exported["mnist_csv-gzip"]
    assert csv.get_subset("train")[3] == csv_items[3]
    assert pickle.loads(pickle.dumps(csv.source)).item_at("train", 4) == csv_items[4]


def test_the_generic_item_at_reads_up_to_the_item():
    class Three(ItemSource):
        def __iter__(self):
            return (dm.DatasetItem(id=str(i), subset="s") for i in range(3))

    source = Three()
    assert source.item_at("s", 2).id == "2" and not source.random_access and not source.grouped
    with pytest.raises(IndexError):
        source.item_at("s", 3)


@given(st.lists(st.text(max_size=6), unique=True))
def test_the_order_rule(names):
    ordered = list(in_subset_order({name: None for name in names}))
    rest = sorted(name for name in names if name not in ("train", "test"))
    assert ordered == [name for name in ("train", "test") if name in names] + rest
    assert sorted(names, key=subset_order_key) == ordered


def test_a_transform_that_moves_items_between_subsets_is_read_up_to_the_item(exported):
    dataset, _ = exported["mnist-raw"]
    split = dm.Dataset.import_from(dataset.path).transform("random_split", splits=[("a", 0.5), ("b", 0.5)], seed=3)
    items = list(split)
    assert [split[i] for i in range(len(items))] == items and split[-3:] == items[-3:]
    for name in ("a", "b"):
        assert split.get_subset(name)[:] == [item for item in items if item.subset == name]


@pytest.mark.parametrize("format, options", [("npz", {}), ("npz", {"stored": True})])
def test_npz_ids_array_found_by_scan(tmp_path, format, options):
    _dataset(ids=lambda subset, index: "%s-%d" % (subset, index)).export(tmp_path / "n", format, save_media=True,
                                                                          **options)
    dataset = dm.Dataset.import_from(tmp_path / "n")
    items = list(dataset)
    assert dataset.get("train-22", "train") == items[22] and dataset.get("22", "train") is None
    assert [dataset[i] for i in range(len(items))] == items


def test_a_numpy_savez_archive_seeks_in_its_stored_members(tmp_path):
    np = pytest.importorskip("numpy")
    images = np.arange(50 * 28 * 28, dtype=np.uint8).reshape(50, 28, 28)
    labels = np.arange(50, dtype=np.int64) % 10
    np.savez(tmp_path / "mnist.npz", x_train=images, y_train=labels.reshape(50, 1), x_test=images[:7],
             y_test=labels[:7].astype(np.uint8))
    dataset = dm.Dataset.import_from(tmp_path)
    items = list(dataset)
    assert [dataset[i] for i in range(len(items))] == items and dataset.source.random_access
    assert np.array_equal(np.asarray(dataset.get_subset("train")[-1].media), images[-1])
    assert dataset.get("49", "train").labels == [9]
