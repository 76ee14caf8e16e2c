"""mnistio.HLOps beyond what tests/test_dropin_ops.py compares with Datumaro: what mnistio adds or refuses."""

import json

import pytest

import mnistio as dm
from mnistio.errors import UsageError


def dataset(entries, names=("cat", "dog")):
    return dm.Dataset.from_iterable([dm.DatasetItem(id, subset, annotations=[dm.Label(label)])
                                     for id, subset, label in entries], categories=list(names))


def test_merge_report_path_writes_datumaros_report_with_the_renames(tmp_path):
    a = dataset([("1", "train", 0), ("2", "train", 1)])
    b = dataset([("1", "train", 1)])
    path = tmp_path / "reports" / "merge.json"
    merged = dm.HLOps.merge(a, b, merge_policy="union", report_path=str(path))
    assert json.loads(path.read_text()) == {
        "Item errors": {}, "Source errors": {}, "All errors": [], "Renamed items": 1,
        "Renamed examples": [{"subset": "train", "id": "1", "new id": "1~2", "input": 1}]}
    assert [item.id for item in merged] == ["1", "2", "1~2"]


def test_merge_refusals():
    a = dataset([("1", "train", 0)])
    with pytest.raises(UsageError, match="'intersect' .* is not supported: use 'union'"):
        dm.HLOps.merge(a, a, merge_policy="intersect")
    with pytest.raises(UsageError, match="merge takes no option conf"):
        dm.HLOps.merge(a, a, conf={})
    with pytest.raises(UsageError, match="expected a Dataset, not list"):
        dm.HLOps.merge(a, [])


def test_operations_take_subset_views_and_keep_infos():
    source = dataset([("1", "train", 0), ("2", "test", 1)])
    source.define_infos({"author": "me"})
    view = source.get_subset("test")
    assert [item.id for item in dm.HLOps.transform(view, "reindex", start=5)] == ["5"]
    assert dm.HLOps.filter(source, "/item[id='1']").infos() == {"author": "me"}


def test_aggregate_needs_subset_names_in_a_list():
    with pytest.raises(UsageError, match="from_subsets is a list of subset names, not a string"):
        dm.HLOps.aggregate(dataset([("1", "train", 0)]), from_subsets="train", to_subset="all")


def test_validate_and_compare_name_what_to_use_instead():
    source = dataset([("1", "train", 0)])
    with pytest.raises(UsageError, match=r"mnistio.ops.stats.validate\(dataset\)"):
        dm.HLOps.validate(source, "classification")
    with pytest.raises(UsageError, match="compute_stats"):
        dm.HLOps.compare(source, source)


def test_an_eager_transform_is_computed_at_once_and_leaves_the_input_alone():
    source = dataset([("1", "train", 0), ("2", "train", 1)])
    with dm.eager_mode():
        parts = dm.HLOps.transform(source, "random_split", splits=[("a", .5), ("b", .5)])
    assert parts.is_cache_initialized and not source.is_modified
    assert sorted(item.subset for item in parts) == ["a", "b"]
