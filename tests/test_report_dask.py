"""The report through Dask against the serial route (its own file: it builds two reports, so that pytest-xdist runs
it beside test_report.py's report rather than after it)."""

import json

import pytest

from genphys.cli import main


@pytest.mark.slow
def test_report_through_dask_matches_the_serial_report(tmp_path):
    """The default route (a LocalCluster: sections and parts on worker processes, figures carried back as bytes)
    against --scheduler serial: the same catalog comparison, verdicts, p-values and figure files."""
    args = ["report", "--only", "diffusion", "--no-thermo", "--no-driven"]
    assert main([*args, "--scheduler", "serial", "--out", str(tmp_path / "serial")]) == 0
    assert main([*args, "--out", str(tmp_path / "dask")]) == 0
    read = lambda name, f: json.loads((tmp_path / name / f).read_text())  # noqa: E731
    assert read("serial", "catalog.json") == read("dask", "catalog.json")
    keep = ("name", "verdict", "outcome", "p_value", "contradiction")
    assert [{k: r[k] for k in keep} for r in read("serial", "verify.json")] == \
        [{k: r[k] for k in keep} for r in read("dask", "verify.json")]
    assert read("serial", "zhou.json").keys() == read("dask", "zhou.json").keys()
    figures = [sorted(p.name for p in (tmp_path / name / "figures").iterdir()) for name in ("serial", "dask")]
    assert figures[0] == figures[1] and len(figures[0]) >= 5
