"""A CIFAR pickle that would run code is refused when the dataset is imported, by both libraries,
with an error that is a ``pickle.UnpicklingError`` (issue 9, point 7)."""

import os
import pickle
import warnings

import pytest
from conftest import is_datumaro


class Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, ("touch %s" % self.marker,)


@pytest.mark.parametrize("where", ["batch", "meta"])
def test_a_pickle_that_would_run_code_is_refused_on_import(lib, tmp_path, where):
    marker = tmp_path / "pwned"
    label_names = Evil(marker) if where == "meta" else ["a"]
    (tmp_path / "batches.meta").write_bytes(pickle.dumps({"label_names": label_names}))
    data = Evil(marker) if where == "batch" else b"\0" * 3072
    (tmp_path / "data_batch_1").write_bytes(pickle.dumps({"filenames": ["a.png"], "labels": [0], "data": data}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as error:
            lib.Dataset.import_from(str(tmp_path), "cifar")
    assert not marker.exists()
    if is_datumaro(lib):  # a DatasetImportError raised from the UnpicklingError
        assert isinstance(error.value.__cause__, pickle.UnpicklingError)
    else:  # the error itself is both, and names the file
        assert isinstance(error.value, pickle.UnpicklingError) and isinstance(error.value, lib.FormatError)
        assert "refused to load the global" in str(error.value)
        assert error.value.path == str(tmp_path / ("data_batch_1" if where == "batch" else "batches.meta"))
