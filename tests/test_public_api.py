"""The public surface (``docs/api.rst``) is what the modules export, and it is annotated.

``py.typed`` promises type hints: every public function, and every public
method of a public class, in the public modules' ``__all__`` has annotated
parameters and a return annotation.
"""

import importlib
import inspect

import pytest

import mnistio

PUBLIC_MODULES = [
    "mnistio", "mnistio.errors", "mnistio.limits",
    "mnistio.codecs.idx", "mnistio.codecs.csvrows", "mnistio.codecs.png", "mnistio.codecs.netpbm",
    "mnistio.codecs.bmp", "mnistio.codecs.images", "mnistio.codecs.pickles",
    "mnistio.model", "mnistio.model.options", "mnistio.model.arrays", "mnistio.model.mapstyle", "mnistio.model.sources", "mnistio.model.policy",
    "mnistio.model.progress",
    "mnistio.formats",
    "mnistio.ops.filter", "mnistio.ops.merge", "mnistio.ops.stats", "mnistio.ops.preview",
    "mnistio.ops.transforms", "mnistio.ops.xpath", "mnistio.ops.resample", "mnistio.ops.hlops",
    "mnistio.ops.download",
    "mnistio.project", "mnistio.cli",
    # compatibility names of earlier versions
    "mnistio.idx", "mnistio.png", "mnistio.xpath", "mnistio.dataset", "mnistio.image",
]


def unannotated(function):
    """The parameters (and ``return``) of ``function`` without an annotation."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # builtins
        return []
    missing = [name for name, parameter in signature.parameters.items()
               if name not in ("self", "cls") and parameter.annotation is inspect.Parameter.empty]
    if signature.return_annotation is inspect.Signature.empty:
        missing.append("return")
    return missing


def public_callables(module):
    for name in module.__all__:
        value = getattr(module, name)
        if inspect.isclass(value):
            if issubclass(value, BaseException) or value.__module__.startswith(("enum", "typing")):
                continue
            for attribute, member in vars(value).items():
                if attribute.startswith("_") and attribute != "__init__":
                    continue
                if isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                elif isinstance(member, property):
                    member = member.fget
                if inspect.isfunction(member) and member.__module__.startswith("mnistio"):
                    yield "%s.%s" % (name, attribute), member
        elif inspect.isfunction(value) and value.__module__.startswith("mnistio"):
            yield name, value


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_public_names_are_annotated(module_name):
    module = importlib.import_module(module_name)
    assert hasattr(module, "__all__"), module_name
    missing = {name: unannotated(function) for name, function in public_callables(module)}
    assert {name: what for name, what in missing.items() if what} == {}


def test_every_public_name_exists():
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        assert [name for name in module.__all__ if not hasattr(module, name)] == [], module_name


def test_top_level_surface():
    assert sorted(set(mnistio.__all__) - {"HLOps", "download"}) == sorted([  # loaded on first use: tests below
        "Dataset", "DatasetItem", "Image", "Label", "LabelCategories", "AnnotationType", "DEFAULT_SUBSET_NAME",
        "MnistioError", "FormatError", "TruncatedError", "LimitError", "ImageTooLargeError", "UsageError",
        "FileSystemError", "limits", "__version__",  # limits since issue 8; Datumaro's names below since issue 9
        "GroupType", "DatasetSubset", "StreamDataset", "DatasetPatch", "ItemStatus", "Transform", "ItemTransform",
        "eager_mode", "DatasetBase", "SubsetBase",
        # tolerant import (issue 9): loaded when first used, so ``import mnistio`` stays cheap
        "ImportErrorPolicy", "FailingImportErrorPolicy", "ExportErrorPolicy", "FailingExportErrorPolicy",
        "ProgressReporter", "NullProgressReporter", "SimpleProgressReporter", "TQDMProgressReporter",
        # training scripts (issue 11): loaded when first used
        "load", "MNIST", "FashionMNIST", "KMNIST", "EMNIST", "QMNIST"])


def test_hlops_is_there_without_import_mnistio_loading_the_operations():
    import os
    import subprocess
    import sys

    assert "HLOps" in mnistio.__all__  # since issue 9, loaded on first use
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = ("import sys, mnistio; assert not [m for m in sys.modules if m.startswith('mnistio.ops')]; "
            "from mnistio import HLOps; assert mnistio.HLOps is HLOps and 'HLOps' in dir(mnistio); "
            "print(HLOps.__module__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert done.stdout.strip() == "mnistio.ops.hlops"
    with pytest.raises(AttributeError, match="has no attribute 'HLOPS'"):
        mnistio.HLOPS



def test_wrong_argument_types_are_usage_errors(tmp_path):
    """import_from(b"...") was a TypeError, save_media="no" was true, image_ext=5 an AttributeError (review)."""
    import os

    sample = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples", "mnist_sample")
    assert mnistio.Dataset.import_from(os.fsencode(sample)).format == "mnist"
    dataset = mnistio.Dataset.import_from(sample)
    for bad in ({"save_media": "no"}, {"image_ext": 5}, {"save_dataset_meta": 1}, {"overwrite": "yes"}):
        with pytest.raises(mnistio.UsageError, match="must be"):
            dataset.export(str(tmp_path / "out"), "mnist", **bad)
    for path in ("a\x00b", 5):
        with pytest.raises(mnistio.UsageError):
            mnistio.Dataset.import_from(path)
    with pytest.raises(mnistio.UsageError):
        dataset.export("a\x00b", "mnist")
    assert not (tmp_path / "out").exists()
