"""Projects: the project file, the project commands end to end, laziness, one-line errors."""

import json
import os

import pytest

from mnistio.cli import main
from mnistio.dataset import Dataset
from mnistio.errors import FormatError, UsageError
from mnistio.project import PROJECT_FILE, Project


@pytest.fixture
def cli(capsys):
    """Run the command line in-process; return (exit code, stdout, stderr)."""
    def run(*argv):
        code = main([str(word) for word in argv])
        out, err = capsys.readouterr()
        return code, out, err
    return run


@pytest.fixture
def proj(tmp_path, cli):
    folder = tmp_path / "proj"
    assert cli("create", "-o", folder)[0] == 0
    return folder


@pytest.fixture
def csv_copy(tmp_path, sample_dir):
    """The sample converted to mnist_csv, outside the project."""
    folder = tmp_path / "csv"
    Dataset.import_from(sample_dir).export(str(folder), "mnist_csv", save_media=True)
    return folder


def rows(dataset):
    return [(item.id, item.subset, item.labels, item.media.tobytes() if item.media else None)
            for item in dataset]


def project_json(folder):
    with open(os.path.join(str(folder), PROJECT_FILE), encoding="utf-8") as file:
        return file.read()


# -- end to end ---------------------------------------------------------------

def test_create_import_info_export(tmp_path, proj, cli, sample_dir):
    code, out, err = cli("import", "-p", proj, "-f", "mnist", "-n", "digits", sample_dir)
    assert (code, err) == (0, "")
    assert out == "added source 'digits' (mnist, %s) to the project in %s\n" % (sample_dir, proj)

    code, out, err = cli("project", "info", "-p", proj)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "project: %s" % proj,
        "sources: 1",
        "  digits: mnist at %s (detected: mnist), 600 items (train: 500, test: 100)" % sample_dir,
        "operations: 0",
        "labels: 10 (0, 1, 2, 3, 4, 5, 6, 7, 8, 9)",
        "items: 600 (train: 500, test: 100)",
    ]
    code, out, _ = cli("project", "info", "-p", proj, "--json")
    assert code == 0 and json.loads(out)["sources"][0]["subsets"] == {"test": 100, "train": 500}

    out_dir = tmp_path / "out"
    code, out, err = cli("export", "-p", proj, "-f", "mnist_csv", "-o", out_dir, "--", "--save-media")
    assert (code, err) == (0, "")
    assert out == "wrote 600 items (train: 500, test: 100) as mnist_csv to %s\n" % out_dir
    exported = Dataset.import_from(str(out_dir), "mnist_csv")
    assert rows(exported) == rows(Dataset.import_from(sample_dir))
    assert exported.label_names == [str(digit) for digit in range(10)]
    assert os.listdir(str(proj)) == [PROJECT_FILE]  # nothing copied, no temporary file left


def test_project_dir_defaults_to_the_current_one(tmp_path, cli, sample_dir, monkeypatch):
    monkeypatch.chdir(str(tmp_path))
    assert cli("create")[0] == 0
    assert cli("import", sample_dir)[0] == 0
    assert cli("project", "export", "-f", "mnist", "-o", "out")[0] == 0
    assert sorted(os.listdir(str(tmp_path))) == [PROJECT_FILE, "out"]
    assert len(Dataset.import_from(str(tmp_path / "out"))) == 600


def test_two_sources_are_merged_at_export(tmp_path, proj, cli, sample_dir, csv_copy):
    assert cli("import", "-p", proj, sample_dir)[0] == 0
    assert cli("import", "-p", proj, "-n", "csv", csv_copy)[0] == 0
    code, out, err = cli("project", "info", "-p", proj)
    assert (code, err) == (0, "")
    assert "  csv: mnist_csv at %s (detected: mnist_csv), 600 items (train: 500, test: 100)" % csv_copy in out
    expected = Dataset.import_from(sample_dir).merge(Dataset.import_from(str(csv_copy)))
    code, out, err = cli("export", "-p", proj, "-f", "mnist", "-o", tmp_path / "out", "--", "--save-media")
    assert (code, out, err) == (0, "wrote 1,200 items (train: 1,000, test: 200) as mnist to %s\n" % (tmp_path / "out"), "")
    exported = rows(Dataset.import_from(str(tmp_path / "out")))
    assert sorted(exported) == sorted(rows(expected))  # the mnist layout groups the items by subset
    assert ("0~2", "test") in {row[:2] for row in exported}  # the merge renames clashing ids


def test_filter_stored_in_the_project_is_applied_at_export(tmp_path, proj, cli, sample_dir):
    assert cli("import", "-p", proj, sample_dir)[0] == 0
    code, out, err = cli("project", "filter", "-p", proj, "-e", '/item[annotation/label="3"]')
    assert (code, out, err) == (0, "added operation 1: filter -m i -e '/item[annotation/label=\"3\"]'\n", "")
    code, out, err = cli("export", "-p", proj, "-f", "mnist_csv", "-o", tmp_path / "threes", "--", "--save-media")
    assert (code, out) == (0, "wrote 57 items (train: 46, test: 11) as mnist_csv to %s\n" % (tmp_path / "threes"))
    threes = [row for row in rows(Dataset.import_from(sample_dir)) if row[2] == [3]]
    assert rows(Dataset.import_from(str(tmp_path / "threes"))) == threes
    # -e at export is one more filter, for this export only
    code, out, _ = cli("export", "-p", proj, "-f", "mnist", "-o", tmp_path / "test3", "-e", '/item[subset="test"]')
    assert (code, out) == (0, "wrote 11 items (test: 11) as mnist to %s\n" % (tmp_path / "test3")
                           + "note: the images of 11 items were not saved: only the labels are written without "
                           "--save-media (save_media=True), as in Datumaro\n")  # said since issue 8
    assert '"operations": [\n    {\n      "type": "filter"' in project_json(proj)


def test_annotation_filter_modes(tmp_path, proj, cli, sample_dir):
    assert cli("import", "-p", proj, sample_dir)[0] == 0
    assert cli("project", "filter", "-p", proj, "-m", "i+a", "-e", '/item/annotation[label="7"]')[0] == 0
    assert cli("export", "-p", proj, "-f", "mnist_csv", "-o", tmp_path / "o")[0] == 0
    labels = {row[2][0] for row in rows(Dataset.import_from(str(tmp_path / "o")))}
    assert labels == {7}


def test_remove_source_keeps_its_data(tmp_path, proj, cli, sample_dir, csv_copy):
    assert cli("import", "-p", proj, "-n", "a", sample_dir)[0] == 0
    assert cli("import", "-p", proj, "-n", "b", csv_copy)[0] == 0
    before = sorted(os.listdir(str(csv_copy)))
    code, out, err = cli("remove", "-p", proj, "b")
    assert (code, out, err) == (0, "removed 'b' from the project (the data is untouched)\n", "")
    assert sorted(os.listdir(str(csv_copy))) == before
    assert [source.name for source in Project.load(str(proj)).sources] == ["a"]
    code, _, err = cli("project", "remove", "-p", proj, "a", "b")  # checked before anything changes
    assert (code, err) == (1, "mnistio: error: no source 'b' in the project (its sources: 'a')\n")
    assert [source.name for source in Project.load(str(proj)).sources] == ["a"]


def test_project_file_after_a_sequence_of_commands(tmp_path, proj, cli, sample_dir):
    inside = proj / "data" / "digits-csv"
    Dataset.import_from(sample_dir).export(str(inside), "mnist_csv")
    missing = tmp_path / "elsewhere" / "extra.csv"
    for argv in (["import", "-p", proj, "-f", "mnist", "-n", "digits", sample_dir],
                 ["import", "-p", proj, inside],
                 ["import", "-p", proj, "--no-check", "-f", "mnist_csv", "-n", "extra", missing],
                 ["project", "filter", "-p", proj, "-e", '/item[annotation/label="3"]'],
                 ["project", "filter", "-p", proj, "-m", "a", "-e", "/item/annotation[label_id > 5]"],
                 ["remove", "-p", proj, "extra"],
                 ["project", "transform", "-p", proj, "-t", "remap_labels", "--", "-l", "3:three"]):
        assert cli(*argv)[0] == 0, argv
    assert project_json(proj) == """\
{
  "version": 2,
  "sources": [
    {
      "name": "digits",
      "path": %s,
      "format": "mnist"
    },
    {
      "name": "source-1",
      "path": "data/digits-csv",
      "format": "mnist_csv"
    }
  ],
  "operations": [
    {
      "type": "filter",
      "expression": "/item[annotation/label=\\"3\\"]",
      "mode": "i"
    },
    {
      "type": "filter",
      "expression": "/item/annotation[label_id > 5]",
      "mode": "a"
    },
    {
      "type": "transform",
      "name": "remap_labels",
      "options": {
        "mapping": [
          [
            "3",
            "three"
          ]
        ]
      }
    }
  ]
}
""" % json.dumps(sample_dir)


def test_transform_options_are_stored_as_typed_values_and_applied_at_export(tmp_path, proj, cli, sample_dir):
    # Issue 7: the project file stores a transform's options as JSON values (version 2), not as
    # command-line words (version 1, still read: see test_version_1_files_are_read).
    from mnistio.ops.transforms import parse_options

    assert cli("import", "-p", proj, sample_dir)[0] == 0
    code, out, err = cli("project", "transform", "-p", proj, "-t", "remap_labels", "--", "-l", "3:three")
    assert (code, err) == (0, "")
    assert out.endswith("added operation 1: transform -t remap_labels -- -l 3:three\n")
    assert json.loads(project_json(proj))["operations"] == [
        {"type": "transform", "name": "remap_labels", "options": {"mapping": [["3", "three"]]}}]
    options = parse_options("remap_labels", ["-l", "3:three"])
    expected = Dataset.import_from(sample_dir).transform("remap_labels", **options)
    assert cli("export", "-p", proj, "-f", "mnist_csv", "-o", tmp_path / "o")[0] == 0
    exported = Dataset.import_from(str(tmp_path / "o"))
    assert exported.label_names == expected.label_names
    assert rows(exported) == [row[:3] + (None,) for row in rows(expected)]


def test_unchecked_transform_fails_at_export(tmp_path, proj, cli, sample_dir):
    assert cli("import", "-p", proj, sample_dir)[0] == 0
    assert cli("project", "transform", "-p", proj, "-t", "remap_labels", "--no-check", "--", "-l", "77:x")[0] == 0
    code, out, err = cli("export", "-p", proj, "-f", "mnist", "-o", tmp_path / "o")
    assert (code, out) == (1, "") and err.startswith("mnistio: error: no label '77' to remap")
    assert not (tmp_path / "o").exists()


# -- errors: one line, non-zero exit ------------------------------------------

def test_no_project_file(tmp_path, cli):
    code, out, err = cli("project", "info", "-p", tmp_path)
    assert (code, out) == (1, "")
    assert err == "mnistio: error: %s: no project file %s here; run mnistio create first\n" % (tmp_path, PROJECT_FILE)
    assert cli("import", "-p", tmp_path / "nowhere", tmp_path)[2].endswith("run mnistio create first\n")


def test_source_path_missing_at_export(tmp_path, proj, cli, csv_copy):
    assert cli("import", "-p", proj, "-n", "csv", csv_copy)[0] == 0
    os.rename(str(csv_copy), str(tmp_path / "moved"))
    code, out, err = cli("export", "-p", proj, "-f", "mnist", "-o", tmp_path / "out")
    assert (code, out) == (1, "")
    assert err == "mnistio: error: %s: source 'csv': no such file or folder\n" % csv_copy
    assert not (tmp_path / "out").exists()
    code, out, _ = cli("project", "info", "-p", proj)  # info still describes the project
    assert code == 0 and "  csv: mnist_csv at %s (detected: none), error: " % csv_copy in out


@pytest.mark.parametrize("argv, message", [
    (["import", "-p", "PROJ", "-n", "digits", "SAMPLE"],
     "the project already has a source named 'digits'; choose another name"),
    (["import", "-p", "PROJ", "-f", "voc", "SAMPLE"], "unknown format 'voc' (known formats: mnist, "),
    (["export", "-p", "PROJ", "-f", "voc", "-o", "OUT"], "unknown format 'voc' (known formats: mnist, "),
    (["import", "-p", "PROJ", "TMP/nowhere"], "TMP/nowhere: no such file or folder"),
    (["import", "-p", "PROJ", "PROJ"], "PROJ: cannot tell the format (known formats: "),
    (["create", "-o", "PROJ"], "PROJ/%s: a project already exists here (use --overwrite" % PROJECT_FILE),
    (["project", "filter", "-p", "PROJ", "-e", "/item[label"], "bad filter expression at column 12"),
    (["project", "transform", "-p", "PROJ", "-t", "nope"], "unknown transform 'nope' (known transforms: "),
    (["project", "transform", "-p", "PROJ", "-t", "remap_labels", "--", "--bogus"],
     "transform remap_labels: unrecognized arguments: --bogus"),
    (["project", "transform", "-p", "PROJ", "-t", "remap_labels", "--", "-l", "77:x"],
     "no label '77' to remap (the labels are 0, 1, "),
    (["remove", "-p", "PROJ", "nobody"], "no source 'nobody' in the project (its sources: 'digits')"),
    (["export", "-p", "PROJ", "-f", "mnist", "-o", "SAMPLE", "--overwrite"],
     "SAMPLE: the output folder would replace or write into source 'digits' (SAMPLE); choose another"),
    (["export", "-p", "PROJ", "-f", "mnist", "-o", "TMP", "--overwrite"],
     "TMP: the output folder holds the project file; choose another"),
])
def test_errors_are_one_line(tmp_path, proj, cli, sample_dir, argv, message):
    assert cli("import", "-p", proj, "-n", "digits", sample_dir)[0] == 0
    before = project_json(proj)
    names = {"PROJ": str(proj), "SAMPLE": sample_dir, "OUT": str(tmp_path / "out"), "TMP": str(tmp_path)}

    def fill(text):
        for key, value in names.items():
            text = text.replace(key, value)
        return text
    code, out, err = cli(*[fill(word) for word in argv])
    assert (code, out) == (1, "")
    assert err.startswith("mnistio: error: " + fill(message)) and err.count("\n") == 1, err
    assert project_json(proj) == before and os.path.isdir(sample_dir)


@pytest.mark.parametrize("text, message", [
    (b"{\"version\": 1,",
     "%s, line 1, column 15: unreadable project file (Expecting property name enclosed in double quotes)"),
    (b"\xff{}", "%s: unreadable project file (not UTF-8 text, byte 0)"),
    (b"[" * 101 + b"]" * 101, "%s: project file nests containers more than mnistio.limits.MAX_NESTING (100) deep"),
    (b'{"version": 3, "sources": [], "operations": []}',
     "%s: unknown project file version 3 (this mnistio reads versions 1, 2)"),
    (b'{"sources": [], "operations": []}', "%s: unknown project file version null (this mnistio reads versions 1, 2)"),
    (b'{"version": 1, "sources": [], "operations": [], "x": 1}',
     "%s: unknown key x (a project has the keys version, sources, operations)"),
    (b'{"version": 1, "sources": [{"name": "a", "path": "p"}], "operations": []}',
     "%s, source 1: missing key format (a source has the keys name, path, format)"),
    (b'{"version": 1, "sources": [{"name": "a", "path": "p", "format": "voc"}], "operations": []}',
     "%s, source 1: unknown format 'voc' (known formats: mnist, "),
    (b'{"version": 1, "sources": [{"name": "a", "path": "p", "format": "mnist"},'
     b' {"name": "a", "path": "q", "format": "mnist"}], "operations": []}',
     "%s, source 2: source name 'a' appears twice"),
    (b'{"version": 1, "sources": [], "operations": [{"type": "sort"}]}',
     '%s, operation 1: an operation is an object whose "type" is "filter" or "transform"'),
    (b'{"version": 1, "sources": [], "operations": [{"type": "filter", "expression": "/item", "mode": "x"}]}',
     '%s, operation 1: unknown filter mode "x" (expected i, a or i+a)'),
    (b'{"version": 1, "sources": [], "operations": [{"type": "transform", "name": "t", "args": "-x"}]}',
     '%s, operation 1: "args" must be a list of strings'),
    (b'{"version": 1, "sources": [], "operations": [{"type": "transform", "name": "reindex", "args": ["-x"]}]}',
     '%s, operation 1: transform reindex: unrecognized arguments: -x'),
    (b'{"version": 2, "sources": [], "operations": [{"type": "transform", "name": "reindex", "args": []}]}',
     '%s, operation 1: unknown key args (a transform has the keys type, name, options)'),
    (b'{"version": 2, "sources": [], "operations": [{"type": "transform", "name": "reindex", "options": []}]}',
     '%s, operation 1: "options" must be an object of option names and values'),
])
def test_bad_project_files(proj, cli, text, message):
    file = str(proj / PROJECT_FILE)
    with open(file, "wb") as stream:
        stream.write(text)
    with pytest.raises(FormatError) as caught:
        Project.load(str(proj))
    assert str(caught.value).startswith(message % file)
    code, out, err = cli("project", "info", "-p", proj)
    assert (code, out) == (1, "") and err.startswith("mnistio: error: " + message % file) and err.count("\n") == 1


def test_help_of_every_project_command(capsys):
    for command in (["create"], ["import"], ["export"], ["remove"], ["project"], ["project", "info"],
                    ["project", "filter"], ["project", "transform"], ["project", "import"]):
        with pytest.raises(SystemExit) as caught:
            main(command + ["--help"])
        assert caught.value.code == 0 and capsys.readouterr().out.startswith("usage: mnistio"), command


# -- the Python API -----------------------------------------------------------

def test_api_round_trip_and_relative_paths(tmp_path, sample_dir):
    project = Project.create(str(tmp_path / "p"))
    Dataset.import_from(sample_dir).export(str(tmp_path / "p" / "inside"), "mnist")
    inside = project.add_source(str(tmp_path / "p" / "inside"))
    outside = project.add_source(sample_dir, "mnist", name="sample")
    unchecked = project.add_source(str(tmp_path / "later"), "mnist_csv", check=False)
    assert inside == ("source-1", "inside", "mnist")
    assert outside == ("sample", sample_dir, "mnist")
    assert unchecked == ("source-2", str(tmp_path / "later"), "mnist_csv")
    project.add_filter('/item[subset="test"]')
    project.remove_source("source-2")
    project.save()
    loaded = Project.load(str(tmp_path / "p"))
    assert (loaded.sources, loaded.operations) == (project.sources, project.operations)
    assert loaded.source_path("source-1") == str(tmp_path / "p" / "inside")


def test_api_info(proj, sample_dir):
    project = Project.load(str(proj))
    assert project.info()["sources"] == [] and project.info()["items"] is None
    project.add_source(sample_dir, name="digits")
    project.add_filter('/item[subset="test"]')
    info = project.info()
    assert info["sources"] == [{"name": "digits", "path": sample_dir, "format": "mnist", "detected": ["mnist"],
                                "items": 600, "subsets": {"test": 100, "train": 500}, "error": None}]
    assert info["operations"] == [{"type": "filter", "expression": '/item[subset="test"]', "mode": "i"}]
    assert (info["label_names"], info["items"], info["subsets"]) == ([str(d) for d in range(10)], 100, {"test": 100})


def test_build_is_lazy(proj, sample_dir, monkeypatch):
    """build() reads no item; iterating reads them one at a time."""
    reads = []
    real_import = Dataset.import_from.__func__

    def counting_import(cls, path, format=None, **options):
        return real_import(cls, path, format, **options).transform_items(lambda item: reads.append(1) or item)
    monkeypatch.setattr(Dataset, "import_from", classmethod(counting_import))
    project = Project.load(str(proj))
    project.add_source(sample_dir)
    project.add_filter('/item[annotation/label="5"]')
    del reads[:]
    dataset = project.build()
    assert reads == []
    first = next(iter(dataset))
    assert first.labels == [5] and len(reads) == 1  # the sample's first item (train's) is a 5


def test_api_refusals(proj, sample_dir):
    project = Project.load(str(proj))
    with pytest.raises(UsageError, match="the project has no sources; add one with mnistio import"):
        project.build()
    with pytest.raises(UsageError, match="a project filter is an XPath expression"):
        project.add_filter(lambda item: True)
    with pytest.raises(UsageError, match="unknown filter mode 'x'"):
        project.add_filter("/item", "x")
    with pytest.raises(UsageError, match="transform options are stored as JSON values"):
        project.add_transform("remap_labels", mapping={"3": object()})
    with pytest.raises(UsageError, match="transform remap_labels: unexpected option 'label'"):
        project.add_transform("remap_labels", label="3:three")
    with pytest.raises(UsageError, match="transform resize: missing a required argument: 'height'"):
        project.add_transform("resize", width=32)
    with pytest.raises(UsageError, match="a source name is a non-empty string"):
        project.add_source(sample_dir, name="")
    assert project.operations == [] and project.sources == []


def test_save_is_atomic(proj, sample_dir, monkeypatch):
    project = Project.load(str(proj))
    before = project_json(proj)
    project.add_source(sample_dir)

    def fail(source, target):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        project.save()
    assert project_json(proj) == before and os.listdir(str(proj)) == [PROJECT_FILE]


def test_version_1_files_are_read(proj, cli, sample_dir, tmp_path):
    """Files written before issue 7 stored transform options as words; they load, build and save as version 2."""
    version_1 = {"version": 1, "sources": [{"name": "digits", "path": sample_dir, "format": "mnist"}],
                 "operations": [{"type": "transform", "name": "remap_labels", "args": ["-l", "3:three"]},
                                {"type": "transform", "name": "random_split",
                                 "args": ["-s", "a:0.5", "--subset", "b:0.5", "--seed", "2"]}]}
    (proj / PROJECT_FILE).write_text(json.dumps(version_1))
    project = Project.load(str(proj))
    assert [operation.options for operation in project.operations] == [
        {"mapping": [["3", "three"]]}, {"splits": [["a", "0.5"], ["b", "0.5"]], "seed": 2}]
    expected = Dataset.import_from(sample_dir).transform("remap_labels", mapping=[("3", "three")]).transform(
        "random_split", splits=[("a", "0.5"), ("b", "0.5")], seed=2)
    assert rows(project.build()) == rows(expected)
    project.save()
    assert json.loads(project_json(proj))["version"] == 2
    assert Project.load(str(proj)).operations == project.operations


@pytest.mark.parametrize("word", ["-h", "--help", "--bogus"])
def test_version_1_words_asking_for_help_are_refused(proj, cli, sample_dir, tmp_path, word):
    """A recorded transform with -h once made export print help and exit 0 having written nothing."""
    version_1 = {"version": 1, "sources": [{"name": "digits", "path": sample_dir, "format": "mnist"}],
                 "operations": [{"type": "transform", "name": "remap_labels", "args": ["-l", "3:three", word]}]}
    (proj / PROJECT_FILE).write_text(json.dumps(version_1))
    with pytest.raises(FormatError, match=r"operation 1.*%s" % word):
        Project.load(str(proj))
    code, out, err = cli("export", "-p", str(proj), "-f", "mnist", "-o", str(tmp_path / "out"))
    assert code == 1 and out == "" and err.startswith("mnistio: error: ") and word in err
    assert not (tmp_path / "out").exists()


def test_add_transform_takes_python_values(proj, sample_dir):
    project = Project.load(str(proj))
    project.add_source(sample_dir)
    project.add_transform("random_split", splits=[("train", 0.8), ("test", 0.2)], seed=1)
    project.add_transform("pad", width=32, height=32, value=(1,))
    project.save()
    loaded = Project.load(str(proj))
    assert [operation.options for operation in loaded.operations] == [
        {"splits": [["train", 0.8], ["test", 0.2]], "seed": 1}, {"width": 32, "height": 32, "value": [1]}]
    built = loaded.build()
    assert built.subset_counts() == {"train": 480, "test": 120}
    assert {item.media.shape for item in built} == {(32, 32)}
