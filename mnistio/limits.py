"""The limits on what one record of an input may cost, documented and overridable.

A file's header can promise anything: a 1 MB gzip file can claim a 32768 x
32768 image, a 200 KB pickle can nest a tuple 200,000 deep. Every decoder
checks what it is about to allocate or compute against these limits first,
and refuses with a :class:`~mnistio.errors.LimitError` that names the limit.
They are module attributes, read when a decoder runs, so a caller who trusts
its files raises them as Pillow's users raise ``Image.MAX_IMAGE_PIXELS``::

    import mnistio.limits
    mnistio.limits.MAX_IMAGE_PIXELS = 20000 * 20000

``docs/limits.rst`` (and the README) list each limit with the refusal it
gives. The defaults are far above any dataset image or file, and low enough
that no input makes a decoder run out of memory or run for minutes.
"""

__all__ = ["MAX_IMAGE_PIXELS", "MAX_RECORD_BYTES", "MAX_TEXT_FILE_BYTES", "MAX_LINE_BYTES", "MAX_NESTING",
           "MAX_XPATH_STEPS", "MAX_HEADER_BYTES", "MAX_ARCHIVE_MEMBERS"]

#: Pixels of one image (height x width), in any file: PNG, PGM/PPM, BMP, an
#: IDX images header, a meta file's sizes, a CIFAR batch. 4096 x 4096: an image
#: this size decodes in seconds in pure Python, and a hostile header cannot ask
#: for gigabytes.
MAX_IMAGE_PIXELS = 4096 * 4096

#: Bytes of one IDX record (the values under the first dimension) that are not
#: an image: QMNIST's label rows, or any other IDX file read with the codec.
MAX_RECORD_BYTES = 256 * 1024 * 1024

#: Bytes of a whole text file that is read at once: labels.txt, synsets.txt,
#: dataset_meta.json, a project file.
MAX_TEXT_FILE_BYTES = 64 * 1024 * 1024

#: Bytes of one line of a CSV or list file. A 28 x 28 digit is about 2 KB; a
#: 4096 x 4096 image written as text is under 64 MB.
MAX_LINE_BYTES = 64 * 1024 * 1024

#: Nesting of containers in a JSON file or a pickle (lists in lists ...). Real
#: files nest a few levels; Python's parsers recurse, and a pickle nested
#: 200,000 deep crashes the interpreter when it is freed.
MAX_NESTING = 100

#: Steps an XPath filter may take on one item: nodes its axes visit, nodes its
#: predicates test, function calls, nodes whose text a string value gathers.
#: A real filter takes tens; nested ``//*`` predicates that find nothing grow
#: exponentially (``/item[//*[//*[//*[//*[//*[//foo]]]]]]`` takes millions),
#: and past the limit evaluation stops with a
#: :class:`~mnistio.ops.xpath.XPathLimitError` (a ``UsageError``) in about a
#: second. (A node-set tested for emptiness stops at its first node, so the
#: same nesting that finds one takes about a hundred.)
MAX_XPATH_STEPS = 1000000


#: Bytes of the header of a ``.npy`` array (the dict literal after the magic):
#: numpy's own bound (``max_header_size=10000``). Real headers take 118 bytes.
MAX_HEADER_BYTES = 10000

#: Members of a zip archive (an ``.npz`` file): its central directory is read
#: whole, about 1 KB of memory a member. Real files hold a few arrays.
MAX_ARCHIVE_MEMBERS = 10000
