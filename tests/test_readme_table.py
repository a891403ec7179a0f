"""The README's results table is generated from results/summary.json, not typed by hand."""

import importlib.util

from conftest import REPO

spec = importlib.util.spec_from_file_location("readme_table", REPO / "workflow" / "scripts" / "readme_table.py")
readme_table = importlib.util.module_from_spec(spec)
spec.loader.exec_module(readme_table)


def test_render_and_update(tmp_path):
    summary = {"numbers": {
        "jth": {"value": 59.02, "unit": "A/cm^2", "source": "results/threshold/threshold.h5:jth", "description": "J_th"},
        "none": {"value": None, "unit": "A/cm^2", "source": "x.h5:y", "description": "unreachable one"}}}
    table = readme_table.render(summary)
    assert "| J_th | 59.02 | A/cm^2 | `results/threshold/threshold.h5:jth` |" in table
    assert "| unreachable one | not reached |" in table
    readme = tmp_path / "README.md"
    readme.write_text(f"a\n{readme_table.START}\nSTALE-ROW\n{readme_table.END}\nb\n")
    readme_table.update(readme, table)
    text = readme.read_text()
    assert "STALE-ROW" not in text and "59.02" in text and text.startswith("a\n") and text.endswith("b\n")


def test_readme_has_the_generated_block():
    text = (REPO / "README.md").read_text()
    block = text.split(readme_table.START)[1].split(readme_table.END)[0]
    assert block.strip().startswith("| quantity |")


def test_headline_table_puts_the_devices_side_by_side():
    num = lambda v, src: {"value": v, "unit": "A/cm^2", "source": src, "description": "d"}
    summary = {"numbers": {"jd": num(59.0, "t.h5:jth/dual"), "js": num(None, "t.h5:jth/single"),
                           "r": num(3.5, "t.h5:ratio")},
               "headline_table": [{"quantity": "J_th (HEADLINE)", "unit": "A/cm^2",
                                   "columns": {"dual_cavity": "jd", "single_cavity": "js"}},
                                  {"quantity": "ratio", "unit": "1", "columns": {"value": "r"}}]}
    table = readme_table.render(summary)
    assert "| J_th (HEADLINE) | 59 | not reached | A/cm^2 | `t.h5:jth/dual`; `t.h5:jth/single` |" in table
    assert "| ratio | 3.5 |  | 1 | `t.h5:ratio` |" in table
