import os

import pytest
from hypothesis import HealthCheck, settings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "examples", "mnist_sample")

settings.register_profile("default", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile("default")


@pytest.fixture
def sample_dir():
    return SAMPLE


# -- Datumaro drop-in tests -------------------------------------------------------------------
#
# A test that takes ``lib`` runs twice: once with ``import mnistio as dm`` and once with
# ``import datumaro as dm`` (skipped when Datumaro is not installed), the same body both times,
# so that a difference from Datumaro shows as a failing test rather than an opinion. A test
# that asserts where mnistio deliberately differs (Datumaro loses or corrupts data) checks
# ``is_datumaro(lib)`` and says why in a comment.

@pytest.fixture(params=["mnistio", "datumaro"])
def lib(request):
    """The library under test, as ``dm``."""
    if request.param == "datumaro":
        return pytest.importorskip("datumaro")
    import mnistio

    return mnistio


def is_datumaro(module):
    return module.__name__ == "datumaro"


def with_repeats(items, categories=None):
    """A dataset of ``items`` that may repeat an (id, subset), as an imported file can (a CSV or a CIFAR
    batch naming one id twice): ``Dataset.from_iterable`` refuses repeats, as Datumaro's does, so the
    exporters' handling of them is tested through a dataset built on a list source."""
    import mnistio as dm
    from mnistio.model import ListSource, as_label_categories

    return dm.Dataset(ListSource(list(items), as_label_categories(categories)))
