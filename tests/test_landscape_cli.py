"""`genphys landscape simulate | boltzmann`: outputs, the train/test split, bad input in one line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from genphys.cli import main

ROTATING = "cos(2*atan2(y, x) - t) + (x**2 + y**2 - 1)**2"


def run(capsys, *argv):
    code = main(["landscape", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_simulate_writes_snapshots_and_metrics(capsys, tmp_path):
    out_dir = tmp_path / "sim"
    code, out, _ = run(capsys, "simulate", ROTATING, "--beta", "10", "--init", "uniform:0.5,1", "--n", "200",
                       "--T", "1", "--record", "0.1", "--step", "0.01", "--integrator", "lm", "--seed", "0",
                       "--out", str(out_dir), "--json")
    assert code == 0
    metrics = json.loads(out)
    assert metrics["records"] == 11 and metrics["steps"] == 100 and metrics["n_train"] == metrics["n_test"] == 100
    snaps = np.load(out_dir / "snapshots.npz")
    assert snaps["train"].shape == (11, 100, 2) and snaps["test"].shape == (11, 100, 2)
    assert np.allclose(snaps["times"], np.arange(11) * 0.1)
    assert json.loads((out_dir / "metrics.json").read_text())["integrator"] == "lm"
    # the same seed gives the same run
    code, _, _ = run(capsys, "simulate", ROTATING, "--init", "uniform:0.5,1", "--n", "200", "--T", "1", "--record",
                     "0.1", "--step", "0.01", "--integrator", "lm", "--out", str(tmp_path / "again"))
    assert code == 0 and np.array_equal(np.load(tmp_path / "again" / "snapshots.npz")["test"], snaps["test"])


def test_boltzmann_masses(capsys):
    code, out, _ = run(capsys, "boltzmann", "(x**2 - 1)**2 + y**2", "--beta", "3", "--t", "0", "--bins", "-2,2,20",
                       "--json")
    data = json.loads(out)
    masses = np.array(data["masses"])
    assert code == 0 and masses.shape == (20, 20) and abs(masses.sum() + data["outside"] - 1) < 1e-9
    assert np.allclose(masses, masses[::-1, :]) and np.allclose(masses, masses[:, ::-1])  # the potential's symmetry


@pytest.mark.parametrize("argv, match", [
    (["simulate", "x**2 +", "--n", "10"], "syntax"),
    (["simulate", ROTATING, "--init", "uniform:-1,1", "--n", "10", "--T", "1", "--record", "0.1", "--step", "0.03"],
     "not a multiple"),
    (["simulate", ROTATING, "--init", "uniform:2,1"], "HIGH > LOW"),
    (["simulate", ROTATING, "--beta", "-1"], "--beta"),
    (["boltzmann", "x**2", "--bins", "1,0,3"], "--bins"),
    (["simulate", "kap*x**2", "--n", "10"], "kap"),
])
def test_bad_input_is_one_line(capsys, tmp_path, argv, match):
    code, out, err = run(capsys, *argv, "--out", str(tmp_path / "never")) if argv[0] == "simulate" \
        else run(capsys, *argv)
    assert code == 2 and err.startswith("error:") and len(err.strip().splitlines()) == 1 and match in err, err
    assert not (tmp_path / "never").exists()
