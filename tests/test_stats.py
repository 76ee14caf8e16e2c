"""Statistics and validation: exact pixel moments, histograms, duplicates, blanks, severities, the CLI."""

import gzip
import json
import os
import statistics
from collections import Counter

import pytest
from conftest import with_repeats
from hypothesis import given
from hypothesis import strategies as st

import mnistio as dm
from mnistio.cli import main
from mnistio.cli.commands.stats import EXIT_PROBLEMS, render_stats
from mnistio.ops.stats import _byte_sum, _moments, compute_stats, validate

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "examples", "mnist_sample")


def image(values, shape=(2, 2)):
    return dm.Image(bytes(values), shape=shape)


def item(id, subset="train", labels=(), pixels=None, shape=(2, 2)):
    return dm.DatasetItem(id, subset, image=None if pixels is None else image(pixels, shape),
                          annotations=[dm.Label(label) for label in labels])


def codes(problems):
    return [(problem.severity, problem.code) for problem in problems]


# -- exact sums ------------------------------------------------------------------------

@pytest.mark.parametrize("size", [0, 1, 255, 256, 257, 4096, 65536, 100003])
def test_byte_sums_are_exact_at_the_worst_case(size):
    assert _byte_sum(b"\xff" * size) == 255 * size
    assert _moments(b"\xff" * size) == (255 * size, 255 * 255 * size)
    assert _moments(b"\xfe\x00\x01" * size) == (255 * size, (254 * 254 + 1) * size)


@given(st.binary(max_size=3000))
def test_moments_match_a_plain_sum(data):
    assert _moments(data) == (sum(data), sum(value * value for value in data))


# -- stats on a hand-built dataset ------------------------------------------------------

@pytest.fixture
def odd_dataset():
    items = [
        item("1", "train", [0], [0, 0, 0, 0]),            # blank 0
        item("2", "train", [0], [1, 2, 3, 4]),
        item("3", "train", [1], [1, 2, 3, 4]),            # duplicate of 2, other label
        item("4", "test", [1], [1, 2, 3, 4]),             # ... and in another subset
        item("5", "test", [], [9, 9, 9, 9]),              # unlabeled, blank 9
        item("6", "test", [0, 1], [5, 6, 7, 8]),          # two labels
        item("7", "test", [7], [5, 6, 7], shape=(1, 3)),     # a label without a name, another size
        item("8", "test", [1]),                           # no image
    ]
    return with_repeats(items, categories=["zero", "one", "two"])


def test_counts_histogram_and_findings(odd_dataset):
    stats = compute_stats(odd_dataset)
    assert stats["items"] == 8 and stats["label_names"] == ["zero", "one", "two"]
    assert stats["labels"] == {"zero": 3, "one": 4, "two": 0}
    assert stats["undefined_labels"] == {"7": 1}
    assert (stats["unlabeled"], stats["multi_labeled"], stats["without_image"]) == (1, 1, 1)
    assert stats["labels_without_items"] == ["two"]
    assert stats["image_sizes"] == {"2x2": 6, "1x3": 1}
    assert stats["subsets"]["train"]["items"] == 3 and stats["subsets"]["test"]["labels"] == \
        {"zero": 1, "one": 3, "two": 0}
    assert stats["blank"] == {"items": 2, "values": {"0": 1, "9": 1},
                              "examples": [{"subset": "train", "id": "1", "value": 0},
                                           {"subset": "test", "id": "5", "value": 9}]}
    duplicates = stats["duplicates"]
    assert (duplicates["groups"], duplicates["items"], duplicates["conflicting_groups"],
            duplicates["groups_across_subsets"]) == (1, 3, 1, 1)
    assert duplicates["examples"][0]["items"] == [
        {"subset": "train", "id": "2", "labels": ["zero"]}, {"subset": "train", "id": "3", "labels": ["one"]},
        {"subset": "test", "id": "4", "labels": ["one"]}]
    assert stats["examples"]["without_image"] == [{"subset": "test", "id": "8"}]
    assert stats["examples"]["undefined_label"] == [{"subset": "test", "id": "7"}]
    values = [0] * 4 + [1, 2, 3, 4] * 3 + [9] * 4 + [5, 6, 7, 8] + [5, 6, 7]
    assert stats["pixels"]["values"] == len(values) and stats["pixels"]["sum"] == sum(values)
    assert stats["pixels"]["mean"] == pytest.approx(statistics.fmean(values) / 255, abs=1e-15)
    assert stats["pixels"]["std"] == pytest.approx(statistics.pstdev(values) / 255, abs=1e-15)
    json.dumps(stats)


def test_colour_images_get_per_channel_figures():
    red, teal = [200, 0, 0] * 4, [0, 100, 50] * 4
    stats = compute_stats(with_repeats([item("r", pixels=red, shape=(2, 2, 3), labels=[0]),
                                                    item("t", pixels=teal, shape=(2, 2, 3), labels=[0])],
                                                   categories=["x"]))
    channels = stats["pixels"]["channels"]
    assert [round(c["mean"] * 255, 9) for c in channels] == [100, 50, 25]
    assert [round(c["std"] * 255, 9) for c in channels] == [100, 50, 25]
    assert stats["image_sizes"] == {"2x2x3": 2}
    mixed = compute_stats(with_repeats([item("r", pixels=red, shape=(2, 2, 3)),
                                                    item("g", pixels=[1, 2, 3, 4])]))
    assert "channels" not in mixed["pixels"] and mixed["pixels"]["values"] == 16


def test_an_empty_dataset():
    stats = compute_stats(with_repeats([], categories=["a"]))
    assert (stats["items"], stats["pixels"], stats["labels_without_items"]) == (0, None, ["a"])
    assert codes(validate(stats)) == [("warning", "empty_dataset")]


# -- invariants on random datasets -------------------------------------------------------

SHAPES = [(2, 2, 1), (1, 3, 1), (1, 2, 3)]


@st.composite
def random_items(draw):
    names = draw(st.integers(0, 3))
    entries = []
    for number in range(draw(st.integers(0, 12))):
        subset = draw(st.sampled_from(["train", "test", "val"]))
        labels = draw(st.lists(st.integers(0, names), max_size=2))  # index `names` has no name
        shape = draw(st.sampled_from(SHAPES + [None]))
        pixels = None if shape is None else draw(st.lists(st.sampled_from([0, 1, 254, 255]), min_size=4 * 3,
                                                          max_size=4 * 3))[:shape[0] * shape[1] * shape[2]]
        if entries and draw(st.booleans()):  # a copy of an earlier image
            shape, pixels = draw(st.sampled_from([(s, p) for *_, s, p in entries]))
        entries.append((str(number % 5), subset, labels, shape, pixels))
    items = [dm.DatasetItem(i, s, image=None if p is None else dm.Image(bytes(p), shape=shape),
                            annotations=[dm.Label(label) for label in labels]) for i, s, labels, shape, p in entries]
    return with_repeats(items, categories=[str(n) for n in range(names)]), entries


def reference_moments(pixel_lists):
    values = [value for pixels in pixel_lists for value in pixels]
    return len(values), statistics.fmean(values) / 255, statistics.pstdev(values) / 255


@given(random_items())
def test_stats_invariants(drawn):
    dataset, entries = drawn
    stats = compute_stats(dataset)
    names = dataset.label_names
    assert stats["items"] == len(entries)
    assert {k: v["items"] for k, v in stats["subsets"].items()} == dict(Counter(e[1] for e in entries))
    all_labels = [label for e in entries for label in e[2]]
    assert sum(stats["labels"].values()) + sum(stats["undefined_labels"].values()) == len(all_labels)
    assert stats["labels"] == {name: all_labels.count(index) for index, name in enumerate(names)}
    assert stats["unlabeled"] == sum(not e[2] for e in entries)
    assert stats["multi_labeled"] == sum(len(e[2]) > 1 for e in entries)
    assert stats["without_image"] == sum(e[4] is None for e in entries)
    assert stats["labels_without_items"] == [name for index, name in enumerate(names) if index not in all_labels]
    images = [e for e in entries if e[4] is not None]
    if images:
        count, mean, std = reference_moments([e[4] for e in images])
        assert stats["pixels"]["values"] == count
        assert stats["pixels"]["mean"] == pytest.approx(mean, abs=1e-12)
        assert stats["pixels"]["std"] == pytest.approx(std, abs=1e-12)
    groups = {}
    for e in images:
        groups.setdefault((e[3], bytes(e[4])), []).append(e)
    repeated = [g for g in groups.values() if len(g) > 1]
    duplicates = stats["duplicates"]
    assert duplicates["groups"] == len(repeated)
    assert duplicates["items"] == sum(map(len, repeated))
    assert duplicates["conflicting_groups"] == sum(len({tuple(e[2]) for e in g}) > 1 for g in repeated)
    assert duplicates["groups_across_subsets"] == sum(len({e[1] for e in g}) > 1 for g in repeated)
    blank = [e for e in images if len(set(e[4])) == 1]
    assert stats["blank"]["items"] == len(blank)
    assert stats["blank"]["values"] == {str(v): n for v, n in sorted(Counter(e[4][0] for e in blank).items())}
    problems = validate(stats)
    ranks = ["info", "warning", "error"]
    assert [ranks.index(p.severity) for p in problems] == sorted((ranks.index(p.severity) for p in problems),
                                                                 reverse=True)
    assert ("error" in {p.severity for p in problems}) == bool(
        stats["without_image"] or stats["undefined_labels"] or (not names and entries))
    json.dumps(stats)


def test_mean_and_std_equal_numpy():
    np = pytest.importorskip("numpy")
    pixels = []
    for name in ("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"):
        with gzip.open(os.path.join(SAMPLE, name)) as file:
            pixels.append(np.frombuffer(file.read()[16:], np.uint8))
    images = np.concatenate(pixels)
    stats = compute_stats(dm.Dataset.import_from(SAMPLE))
    assert round(stats["pixels"]["mean"], 4) == round(float(images.mean() / 255), 4) == 0.1307
    assert stats["pixels"]["mean"] == pytest.approx(images.mean() / 255, abs=1e-12)
    assert stats["pixels"]["std"] == pytest.approx(images.std() / 255, abs=1e-12)
    colour = np.random.default_rng(0).integers(0, 256, size=(5, 7, 3, 3), dtype=np.uint8)
    stats = compute_stats(with_repeats([dm.DatasetItem(str(i), image=a) for i, a in enumerate(colour)]))
    assert [c["mean"] for c in stats["pixels"]["channels"]] == pytest.approx(
        list(colour.reshape(-1, 3).mean(axis=0) / 255), abs=1e-12)
    assert [c["std"] for c in stats["pixels"]["channels"]] == pytest.approx(
        list(colour.reshape(-1, 3).std(axis=0) / 255), abs=1e-12)


# -- validation -------------------------------------------------------------------------

def test_each_problem_with_its_severity(odd_dataset):
    problems = validate(odd_dataset)
    assert codes(problems) == [
        ("error", "undefined_label"), ("error", "missing_image"),
        ("warning", "blank_images"), ("warning", "conflicting_duplicates"), ("warning", "duplicates_across_subsets"),
        ("warning", "labels_without_items"), ("warning", "unlabeled_items"), ("warning", "multi_labeled_items"),
        ("info", "image_sizes_differ"), ("info", "duplicate_images")]
    by_code = {problem.code: problem for problem in problems}
    assert by_code["missing_image"].message == "1 item without an image"
    assert by_code["missing_image"].items == [{"subset": "test", "id": "8"}]
    assert by_code["blank_images"].message == "2 blank images (all pixels equal; value: count 0: 1, 9: 1)"
    assert by_code["conflicting_duplicates"].message == \
        "1 image more than once with different labels, e.g. train/2: zero, train/3: one, test/4: one"
    assert by_code["labels_without_items"].message == "1 label without items: 'two'"
    assert by_code["undefined_label"].message == "label index 7 has no name (1 annotation; the dataset names 3 labels)"
    assert validate(compute_stats(odd_dataset)) == problems


def test_imbalance_threshold():
    def labelled(counts):
        items = [item("%d-%d" % (label, n), labels=[label], pixels=[label, n % 256, n // 256, 1])
                 for label, count in enumerate(counts) for n in range(count)]
        return with_repeats(items, categories=["a", "b"])

    assert codes(validate(labelled([10, 2]))) == []
    assert codes(validate(labelled([11, 2]))) == [("warning", "imbalanced_labels")]
    assert validate(labelled([11, 2]))[0].message == "label 'a' has 11 items, 'b' only 2 (ratio 5.5 > 5)"
    assert codes(validate(labelled([11, 2]), imbalance_ratio=6)) == []
    assert codes(validate(labelled([11, 0]))) == [("warning", "labels_without_items")]


def test_every_kind_of_duplicate_is_reported_beyond_the_examples_kept():
    items = [item("%d%s" % (n, suffix), "train", [label], [n, 1, 2, 3])
             for n in range(12) for suffix, label in (("a", 0), ("b", 1))]  # 12 conflicting pairs
    items += [item("x", "train", [0], [99, 0, 0, 0]), item("x", "test", [0], [99, 0, 0, 0])]
    stats = compute_stats(with_repeats(items, categories=["a", "b"]))
    assert len(stats["duplicates"]["examples"]) == 10 and stats["duplicates"]["groups_across_subsets"] == 1
    problems = {problem.code: problem for problem in validate(stats)}
    assert problems["conflicting_duplicates"].message.startswith("12 images more than once with different labels")
    assert problems["duplicates_across_subsets"].message.startswith("1 image in more than one subset")
    assert problems["duplicate_images"].message == "13 images more than once (26 items in all)"


def test_no_label_names_is_an_error():
    dataset = with_repeats([item("1", pixels=[1, 2, 3, 4])])
    assert codes(validate(dataset)) == [("error", "no_label_names"), ("warning", "unlabeled_items")]


# -- command line -------------------------------------------------------------------------

def test_stats_text_and_json(capsys):
    assert main(["stats", SAMPLE]) == 0
    out = capsys.readouterr().out
    assert "items: 600 (train: 500, test: 100)" in out
    assert "pixels over [0, 1]: mean 0.1307, std 0.3079 (470,400 values)" in out
    assert "  label  train   test  total\n  0         55      7     62\n" in out
    assert "#" not in out and "duplicates: none" in out and "blank images: none" in out
    assert main(["stats", SAMPLE, "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["items"] == 600 and stats["subsets"]["train"]["items"] == 500


def test_bar_chart_fits_80_columns(odd_dataset):
    stats = compute_stats(odd_dataset)
    rows = {line.split()[0]: line for line in render_stats(stats, bars=True).splitlines()
            if line.startswith(("  zero", "  one", "  two"))}
    bars = {name: len(row) - len(row.rstrip("#")) for name, row in rows.items()}
    assert bars["two"] == 0 and bars["one"] > bars["zero"] > 0 and len(rows["one"]) <= 80
    assert bars["zero"] == round(bars["one"] * 3 / 4)
    assert "#" not in render_stats(stats)
    long = with_repeats(
        [item(str(n), "subset-%d" % (n % 9), [n % 3], [n, 1, 2, 3]) for n in range(60)],
        categories=["a very long label name that goes on", "b", "c"])
    for dataset in (odd_dataset, long, dm.Dataset.import_from(SAMPLE)):
        lines = render_stats(compute_stats(dataset), bars=True).splitlines()
        table = [line for line in lines if line.startswith("  ") and not line.startswith("  per")]
        assert all(len(line) <= 80 for line in table), [line for line in table if len(line) > 80]
        assert any(line.endswith("#") for line in table)


def write(dataset, folder, format, **options):
    dataset.export(folder, format, **options)
    return str(folder)


def test_validate_exit_codes(tmp_path, capsys):
    digits = [str(d) for d in range(10)]
    pixels = [bytes([n]) * 784 if n < 2 else bytes((n * k) % 256 for k in range(784)) for n in range(20)]
    dataset = with_repeats([dm.DatasetItem(str(n), "train", image=dm.Image(p, shape=(28, 28)),
                                                       annotations=[dm.Label(n % 10)])
                                        for n, p in enumerate(pixels)], categories=digits)
    blank = write(dataset, tmp_path / "blank", "mnist_csv", save_media=True)
    assert main(["validate", SAMPLE, "--fail-on", "warning"]) == 0
    assert capsys.readouterr().out == "no problems (600 items checked)\n"
    assert main(["validate", blank]) == 0
    assert capsys.readouterr().out.startswith(
        "warning  blank_images: 2 blank images (all pixels equal; value: count 0: 1, 1: 1) (items: train/0, train/1)")
    assert main(["validate", blank, "--fail-on", "warning", "-q"]) == EXIT_PROBLEMS
    assert main(["validate", blank, "--fail-on", "error"]) == 0
    capsys.readouterr()
    assert main(["validate", blank, "--fail-on", "warning", "--json"]) == EXIT_PROBLEMS
    report = json.loads(capsys.readouterr().out)
    assert report["failed"] is True and report["problems"][0]["code"] == "blank_images"
    no_images = write(dataset, tmp_path / "labels_only", "mnist")  # labels without pixels
    assert main(["validate", no_images, "--fail-on", "error"]) == EXIT_PROBLEMS
    out = capsys.readouterr().out
    assert out.startswith("error    missing_image: 20 items without an image (items: train/0, train/1, train/2, ...)")
    assert out.endswith("1 problem: 1 error (20 items checked)\n")
    with pytest.raises(SystemExit) as bad:
        main(["validate", SAMPLE, "--fail-on", "info"])
    assert bad.value.code == 2
    assert main(["validate", str(tmp_path / "missing")]) == 1
    assert "mnistio: error:" in capsys.readouterr().err
