"""Hostile CIFAR pickles (docs/formats.rst, cifar), read the way a user reads them:
``Dataset.import_from`` and a full iteration, in a child process with bounded memory and
time (tests/hostile.py). Only mnistio errors may come out: no other exception, no timeout,
no crash.

Two kinds of input: seeded mutations of real batch files (written by mnistio, by numpy's
pickler at protocols 2 and 4, and as Python 2 wrote them: bytes keys, BINSTRING data), and
hand-made nasties that each aim at one weakness of a pickle reader (deep nesting, memo loops,
lengths beyond the file, long columns, odd dtypes, globals that run code).
"""

import array
import json
import os
import pickle
import struct
import subprocess
import sys

import hostile
import pytest

import mnistio as dm

# The child reads a case's folder: the hostile file and, for a meta file, a valid batch beside it.
CHECK = """
import os

def check(path):
    dataset = mnistio.Dataset.import_from(os.path.dirname(path), "cifar")
    len(dataset)
    for item in dataset:
        if item.media is not None:
            bytes(item.media.data)
"""


# -- protocol 2 opcodes, as Python 2 wrote them -------------------------------------------------

def p2_str(data):
    """A Python 2 ``str``: SHORT_BINSTRING or BINSTRING (bytes under encoding="bytes")."""
    data = data.encode() if isinstance(data, str) else data
    return (b"U" + bytes((len(data),)) if len(data) < 256 else b"T" + struct.pack("<i", len(data))) + data


def p2_int(value):
    if 0 <= value < 256:
        return b"K" + bytes((value,))
    if -(1 << 31) <= value < 1 << 31:
        return b"J" + struct.pack("<i", value)
    encoded = value.to_bytes(value.bit_length() // 8 + 1, "little", signed=True)
    return b"\x8a" + bytes((len(encoded),)) + encoded  # LONG1


def p2_tuple(items):
    return b"(" + b"".join(items) + b"t"


def p2_list(items):
    return b"](" + b"".join(items) + b"e"


def p2_dict_ops(pairs):
    return b"}(" + b"".join(p2_str(key) + value for key, value in pairs) + b"u"


def p2_pickle(pairs):
    return b"\x80\x02" + p2_dict_ops(pairs) + b"."


def p2_array(shape, raw, dtype="u1", order=b"|", fortran=False):
    """How numpy 1.x pickled an array under Python 2 (version-1 state, dtype state 3)."""
    return (b"cnumpy.core.multiarray\n_reconstruct\nq\x01cnumpy\nndarray\nq\x02K\x00\x85" + p2_str(b"b") + b"\x87R"
            b"(K\x01" + p2_tuple([p2_int(n) for n in shape]) + b"cnumpy\ndtype\nq\x03" + p2_str(dtype)
            + b"K\x00K\x01\x87R(K\x03" + p2_str(order) + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
            + (b"\x88" if fortran else b"\x89") + p2_str(raw) + b"tb")


def p2_object_array(items):
    """A 1-D object array: its state holds the list of objects."""
    return (b"cnumpy.core.multiarray\n_reconstruct\nq\x01cnumpy\nndarray\nq\x02K\x00\x85" + p2_str(b"b") + b"\x87R"
            b"(K\x01" + p2_tuple([p2_int(len(items))]) + b"cnumpy\ndtype\nq\x03" + p2_str(b"O8")
            + b"K\x00K\x01\x87R(K\x03" + p2_str(b"|") + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK?tb\x89"
            + p2_list(items) + b"tb")


def planes_of(seed, height=2, width=2):
    return bytes((seed * 37 + 11 * i) % 256 for i in range(3 * height * width))


def python2_batch():
    """A real CIFAR-10 batch in miniature: key order, bytes keys, 2 x 2 images."""
    return p2_pickle([
        (b"batch_label", p2_str(b"testing batch 1 of 1")),
        (b"labels", p2_list([p2_int(3), p2_int(8), p2_int(0)])),
        (b"data", p2_array((3, 12), b"".join(planes_of(i) for i in range(3)))),
        (b"filenames", p2_list([p2_str(b"cat_s_000907.png"), p2_str(b"hydrofoil_s_000078.png"), p2_str(b"b.png")])),
        (b"image_sizes", p2_list([p2_tuple([p2_int(2), p2_int(2)])] * 3))])


def mnistio_batch(tmp_path, mixed):
    """A batch file as mnistio writes it: a 2-D uint8 array, or (mixed sizes, a missing image)
    a 1-D object array of rows, and ``image_sizes``."""
    images = [dm.Image(planes_of(i), shape=(2, 2, 3)) for i in range(3)]
    if mixed:
        images[1] = dm.Image(bytes(range(6)), shape=(1, 2, 3))
        images[2] = None
    items = [dm.DatasetItem(id="img%d" % i, subset="data_batch_1", image=image, annotations=[dm.Label(i % 2)])
             for i, image in enumerate(images)]
    out = tmp_path / ("mnistio_mixed" if mixed else "mnistio")
    dm.Dataset.from_iterable(items, categories=["a", "b"]).export(out, "cifar", save_media=True)
    return (out / "data_batch_1").read_bytes()


def numpy_batch(protocol):
    np = pytest.importorskip("numpy")
    batch = {"batch_label": "training batch 1 of 1", "filenames": ["a.png", "b.png", "c.png"],
             "labels": np.array([1, 0, 1], dtype=np.int64),
             "data": np.frombuffer(b"".join(planes_of(i) for i in range(3)), np.uint8).reshape(3, 12),
             "image_sizes": [(2, 2)] * 3}
    return pickle.dumps(batch, protocol=protocol)


# -- running cases ------------------------------------------------------------------------------

def run(tmp_path, blobs, name="data_batch_1", beside=None):
    """Each blob as ``name`` in a folder of its own (with ``beside``: {name: bytes}), read in the child."""
    paths = hostile.write_cases(tmp_path / "cases", blobs, name)
    for path in paths:
        for other, data in (beside or {}).items():
            with open(os.path.join(os.path.dirname(path), other), "wb") as file:
                file.write(data)
    return paths, hostile.run_cases(CHECK, paths, tmp_path)


BASES = {
    "mnistio": lambda tmp_path: mnistio_batch(tmp_path, mixed=False),
    "mnistio_mixed": lambda tmp_path: mnistio_batch(tmp_path, mixed=True),
    "python2": lambda tmp_path: python2_batch(),
    "numpy_p2": lambda tmp_path: numpy_batch(2),
    "numpy_p4": lambda tmp_path: numpy_batch(4),
}


@pytest.mark.parametrize("base", sorted(BASES))
def test_mutated_batches_give_only_mnistio_errors(tmp_path, base):
    blob = BASES[base](tmp_path)
    paths, results = run(tmp_path, [blob] + hostile.mutations(blob, seed=base, count=hostile.case_count(), protect=2))
    assert paths[0] in [path for path, _ in results["ok"]]  # the file itself reads
    hostile.assert_contained(results)


def test_mutated_meta_files_give_only_mnistio_errors(tmp_path):
    meta = b"\x80\x02" + p2_dict_ops([(b"num_cases_per_batch", p2_int(3)),
                                      (b"label_names", p2_list([p2_str(n) for n in ("cat", "dog", "frog")]))]) + b"."
    cases = [meta] + hostile.mutations(meta, seed="meta", count=hostile.case_count(), protect=2)
    _, results = run(tmp_path, cases, "batches.meta", beside={"data_batch_1": python2_batch()})
    hostile.assert_contained(results)


# -- hand-made nasties --------------------------------------------------------------------------

DEPTH = 200000


def u(text):
    """SHORT_BINUNICODE, as protocol 4 writes a short str."""
    data = text.encode()
    return b"\x8c" + bytes((len(data),)) + data


def batch4(filenames=None, labels=None, data=None, extra=b""):
    """A protocol 4 batch of one item, ``a.png`` labelled 0 without an image, with parts replaced."""
    return (b"\x80\x04}(" + u("filenames") + (filenames or b"](" + u("a.png") + b"e")
            + u("labels") + (labels or b"](K\x00e") + u("data") + (data or b"]") + extra + b"u.")


def doubling(levels, opener=b")"):
    """A value that shares itself: level n is (level n-1, level n-1), 2**levels leaves when walked."""
    ops = opener + b"\x94"
    for level in range(levels):
        ops += b"0h%sh%s\x86\x94" % (bytes((level,)), bytes((level,)))  # POP the level below: one value left
    return ops


def memo_chain(count):
    """``count`` lists, each then put into the one before it in increasing order: a chain
    ``count`` deep that is nested only after each list is inside another."""
    ops = b"".join(b"]r" + struct.pack("<I", i) for i in range(count)) + b"0" * count
    for i in range(count - 1):
        ops += b"j" + struct.pack("<I", i) + b"j" + struct.pack("<I", i + 1) + b"a0"
    return ops + b"j\x00\x00\x00\x00"


def int64_labels(count):
    return p2_array((count,), bytes(8 * count), dtype="i8", order=b"<")


NASTIES = {
    # deep nesting, the interpreter's weak spot: hashing or freeing recurses in C
    "deep_tuple1_key": (b"\x80\x02}N" + b"\x85" * DEPTH + b"Ns.", "LimitError"),
    "deep_tuple1_label": (batch4(labels=b"](N" + b"\x85" * DEPTH + b"e"), "LimitError"),
    "deep_mark_tuple": (batch4(labels=b"](" + b"(" * DEPTH + b"t" * DEPTH + b"e"), "LimitError"),
    "deep_lists": (batch4(data=b"]" * DEPTH + b"a" * (DEPTH - 1)), "LimitError"),
    "deep_dicts": (b"\x80\x04" + b"}K\x00" * DEPTH + b"N" + b"s" * DEPTH + b".", "LimitError"),
    "nested_frozensets": (b"\x80\x04" + b"(" * 200 + b"\x91" * 200 + b".", "FormatError"),
    "deep_reduce_arguments": (b"\x80\x02c_codecs\nencode\nq\x00" + b"h\x00" * 300 + b"N" + b"\x85R" * 300 + b".",
                              "LimitError"),
    # memo loops and sharing: a walk, a hash or a copy that grows exponentially or quadratically
    "self_append": (batch4(labels=b"]\x94h\x00a"), "FormatError"),
    "out_of_order_chain": (batch4(data=memo_chain(1000)), "FormatError"),
    "shared_tuple_label": (batch4(labels=b"](" + doubling(60) + b"e"), "LimitError"),
    "shared_tuple_key": (b"\x80\x04}" + doubling(60) + b"Ns.", "LimitError"),
    "small_shared_tuple_key": (b"\x80\x04}" + doubling(3) + b"Ns.", "FormatError"),
    "shared_list_of_lists": (batch4(data=doubling(40, b"]")), "LimitError"),
    "shared_long_name": (batch4(filenames=b"X" + struct.pack("<I", 1 << 20) + b"a" * (1 << 20) + b"\x940]("
                                + b"h\x00" * 100000 + b"e", labels=b"](" + b"N" * 100000 + b"e"), "LimitError"),
    "shared_big_row": (batch4(filenames=b"](" + u("a.png") * 5000 + b"e", labels=b"](" + b"N" * 5000 + b"e",
                              data=b"B" + struct.pack("<I", 3 << 20) + bytes(3 << 20) + b"\x940]("
                              + b"h\x00" * 5000 + b"e",
                              extra=u("image_sizes") + b"](" + b"M\x00\x04M\x00\x04\x86" * 5000 + b"e"),
                       "LimitError"),
    "bigint_keys": (b"\x80\x04}(" + b"".join(b"\x8a\x10" + struct.pack("<QQ", i, 1) + b"N" for i in range(1000))
                    + b"u.", "FormatError"),
    "memo_index_far_ahead": (b"\x80\x04Nr\xff\xff\xff\x7f.", "FormatError"),
    "memo_get_unset": (b"\x80\x04j\x00\x00\x01\x00.", "FormatError"),
    "empty_sets": (b"\x80\x04](" + b"\x8f" * 3000000 + b"e.", "LimitError"),
    # lengths far beyond the file
    "binbytes8_terabytes": (b"\x80\x04\x8e" + struct.pack("<Q", 1 << 40) + b"abc.", "TruncatedError"),
    "binbytes8_2_63": (b"\x80\x04\x8e" + struct.pack("<Q", (1 << 64) - 1) + b".", "TruncatedError"),
    "bytearray8_terabytes": (b"\x80\x05\x96" + struct.pack("<Q", 1 << 40) + b".", "TruncatedError"),
    "binunicode_4gb": (b"\x80\x04X\xff\xff\xff\xffabc.", "TruncatedError"),
    "binunicode8_huge": (b"\x80\x04\x8d" + struct.pack("<Q", 1 << 62) + b".", "TruncatedError"),
    "binstring_negative": (b"\x80\x02T\xff\xff\xff\xff.", "FormatError"),
    "long4_huge": (b"\x80\x02\x8b\xff\xff\xff\x7f.", "TruncatedError"),
    "frame_huge": (b"\x80\x04\x95" + struct.pack("<Q", 1 << 50) + b"N.", "TruncatedError"),
    "data_bytes_beyond_end": (batch4(data=p2_array((1, 12), b"")[:-4] + b"T\x00\x00\x00\x10tb"), "TruncatedError"),
    "int_of_100000_digits": (batch4(labels=b"](L" + b"9" * 100000 + b"L\ne"), "FormatError"),
    "label_of_1600000_bits": (batch4(labels=b"](\x8b" + struct.pack("<i", 200000) + b"\x01" * 200000 + b"e"),
                              "FormatError"),
    "no_stop": (b"\x80\x04}(" + u("filenames") + b"]", "TruncatedError"),
    "empty_file": (b"", "TruncatedError"),
    # long columns: their lengths are compared before anything is decoded
    "two_million_labels": (batch4(labels=b"](" + b"K\x01" * 2000000 + b"e"), "FormatError"),
    "int64_labels_32mb": (p2_pickle([(b"filenames", p2_list([p2_str(b"a.png")])), (b"labels", int64_labels(1 << 22)),
                                     (b"data", b"]")]), "FormatError"),
    "data_rows_2_40": (batch4(data=p2_array((1 << 40, 0), b"")), "FormatError"),
    "labels_shape_2_62": (batch4(labels=p2_array((1 << 62,), b"", dtype="i8", order=b"<")), "FormatError"),
    "image_size_huge": (batch4(data=p2_object_array([b"U\x03abc"]),
                               extra=u("image_sizes") + b"](\x8a\x09" + bytes(8) + b"\x01K\x01\x86e"),
                        "ImageTooLargeError"),
    "image_size_negative": (batch4(data=p2_object_array([b"U\x03abc"]), extra=u("image_sizes") + b"](J"
                                   + struct.pack("<i", -1) + b"K\x01\x86e"), "FormatError"),
    "too_many_dimensions": (batch4(data=p2_array((1,) * 100, b"\x00")), "FormatError"),
    # object arrays and dtypes that are not what a batch holds
    "object_rows_of_lists": (batch4(data=p2_object_array([p2_list([p2_list([p2_int(1)])] * 12)])), "FormatError"),
    "object_row_a_dict": (batch4(data=p2_object_array([b"}"])), "FormatError"),
    "object_row_too_long": (batch4(data=p2_object_array([p2_str(bytes(5000))])), "FormatError"),
    "float_labels": (batch4(labels=p2_array((1,), bytes(8), dtype="f8", order=b"<")), "FormatError"),
    "int64_pixels_over_255": (batch4(data=p2_array((1, 3072), b"\xff" * 3072 * 8, dtype="i8", order=b"<")),
                              "FormatError"),
    "unicode_dtype": (batch4(data=p2_array((1, 3072), bytes(3072 * 4), dtype="U3072", order=b"<")), "FormatError"),
    "dtype_of_a_million_digits": (batch4(data=p2_array((1, 1), b"\x00", dtype="u" + "9" * 1000000)), "FormatError"),
    "fortran_complex": (batch4(data=p2_array((2, 2), bytes(64), dtype="c16", order=b"<", fortran=True)),
                        "FormatError"),
    # globals: refused by the scan when the dataset is opened
    "global_os_system": (b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00echo\x85R.", "UnsafePickleError"),
    "stack_global_os_system": (b"\x80\x04" + u("os") + u("system") + b"\x93" + u("echo") + b"\x85R.",
                               "UnsafePickleError"),
    "stack_global_computed": (b"\x80\x04]\x94h\x00\x93.", "UnsafePickleError"),
    "inst_os_system": (b"\x80\x02(X\x04\x00\x00\x00echoios\nsystem\n.", "UnsafePickleError"),
    "extension_code": (b"\x80\x02\x82\x01.", "UnsafePickleError"),
    "persistent_id": (b"\x80\x02N\x51.", "UnsafePickleError"),
    "build_on_a_global": (b"\x80\x02cnumpy\ndtype\nN}U\x01xK\x01s\x86b.", "UnsafePickleError"),
    "newobj": (b"\x80\x02cnumpy\ndtype\n)\x81.", "FormatError"),
    "out_of_band_buffer": (b"\x80\x05\x97.", "FormatError"),
}


def test_nasties_are_refused_with_mnistio_errors(tmp_path):
    names = sorted(NASTIES)
    paths, results = run(tmp_path, [NASTIES[name][0] for name in names])
    hostile.assert_contained(results, at_least_refused=len(names))
    refused = {os.path.basename(os.path.dirname(path)): detail for path, detail in results["refused"]}
    for number, name in enumerate(names):
        detail = refused[str(number)]
        assert detail.startswith(NASTIES[name][1] + ":"), (name, detail)
        assert paths[number] in detail, (name, detail)  # the error names the file


def test_a_nasty_meta_file_is_refused(tmp_path):
    nasty = [NASTIES[name][0] for name in ("deep_tuple1_key", "global_os_system", "shared_tuple_key")]
    _, results = run(tmp_path, nasty, "batches.meta", beside={"data_batch_1": python2_batch()})
    hostile.assert_contained(results, at_least_refused=len(nasty))


# -- memory ---------------------------------------------------------------------------------------

PEAK = r"""
import json, sys
sys.path.insert(0, sys.argv[2])
import mnistio

def peak_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

start = peak_kb()
try:
    list(mnistio.Dataset.import_from(sys.argv[1], "cifar"))
    outcome = "ok"
except mnistio.MnistioError as error:
    outcome = "%s: %s" % (type(error).__name__, error)
print(json.dumps([outcome, peak_kb() - start]))
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads Linux's VmHWM")
def test_a_long_labels_array_is_refused_before_it_is_decoded(tmp_path):
    """Lengths are compared first: decoded, 4M labels would take 160 MB beside the file's 32 MB
    (unpickling copies a long string once: twice the file is the floor)."""
    count = 1 << 22
    raw = array.array("q", range(count)).tobytes()
    path = tmp_path / "data_batch_1"
    path.write_bytes(p2_pickle([(b"filenames", p2_list([p2_str(b"a.png")])), (b"data", b"]"),
                                (b"labels", p2_array((count,), raw, "i8", b"<" if sys.byteorder == "little" else b">"))]))
    done = subprocess.run([sys.executable, "-c", PEAK, str(path), hostile.ROOT], capture_output=True, text=True,
                          check=True)
    outcome, extra_kb = json.loads(done.stdout)
    assert outcome == "FormatError: %s: %s labels for 1 file name" % (path, "{:,}".format(count))
    assert extra_kb < 3 * len(raw) // 1024 + 16 * 1024
