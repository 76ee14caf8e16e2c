"""Filtering: modes, the seed's Example 2, and agreement with lxml on generated expressions."""

import os
import random
import subprocess
import sys

import pytest

import mnistio as dm
from mnistio.errors import UsageError


@pytest.fixture(scope="module")
def real_items(sample_dir=os.path.join(os.path.dirname(__file__), "..", "examples", "mnist_sample")):
    """Real digits, with some variety: unlabeled, two labels, custom ids, no image."""
    items = list(dm.Dataset.import_from(sample_dir))[::10]
    items[0] = items[0].wrap(annotations=[])
    items[1] = items[1].wrap(annotations=[dm.Label(1), dm.Label(7, id=1, group=2)])
    items[2] = items[2].wrap(id="img 12", media=None)
    items[3] = items[3].wrap(id="3.5")
    return dm.Dataset.from_iterable(items, categories=[str(d) for d in range(10)])


def test_item_mode_keeps_what_the_expression_selects(real_items):
    # filter() changes the dataset in place since issue 9, as Datumaro's: each expression on a clone
    kept = real_items.clone().filter('/item[annotation/label="3"]')
    assert [i.id for i in kept] == [i.id for i in real_items if 3 in i.labels]
    assert len(list(real_items.clone().filter('/item[subset="train" and id < 100]'))) == \
        sum(1 for i in real_items if i.subset == "train" and i.id.replace(".", "", 1).isdigit() and float(i.id) < 100)
    assert [i.id for i in real_items.clone().filter("/item[not(annotation)]")] == [i.id for i in real_items if not i.labels]
    assert [i.id for i in real_items.clone().filter("/item[not(image)]")] == ["img 12"]


def test_follows_lxml_where_it_departs_from_xpath(real_items):
    """Datumaro keeps what lxml's result makes true: the root node is never in it, numbers are libxml2's."""
    everything = [i.id for i in real_items]
    for expression in ("/", "/item/..", "..", "/item/ancestor::node()"):
        assert list(real_items.clone().filter(expression)) == [], expression
    for expression in ("boolean(/)", "count(/item/..) = 1", "/item[..]", "/ | /item"):
        assert [i.id for i in real_items.clone().filter(expression)] == everything, expression
    assert [i.id for i in real_items.clone().filter("/item[id < 1e1]")] == [i.id for i in real_items if _below_ten(i.id)]
    assert [i.id for i in real_items.clone().filter("/item[string(1 div 3) = '0.333333333333333']")] == everything


def _below_ten(text):
    try:
        return float(text) < 10
    except ValueError:
        return False


def test_annotation_modes(real_items):
    kept = list(real_items.clone().filter('/item/annotation[label_id="7"]', filter_annotations=True))
    assert len(kept) == len(real_items) and all(i.labels in ([], [7]) for i in kept)
    both = list(real_items.clone().filter('/item/annotation[label_id="7"]', filter_annotations=True, remove_empty=True))
    assert [i.id for i in both] == [i.id for i in real_items if 7 in i.labels]
    with pytest.raises(UsageError, match="annotation modes need one that selects annotations"):
        real_items.clone().filter("count(/item/annotation) > 0", filter_annotations=True)


def test_callables(real_items):
    assert len(list(real_items.clone().filter(lambda item: item.subset == "test"))) == \
        sum(1 for i in real_items if i.subset == "test")
    kept = real_items.clone().filter(lambda item, ann: ann.label == 1, filter_annotations=True, remove_empty=True)
    assert all(i.labels == [1] for i in kept)


def test_bad_expression_fails_before_reading(real_items):
    with pytest.raises(UsageError, match="column 27"):
        real_items.clone().filter('/item[annotation/label="3"')


def test_runaway_expression_stops_at_the_first_item(real_items, tmp_path, sample_dir):
    """Nested predicates that find nothing grow exponentially: the step budget stops them, naming the item
    and the limit."""
    nested = "/item" + "[//*" * 8 + "[//foo" + "]" * 9
    first = next(iter(real_items))
    for filter_annotations in (False, True):
        with pytest.raises(UsageError) as caught:
            list(real_items.clone().filter(nested + ("/annotation" if filter_annotations else ""),
                                   filter_annotations=filter_annotations))
        message = str(caught.value)
        assert message.startswith("item %r (subset %r): filter expression '%s" % (first.id, first.subset, nested)), \
            message
        assert "mnistio.limits.MAX_XPATH_STEPS = 1000000 steps" in message
    done = subprocess.run([sys.executable, "-m", "mnistio", "filter", "-e", nested, sample_dir,
                           "-o", str(tmp_path / "o")], capture_output=True, text=True)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert "took more than mnistio.limits.MAX_XPATH_STEPS" in done.stderr


def test_seed_example_2_as_written(tmp_path, sample_dir):
    """datum convert --input-format mnist --input-path <path> --output-format imagenet --filter '...'"""
    done = subprocess.run([sys.executable, "-m", "mnistio", "convert", "--input-format", "mnist",
                           "--input-path", sample_dir, "--output-format", "imagenet",
                           "--filter", '/item[annotation/label="3"]'],
                          cwd=str(tmp_path), capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    assert done.returncode == 0, done.stderr
    out = tmp_path / "mnist_sample-imagenet"
    assert os.listdir(out) == ["3"]
    threes = [i for i in dm.Dataset.import_from(sample_dir) if i.labels == [3]]
    assert len(os.listdir(out / "3")) == len(threes) == 57
    read = sorted(bytes(i.media.data) for i in dm.Dataset.import_from(out))
    assert read == sorted(bytes(i.media.data) for i in threes)


def test_filter_command_one_line_errors(tmp_path, sample_dir):
    done = subprocess.run([sys.executable, "-m", "mnistio", "filter", "-e", "/item[", sample_dir,
                           "-o", str(tmp_path / "o")], capture_output=True, text=True)
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    assert done.stderr.startswith("mnistio: error: bad filter expression at column 7")


# -- agreement with lxml ------------------------------------------------------------------

PATHS = ["id", "subset", "annotation/label", "annotation/label_id", "annotation/id", "annotation/group",
         "annotation/type", "image/height", "image/width", "image/has_data", "image/path", "annotation",
         "image", "*", "annotation[1]/label", "annotation[last()]/label_id", ".", "//label", "../item/id"]
STRINGS = ['"3"', '"train"', '"test"', '"label"', '""', '"img 12"', '"7"', '"28"', '"1"']
NUMBERS = ["0", "1", "3", "3.5", "7", "28", "100", "-1", "0.5"]
FUNCTIONS = ["count({p})", "string-length({p})", "number({p})", "sum({p})", "string({p})",
             "normalize-space({p})", "boolean({p})", "floor(number({p}))", "round(number({p}))"]


def generate(rng, depth=0):
    """A random XPath expression over the item view."""
    choice = rng.randrange(10 if depth < 3 else 5)
    path = rng.choice(PATHS)
    if choice == 0:
        return path
    if choice == 1:
        return "%s %s %s" % (path, rng.choice(["=", "!=", "<", "<=", ">", ">="]), rng.choice(STRINGS + NUMBERS))
    if choice == 2:
        return rng.choice(FUNCTIONS).format(p=path) + " %s %s" % (rng.choice(["=", ">", "<"]), rng.choice(NUMBERS))
    if choice == 3:
        return '%s(%s, %s)' % (rng.choice(["contains", "starts-with"]), path, rng.choice(STRINGS))
    if choice == 4:
        return "%s %s %s" % (path, rng.choice(["+", "-", "*", "div", "mod"]), rng.choice(NUMBERS))
    if choice in (5, 6):
        return "(%s) %s (%s)" % (generate(rng, depth + 1), rng.choice(["and", "or"]), generate(rng, depth + 1))
    if choice == 7:
        return "not(%s)" % generate(rng, depth + 1)
    if choice == 8:
        return "%s[%s]" % (rng.choice(["annotation", "image", "*"]), generate(rng, depth + 1))
    return "%s | %s" % (rng.choice(["annotation", "image", "id"]), rng.choice(["subset", "annotation/label"]))


def lxml_item(item, names, etree):
    """The XML Datumaro's DatasetItemEncoder builds, made here independently with lxml."""
    root = etree.Element("item")
    etree.SubElement(root, "id").text = item.id
    etree.SubElement(root, "subset").text = item.subset
    if item.media is not None:
        image = etree.SubElement(root, "image")
        etree.SubElement(image, "height").text = str(item.media.height)
        etree.SubElement(image, "width").text = str(item.media.width)
        etree.SubElement(image, "has_data").text = "1"
        etree.SubElement(image, "path").text = item.media.path or ""
    for ann in item.annotations:
        element = etree.SubElement(root, "annotation")
        for tag, text in (("id", ann.id), ("type", "label"), ("group", ann.group), ("label", names[ann.label]),
                          ("label_id", ann.label)):
            etree.SubElement(element, tag).text = str(text)
    return root


def test_agrees_with_lxml_on_generated_expressions(real_items):
    etree = pytest.importorskip("lxml.etree")
    rng = random.Random(2026)
    items = list(real_items)[:25]
    names = real_items.label_names
    trees = [lxml_item(item, names, etree) for item in items]
    compared = 0
    for _ in range(3000):
        expression = "/item[%s]" % generate(rng) if rng.random() < 0.7 else generate(rng)
        try:
            compiled = etree.XPath(expression)
        except etree.XPathError:
            with pytest.raises(UsageError):
                real_items.clone().filter(expression)
            continue
        expected = [item.id for item, tree in zip(items, trees) if bool(compiled(tree))]
        mine = [item.id for item in dm.Dataset.from_iterable(items, names).filter(expression)]
        assert mine == expected, expression
        compared += 1
    assert compared > 2500


def test_annotation_mode_agrees_with_lxml(real_items):
    etree = pytest.importorskip("lxml.etree")
    items = list(real_items)[:25]
    names = real_items.label_names
    for expression in ['/item/annotation[label_id="7"]', "//annotation[id=1]", "/item/annotation[last()]",
                       '//annotation[label="1" or group>0]', "/item[subset='train']/annotation", "//*"]:
        compiled = etree.XPath(expression)
        expected = []
        for item in items:
            tree = lxml_item(item, names, etree)
            selected = [node for node in compiled(tree) if getattr(node, "tag", None) == "annotation"]
            positions = [tree.findall("annotation").index(node) for node in selected]
            expected.append([item.annotations[p].label for p in positions])
        mine = [i.labels for i in dm.Dataset.from_iterable(items, names).filter(expression, filter_annotations=True)]
        assert mine == expected, expression


def test_filter_command_takes_its_input_like_convert(tmp_path, sample_dir):
    from mnistio.cli import main

    assert main(["filter", "-e", '/item[annotation/label="1"]', "-i", sample_dir, "-o", str(tmp_path / "a")]) == 0
    assert main(["filter", "-e", '/item[annotation/label="1"]', sample_dir, "-o", str(tmp_path / "b")]) == 0
    assert len(dm.Dataset.import_from(tmp_path / "a")) == len(dm.Dataset.import_from(tmp_path / "b")) == 65
    # no input is a mistake on the command line: exit 2, as argparse's (it was 1 before issue 8 shared the check)
    assert main(["filter", "-e", "/item", "-o", str(tmp_path / "c")]) == 2
