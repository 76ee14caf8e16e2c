"""Map-style datasets (issue 11): ``mnistio.MNIST(root)[i] -> (image, label)`` and the family names."""

import os
import pickle
import textwrap

import family_fixtures as family
import pytest

import mnistio

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "examples", "mnist_sample")


def iterated(path, subset, **options):
    dataset = mnistio.Dataset.import_from(path, "mnist", **options)
    return [(bytes(item.media.data), item.annotations[0].label) for item in dataset.get_subset(subset)]


def test_indexing_equals_iterating_and_negative_indices_count_from_the_end():
    train = mnistio.MNIST(SAMPLE)
    expected = iterated(SAMPLE, "train")
    assert len(train) == len(expected) == 500
    for index in (0, 1, 77, 499, -1, -500):
        image, label = train[index]
        assert isinstance(image, mnistio.Image) and image.shape == (28, 28)
        assert (bytes(image.data), label) == expected[index]
    for bad in (500, -501):
        with pytest.raises(IndexError):
            train[bad]
    with pytest.raises(mnistio.UsageError):
        train["0"]
    assert [label for _, label in (train[i] for i in range(len(train)))] == train.targets.tolist()
    assert train.classes == [str(digit) for digit in range(10)]
    assert len(mnistio.MNIST(SAMPLE, train=False)) == len(mnistio.MNIST(SAMPLE, "test")) == 100


def test_transforms_get_a_writable_copy_and_the_label():
    seen = []
    train = mnistio.MNIST(SAMPLE, transform=lambda image: seen.append(image) or "x",
                          target_transform=lambda label: label + 100)
    assert train[3] == ("x", iterated(SAMPLE, "train")[3][1] + 100)
    seen[0].data[0] = 1 if seen[0].data[0] != 1 else 2  # changing the copy leaves the dataset as it was
    assert bytes(mnistio.MNIST(SAMPLE)[3][0].data) == iterated(SAMPLE, "train")[3][0]
    np = pytest.importorskip("numpy")
    pixels = np.asarray(train.__class__(SAMPLE)[3][0])
    assert pixels.flags.writeable and pixels.shape == (28, 28)


def test_pil_images_when_asked():
    pytest.importorskip("PIL")
    image, label = mnistio.MNIST(SAMPLE, "test", image_type="pil")[5]
    assert image.mode == "L" and image.size == (28, 28)
    assert image.tobytes() == iterated(SAMPLE, "test")[5][0]


def test_pil_without_pillow_says_to_install_it(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pil(name, *args, **kwargs):
        if name == "PIL":
            raise ImportError("no PIL")
        return real_import(name, *args, **kwargs)

    dataset = mnistio.MNIST(SAMPLE, "test", image_type="pil")
    monkeypatch.setattr(builtins, "__import__", no_pil)
    with pytest.raises(mnistio.UsageError, match="pip install Pillow"):
        dataset[0]


def test_wrong_arguments_are_usage_errors():
    with pytest.raises(mnistio.UsageError, match="image_type"):
        mnistio.MNIST(SAMPLE, image_type="tensor")
    with pytest.raises(mnistio.UsageError, match="no subset 'val'"):
        mnistio.MNIST(SAMPLE, "val")
    with pytest.raises(mnistio.UsageError, match="transform must be callable"):
        mnistio.MNIST(SAMPLE, transform=5)


def test_pickles_as_its_path_and_options_not_its_arrays():
    train = mnistio.MNIST(SAMPLE, target_transform=str)
    data = pickle.dumps(train)
    assert len(data) < 2000  # the 392,000 pixels stay behind
    copy = pickle.loads(data)
    assert copy[42] == train[42] and len(copy) == len(train)


def test_the_family_names_read_their_published_files(tmp_path):
    items, names = family.fashion(str(tmp_path / "fashion"))
    fashion = mnistio.FashionMNIST(str(tmp_path / "fashion"), "test")
    assert fashion.classes == names
    assert [(bytes(image.data), label) for image, label in (fashion[i] for i in range(len(fashion)))] == \
        [(pixels, label) for label, pixels, _ in items["test"]]
    items, names = family.kmnist(str(tmp_path / "kmnist"))
    assert mnistio.KMNIST(str(tmp_path / "kmnist")).classes == names
    splits = family.emnist(str(tmp_path / "emnist"))
    letters = mnistio.EMNIST(str(tmp_path / "emnist"), "letters", "train")
    items, names = splits["letters"]
    assert letters.classes == names
    assert [(bytes(image.data), label) for image, label in (letters[i] for i in range(len(letters)))] == \
        [(pixels, label) for label, pixels, _ in items["train"]]  # upright, as iterating gives them
    items, _ = family.qmnist(str(tmp_path / "qmnist"))
    nist = mnistio.QMNIST(str(tmp_path / "qmnist"), "nist")
    assert [label for _, label in (nist[i] for i in range(len(nist)))] == [label for label, _, _ in items["nist"]]


def test_a_torchvision_root_reads_the_class_folder(tmp_path):
    items, names = family.torchvision_root(str(tmp_path), "FashionMNIST")
    family.torchvision_root(str(tmp_path), "MNIST")
    fashion = mnistio.FashionMNIST(str(tmp_path), train=True)
    assert fashion.classes == names and fashion[0][1] == items["train"][0][0]
    assert len(mnistio.MNIST(str(tmp_path), "test")) == 3


def test_never_imports_torch():
    import subprocess
    import sys

    code = ("import sys, mnistio; d = mnistio.MNIST(%r); d[0]; len(d); "
            "assert 'torch' not in sys.modules and 'numpy' not in sys.modules; print('ok')" % SAMPLE)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "ok"


def to_tensor(image):
    import numpy
    import torch

    return torch.from_numpy(numpy.asarray(image))


def test_torch_dataloader_with_two_workers():
    torch = pytest.importorskip("torch")
    pytest.importorskip("numpy")
    import warnings

    train = mnistio.MNIST(SAMPLE, "test", transform=to_tensor)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch.from_numpy of a read-only array would warn
        loader = torch.utils.data.DataLoader(train, batch_size=32, num_workers=2,
                                             multiprocessing_context="spawn")
        batches = list(loader)
    images = torch.cat([images for images, _ in batches])
    labels = torch.cat([labels for _, labels in batches])
    assert images.shape == (100, 28, 28) and images.dtype == torch.uint8
    expected = iterated(SAMPLE, "test")
    assert labels.tolist() == [label for _, label in expected]
    assert images.numpy().tobytes() == b"".join(pixels for pixels, _ in expected)


def test_the_readme_training_snippet_runs_as_written(monkeypatch):
    with open(os.path.join(ROOT, "README.rst"), encoding="utf-8") as file:
        text = file.read()
    section = text.split("\nTraining\n========\n", 1)[1].split("\nCommand line\n", 1)[0]
    code = textwrap.dedent(section.split("::\n", 1)[1])  # the literal block after the sentence
    assert "mnistio.load(" in code and "mnistio.MNIST(" in code
    monkeypatch.chdir(ROOT)
    namespace = {}
    exec(compile(code, "README.rst (Training)", "exec"), namespace)
    assert namespace["images"].shape == (500, 28, 28) and namespace["labels"].shape == (500,)
    assert namespace["x"].shape == (100, 28, 28) and namespace["x"].writable
    assert isinstance(namespace["image"], mnistio.Image) and isinstance(namespace["label"], int)
