"""The commands Datumaro's CLI has under its own names: detect, dinfo, format, patch, and its words for stats and
validate (issue 9)."""

import json
import os
import shutil

import mnistio as dm
from mnistio.cli import main


def test_detect_reports_as_datum_detect(tmp_path, sample_dir, capsys):
    assert main(["detect", sample_dir]) == 0
    assert capsys.readouterr().out == "Detected format: mnist\n"
    assert main(["detect", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "Unable to detect the format\n"
    report = tmp_path / "report.json"
    assert main(["detect", "--show-rejections", "--json-report", str(report), sample_dir]) == 0
    out = capsys.readouterr().out
    assert "The following formats were rejected:" in out and "mnist_csv:" in out
    document = json.loads(report.read_text())
    assert document["detected_formats"] == ["mnist"] and "cifar" in document["rejected_formats"]


def test_dinfo_prints_datumaros_layout(sample_dir, capsys):
    assert main(["dinfo", sample_dir + ":mnist"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:5] == ["length: 600", "categories: label", "  label:", "    count: 10",
                         "    labels: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9"]
    assert lines[5] == "subsets: train, test" and lines[6] == "  'train':" and lines[7] == "    length: 500"


def test_format_lists_the_names(capsys):
    assert main(["format", "-li", "-d", ","]) == 0
    from mnistio import formats

    assert capsys.readouterr().out.strip().split(",") == formats.names()
    assert main(["format"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Supported import formats:\nmnist\n") and "Supported export formats:" in out


def test_patch_in_place_and_elsewhere(tmp_path, sample_dir, capsys):
    target = tmp_path / "target"
    shutil.copytree(sample_dir, str(target))
    fixes = dm.Dataset.from_iterable(
        [dm.DatasetItem(id="0", subset="test", media=dm.Image(bytes(784), shape=(28, 28)), annotations=[dm.Label(9)]),
         dm.DatasetItem(id="extra", subset="test", media=dm.Image(bytes(784), shape=(28, 28)),
                        annotations=[dm.Label(1)])], categories=[str(d) for d in range(10)])
    fixes.export(str(tmp_path / "fixes"), "mnist_csv", save_media=True)
    assert main(["patch", str(target), str(tmp_path / "fixes")]) == 1  # in place needs --overwrite
    assert "needs --overwrite" in capsys.readouterr().err
    train_inode = os.stat(str(target / "train-labels-idx1-ubyte.gz")).st_ino
    assert main(["patch", "--overwrite", str(target), str(tmp_path / "fixes") + ":mnist_csv", "--",
                 "--save-media"]) == 0
    assert "patched 601 items" in capsys.readouterr().out
    back = dm.Dataset.import_from(str(target), "mnist")
    assert [a.label for a in back.get("0", "test").annotations] == [9] and back.get("extra", "test") is not None
    assert os.stat(str(target / "train-labels-idx1-ubyte.gz")).st_ino == train_inode  # train was not rewritten
    assert main(["patch", "-o", str(tmp_path / "out"), "-f", "mnist_csv", sample_dir, str(tmp_path / "fixes"),
                 "--save-media"]) == 0
    assert len(dm.Dataset.import_from(str(tmp_path / "out"), "mnist_csv")) == 601


def test_stats_and_validate_take_datumaros_words(sample_dir, capsys):
    """``datum stats PATH:FORMAT -s SUBSET`` and ``datum validate -t classification ...``."""
    assert main(["stats", sample_dir + ":mnist", "-s", "train", "-q", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["items"] == 500 and list(stats["subsets"]) == ["train"] and stats["format"] == "mnist"
    assert main(["validate", "-t", "classification", sample_dir + ":mnist", "-s", "test", "-q", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["items"] == 100
    assert main(["validate", "-t", "detection", sample_dir, "-q"]) == 1
    assert "use -t classification" in capsys.readouterr().err
    assert main(["stats", sample_dir, "-s", "val", "-q"]) == 1
    assert "no subset 'val' (it has train, test)" in capsys.readouterr().err
