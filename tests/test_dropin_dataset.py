"""Dataset as Datumaro's: in-place operations, editing, change tracking, saving in place, eager mode.

Every test takes ``lib`` (conftest.py) and runs on mnistio and on Datumaro 1.13 with the same
body, so that a difference shows as a failing test. The few lines that check mnistio only say
why (Datumaro loses or corrupts data there, or the check is of mnistio's own guarantee).
"""

import os
import pickle
import shutil
import warnings

import pytest
from conftest import SAMPLE, is_datumaro


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Datumaro warns about its own deprecations
        yield


def sample(lib, tmp_path=None):
    """The 600 real digits; a copy in ``tmp_path`` when the test writes into the folder."""
    path = SAMPLE
    if tmp_path is not None:
        path = str(tmp_path / "sample")
        shutil.copytree(SAMPLE, path)
    return lib.Dataset.import_from(path, "mnist")


def ids(dataset):
    return sorted((item.subset, item.id) for item in dataset)


def labels_of(dataset, subset="test"):
    return {item.id: [a.label for a in item.annotations] for item in dataset if item.subset == subset}


# -- 1. in place --------------------------------------------------------------------------------

def test_filter_is_in_place_and_returns_the_dataset(lib, tmp_path):
    dataset = sample(lib)
    assert dataset.filter('/item[annotation/label="3"]') is dataset
    assert len(dataset) == 57
    dataset.export(str(tmp_path / "out"), "mnist", save_media=True)
    assert len(lib.Dataset.import_from(str(tmp_path / "out"), "mnist")) == 57


def test_transform_select_and_update_are_in_place(lib):
    dataset = sample(lib)
    assert dataset.transform("remap_labels", mapping={"3": "three"}, default="keep") is dataset
    assert "three" in [c.name for c in dataset.categories()[lib.AnnotationType.label]]
    assert dataset.select(lambda item: item.subset == "test") is dataset
    assert len(dataset) == 100
    extra = lib.Dataset.from_iterable([lib.DatasetItem(id="new", subset="test", annotations=[lib.Label(0)])],
                                      categories=["0"])
    assert dataset.update(extra) is dataset
    assert len(dataset) == 101 and dataset.get("new", "test") is not None


def test_a_transform_refusing_its_options_leaves_the_dataset_as_it_was(lib):
    dataset = sample(lib)
    before = ids(dataset)
    if is_datumaro(lib):
        # Datumaro records the transform, logs the error when the dataset is read, and drops it.
        dataset.transform("random_split", splits=[("a", 2.0)])
    else:
        # mnistio checks the options at once: the error reaches the caller, nothing is recorded.
        with pytest.raises(lib.UsageError, match=r"ratio"):
            dataset.transform("random_split", splits=[("a", 2.0)])  # ratios must be in [0, 1]
        assert not dataset.is_modified
    assert ids(dataset) == before


def test_user_defined_item_transforms(lib):
    class Relabel(lib.ItemTransform):
        def transform_item(self, item):
            return item.wrap(annotations=[lib.Label(0)]) if item.subset == "test" else None

    dataset = sample(lib).transform(Relabel)
    assert len(dataset) == 100 and all([a.label for a in item.annotations] == [0] for item in dataset)


# -- 2. editing and tracking ------------------------------------------------------------------------

def test_put_get_remove_contains(lib):
    dataset = sample(lib)
    first = dataset.get("0", "test")
    assert first is not None and first.subset == "test"
    assert dataset.get("0") is None  # the subset defaults to "default"
    assert ("0", "test") in dataset and ("0", "nowhere") not in dataset and first in dataset
    dataset.put(first.wrap(annotations=[lib.Label(1)]))
    dataset.put(lib.DatasetItem(id="new", subset="test", annotations=[lib.Label(2)]))
    dataset.remove("1", "test")
    assert [a.label for a in dataset.get("0", "test").annotations] == [1]
    assert ("new", "test") in dataset
    assert len(dataset) == 600 and len(dataset.get_subset("test")) == 100
    order = [item.id for item in dataset if item.subset == "test"]
    assert order[0] == "0" and order[-1] == "new" and "1" not in order  # new items come last
    # Datumaro's get still finds a removed item in a dataset it has not read into memory (and
    # puts it back: it is iterated and counted again afterwards).
    assert is_datumaro(lib) or dataset.get("1", "test") is None


def test_subsets_are_live_views(lib):
    dataset = sample(lib)
    test = dataset.get_subset("test")
    assert len(test) == 100 and sorted(dataset.subsets()) == ["test", "train"]
    test.put(lib.DatasetItem(id="extra", annotations=[lib.Label(4)]))
    assert dataset.get("extra", "test") is not None and len(test) == 101
    test.remove("extra", "test")  # Datumaro's view asserts the subset; mnistio's defaults to its own
    assert dataset.get("extra", "test") is None and len(test) == 100
    assert test.get("5", "test") is not None and all(item.subset == "test" for item in test)
    assert is_datumaro(lib) or test.get("5") is not None  # Datumaro's view asserts the subset is given
    assert (test.get_annotated_items(), test.get_annotations()) == (100, 100)
    fresh = dataset.get_subset("val")
    fresh.put(lib.DatasetItem(id="v1"))
    assert sorted(dataset.subsets()) == ["test", "train", "val"] and len(dataset) == 601


def test_categories_are_keyed_by_annotation_type(lib):
    categories = sample(lib).categories()
    assert list(categories) == [lib.AnnotationType.label]
    assert [c.name for c in categories[lib.AnnotationType.label]] == [str(d) for d in range(10)]


def test_patch_statuses_of_edits(lib):
    dataset = sample(lib)
    assert not dataset.is_modified
    dataset.put(dataset.get("0", "test").wrap(annotations=[lib.Label(1)]))
    dataset.put(lib.DatasetItem(id="new", subset="test"))
    dataset.remove("1", "test")
    assert dataset.is_modified
    patch = dataset.get_patch()
    status = {key: value.name for key, value in patch.updated_items.items()}
    # A put into a dataset read lazily is "added" in Datumaro even when the key was there.
    assert status == {("0", "test"): "added", ("new", "test"): "added", ("1", "test"): "removed"}
    assert list(patch.updated_subsets) == ["test"]
    assert patch.data.get("new", "test") is not None and patch.data.get("1", "test") is None


def test_patch_of_a_dataset_in_memory(lib):
    dataset = lib.Dataset.from_iterable([lib.DatasetItem(id="a"), lib.DatasetItem(id="b")], categories=["x"])
    list(dataset)  # Datumaro caches on iteration; mnistio holds from_iterable's items in memory anyway
    dataset.put(lib.DatasetItem(id="a", annotations=[lib.Label(0)]))
    dataset.put(lib.DatasetItem(id="c"))
    dataset.put(lib.DatasetItem(id="d"))
    dataset.remove("d")  # added, then removed: Datumaro records the removal
    assert {k: v.name for k, v in dataset.get_patch().updated_items.items()} == {
        ("a", "default"): "modified", ("c", "default"): "added", ("d", "default"): "removed"}


def test_patch_after_a_filter(lib):
    dataset = sample(lib)
    dataset.filter('/item[annotation/label="3"]')
    assert dataset.is_modified
    statuses = [value.name for value in dataset.get_patch().updated_items.values()]
    assert statuses.count("modified") == 57 and statuses.count("removed") == 543
    assert sorted(dataset.get_patch().updated_subsets) == ["test", "train"]


def test_flush_changes(lib):
    dataset = sample(lib)
    dataset.remove("0", "test")
    dataset.flush_changes()
    assert not dataset.is_modified and dataset.get_patch().updated_items == {}


def test_saving_in_place_writes_what_changed(lib, tmp_path):
    dataset = sample(lib, tmp_path)
    folder = str(tmp_path / "sample")
    train_files = sorted(name for name in os.listdir(folder) if name.startswith("train"))
    before = {name: os.stat(os.path.join(folder, name)) for name in train_files}
    dataset.put(dataset.get("0", "test").wrap(annotations=[lib.Label(9)]))
    dataset.export(folder, "mnist", save_media=True)
    back = lib.Dataset.import_from(folder, "mnist")
    assert labels_of(back)["0"] == [9] and len(back) == 600
    assert not dataset.is_modified
    if not is_datumaro(lib):  # the unchanged subset's files are the same files (hard links), not rewritten
        after = {name: os.stat(os.path.join(folder, name)) for name in train_files}
        assert all(after[name].st_ino == before[name].st_ino for name in train_files)


def test_save_goes_to_the_bound_folder(lib, tmp_path):
    dataset = sample(lib, tmp_path)
    dataset.remove("0", "test")
    dataset.save(save_media=True)
    assert len(lib.Dataset.import_from(str(tmp_path / "sample"), "mnist")) == 599
    dataset.export(str(tmp_path / "csv"), "mnist_csv", save_media=True)
    assert dataset.format == "mnist_csv" and os.path.samefile(dataset.data_path, str(tmp_path / "csv"))


# -- 6. eager mode -----------------------------------------------------------------------------------

def test_eager_mode_reads_at_once(lib):
    with lib.eager_mode():
        dataset = sample(lib)
        assert dataset.is_eager and dataset.is_cache_initialized
    assert not sample(lib).is_eager
    dataset.eager = False
    assert not dataset.is_eager


# -- 7. the rest ---------------------------------------------------------------------------------------

def test_datasets_and_items_pickle(lib):
    dataset = sample(lib)
    dataset.filter('/item[subset="test"]')
    dataset.put(lib.DatasetItem(id="new", subset="test", annotations=[lib.Label(1)]))
    copy = pickle.loads(pickle.dumps(dataset))
    assert ids(copy) == ids(dataset) and len(copy) == 101
    item = dataset.get("5", "test")
    again = pickle.loads(pickle.dumps(item))
    assert again.id == item.id and again.annotations == item.annotations
    assert bytes(again.media.data) == bytes(item.media.data) if not is_datumaro(lib) else True


def test_stream_datasets(lib):
    assert not sample(lib).is_stream
    stream = lib.StreamDataset.import_from(SAMPLE, "mnist")
    assert stream.is_stream and len(stream) == 600


def test_the_describing_methods(lib):
    dataset = sample(lib)
    assert list(dataset.get_subset_info()) == [
        "test: # of items=100, # of annotated items=100, # of annotations=100\n",
        "train: # of items=500, # of annotated items=500, # of annotations=500\n"]
    assert list(dataset.get_categories_info()) == ["%s: %r\n" % (str(lib.AnnotationType.label).split(".")[-1],
                                                   [str(d) for d in range(10)])]
    assert dataset.get_label_cat_names() == [str(d) for d in range(10)]
    # Datumaro counts only what it holds in memory: 0 for a dataset it has not read yet.
    assert is_datumaro(lib) or (dataset.get_annotated_items(), dataset.get_annotations()) == (600, 600)
    item = dataset.get("0", "test")
    assert item.media_as(lib.Image) is item.media


def test_categories_attributes(lib):
    categories = lib.LabelCategories.from_iterable(["a"])
    assert categories.attributes == set()
    categories.attributes.add("occluded")
    assert categories.attributes == {"occluded"}


@pytest.mark.parametrize("fmt", ["mnist", "mnist_csv", "cifar"])
def test_saving_in_place_keeps_the_unchanged_subsets_files(tmp_path, fmt):
    """mnistio only: the files of an unchanged subset are the same files after saving in place."""
    import mnistio as dm

    folder = str(tmp_path / fmt)
    dm.Dataset.import_from(SAMPLE, "mnist").export(folder, fmt, save_media=True)
    dataset = dm.Dataset.import_from(folder, fmt)
    files = {name: os.stat(os.path.join(folder, name)).st_ino for name in os.listdir(folder) if "train" in name}
    assert files
    dataset.remove("0", "test")
    report = dataset.export(folder, fmt, save_media=True)
    assert report.subsets == {"test": 99, "train": 500} and "1 subset unchanged, kept as it was: train" in report.notes
    assert {name: os.stat(os.path.join(folder, name)).st_ino for name in files} == files
    back = dm.Dataset.import_from(folder, fmt)
    assert len(back) == 599 and back.get("0", "test") is None and not dataset.is_modified
    assert dataset.export(folder, fmt, save_media=True).notes == [
        "nothing changed since the dataset was read: nothing was written"]


@pytest.mark.parametrize("fmt", ["mnist", "mnist_csv", "imagenet"])
def test_exporting_again_to_a_folder_deleted_since_writes_it_whole(tmp_path, fmt):
    """mnistio only: the dataset is bound to the folder it was exported to; once that folder is
    deleted (or no longer holds the dataset), exporting there again is not a no-op patch."""
    import shutil

    import mnistio as dm

    folder = str(tmp_path / fmt)
    dataset = dm.Dataset.import_from(SAMPLE, "mnist")
    assert dataset.export(folder, fmt, save_media=True).items == 600
    shutil.rmtree(folder)
    report = dataset.export(folder, fmt, save_media=True)
    assert report.items == 600 and not any("nothing was written" in note for note in report.notes)
    assert len(dm.Dataset.import_from(folder, fmt)) == 600
    for name in os.listdir(folder):  # emptied by hand: the folder is written whole too
        path = os.path.join(folder, name)
        shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    assert dataset.export(folder, fmt, save_media=True).items == 600


def test_user_defined_extractors(lib):
    class Digits(lib.SubsetBase):
        def __init__(self):
            super().__init__(subset="train")
            self._categories = {lib.AnnotationType.label: lib.LabelCategories.from_iterable(["zero", "one"])}
            self._items = [lib.DatasetItem(id=str(n), subset="train", annotations=[lib.Label(n % 2)])
                           for n in range(5)]

    dataset = lib.Dataset.from_extractors(Digits())
    assert len(dataset) == 5 and [c.name for c in dataset.categories()[lib.AnnotationType.label]] == ["zero", "one"]
    assert dataset.get("3", "train").annotations[0].label == 1

    class Stream(lib.DatasetBase):
        def __iter__(self):
            yield lib.DatasetItem(id="a", subset="s")

    assert [item.id for item in lib.Dataset.from_extractors(Stream())] == ["a"]


def test_from_iterable_refuses_a_repeated_item(lib):
    """Two items with one (id, subset) are refused, in Datumaro's words, rather than one lost
    (Datumaro when the dataset is first used, mnistio at once)."""
    with pytest.raises(Exception) as error:
        len(lib.Dataset.from_iterable([lib.DatasetItem(id="a", subset="s"), lib.DatasetItem(id="a", subset="s")]))
    assert type(error.value).__name__ == "RepeatedItemError" and error.value.item_id == ("a", "s")
    assert "Item ('a', 's') is repeated in the source sequence." in str(error.value)
    assert len(lib.Dataset.from_iterable([lib.DatasetItem(id="a", subset="s"), lib.DatasetItem(id="a")])) == 2


def test_from_extractors_merge_policies(lib):
    """Datumaro joins two items of one id into one item; mnistio never merges two images into one:
    "exact" refuses the clash naming both inputs, "union" keeps both (the later renamed)."""
    a = lib.Dataset.from_iterable([lib.DatasetItem(id="1", annotations=[lib.Label(0)])], categories=["x"])
    b = lib.Dataset.from_iterable([lib.DatasetItem(id="1", annotations=[lib.Label(0)])], categories=["x"])
    if is_datumaro(lib):
        assert len(lib.Dataset.from_extractors(a, b)) == 1
        return
    with pytest.raises(lib.UsageError, match="an exact merge refuses clashing ids"):
        list(lib.Dataset.from_extractors(a, b))
    assert [item.id for item in lib.Dataset.from_extractors(a, b, merge_policy="union")] == ["1", "1~2"]
    with pytest.raises(lib.UsageError, match="'exact' or 'union'"):
        lib.Dataset.from_extractors(a, b, merge_policy="intersect")


def test_save_keeps_the_images_and_the_folders_other_files(lib, tmp_path):
    """``save()`` with no options: Datumaro 1.13 deletes the images of both subsets and the folder's
    other files (README, PROVENANCE); mnistio keeps them: never an input lost."""
    dataset = sample(lib, tmp_path)
    folder = str(tmp_path / "sample")
    with open(os.path.join(folder, "README.md"), "w") as file:
        file.write("where these digits come from\n")
    dataset.remove("0", "test")
    dataset.save()
    back = lib.Dataset.import_from(folder, "mnist")
    with_images = sum(item.media is not None and item.media.has_data for item in back)
    if is_datumaro(lib):
        assert with_images == 0 and not os.path.exists(os.path.join(folder, "README.md"))
        return
    assert len(back) == 599 and with_images == 599
    assert sorted(set(os.listdir(folder)) & {"README.md", "PROVENANCE.txt"}) == ["PROVENANCE.txt", "README.md"]


def test_save_refuses_to_delete_another_datasets_files(tmp_path):
    """mnistio only: a folder also holding data the layout does not own (another dataset's files, a
    subfolder) is not replaced by a save in place: the save is refused before anything is written."""
    import mnistio as dm

    dataset = sample(dm, tmp_path)
    folder = tmp_path / "sample"
    (folder / "other-train.csv").write_text("1,2,3\n")
    os.mkdir(str(folder / "FashionMNIST"))
    before = sorted(os.listdir(str(folder)))
    dataset.remove("0", "test")
    with pytest.raises(dm.UsageError, match="saving in place would delete FashionMNIST, other-train.csv"):
        dataset.save()
    assert sorted(os.listdir(str(folder))) == before and len(dm.Dataset.import_from(str(folder), "mnist")) == 600


def test_export_to_a_new_folder_inside_the_dataset_folder_is_refused_not_skipped(tmp_path):
    """mnistio only: ``<dataset folder>/out`` (not there yet) is not the dataset's folder: the export
    was once taken for saving in place, and wrote nothing without a word."""
    import mnistio as dm

    dataset = sample(dm, tmp_path)
    with pytest.raises(dm.UsageError, match="would replace or write into the input"):
        dataset.export(tmp_path / "sample" / "out", "mnist", save_media=True)
    assert not os.path.exists(str(tmp_path / "sample" / "out"))


def test_mnist_yields_train_first_and_get_finds_by_position(lib):
    """The order rule (docs/formats.rst, "Order"): the same first item on both libraries."""
    dataset = lib.Dataset.import_from(SAMPLE, "mnist")
    first = next(iter(dataset))
    assert (first.id, first.subset, [a.label for a in first.annotations]) == ("0", "train", [5])
    assert list(dataset.subsets()) == ["train", "test"]
    assert [a.label for a in dataset.get("499", "train").annotations] == [8]
    assert dataset.get("500", "train") is None and len(dataset.get_subset("test")) == 100
