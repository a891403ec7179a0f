"""The report captions (workflow/report/*.rst) are valid reStructuredText: `snakemake --report`
renders them with docutils, and a stray |...| (a substitution reference) or an unclosed markup
would print warnings or garble the caption."""

import io

import pytest
from docutils.core import publish_string

from conftest import REPO

CAPTIONS = sorted((REPO / "workflow" / "report").glob("*.rst"))


@pytest.mark.parametrize("path", CAPTIONS, ids=lambda p: p.name)
def test_caption_parses_without_warnings(path):
    warnings = io.StringIO()
    publish_string(path.read_text(), writer="null",
                   settings_overrides={"warning_stream": warnings, "report_level": 2, "halt_level": 5})
    assert warnings.getvalue() == "", warnings.getvalue()


def test_every_report_caption_is_used():
    rules = "".join(p.read_text() for p in (REPO / "workflow" / "rules").glob("*.smk"))
    unused = [p.name for p in CAPTIONS if f"../report/{p.name}" not in rules]
    assert not unused, unused
