"""Hostile filter expressions: only mnistio errors, bounded memory and time.

Expressions generated from the XPath 1.0 grammar and then mutated (the
generators of ``tests/test_xpath.py``, and byte mutations of
``tests/hostile.py`` that bring control characters, NULs and stray bytes),
randomly nested ones up to and past the nesting limit, and very long ones,
are each compiled and evaluated on real item trees (the sample's digits, one
unlabeled, one with two labels, one with forty, one without an image) in a
child process limited to 600 MB of address space and 10 s an expression:
``evaluate``, ``select`` and ``matches``, and ``Dataset.filter`` in every mode.
Anything but a result or a mnistio error (a syntax error, the step limit of
``mnistio.limits.MAX_XPATH_STEPS``, lowered there to a tenth so that an
expression's twenty evaluations stay quick) fails, as does a timeout or a
crash.
``MNISTIO_FUZZ_CASES`` sets the number of generated expressions (150).
"""

import os
import random

import pytest
from hostile import assert_contained, case_count, mutations, run_cases
from hypothesis import HealthCheck, Phase, given, settings
from test_xpath import expressions
from test_xpath import mutations as mutated_expressions

pytestmark = pytest.mark.skipif(os.name != "posix", reason="resource limits and SIGALRM are POSIX")

SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "mnist_sample")

EVALUATE = """
import mnistio.limits
from mnistio import Label
from mnistio.ops.xpath import NODESET, compile as compile_xpath
from mnistio.ops.xpath.items import item_element

_items = list(mnistio.Dataset.import_from(%(sample)r))[:4]
_items[0] = _items[0].wrap(annotations=[])
_items[1] = _items[1].wrap(annotations=[Label(1), Label(7, id=1, group=2)])
_items[2] = _items[2].wrap(id="img 12", annotations=[Label(i %% 10, id=i) for i in range(40)])
_items[3] = _items[3].wrap(media=None)
NAMES = [str(digit) for digit in range(10)]
DATASET = mnistio.Dataset.from_iterable(_items, categories=NAMES)
TREES = [item_element(item, NAMES) for item in _items]
# A tenth of the default: a case evaluates each expression some twenty times, and an evaluation
# takes about a second at the default limit (tests/test_filter.py checks that one).
mnistio.limits.MAX_XPATH_STEPS = 100000


def check(expression):
    query = compile_xpath(expression)
    for tree in TREES:
        query.evaluate(tree)
        query.matches(tree)
        if query.result_type == NODESET:
            query.select(tree)
    list(DATASET.filter(expression))
    if query.result_type == NODESET:
        list(DATASET.filter(expression, filter_annotations=True))
        list(DATASET.filter(expression, filter_annotations=True, remove_empty=True))
""" % {"sample": SAMPLE}


def drawn(strategy, count):
    """``count`` values of a hypothesis strategy, the same on every run."""
    found = []

    @settings(max_examples=count, deadline=None, database=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(value):
        found.append(value)
    collect()
    return found


def byte_mutations(texts, seed):
    """The expressions through ``hostile.mutate``, read back byte for character (NULs, controls, stray bytes)."""
    return [mutant.decode("latin-1") for text in texts
            for mutant in mutations(text.encode("utf-8"), seed, 1)]


NESTINGS = ["(%s)", "not(%s)", "/item[%s]", "//*[%s]", "*[%s]", "count(%s) > 1", "//*[.//*][%s]",
            "string(%s)", "-%s", "boolean(%s) and true()", "(%s)[last()]", "concat(%s, //*)", "sum(//*[%s])",
            "//*[position() = count(%s)]", "following::node()[%s]", "//node()[%s]/preceding::node()"]


def nested(rng, count):
    """Expressions nested by random templates, up to past the parser's limit of 32 levels."""
    found = []
    for _ in range(count):
        text = rng.choice([".//*", "//*", "1", "id", "'3'", "//label", "text()", "/", "last()"])
        for _ in range(rng.randrange(1, 40)):
            text = rng.choice(NESTINGS) % text
        found.append(text)
    return found


#: (expression, what must happen: "ok", or the class of the mnistio error refusing it)
EXTREMES = [
    # exponential: stopped by the step limit, in about a second
    ("/item" + "[//*" * 8 + "[//foo" + "]" * 9, "XPathLimitError"),
    ("/item" + "[//*" * 30 + "[//foo" + "]" * 31, "XPathLimitError"),
    # truth tests stop at the first node: as many levels as the parser takes, in microseconds
    ("/item" + "[//*" * 8 + "]" * 8, "ok"), ("/item" + "[//*" * 31 + "]" * 31, "ok"),
    ("not(" + "//*[" * 30 + ".//*" + "]" * 30 + ")", "ok"),
    ("//*[count(//*[count(//*[count(//*[count(//*) > 0]) > 0]) > 0]) > 0]", "XPathLimitError"),
    ("count(//node()/following::node()/preceding::node()/following::node())", "XPathLimitError"),
    ("count(//*[//*[string-length(string(/)) > 0]])", "XPathLimitError"),
    # nesting: refused past 32 levels, whatever the brackets
    ("(" * 33 + "1" + ")" * 33, "XPathSyntaxError"), ("(" * 100000, "XPathSyntaxError"),
    ("not(" * 5000 + "1" + ")" * 5000, "XPathSyntaxError"), ("a[" * 5000 + "1" + "]" * 5000, "XPathSyntaxError"),
    ("-(" * 5000 + "1" + ")" * 5000, "XPathSyntaxError"), ("[" * 50000, "XPathSyntaxError"),
    ("(" * 31 + "1" + ")" * 31, "ok"),
    # long and flat
    ("1" + " + 1" * 10000, "ok"), ("1" + " = 1" * 5000, "ok"), ("-" * 50000 + "1", "ok"),
    ("/item" + "[1]" * 5000, "ok"), (" | ".join(["//*"] * 200), "ok"), (" | ".join(["//*"] * 5000), "XPathLimitError"),
    ("count(" + "/".join(["."] * 5000) + ")", "ok"), ("/item" + "/.." * 5000, "ok"),
    ("concat(" + ", ".join(["string(/)"] * 1000) + ")", "XPathLimitError"), ("'" + "a" * 1000000 + "'", "ok"),
    ("a" * 1000000, "ok"), ("1" * 100000, "ok"), ("1." + "1" * 100000 + "e99999999", "ok"),
    ("translate(string(/), string(/), string(/))", "ok"), ("//*" * 3000 + "x", "XPathSyntaxError"),
    ("/" * 100000, "XPathSyntaxError"), ("'" * 100001, "XPathSyntaxError"), ("\x00" * 1000, "XPathSyntaxError"),
]


def test_hostile_expressions(tmp_path):
    rng = random.Random(2026)
    count = case_count()
    generated = drawn(expressions(), count // 3)
    cases = generated + drawn(mutated_expressions(), count // 3) + byte_mutations(generated, seed=8)[:count // 3]
    cases += nested(rng, count // 5) + [expression for expression, _ in EXTREMES]
    results = run_cases(EVALUATE, cases, tmp_path)
    assert_contained(results, at_least_refused=count // 10)
    outcomes = {case: "ok" for case, _ in results["ok"]}
    outcomes.update((case, detail.partition(":")[0]) for case, detail in results["refused"])
    for expression, expected in EXTREMES:
        assert outcomes[expression] == expected, (expression[:80], outcomes[expression])
    assert len(results["ok"]) >= count // 5, "too few expressions evaluated: the generators miss the evaluator"
