"""Operations on datasets, streaming: filtering, transforms, merging, statistics.

They sit above the formats and below the command line; each takes and
returns :class:`mnistio.dataset.Dataset` objects without reading items
until the result is iterated.
"""
