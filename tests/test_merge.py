"""Merging: label names by name, deterministic renames, exact mode, laziness, the CLI, flat memory."""

import os
from collections import Counter

import pytest
from conftest import with_repeats
from hypothesis import given
from hypothesis import strategies as st
from memory_probe import child_peak_kb

import mnistio as dm
from mnistio.cli import main
from mnistio.cli.commands.merge import parse_input
from mnistio.dataset import ItemSource
from mnistio.errors import UsageError
from mnistio.ops.merge import merge


def item(id, subset="train", label=None, pixel=0):
    return dm.DatasetItem(id, subset, image=dm.Image(bytes([pixel]) * 4 + bytes(12), shape=(4, 4)),
                          annotations=[] if label is None else [dm.Label(label)])


def names_of(dataset):
    return [[dataset.label_names[label] for label in entry.labels] for entry in dataset]


# -- the rules ------------------------------------------------------------------------

def test_label_names_are_a_union_in_first_seen_order_and_indices_follow_names():
    a = with_repeats([item("1", label=0), item("2", label=2)], categories=["cat", "dog", "cow"])
    b = with_repeats([item("3", label=0), item("4", label=1), item("5", label=2)],
                                 categories=["cow", "owl", "cat"])
    merged = merge(a, b)
    assert merged.label_names == ["cat", "dog", "cow", "owl"]
    assert names_of(merged) == [["cat"], ["cow"], ["cow"], ["owl"], ["cat"]]
    assert merged.merge_report.new_labels == [["cat", "dog", "cow"], ["owl"]]
    assert [i.labels for i in b] == [[0], [1], [2]]  # the inputs' own items are untouched


def test_a_later_clashing_item_is_renamed_with_its_input_position():
    a = with_repeats([item("1"), item("2"), item("1", subset="test")])
    b = with_repeats([item("1"), item("3"), item("1~2")])
    c = with_repeats([item("1"), item("1")])
    merged = merge(a, b, c)
    ids = [(i.subset, i.id) for i in merged]
    assert ids == [("train", "1"), ("train", "2"), ("test", "1"),
                   ("train", "1~2"), ("train", "3"), ("train", "1~2~2"),
                   ("train", "1~3"), ("train", "1~3~2")]
    report = merged.merge_report
    assert (report.items, report.renamed, report.total_renamed) == ([3, 3, 2], [0, 2, 2], 4)
    assert [(r.subset, r.old_id, r.new_id, r.input) for r in report.examples][:2] == [
        ("train", "1", "1~2", 1), ("train", "1~2", "1~2~2", 1)]
    assert [(i.subset, i.id) for i in merged] == ids  # the same on every pass


def test_an_id_repeated_many_times_in_one_input_gets_numbers_in_turn():
    merged = merge(with_repeats([item("x") for _ in range(5)]))
    assert [i.id for i in merged] == ["x", "x~1", "x~1~2", "x~1~3", "x~1~4"]


def test_exact_refuses_the_first_clash_naming_both_inputs():
    a = with_repeats([item("1"), item("2")])
    b = with_repeats([item("3"), item("2"), item("1")])
    merged = merge(a, b, exact=True)  # lazy: nothing is checked yet
    with pytest.raises(UsageError, match=r"item id '2' of subset 'train' is in input 1 \(in memory\) and "
                                         r"input 2 \(in memory\); an exact merge refuses"):
        list(merged)
    with pytest.raises(UsageError, match="item id '1' of subset 'train' is twice in input 1"):
        list(merge(with_repeats([item("1"), item("1")]), exact=True))
    assert len(list(merge(a, with_repeats([item("2", subset="test")]), exact=True))) == 3


def test_a_label_without_a_name_is_refused():
    a = with_repeats([item("1", label=0)], categories=["a"])
    b = with_repeats([item("2", label=5)], categories=["b"])
    with pytest.raises(UsageError, match=r"item '2' \(subset 'train'\) of input 2 \(in memory\) has label 5, "
                                         r"which has no name there \(it names 1 labels\)"):
        list(merge(a, b))


def with_hierarchy(labels, groups=()):
    categories = dm.LabelCategories.from_iterable(labels)
    for name, members, kind in groups:
        categories.add_label_group(name, members, group_type=kind)
    return with_repeats([], categories=categories)


def test_the_hierarchy_is_united():
    a = with_hierarchy([("animal",), ("cat", "", {"x"})], [("pets", ["cat"], dm.GroupType.EXCLUSIVE)])
    b = with_hierarchy([("cat", "animal", {"y"}), ("dog", "animal")],
                       [("pets", ["dog", "cat"], dm.GroupType.EXCLUSIVE), ("all", ["dog"], dm.GroupType.INCLUSIVE)])
    merged = merge(a, b).label_categories
    assert [(c.name, c.parent, c.attributes) for c in merged] == [
        ("animal", "", set()), ("cat", "animal", {"x", "y"}), ("dog", "animal", set())]
    assert [(g.name, g.labels, g.group_type) for g in merged.label_groups] == [
        ("pets", ["cat", "dog"], dm.GroupType.EXCLUSIVE), ("all", ["dog"], dm.GroupType.INCLUSIVE)]
    assert a.label_categories[1].attributes == {"x"} and a.label_categories[1].parent == ""  # inputs unchanged
    assert a.label_categories.label_groups[0].labels == ["cat"]


def test_a_hierarchy_conflict_is_refused_naming_both_inputs():
    a = with_hierarchy([("cat", "animal")])
    with pytest.raises(UsageError, match=r"label 'cat' has parent 'animal' in input 1 \(in memory\) but 'pet' "
                                         r"in input 3 \(in memory\); merging needs one hierarchy"):
        merge(a, with_hierarchy(["cat"]), with_hierarchy([("cat", "pet")]))
    grouped = with_hierarchy(["cat"], [("g", ["cat"], dm.GroupType.EXCLUSIVE)])
    with pytest.raises(UsageError, match=r"label group 'g' is exclusive in input 1 \(in memory\) but "
                                         r"restricted in input 2"):
        merge(grouped, with_hierarchy(["cat"], [("g", ["cat"], dm.GroupType.RESTRICTED)]))


def test_bad_calls():
    with pytest.raises(UsageError, match="at least one dataset"):
        merge()
    with pytest.raises(UsageError, match="merge input 2 is a list, expected a Dataset"):
        merge(with_repeats([]), [])


class CountingSource(ItemSource):
    def __init__(self, items, categories=("0",)):
        self.items = items
        self.categories = dm.LabelCategories(categories)
        self.passes = 0

    def __iter__(self):
        self.passes += 1
        return iter(self.items)


def test_merge_is_lazy_and_streams_one_input_after_another():
    first, second = CountingSource([item("1"), item("2")]), CountingSource([item("1")])
    merged = dm.Dataset(first).merge(dm.Dataset(second))
    assert (first.passes, second.passes) == (0, 0)
    stream = iter(merged)
    next(stream), next(stream)
    assert (first.passes, second.passes) == (1, 0)
    assert next(stream).id == "1~2"
    assert merged.known_length() is None and len(merged) == 3


def test_counts_and_subsets_agree_with_a_full_pass():
    a = with_repeats([item("1"), item("1", "test"), item("2", "test")])
    b = with_repeats([item("1", "test"), item("1"), item("5", "val")])
    merged = merge(a, b)
    assert merged.known_length() == 6 and merged.subset_counts() == {"train": 2, "test": 3, "val": 1}
    whole = [(i.subset, i.id) for i in merged]
    for name, subset in merged.subsets().items():
        assert [(i.subset, i.id) for i in subset] == [pair for pair in whole if pair[0] == name]
    assert merged.get("1~2", subset="test") is not None
    list(merged)
    assert merged.merge_report.renamed == [0, 2]
    list(merged.get_subset("val"))
    assert merged.merge_report.renamed == [0, 2]  # a subset's pass leaves the whole's report alone


# -- invariants on random datasets ------------------------------------------------------

POOL = ["a", "b", "c", "d", "e"]


@st.composite
def datasets(draw):
    names = draw(st.lists(st.sampled_from(POOL), unique=True, max_size=4))
    entries = draw(st.lists(st.tuples(st.sampled_from(["1", "2", "3", "1~2"]), st.sampled_from(["train", "test"]),
                                      st.none() if not names else st.none() | st.integers(0, len(names) - 1),
                                      st.integers(0, 255)), max_size=6))
    return with_repeats([item(i, s, label, pixel) for i, s, label, pixel in entries], categories=names)


@given(st.lists(datasets(), min_size=1, max_size=4))
def test_merge_invariants(inputs):
    merged = merge(*inputs)
    expected_names = []
    for dataset in inputs:
        expected_names += [name for name in dataset.label_names if name not in expected_names]
    assert merged.label_names == expected_names
    originals = [entry for dataset in inputs for entry in dataset]
    out = list(merged)
    assert len(out) == len(originals)
    owners = [dataset for dataset in inputs for _ in dataset]
    for before, after, owner in zip(originals, out, owners):
        assert (after.subset, after.media) == (before.subset, before.media)
        assert [merged.label_names[l] for l in after.labels] == [owner.label_names[l] for l in before.labels]
        assert after.id == before.id or after.id.startswith(before.id + "~")
    assert len({(i.subset, i.id) for i in out}) == len(out)
    assert [i.id for i in merged] == [i.id for i in out]
    renamed = sum(a.id != b.id for a, b in zip(originals, out))
    assert merged.merge_report.total_renamed == renamed
    clash = max(Counter((i.subset, i.id) for i in originals).values(), default=1) > 1
    if clash:
        with pytest.raises(UsageError, match="an exact merge refuses clashing ids"):
            list(merge(*inputs, exact=True))
    else:
        assert [i.id for i in merge(*inputs, exact=True)] == [i.id for i in originals] and renamed == 0


# -- command line ------------------------------------------------------------------------

def test_input_syntax(tmp_path):
    folder = tmp_path / "odd:name"
    folder.mkdir()
    assert parse_input(str(folder)) == (str(folder), None)
    assert parse_input(str(folder) + ":mnist_csv") == (str(folder), "mnist_csv")
    assert parse_input("data:mnist") == ("data", "mnist")
    assert parse_input("missing:thing") == ("missing:thing", None)
    with pytest.raises(UsageError, match="unknown format 'nope'"):
        parse_input(str(folder) + ":nope")


@pytest.fixture(scope="module")
def sample_csv(tmp_path_factory, sample_dir=os.path.join(os.path.dirname(__file__), "..", "examples",
                                                         "mnist_sample")):
    out = tmp_path_factory.mktemp("merge") / "csv"
    dm.Dataset.import_from(sample_dir).export(out, "mnist_csv", save_media=True)
    return str(out)


def test_cli_merges_two_formats_renaming_every_clash(tmp_path, sample_dir, sample_csv, capsys):
    out = tmp_path / "merged"
    code = main(["merge", sample_dir, sample_csv + ":mnist_csv", "-o", str(out), "-f", "mnist", "-q",
                 "--", "--save-media"])
    text = capsys.readouterr().out
    assert code == 0
    assert "merged 2 inputs into 1,200 items (train: 1,000, test: 200), written as mnist to" in text
    assert "input 2: %s (mnist_csv): 600 items, 600 renamed" % sample_csv in text
    assert "renamed 600 items whose ids clashed, e.g. train/0 -> 0~2" in text
    back = dm.Dataset.import_from(str(out))
    assert back.subset_counts() == {"test": 200, "train": 1000}
    original = {(i.subset, i.id): (i.labels, i.media) for i in dm.Dataset.import_from(sample_dir)}
    for entry in back:
        key = (entry.subset, entry.id[:-2] if entry.id.endswith("~2") else entry.id)
        assert (entry.labels, entry.media) == original[key]


def test_cli_exact_refuses_and_writes_nothing(tmp_path, sample_dir, sample_csv, capsys):
    out = tmp_path / "merged"
    assert main(["merge", sample_dir, sample_csv, "-o", str(out), "--exact", "-q"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("mnistio: error: item id '0' of subset 'train' is in input 1 (%s) and input 2 (%s)"
                          % (sample_dir, sample_csv))
    assert not out.exists()


def test_cli_defaults_and_no_clash(tmp_path, sample_dir, capsys, monkeypatch):
    only_test = tmp_path / "test_only"
    dm.Dataset.import_from(sample_dir).get_subset("test").as_dataset().export(only_test, "mnist", save_media=True)
    only_train = tmp_path / "train_only"
    dm.Dataset.import_from(sample_dir).get_subset("train").as_dataset().export(only_train, "mnist_csv",
                                                                          save_media=True)
    monkeypatch.chdir(tmp_path)
    assert main(["merge", str(only_test), str(only_train), "--exact", "-q", "--", "--save-media"]) == 0
    assert "no id clashes" in capsys.readouterr().out
    assert sorted(os.listdir("test_only-merge")) == ["labels.txt", "t10k-images-idx3-ubyte.gz",
                                                     "t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
                                                     "train-labels-idx1-ubyte.gz"]
    assert dm.Dataset.import_from("test_only-merge").subset_counts() == {"test": 100, "train": 500}


# -- memory -----------------------------------------------------------------------------

MERGE_JOB = r"""
merged = dm.Dataset.import_from(source).merge(dm.Dataset.import_from(source, "mnist"))
merged.export(out, "mnist", save_media=True)
assert merged.merge_report.total_renamed == len(dm.Dataset.import_from(source))
"""


def test_merge_memory_grows_only_by_the_ids_seen(tmp_path):
    small, large = child_peak_kb(MERGE_JOB, tmp_path, 2000), child_peak_kb(MERGE_JOB, tmp_path, 20000)
    # 36,000 more items (18,000 clashing) are 28 MB more pixels; the ids seen
    # (about 100 bytes each) add under 4 MB.
    assert large - small < 8 * 1024, (small, large)
