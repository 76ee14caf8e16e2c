"""LabelCategories as Datumaro's: parents, attributes, label groups, equality, pickling.

Every test runs on mnistio and on Datumaro (the ``lib`` fixture of conftest.py).
"""

import pickle

import pytest
from conftest import is_datumaro


def test_from_iterable_takes_names_and_tuples(lib):
    categories = lib.LabelCategories.from_iterable(["animal", ("cat", "animal"), ("dog", "animal", {"fluffy"})])
    assert [c.name for c in categories] == ["animal", "cat", "dog"]
    assert [c.parent for c in categories] == ["", "animal", "animal"]
    assert categories[2].attributes == {"fluffy"}
    assert categories.find("cat")[0] == 1 and categories.find("cow") == (None, None)
    assert "dog" in categories and 2 in categories and "cow" not in categories and 3 not in categories
    assert len(categories) == 3


def test_add_returns_the_index_and_parents_are_kept(lib):
    categories = lib.LabelCategories()
    assert categories.add("vehicle") == 0
    assert categories.add("car", parent="vehicle") == 1
    assert categories.add("bus", "vehicle", {"long"}) == 2
    assert categories.items[1].parent == "vehicle" and categories.items[2].attributes == {"long"}


def test_label_groups(lib):
    from_lib = lib.components.annotation if hasattr(lib, "components") else lib
    categories = lib.LabelCategories.from_iterable(["a", "b", "c"])
    assert categories.add_label_group("ab", ["a", "b"], group_type=from_lib.GroupType.EXCLUSIVE) == 0
    assert categories.add_label_group("c", ["c"], group_type=from_lib.GroupType.INCLUSIVE) == 1
    assert [(g.name, g.labels, g.group_type) for g in categories.label_groups] == [
        ("ab", ["a", "b"], from_lib.GroupType.EXCLUSIVE), ("c", ["c"], from_lib.GroupType.INCLUSIVE)]
    assert from_lib.GroupType.from_str("restricted") == from_lib.GroupType.RESTRICTED
    assert from_lib.GroupType.RESTRICTED.to_str() == "restricted"


def test_equality_sees_parents_attributes_and_groups(lib):
    plain = lib.LabelCategories.from_iterable(["a", "b"])
    assert plain == lib.LabelCategories.from_iterable(["a", "b"])
    assert plain != lib.LabelCategories.from_iterable([("a", "x"), "b"])
    assert plain != lib.LabelCategories.from_iterable([("a", "", {"t"}), "b"])
    grouped = lib.LabelCategories.from_iterable(["a", "b"])
    grouped.add_label_group("g", ["a"], group_type=0)
    assert plain != grouped


def test_categories_pickle(lib):
    categories = lib.LabelCategories.from_iterable(["animal", ("cat", "animal", {"fluffy"})])
    categories.add_label_group("g", ["cat"], group_type=1)
    copy = pickle.loads(pickle.dumps(categories))
    assert copy == categories and copy.find("cat")[0] == 1
    assert copy.add("dog") == 2  # the name index came back too


def test_a_name_twice_is_refused(lib):
    categories = lib.LabelCategories.from_iterable(["a"])
    expected = AssertionError if is_datumaro(lib) else lib.UsageError  # mnistio's names the label
    with pytest.raises(expected):
        categories.add("a")


def test_label_categories_made_from_category_objects(lib):
    Category = lib.LabelCategories.Category
    categories = lib.LabelCategories(items=[Category("a"), Category("b", parent="a")], attributes={"x"})
    assert [(c.name, c.parent) for c in categories] == [("a", ""), ("b", "a")]
    assert categories.find("b")[0] == 1 and categories.attributes == {"x"}


def test_from_iterable_takes_infos_then_categories_as_datumaro(lib):
    items = [lib.DatasetItem(id="a", annotations=[lib.Label(1)])]
    dataset = lib.Dataset.from_iterable(items, {"source": "test"}, ["x", "y"])
    assert dataset.infos() == {"source": "test"}
    assert [c.name for c in dataset.categories()[lib.AnnotationType.label]] == ["x", "y"]


def test_label_has_datumaros_fields_and_wrap(lib):
    label = lib.Label(2, id=5, group=1, attributes={"a": 1}, object_id=7)
    assert (label.label, label.id, label.group, label.attributes, label.object_id) == (2, 5, 1, {"a": 1}, 7)
    moved = label.wrap(label=3)
    assert (moved.label, moved.id, moved.object_id, moved.attributes) == (3, 5, 7, {"a": 1}) and label.label == 2
    assert lib.Label(1).object_id == -1 and lib.Label(1) != lib.Label(1, object_id=2)
