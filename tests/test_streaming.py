"""Importing and converting hold a bounded window of items, whatever the size."""

from memory_probe import child_peak_kb

JOB = r"""
for item in dm.Dataset.import_from(source, "mnist"):
    item.media.data
dm.Dataset.import_from(source).export(out, "mnist_csv", save_media=True)
for item in dm.Dataset.import_from(out):
    item.media.data
dm.Dataset.import_from(out).export(out + "-back", "mnist", save_media=True)
"""


def test_memory_does_not_grow_with_the_dataset(tmp_path):
    small, large = child_peak_kb(JOB, tmp_path, 3000), child_peak_kb(JOB, tmp_path, 30000)
    # 27,000 more digits are 21 MB more pixels (and 60 MB more CSV text);
    # a streaming import and conversion keeps the peak within a few MB.
    assert large - small < 6 * 1024, (small, large)
