"""The seed's own Datumaro snippet runs unchanged with ``import mnistio as dm``."""

import os

import pytest

np = pytest.importorskip("numpy")


def test_seed_snippet(tmp_path, monkeypatch):
    import mnistio as dm

    monkeypatch.chdir(tmp_path)
    dataset = dm.Dataset.from_iterable([
        dm.DatasetItem(id=0, image=np.ones((28, 28)), annotations=[dm.Label(2)]),
        dm.DatasetItem(id=1, image=np.ones((28, 28)), annotations=[dm.Label(1)]),
    ], categories=[str(label) for label in range(10)])
    dataset.export("./dataset", format="mnist")

    assert sorted(os.listdir("dataset")) == ["default-labels-idx1-ubyte.gz", "labels.txt"]
    loaded = dm.Dataset.import_from("./dataset", "mnist")
    assert [(item.id, item.subset, item.labels) for item in loaded] == [("0", "default", [2]), ("1", "default", [1])]

    dataset.export("./with_media", format="mnist", save_media=True)
    images = [np.asarray(item.media) for item in dm.Dataset.import_from("./with_media")]
    assert all(image.shape == (28, 28) and (image == 1).all() for image in images)
