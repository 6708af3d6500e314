"""`genphys sweep`: grids, resumption, the phase diagram, and a real Dask scheduler with worker processes."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analytic.errors import PDEInputError
from derivations import sweep
from genphys.cli import main

HEAT = "phi_t - a*lap(phi)"


def test_grid_values_and_their_errors():
    assert sweep.grid_values("-2:2:5") == [-2.0, -1.0, 0.0, 1.0, 2.0]
    assert sweep.grid_values("0.5,1,3") == [0.5, 1.0, 3.0]
    for bad in ("1:2", "a:b:3", "1:2:0", "nan,1", "1:inf:3"):
        with pytest.raises(PDEInputError, match="LO:HI:COUNT"):
            sweep.grid_values(bad)


@pytest.mark.parametrize("argv, message", [
    (["--grid", "b=0:1:3"], "not a parameter"),
    ([], "at least one --grid"),
    (["--grid", "a=0:1:3", "--grid", "a=1,2"], "given twice"),
    (["--param", "a=positive", "--grid", "a=-1:1:3"], "outside its assumption"),
    (["--grid", "a=0:1"], "LO:HI:COUNT"),
])
def test_bad_sweeps_are_one_line_exit_2(argv, message, tmp_path, capsys):
    assert main(["sweep", HEAT, *argv, "--scheduler", "serial", "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_check_sweep_follows_the_symbolic_condition_and_resumes(tmp_path, monkeypatch, capsys):
    """Heat with diffusivity a: Eq. 16 holds iff a > 0 — the numeric scan at each point (not the symbolic
    region) says so, and a > 0 is the symbolic condition; a second run with more values computes only those."""
    out = tmp_path / "s"
    assert main(["sweep", HEAT, "--grid", "a=-1:1:5", "--scheduler", "serial", "--out", str(out)]) == 0
    saved = json.loads((out / "sweep.json").read_text())
    assert saved["condition"] == "0 < a"
    assert [(p["values"]["a"], p["holds"]) for p in saved["points"]] == [
        (-1.0, False), (-0.5, False), (0.0, False), (0.5, True), (1.0, True)]
    assert all(p["symbolic"] == p["holds"] for p in saved["points"])
    assert (out / "sweep.csv").read_text().splitlines()[0].startswith("a,holds")
    assert (out / "sweep.png").stat().st_size > 0
    calls = []
    real = sweep.point
    monkeypatch.setattr(sweep, "point", lambda spec, values: calls.append(values) or real(spec, values))
    assert main(["sweep", HEAT, "--grid", "a=-1:1:9", "--scheduler", "serial", "--out", str(out)]) == 0
    assert sorted(v["a"] for v in calls) == [-0.75, -0.25, 0.25, 0.75]  # the five done are not recomputed
    assert len(json.loads((out / "sweep.json").read_text())["points"]) == 9
    capsys.readouterr()
    # the same folder for another sweep is refused, not overwritten
    assert main(["sweep", HEAT, "--grid", "a=-1:1:3", "--what", "derive", "--scheduler", "serial",
                 "--out", str(out)]) == 2
    assert "different sweep" in capsys.readouterr().err


def test_derive_sweep_has_c1_and_c2_per_point():
    spec = sweep.Sweep("phi_t - a*lap(phi) + c*phi", {"a": "positive", "c": "real"},
                       {"a": [1.0], "c": [-0.5, 0.5]}, "derive")
    sweep.prepare(spec, 20)
    rows = [sweep.point(spec.to_json(), v) for v in spec.points()]
    assert [r["C1"] for r in rows] == [[True], [True]] and [r["C2"] for r in rows] == [[True], [True]]
    assert all(r["holds"] for r in rows)
    wave = sweep.Sweep("phi_tt - a*lap(phi)", {"a": "positive"}, {"a": [1.0]}, "derive")  # negative control
    sweep.prepare(wave, 20)
    assert sweep.point(wave.to_json(), {"a": 1.0})["holds"] is False


def _dask(*args):
    exe = Path(sys.executable).with_name("dask")
    return subprocess.Popen([str(exe), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "MPLBACKEND": "Agg"})


@pytest.mark.slow
def test_a_real_scheduler_gives_the_serial_results(tmp_path):
    """`dask scheduler` and `dask worker` (two processes) started here, the sweep sent with --scheduler."""
    pytest.importorskip("distributed")
    if not Path(sys.executable).with_name("dask").exists():
        pytest.skip("the dask command is not installed beside this Python")
    info = tmp_path / "scheduler.json"
    procs = [_dask("scheduler", "--scheduler-file", str(info), "--no-dashboard", "--host", "127.0.0.1")]
    try:
        for _ in range(300):
            if info.exists() and info.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(info.read_text())["address"]
        procs.append(_dask("worker", address, "--nworkers", "2", "--nthreads", "1", "--no-dashboard"))
        from distributed import Client
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
            workers = client.scheduler_info()["workers"]
        assert len(workers) == 2
        args = ["sweep", "phi_tt + a*phi_t - lap(phi)", "--grid", "a=-1:1:5"]
        assert main([*args, "--scheduler", address, "--out", str(tmp_path / "dask")]) == 0
        assert main([*args, "--scheduler", "serial", "--out", str(tmp_path / "serial")]) == 0
        got, want = (json.loads((tmp_path / name / "sweep.json").read_text())["points"] for name in ("dask", "serial"))
        assert got == want
        assert [p["holds"] for p in got] == [True, True, False, True, True]  # a = 0 is the wave equation: fails
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
