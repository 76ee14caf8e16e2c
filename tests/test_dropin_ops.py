"""Operations as Datumaro's: the label hierarchy through transforms and merges, HLOps,
remove_annotations by annotation id, and the classification split.

Every test takes ``lib`` (conftest.py) and runs on mnistio and on Datumaro 1.13 with the same
body, so that a difference shows as a failing test. The lines that check mnistio only say why:
Datumaro loses data there (a renamed parent, label groups, the attributes of merged labels, items
put into a subset nobody asked for), or raises an AssertionError where mnistio names the fix.
"""

import warnings
from collections import Counter

import pytest
from conftest import is_datumaro


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Datumaro warns about its own deprecations
        yield


def group_type(lib):
    return (lib.components.annotation if is_datumaro(lib) else lib).GroupType


def categories(lib, labels, groups=()):
    """LabelCategories from ``(name, parent, attributes)`` tuples and ``(name, labels, type)`` groups."""
    made = lib.LabelCategories.from_iterable(labels)
    for name, members, kind in groups:
        made.add_label_group(name, members, group_type=group_type(lib)[kind])
    return made


def dataset(lib, items=(), labels=(), groups=()):
    """A dataset of ``(id, subset, label index or None)`` items with those label categories."""
    made = [lib.DatasetItem(id, subset=subset, annotations=[] if label is None else [lib.Label(label)])
            for id, subset, label in items]
    return lib.Dataset.from_iterable(made, categories={lib.AnnotationType.label: categories(lib, labels, groups)})


def hierarchy(lib, dataset):
    """``([(name, parent, attributes)], [(group name, labels, type name)])`` of a dataset."""
    cats = dataset.categories()[lib.AnnotationType.label]
    return ([(c.name, c.parent, c.attributes) for c in cats],
            [(g.name, list(g.labels), g.group_type.name) for g in cats.label_groups])


ANIMALS = [("animal",), ("cat", "animal", {"fluffy"}), ("dog", "animal", {"loyal"}), ("car", "")]
GROUPS = [("pets", ["cat", "dog"], "EXCLUSIVE"), ("things", ["car"], "INCLUSIVE")]


# -- the label hierarchy through transforms -----------------------------------------------------

def test_remap_labels_keeps_parents_of_labels_kept(lib):
    result = dataset(lib, labels=ANIMALS).transform("remap_labels", mapping={"car": "vehicle"})
    assert hierarchy(lib, result)[0] == [("animal", "", set()), ("cat", "animal", {"fluffy"}),
                                    ("dog", "animal", {"loyal"}), ("vehicle", "", set())]


def test_remap_labels_renaming_a_parent(lib):
    result = dataset(lib, labels=ANIMALS).transform("remap_labels", mapping={"animal": "creature"})
    parents = [parent for _, parent, _ in hierarchy(lib, result)[0]]
    if is_datumaro(lib):
        assert parents == ["", "", "", ""]  # Datumaro looks for 'animal', finds none: the hierarchy is lost
    else:
        assert parents == ["", "creature", "creature", ""]  # mnistio: the children follow the new name


def test_remap_labels_deleting_a_parent_clears_it(lib):
    result = dataset(lib, labels=ANIMALS).transform("remap_labels", mapping={"animal": ""})
    assert hierarchy(lib, result)[0] == [("cat", "", {"fluffy"}), ("dog", "", {"loyal"}), ("car", "", set())]


def test_remap_labels_merging_labels(lib):
    result = dataset(lib, labels=ANIMALS).transform("remap_labels", mapping={"cat": "pet", "dog": "pet"})
    labels = hierarchy(lib, result)[0]
    assert [(name, parent) for name, parent, _ in labels] == [("animal", ""), ("pet", "animal"), ("car", "")]
    if is_datumaro(lib):
        assert labels[1][2] == {"fluffy"}  # Datumaro keeps the first label's attributes: 'loyal' is lost
    else:
        assert labels[1][2] == {"fluffy", "loyal"}


def test_remap_labels_label_groups(lib):
    source = dataset(lib, labels=ANIMALS, groups=GROUPS)
    result = source.transform("remap_labels", mapping={"cat": "pet", "dog": "pet", "car": ""})
    if is_datumaro(lib):
        assert hierarchy(lib, result)[1] == []  # Datumaro drops every label group
    else:
        assert hierarchy(lib, result)[1] == [("pets", ["pet"], "EXCLUSIVE")]  # renamed; 'things' lost its only label


def test_project_labels_takes_parents_and_attributes_from_the_dataset(lib):
    result = dataset(lib, labels=ANIMALS, groups=GROUPS).transform("project_labels",
                                                                     dst_labels=["dog", "cat", "bird"])
    labels, groups = hierarchy(lib, result)
    assert labels == [("dog", "", {"loyal"}), ("cat", "", {"fluffy"}), ("bird", "", set())]  # no 'animal' now
    if is_datumaro(lib):
        assert groups == []  # Datumaro drops the groups
    else:
        assert groups == [("pets", ["cat", "dog"], "EXCLUSIVE")]
    kept = dataset(lib, labels=ANIMALS).transform("project_labels", dst_labels=["animal", "dog"])
    assert hierarchy(lib, kept)[0] == [("animal", "", set()), ("dog", "animal", {"loyal"})]


def test_project_labels_to_categories_copies_them(lib):
    target = categories(lib, [("dog", "animal"), ("cow", "")], [("herd", ["dog", "cow"], "RESTRICTED")])
    result = dataset(lib, [("1", "a", 2)], labels=ANIMALS).transform("project_labels", dst_labels=target)
    assert hierarchy(lib, result) == ([("dog", "", set()), ("cow", "", set())], [("herd", ["dog", "cow"], "RESTRICTED")])
    assert target[0].parent == "animal"  # the caller's categories are not changed
    assert [[a.label for a in item.annotations] for item in result] == [[0]]


# -- the label hierarchy through merges ----------------------------------------------------------

def test_union_merge_unites_label_names_by_name(lib):
    a = dataset(lib, [("1", "train", 1)], labels=[("animal",), ("cat", "animal", {"x"})])
    b = dataset(lib, [("2", "train", 0)], labels=[("cat", "", {"y"}), ("dog", "animal")])
    merged = lib.HLOps.merge(a, b, merge_policy="union")
    labels = hierarchy(lib, merged)[0]
    assert [(name, parent) for name, parent, _ in labels] == [("animal", ""), ("cat", "animal"), ("dog", "animal")]
    if is_datumaro(lib):
        assert labels[1][2] == {"x"}  # Datumaro's union keeps the first input's attributes: 'y' is lost
    else:
        assert labels[1][2] == {"x", "y"}
    names = [c.name for c in merged.categories()[lib.AnnotationType.label]]
    assert sorted(names[item.annotations[0].label] for item in merged) == ["cat", "cat"]


def test_union_merge_of_conflicting_parents(lib):
    a = dataset(lib, labels=[("cat", "animal")])
    b = dataset(lib, labels=[("cat", "pet")])
    if is_datumaro(lib):
        merged = lib.HLOps.merge(a, b, merge_policy="union")
        assert hierarchy(lib, merged)[0] == [("cat", "animal", set())]  # 'pet' silently lost
        with pytest.raises(Exception, match="parent label conflict: pet vs. animal"):  # the intersect merge refuses
            lib.HLOps.merge(a, b, merge_policy="intersect")
    else:
        with pytest.raises(lib.UsageError, match="label 'cat' has parent 'animal' in input 1 .* but 'pet' in input 2"):
            lib.HLOps.merge(a, b, merge_policy="union")


def test_merges_keep_label_groups(lib):
    a = dataset(lib, labels=ANIMALS, groups=GROUPS)
    b = dataset(lib, labels=ANIMALS, groups=GROUPS)
    assert hierarchy(lib, lib.HLOps.merge(a, b))[1] == hierarchy(lib, a)[1]  # the exact merge of equal lists
    union = hierarchy(lib, lib.HLOps.merge(a, b, merge_policy="union"))[1]
    if is_datumaro(lib):
        assert union == []  # Datumaro's union merge drops every group, even of equal label lists
    else:
        assert union == [("pets", ["cat", "dog"], "EXCLUSIVE"), ("things", ["car"], "INCLUSIVE")]


# -- HLOps ----------------------------------------------------------------------------------------

def digits(lib):
    return dataset(lib, [(str(i), ("train", "val", "test")[i % 3], i % 2) for i in range(12)], labels=["0", "1"])


def keys(dataset):
    return sorted((item.subset, item.id) for item in dataset)


def test_hlops_transform_and_filter_return_new_datasets(lib):
    source = digits(lib)
    before = keys(source)
    renamed = lib.HLOps.transform(source, "map_subsets", mapping={"val": "train"})
    assert renamed is not source and sorted({item.subset for item in renamed}) == ["test", "train"]
    odd = lib.HLOps.filter(source, '/item[annotation/label="1"]')
    assert odd is not source and len(odd) == 6
    pairs = lib.HLOps.filter(source, lambda item, annotation: annotation.label == 0, filter_annotations=True,
                             remove_empty=True)
    assert len(pairs) == 6
    assert keys(source) == before and len(source) == 12  # the input is as it was


def test_hlops_aggregate_joins_subsets(lib):
    source = digits(lib)
    joined = lib.HLOps.aggregate(source, from_subsets=["train", "val"], to_subset="fit")
    assert Counter(item.subset for item in joined) == {"fit": 8, "test": 4}
    assert Counter(item.subset for item in source) == {"train": 4, "val": 4, "test": 4}
    with pytest.raises(Exception, match=r"dev is not found in the subset names \(.*'train'.*\) in the dataset"):
        lib.HLOps.aggregate(source, from_subsets=["dev"], to_subset="fit")


def test_hlops_merge_without_clashes(lib):
    a = dataset(lib, [("1", "train", 0)], labels=["cat"])
    b = dataset(lib, [("1", "test", 0), ("2", "train", 0)], labels=["cat"])
    for policy in ("exact", "union"):
        merged = lib.HLOps.merge(a, b, merge_policy=policy)
        assert keys(merged) == [("test", "1"), ("train", "1"), ("train", "2")]
    with pytest.raises(ValueError, match="is invalid Merger name"):
        lib.HLOps.merge(a, b, merge_policy="best")


def test_hlops_merge_with_a_clash(lib):
    a = dataset(lib, [("1", "train", 0)], labels=["cat", "dog"])
    b = dataset(lib, [("1", "train", 1)], labels=["cat", "dog"])
    union = keys(lib.HLOps.merge(a, b, merge_policy="union"))
    if is_datumaro(lib):
        assert union == [("train", "1-0"), ("train", "1-1")]
        exact = lib.HLOps.merge(a, b)  # Datumaro joins them: one item, one of the two images, both labels
        assert [[ann.label for ann in item.annotations] for item in exact] == [[0, 1]]
    else:
        assert union == [("train", "1"), ("train", "1~2")]  # mnistio renames the later item only
        with pytest.raises(lib.UsageError, match="an exact merge refuses clashing ids"):
            list(lib.HLOps.merge(a, b))


def test_hlops_export_leaves_the_dataset_unbound(lib, tmp_path):
    source = digits(lib)
    report = lib.HLOps.export(source, str(tmp_path / "out"), "mnist_csv")
    assert report is None if is_datumaro(lib) else report.items == 12  # mnistio returns its export report
    assert keys(lib.Dataset.import_from(str(tmp_path / "out"), "mnist_csv")) == keys(source)
    assert source.data_path is None and not source.is_modified


# -- remove_annotations -------------------------------------------------------------------------

def annotated(lib):
    items = [lib.DatasetItem(id, subset="train", annotations=[lib.Label(0, id=1), lib.Label(1, id=2),
                                                             lib.Label(2, id=2)])
             for id in ("a", "b", "c")]
    return lib.Dataset.from_iterable(items, categories=["x", "y", "z"])


def annotation_ids(dataset):
    return {item.id: [a.id for a in item.annotations] for item in dataset}


def test_remove_annotations_by_annotation_id(lib):
    result = annotated(lib).transform("remove_annotations", ids=[("a", "train", 2), ("b", "train", 1),
                                                                  ("b", "train", 7), ("c", "test", 1)])
    assert annotation_ids(result) == {"a": [1], "b": [2, 2], "c": [1, 2, 2]}


def test_remove_annotations_of_whole_items(lib):
    result = annotated(lib).transform("remove_annotations", ids=[("a", "train"), ("c", "train", 1)])
    assert annotation_ids(result) == {"a": [], "b": [1, 2, 2], "c": [2, 2]}
    assert annotation_ids(annotated(lib).transform("remove_annotations", ids=[])) == {
        "a": [1, 2, 2], "b": [1, 2, 2], "c": [1, 2, 2]}


def test_remove_annotations_an_item_named_both_ways(lib):
    result = annotated(lib).transform("remove_annotations", ids=[("a", "train"), ("a", "train", 1)])
    if is_datumaro(lib):
        assert annotation_ids(result)["a"] == [2, 2]  # Datumaro: the later entry replaces the earlier
    else:
        assert annotation_ids(result)["a"] == []  # mnistio: both requests are carried out


# -- split -t classification --------------------------------------------------------------------

def split_items(lib, entries):
    """Items of ``(label or None, attributes)``, all in subset 'x'."""
    items = [lib.DatasetItem(str(i), subset="x", annotations=[] if label is None else
                             [lib.Label(label, attributes=attributes)])
             for i, (label, attributes) in enumerate(entries)]
    return lib.Dataset.from_iterable(items, categories=["a", "b", "c"])


def split(dataset, splits, seed=0):
    return dataset.transform("split", task="classification", splits=splits, seed=seed)


def test_split_keeps_each_labels_share(lib):
    entries = [(label, {}) for label in (0, 1, 2) for _ in range(100)]
    result = split(split_items(lib, entries), [("train", .7), ("val", .2), ("test", .1)], seed=11)
    counts = Counter((item.annotations[0].label, item.subset) for item in result)
    assert counts == {(label, subset): share for label in (0, 1, 2)
                      for subset, share in (("train", 70), ("val", 20), ("test", 10))}


def test_split_keeps_each_attribute_values_share(lib):
    entries = [(0, {"color": color, "score": score}) for color in ("red", "blue") for score in (.1, .9)
               for _ in range(20)]
    result = split(split_items(lib, entries), [("train", .5), ("test", .5)], seed=3)
    counts = Counter((item.annotations[0].attributes["color"], item.subset) for item in result)
    assert counts == {("red", "train"): 20, ("red", "test"): 20, ("blue", "train"): 20, ("blue", "test"): 20}


def test_split_gives_datumaros_subsets_for_a_seed(lib):
    entries = [(i % 3, {"pose": "left" if i % 5 else "right"}) for i in range(30)] + [(None, {})] * 4
    result = split(split_items(lib, entries), [("train", .5), ("val", .2), ("test", .3)], seed=42)
    assert "".join(item.subset[1] for item in result) == "rrarrearreeaeaerrreeerarrerarrrrea"  # tRain vAl tEst


def test_split_with_unlabelled_items_before_labelled_ones(lib):
    entries = [(None, {}) if i % 4 == 1 else (i % 2, {}) for i in range(20)]
    result = Counter(item.subset for item in split(split_items(lib, entries), [("train", .5), ("test", .5)],
                                                   seed=1))
    if is_datumaro(lib):
        assert result["default"] == 4  # Datumaro looks labelled items up at the wrong places: some get no subset
    else:
        assert result == {"train": 10, "test": 10}


@pytest.mark.parametrize("splits, error, message", [
    ([("a", 1.5), ("b", -.5)], AssertionError, r"Ratio is expected to be in the range \[0, 1\], but got 1.5 for a"),
    ([("a", .5), ("a", .5)], Exception, r"Subset \(a\) is duplicated"),
    ([("a", .5), ("b", .4)], Exception, r"Sum of ratios is expected to be 1, got \[\('a', 0.5\), \('b', 0.4\)\], "
                                        r"which is 0.9"),
])
def test_split_refuses_bad_ratios_with_datumaros_words(lib, splits, error, message):
    if not is_datumaro(lib):
        error = lib.UsageError  # mnistio: a UsageError (a ValueError) where Datumaro asserts, or raises Exception
    with pytest.raises(error, match=message):  # (Dataset.transform in Datumaro logs the error and goes on)
        lib.HLOps.transform(split_items(lib, [(0, {})] * 4), "split", task="classification", splits=splits)


def test_split_accepts_a_subset_named_again_without_a_share(lib):
    result = split(split_items(lib, [(0, {})] * 10), [("test", 0.0), ("train", .5), ("test", .5)])
    assert Counter(item.subset for item in result) == {"train": 5, "test": 5}


def test_split_matches_datumaro_item_for_item():
    """Generated datasets, split by both libraries with the same seed (only where Datumaro is installed)."""
    datumaro = pytest.importorskip("datumaro")
    from hypothesis import given, settings
    from hypothesis import strategies as st

    import mnistio

    attributes = st.dictionaries(st.sampled_from(["x", "y"]), st.one_of(
        st.integers(0, 2), st.sampled_from(["p", "q", "1.5", "1"]), st.floats(0, 1), st.booleans()), max_size=2)
    ratios = st.sampled_from([[.5, .5], [.5, .2, .3], [.7, .3], [.33, .67], [1.0], [.6, .4, 0.0], [0.0, .6, .4],
                              [.25, .25, .25, .25], [.123, .877], [.3, .3, .3, .1], [.333, .333, .334]])

    @settings(max_examples=40, deadline=None)
    @given(entries=st.lists(st.tuples(st.integers(0, 2), attributes), max_size=120), ratios=ratios,
           seed=st.integers(0, 2 ** 32 - 1), unlabelled=st.integers(0, 5))
    def both_agree(entries, ratios, seed, unlabelled):
        splits = [("s%d" % k, ratio) for k, ratio in enumerate(ratios)]
        entries = entries + [(None, {})] * unlabelled  # after the labelled items, where Datumaro places them right
        found = [[item.subset for item in split(split_items(lib, entries), splits, seed)]
                 for lib in (datumaro, mnistio)]
        assert found[0] == found[1]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        both_agree()
