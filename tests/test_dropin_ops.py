"""Operations as Datumaro's: the label hierarchy through transforms and merges, HLOps,
remove_annotations by annotation id, and the classification split.

Every test takes ``lib`` (conftest.py) and runs on mnistio and on Datumaro 1.13 with the same
body, so that a difference shows as a failing test. The lines that check mnistio only say why:
Datumaro loses data there (a renamed parent, label groups, the attributes of merged labels, items
put into a subset nobody asked for), or raises an AssertionError where mnistio names the fix.
"""

import warnings

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
