"""Contact sheets: layout, pixels in place, label text, early stop, PNG output."""

import io
import os
import time

import pytest

import mnistio as dm
from mnistio.dataset import ItemSource, LabelCategories
from mnistio.errors import UsageError
from mnistio.ops.preview import contact_sheet, drawn_name, write_contact_sheet

GAP = 2
WHITE = (255, 255, 255)


class CountingSource(ItemSource):
    """Items from an iterable, counting how many were read and whether reading was closed."""

    def __init__(self, items, names):
        self.items = items
        self.categories = LabelCategories(names)
        self.read = 0
        self.closed = False

    def __iter__(self):
        self.iterator = self._generate()  # held, so only an explicit close() closes it
        return self.iterator

    def _generate(self):
        try:
            for item in self.items:
                self.read += 1
                yield item
        finally:
            self.closed = True


def pattern(height, width, channels=1, seed=0):
    return dm.Image(bytes((seed * 41 + i * 7) % 250 for i in range(height * width * channels)),
                    shape=(height, width, channels))


def item(id, image, *labels):
    return dm.DatasetItem(id=id, media=image, annotations=[dm.Label(label) for label in labels])


def scaled_rgb(image, scale):
    """The image enlarged by nearest neighbour, as RGB rows: the slow, obvious way."""
    data, channels = bytes(image.data), image.channels
    rows = []
    for y in range(image.height * scale):
        row = bytearray()
        for x in range(image.width * scale):
            start = ((y // scale) * image.width + x // scale) * channels
            pixel = data[start:start + channels]
            if channels <= 2:
                row += bytes([pixel[0]]) * 3
            else:
                row += pixel[:3]
        rows.append(bytes(row))
    return rows


def rect(sheet, x, y, width, height):
    data, sheet_width = sheet[0], sheet[1]
    return [data[3 * ((y + dy) * sheet_width + x):3 * ((y + dy) * sheet_width + x + width)] for dy in range(height)]


def pixel(sheet, x, y):
    return tuple(rect(sheet, x, y, 1, 1)[0])


def is_ink(rgb):
    return rgb[0] == rgb[1] == rgb[2] < 0x60


class Layout:
    """Where things are, as the module docstring describes the sheet."""

    def __init__(self, chars, scale, cell_width, cell_height):
        self.label_width = (6 * chars + 3) * scale
        self.cell_width, self.cell_height = cell_width, cell_height

    def cell(self, row, slot):
        return (self.label_width + GAP + slot * (self.cell_width + GAP), GAP + row * (self.cell_height + GAP))


def label_band(sheet, layout, row):
    return rect(sheet, 0, layout.cell(row, 0)[1], layout.label_width, layout.cell_height)


def test_sheet_size_for_given_inputs():
    items = [item(str(i), pattern(8, 10, seed=i), i % 3) for i in range(6)]
    dataset = dm.Dataset.from_iterable(items, categories=["a", "bb", "ccc"])
    data, width, height, channels = contact_sheet(dataset, per_label=2, scale=2)
    # label column (6 * 3 + 3) * 2, then 2 cells of 10 * 2 with 2-pixel gaps; 3 rows of 8 * 2
    assert (width, height, channels) == (42 + 2 + 2 * 22, 2 + 3 * 18, 3)
    assert len(data) == width * height * 3
    data, width, height, channels = contact_sheet(dataset, per_label=4, scale=1)
    assert (width, height) == (21 + 2 + 4 * 12, 2 + 3 * 10)


def test_rows_hold_their_images_at_the_expected_offsets():
    gray = [pattern(8, 10, 1, seed) for seed in range(3)]
    rgb, rgba, gray_alpha = pattern(8, 10, 3, 7), pattern(8, 10, 4, 8), pattern(8, 10, 2, 9)
    items = [item("0", gray[0], 1), item("1", rgb, 0), item("2", gray[1], 1), item("3", rgba, 2),
             item("4", gray_alpha, 0), item("5", gray[2], 1)]
    sheet = contact_sheet(dm.Dataset.from_iterable(items, categories=["a", "b", "c"]), per_label=3, scale=3)
    layout = Layout(1, 3, 30, 24)
    expected = {0: [rgb, gray_alpha], 1: gray, 2: [rgba]}
    for row, images in expected.items():
        for slot in range(3):
            x, y = layout.cell(row, slot)
            if slot < len(images):
                assert rect(sheet, x, y, 30, 24) == scaled_rgb(images[slot], 3), (row, slot)
            else:
                assert set(b"".join(rect(sheet, x, y, 30, 24))) == {255}  # an empty cell


def test_smaller_images_are_centred_in_cells_of_the_largest_size():
    small, large = pattern(4, 6, seed=1), pattern(12, 10, seed=2)
    dataset = dm.Dataset.from_iterable([item("s", small, 0), item("l", large, 0)], categories=["x"])
    sheet = contact_sheet(dataset, per_label=2, scale=2)
    layout = Layout(1, 2, 20, 24)
    assert sheet[1:3] == (18 + 2 + 2 * 22, 2 + 26)
    x, y = layout.cell(0, 0)
    assert rect(sheet, x + 4, y + 8, 12, 8) == scaled_rgb(small, 2)  # (20 - 12) / 2, (24 - 8) / 2
    assert pixel(sheet, x + 3, y + 8) == WHITE and pixel(sheet, x + 4, y + 7) == WHITE
    assert pixel(sheet, x + 16, y + 15) == WHITE and pixel(sheet, x + 15, y + 16) == WHITE
    x, y = layout.cell(0, 1)
    assert rect(sheet, x, y, 20, 24) == scaled_rgb(large, 2)
    # odd margins: the extra pixel goes right and below
    odd = pattern(3, 5, seed=3)
    dataset = dm.Dataset.from_iterable([item("o", odd, 0), item("l", pattern(8, 10), 0)], categories=["x"])
    sheet = contact_sheet(dataset, per_label=2, scale=1)
    x, y = Layout(1, 1, 10, 8).cell(0, 0)
    assert rect(sheet, x + 2, y + 2, 5, 3) == scaled_rgb(odd, 1)


def test_grid_lines_are_gray():
    dataset = dm.Dataset.from_iterable([item("0", pattern(8, 8), 0)], categories=["a"])
    sheet = contact_sheet(dataset, per_label=2, scale=1)
    width, height = sheet[1:3]
    grid = {pixel(sheet, x, y) for y in (0, 1, height - 2, height - 1) for x in range(width)}
    grid |= {pixel(sheet, x, y) for x in (9, 10, 19, 20, width - 2, width - 1) for y in range(height)}
    assert len(grid) == 1 and is_ink(grid.pop()) is False


def test_label_names_are_drawn_left_of_their_rows():
    items = [item(str(i), pattern(28, 28, seed=i), i % 3) for i in range(3)]
    dataset = dm.Dataset.from_iterable(items, categories=["zero", "T-shirt/top", "Ankle boot"])
    sheet = contact_sheet(dataset, per_label=1, scale=2)
    layout = Layout(11, 2, 56, 56)
    bands = [label_band(sheet, layout, row) for row in range(3)]
    for band in bands:
        inked = [(x, y) for y, line in enumerate(band) for x in range(len(line) // 3) if is_ink(line[3 * x:3 * x + 3])]
        assert len(inked) > 50
        # 7 glyph rows of 2 pixels, centred in the row, text from x = 4
        assert min(y for _, y in inked) >= (56 - 14) // 2 and max(y for _, y in inked) < (56 + 14) // 2
        assert min(x for x, _ in inked) >= 4
    assert len({tuple(band) for band in bands}) == 3
    # rows are 2 + 58 * row down; between them no text
    between = rect(sheet, 0, 58, layout.label_width, 2)
    assert not any(is_ink(line[i:i + 3]) for line in between for i in range(0, len(line), 3))


def test_every_printable_character_has_its_own_glyph():
    chars = [chr(code) for code in range(32, 127)]
    sheet = contact_sheet(dm.Dataset.from_iterable([], categories=chars), per_label=1, scale=1)
    layout = Layout(1, 1, 7, 7)
    bands = [tuple(label_band(sheet, layout, row)) for row in range(len(chars))]
    assert len(set(bands)) == len(chars)
    blank = bands[0]
    assert all(is_ink(band[y][3 * x:3 * x + 3]) is False for band in [blank] for y in range(7) for x in range(9))


def test_non_ascii_drawn_in_ascii_and_long_names_cut():
    def sheet(names):
        return contact_sheet(dm.Dataset.from_iterable([], categories=names), per_label=1)
    assert sheet(["café", "naïve ✓", "abcdefghijklmnopqrstuvwxyz"]) == sheet(["cafe", "naive ?", "abcdefghij.."])
    # KMNIST's class names (hiragana), Greek and Cyrillic letters by their Unicode names; ideographs as ?
    assert [drawn_name(name) for name in ["お", "き", "す", "を", "Ω", "α", "ж", "Straße", "数字", "ﬁ", "Ελληνικά"]] == [
        "o", "ki", "su", "wo", "O", "a", "z", "Strasse", "??", "fi", "Ellenika"]
    assert sheet(["abcdefghijkl"]) != sheet(["abcdefghij.."])  # twelve characters fit
    assert sheet(["abcdefghijkl"])[1] == sheet(["abcdefghijklmnop"])[1]


def test_unlabeled_items_get_their_own_last_row():
    a, b, none = pattern(8, 8, seed=1), pattern(8, 8, seed=2), pattern(8, 8, seed=3)
    labelled = [item("a", a, 0), item("b", b, 1)]
    with_none = contact_sheet(dm.Dataset.from_iterable([labelled[0], item("n", none), labelled[1]],
                                                       categories=["a", "b"]), per_label=1, scale=1)
    without = contact_sheet(dm.Dataset.from_iterable(labelled, categories=["a", "b"]), per_label=1, scale=1)
    # Met only once the labelled rows are full, reading has already stopped.
    too_late = contact_sheet(dm.Dataset.from_iterable(labelled + [item("n", none)], categories=["a", "b"]),
                             per_label=1, scale=1)
    assert without[2] == too_late[2] == 2 + 2 * 10
    assert with_none[2] == 2 + 3 * 10
    layout = Layout(10, 1, 8, 8)  # "(no label)" widens the label column
    x, y = layout.cell(2, 0)
    assert rect(with_none, x, y, 8, 8) == scaled_rgb(none, 1)
    assert any(is_ink(line[i:i + 3]) for line in label_band(with_none, layout, 2) for i in range(0, len(line), 3))


def test_label_indices_without_names_get_rows_after_the_named_ones():
    one, nine = pattern(8, 8, seed=1), pattern(8, 8, seed=2)
    sheet = contact_sheet(dm.Dataset.from_iterable([item("9", nine, 9), item("1", one, 0)], categories=["a"]),
                          per_label=1, scale=1)
    layout = Layout(2, 1, 8, 8)  # "#9"
    assert sheet[2] == 2 + 2 * 10
    assert rect(sheet, *layout.cell(0, 0), 8, 8) == scaled_rgb(one, 1)
    assert rect(sheet, *layout.cell(1, 0), 8, 8) == scaled_rgb(nine, 1)


def test_multi_label_items_show_in_each_row_and_items_without_image_are_skipped():
    both = pattern(8, 8, seed=5)
    items = [dm.DatasetItem(id="x", annotations=[dm.Label(0)]), item("b", both, 0, 1, 1)]
    sheet = contact_sheet(dm.Dataset.from_iterable(items, categories=["a", "b"]), per_label=2, scale=1)
    layout = Layout(1, 1, 8, 8)
    assert rect(sheet, *layout.cell(0, 0), 8, 8) == rect(sheet, *layout.cell(1, 0), 8, 8) == scaled_rgb(both, 1)
    assert set(b"".join(rect(sheet, *layout.cell(1, 1), 8, 8))) == {255}  # counted once in its row


def test_stops_reading_once_every_row_is_full():
    source = CountingSource([item(str(i), pattern(4, 4, seed=i), i % 3) for i in range(1000)], ["a", "b", "c"])
    contact_sheet(dm.Dataset(source), per_label=2)
    assert source.read == 6 and source.closed


def test_unlabeled_items_met_early_must_fill_their_row_too():
    items = [item("n0", pattern(4, 4))] + [item(str(i), pattern(4, 4), i % 2) for i in range(20)]
    items.insert(15, item("n1", pattern(4, 4)))
    source = CountingSource(items, ["a", "b"])
    contact_sheet(dm.Dataset(source), per_label=2)
    assert source.read == 16


def test_max_items_caps_what_is_read():
    source = CountingSource([item(str(i), pattern(4, 4), 0) for i in range(100)], ["a", "b"])
    contact_sheet(dm.Dataset(source), per_label=10, max_items=7)
    assert source.read == 7 and source.closed


def test_real_sample_is_read_partly_and_quickly(sample_dir):
    imported = dm.Dataset.import_from(sample_dir)
    source = CountingSource(imported, imported.label_names)
    start = time.perf_counter()
    data, width, height, channels = contact_sheet(dm.Dataset(source))
    elapsed = time.perf_counter() - start
    assert (width, height, channels) == (18 + 2 + 10 * 58, 2 + 10 * 58, 3)
    assert 100 <= source.read < 600 and source.closed
    assert elapsed < 0.5


def test_seventy_thousand_items_stop_early_and_fast():
    digits = [pattern(28, 28, seed=label) for label in range(10)]

    def items():
        for i in range(70000):
            yield dm.DatasetItem._make(str(i), "train", digits[i * 7 % 10], [dm.Label(i * 7 % 10)])

    source = CountingSource(items(), [str(label) for label in range(10)])
    start = time.perf_counter()
    contact_sheet(dm.Dataset(source), per_label=10, scale=2)
    assert time.perf_counter() - start < 0.5
    assert source.read == 100


def test_empty_dataset_gives_an_empty_sheet():
    data, width, height, channels = contact_sheet(dm.Dataset.from_iterable([]), per_label=3, scale=1)
    assert height == GAP and len(data) == width * height * 3


@pytest.mark.parametrize("options", [
    {"per_label": 0}, {"scale": 0}, {"scale": 1.5}, {"scale": True}, {"max_items": -1}, {"per_label": "3"},
])
def test_bad_options_are_usage_errors(options):
    with pytest.raises(UsageError, match="must be an integer"):
        contact_sheet(dm.Dataset.from_iterable([]), **options)


def test_written_png_opens_with_the_sheet_size(tmp_path, sample_dir):
    pil = pytest.importorskip("PIL.Image")
    dataset = dm.Dataset.import_from(sample_dir)
    path = tmp_path / "sheet.png"
    assert write_contact_sheet(dataset, path, per_label=4, scale=1) == (9 + 2 + 4 * 30, 2 + 10 * 30)
    data = contact_sheet(dataset, per_label=4, scale=1)[0]
    with pil.open(path) as image:
        assert image.size == (131, 302) and image.mode == "RGB"
        assert image.tobytes() == data
    buffer = io.BytesIO()
    write_contact_sheet(dataset, buffer, per_label=4, scale=1)
    assert buffer.getvalue() == path.read_bytes()


def test_sheet_written_whole_or_a_file_system_error(tmp_path):
    from mnistio.errors import FileSystemError

    dataset = dm.Dataset.from_iterable([item("a", pattern(8, 8, seed=1), 0)], categories=["お"])
    with pytest.raises(FileSystemError, match="cannot write the file") as caught:
        write_contact_sheet(dataset, str(tmp_path / "missing" / "sheet.png"))
    assert isinstance(caught.value, OSError) and caught.value.filename == str(tmp_path / "missing" / "sheet.png")
    write_contact_sheet(dataset, str(tmp_path / "sheet.png"))
    assert os.listdir(tmp_path) == ["sheet.png"]  # no temporary file left


def test_cli_says_how_names_were_drawn(tmp_path, capsys):
    from mnistio.cli import main

    source = tmp_path / "src"
    dm.Dataset.from_iterable([item("a", pattern(8, 8, seed=1), 0), item("b", pattern(8, 8, seed=2), 1)],
                             categories=["お", "b"]).export(str(source), "imagenet", save_media=True)
    assert main(["preview", str(source), "-o", str(tmp_path / "s.png")]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "note: label names drawn in ASCII: お as o"
