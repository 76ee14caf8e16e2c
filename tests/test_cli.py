"""The command line: convert and info, help, one-line errors, exit codes."""

import os
import subprocess
import sys

import pytest

from mnistio.cli import main


def run(*args):
    """Run ``python -m mnistio`` as a user would; return (code, stdout, stderr)."""
    done = subprocess.run([sys.executable, "-m", "mnistio"] + list(args), capture_output=True, text=True)
    return done.returncode, done.stdout, done.stderr


def test_convert_with_datumaro_flags_and_round_trip(tmp_path, sample_dir):
    code, out, err = run("convert", "-if", "mnist", "-i", sample_dir, "-f", "mnist_csv", "-o",
                         str(tmp_path / "csv"), "--", "--save-media")
    assert (code, err) == (0, "")
    assert "wrote 600 items (train: 500, test: 100) as mnist_csv" in out
    assert main(["convert", "--input-path", str(tmp_path / "csv"), "--output-format", "mnist",
                 "--output-dir", str(tmp_path / "back"), "--", "--save-media", "--save-dataset-meta"]) == 0
    assert sorted(os.listdir(tmp_path / "back")) == [
        "dataset_meta.json", "labels.txt", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]


def test_info(sample_dir, capsys):
    assert main(["info", sample_dir]) == 0
    out = capsys.readouterr().out
    assert "format: mnist" in out and "items: 600" in out and "subset train: 500 items" in out
    assert "image sizes: 28x28: 500" in out
    assert main(["info", sample_dir, "--json"]) == 0
    assert '"items": 600' in capsys.readouterr().out


@pytest.mark.parametrize("command", [[], ["convert"], ["info"], ["formats"]])
def test_help_everywhere(command):
    code, out, err = run(*(command + ["--help"]))
    assert code == 0 and "usage: mnistio" in out


@pytest.mark.parametrize("args, message", [
    (["info", "/nonexistent/path"], "mnistio: error: /nonexistent/path: no such file or folder\n"),
    (["convert", "-i", "/nonexistent", "-f", "mnist", "-o", "x"], "mnistio: error: /nonexistent: no such file"),
    (["convert", "-i", "SAMPLE", "-f", "voc", "-o", "OUT"], "mnistio: error: unknown format 'voc'"),
])
def test_errors_are_one_line(tmp_path, sample_dir, args, message):
    args = [sample_dir if a == "SAMPLE" else str(tmp_path / "o") if a == "OUT" else a for a in args]
    code, out, err = run(*args)
    assert code == 1 and err.startswith(message) and err.count("\n") == 1 and "Traceback" not in err


def test_output_must_be_empty_without_overwrite(tmp_path, sample_dir):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("x")
    code, _, err = run("convert", "-i", sample_dir, "-f", "mnist_csv", "-o", str(out))
    assert code == 1 and "output folder is not empty (use --overwrite" in err
    code, _, err = run("convert", "-i", sample_dir, "-f", "mnist_csv", "-o", str(out), "--overwrite")
    assert code == 0 and not (out / "old.txt").exists()


def test_bad_input_file_is_one_line_and_no_output(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "mnist_train.csv").write_text("1" + ",0" * 784 + "\n2,0,300" + ",0" * 782 + "\n")
    code, _, err = run("convert", "-i", str(src), "-f", "mnist", "-o", str(tmp_path / "out"), "--", "--save-media")
    assert code == 1 and err == "mnistio: error: %s, line 2: pixel 2 is 300, expected an integer 0..255\n" % (
        src / "mnist_train.csv")
    assert sorted(os.listdir(tmp_path)) == ["src"]


def test_unknown_export_option_is_an_argparse_error(tmp_path, sample_dir):
    code, _, err = run("convert", "-i", sample_dir, "-f", "mnist", "-o", str(tmp_path / "o"), "--", "--bogus")
    assert code == 2 and "unrecognized arguments: --bogus" in err


def test_detect_format_prints_candidates(tmp_path, sample_dir):
    code, out, err = run("detect-format", sample_dir)
    assert (code, out) == (0, "mnist\n")
    code, out, err = run("detect-format", str(tmp_path))
    assert code == 1 and err.startswith("mnistio: error: %s: no known format" % tmp_path)


def test_preview_writes_a_png_contact_sheet(tmp_path, sample_dir):
    from mnistio import png

    code, out, err = run("preview", sample_dir, "-o", str(tmp_path / "grid.png"), "--per-label", "3")
    assert code == 0 and "contact sheet" in out
    data, width, height, channels = png.decode_png((tmp_path / "grid.png").read_bytes())
    assert channels == 3 and height > 10 * 28 * 2 and width > 3 * 28 * 2


def test_convert_to_every_layout_and_back(tmp_path, sample_dir):
    for layout in ("imagenet", "imagenet_with_subset_dirs", "imagenet_txt", "image_dir"):
        code, out, err = run("convert", "-i", sample_dir, "-f", layout, "-o", str(tmp_path / layout),
                             "--", "--save-media", "--image-ext", ".bmp")
        assert code == 0 and err == "", err
        assert "wrote 600 items" in out
        code, out, err = run("convert", "-if", layout, "-i", str(tmp_path / layout), "-f", "mnist",
                             "-o", str(tmp_path / (layout + "-back")), "--", "--save-media")
        assert code == 0 and "wrote 600 items" in out, err


def test_no_progress_bar_when_piped_or_quiet(tmp_path, sample_dir):
    code, out, err = run("convert", "-i", sample_dir, "-f", "mnist_csv", "-o", str(tmp_path / "a"), "-q")
    assert code == 0 and err == ""


# -- friction a new user meets (issue 8) --------------------------------------

@pytest.mark.parametrize("placement", ["before", "between", "after"])
def test_export_options_are_accepted_before_the_dashes(tmp_path, sample_dir, placement):
    """Datumaro's users type ``--save-media`` among the command's own flags: it is taken there too."""
    out = str(tmp_path / "out")
    export = ["--save-media", "--image-ext", ".pgm"]
    args = {"before": ["convert"] + export + [sample_dir, "-f", "imagenet", "-o", out],
            "between": ["convert", sample_dir, "--save-media", "-f", "imagenet", "--image-ext=.pgm", "-o", out],
            "after": ["convert", sample_dir, "-f", "imagenet", "-o", out, "--"] + export}[placement]
    code, printed, err = run(*args)
    assert (code, err) == (0, ""), err
    assert "were not saved" not in printed
    files = [name for folder, _, names in os.walk(out) for name in names]
    assert len(files) == 600 and all(name.endswith(".pgm") for name in files)


def test_export_options_before_dashes_for_every_exporting_command(tmp_path, sample_dir):
    assert main(["filter", sample_dir, "-e", "/item[annotation/label='3']", "-o", str(tmp_path / "f"),
                 "--save-media", "-f", "mnist_csv"]) == 0
    assert main(["merge", sample_dir, str(tmp_path / "f"), "--save-media", "-o", str(tmp_path / "m"),
                 "-f", "mnist_csv"]) == 0
    assert main(["transform", "-t", "remap_labels", "-i", sample_dir, "--save-media", "-f", "mnist_csv",
                 "-o", str(tmp_path / "t"), "--", "-l", "3:three"]) == 0
    assert main(["create", "-o", str(tmp_path / "p")]) == 0
    assert main(["import", "-p", str(tmp_path / "p"), sample_dir]) == 0
    assert main(["project", "export", "-p", str(tmp_path / "p"), "-f", "mnist_csv", "--save-media",
                 "-o", str(tmp_path / "e")]) == 0
    for name in ("f", "m", "t", "e"):
        lines = (tmp_path / name / "mnist_test.csv").read_text().splitlines()
        assert lines and all(line.count(",") == 784 for line in lines), name  # the pixels were saved
    # an option no format knows, before '--', is still an argparse error naming it
    code, _, err = run("convert", sample_dir, "-f", "mnist", "-o", str(tmp_path / "x"), "--save-mdia")
    assert code == 2 and "unrecognized arguments: --save-mdia" in err


def test_convert_takes_the_input_as_a_positional_path(tmp_path, sample_dir):
    code, printed, err = run("convert", sample_dir, "-f", "mnist_csv", "-o", str(tmp_path / "o"))
    assert (code, err) == (0, "") and "wrote 600 items" in printed
    for args in (["convert", "-f", "mnist_csv"], ["convert", sample_dir, "-i", sample_dir, "-f", "mnist_csv"]):
        code, _, err = run(*args)
        assert code == 2 and err == "mnistio: error: give the input once, as PATH or as -i PATH\n"


@pytest.mark.parametrize("command", [["convert"], ["filter"], ["merge"], ["transform"], ["export"],
                                     ["project", "filter"], ["project", "transform"], ["create"], ["import"],
                                     ["remove"], ["validate"]])
def test_help_examples_are_never_wrapped(command):
    """A narrow terminal wraps the prose, never an example in the middle of an option."""
    done = subprocess.run([sys.executable, "-m", "mnistio"] + command + ["--help"], capture_output=True,
                          text=True, env=dict(os.environ, COLUMNS="40"))
    assert done.returncode == 0
    examples = [line.strip() for line in done.stdout.splitlines() if line.strip().startswith("mnistio ")]
    for example in examples:
        words = example.split()
        assert words[-1] not in ("-o", "-f", "-i", "-e", "-p", "-t", "--"), example
        assert example.count("'") % 2 == 0 and example.count('"') % 2 == 0, example
    if command[-1] not in ("validate",):
        assert examples, done.stdout


def test_names_the_terminal_cannot_encode_are_printed_escaped(tmp_path, sample_dir):
    """A lone surrogate (a JSON escape) or a Latin-1 folder name made info, stats and preview fail
    with an internal error under a strict UTF-8 terminal."""
    import json
    import shutil

    import mnistio as dm

    folder = tmp_path / "d"
    shutil.copytree(sample_dir, str(folder))
    (folder / "dataset_meta.json").write_text(json.dumps({"labels": ["\ud800"] + list("bcdefghij")}))
    latin = tmp_path / "latin"
    dm.Dataset.from_iterable([dm.DatasetItem(id="x", media=dm.Image(bytes(4), shape=(2, 2)),
                                             annotations=[dm.Label(0)])], categories=["cafe"]) \
        .export(str(latin), "imagenet", save_media=True)
    os.rename(os.path.join(os.fsencode(str(latin)), b"cafe"), os.path.join(os.fsencode(str(latin)), b"caf\xe9"))
    environment = dict(os.environ, PYTHONIOENCODING="utf-8:strict")
    for args in (["info", str(folder)], ["info", "--json", str(folder)], ["stats", str(folder)],
                 ["validate", str(folder)], ["preview", str(folder), "-o", str(tmp_path / "s.png")]):
        done = subprocess.run([sys.executable, "-m", "mnistio"] + args, capture_output=True, text=True,
                              env=environment)
        assert done.returncode == 0 and "internal error" not in done.stderr, (args, done.stderr)
        assert "\\ud800" in done.stdout or args[0] == "validate", args
    done = subprocess.run([sys.executable, "-m", "mnistio", "info", str(latin)], capture_output=True, text=True,
                          env=environment)
    assert done.returncode == 0 and "labels: 1 (caf\\udce9)" in done.stdout, done.stdout + done.stderr


def test_ctrl_c_while_starting_is_quiet(monkeypatch, capsys):
    """Ctrl-C in the first moments (importing, building the parser) printed a traceback (review)."""
    import builtins

    import mnistio.__main__ as entry_module
    import mnistio.cli as cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_parser", interrupted)
    assert cli.main(["info", "x"]) == 130
    assert capsys.readouterr().err == "mnistio: interrupted\n"
    real_import = builtins.__import__

    def import_interrupted(name, *args, **kwargs):
        if name == "cli" or name.endswith(".cli"):
            raise KeyboardInterrupt
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", import_interrupted)
    assert entry_module.entry() == 130
    assert capsys.readouterr().err == "mnistio: interrupted\n"
