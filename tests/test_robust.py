"""Robust under every input and every interruption: budgets, limits, orphans, atomic output, strict JSON."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytic.errors import ParameterError
from analytic.grammar import MAX_PARAMETERS, parse
from derivations.check import check
from genphys.cli import main
from report.output import MARKER


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _genphys(*argv):
    return [sys.executable, "-m", "genphys", *argv]


def _children(pid: int) -> list[int]:
    """Live processes whose parent is ``pid`` (Linux /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                out.append(int(entry.name))
    return out


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_killed_check_leaves_no_worker():
    """SIGKILL on `genphys check` while its forked SymPy worker runs: the worker dies too."""
    proc = subprocess.Popen(_genphys("check", "phi_ttt + a*phi_tt + phi_t - lap(phi_t) - lap(phi)",
                                     "--param", "a=positive", "--budget", "100"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        workers = []
        while time.time() < deadline and not workers:
            time.sleep(0.2)
            workers = _children(proc.pid)
        assert workers, "the symbolic step never started a worker"
    finally:
        proc.kill()
        proc.wait()
    time.sleep(2.0)
    alive = [w for w in workers if Path(f"/proc/{w}").exists() and "Z" not in Path(f"/proc/{w}/stat").read_text()
             .rsplit(")", 1)[1].split()[0]]
    assert not alive, f"orphaned workers {alive}"


@pytest.mark.slow
def test_a_killed_run_never_looks_complete(tmp_path):
    """A complete run in OUT, then new runs into OUT killed at several moments: OUT is always one whole run."""
    out = tmp_path / "run"
    base = ["generate", "phi_t - lap(phi)", "--n-data", "300", "--n-samples", "400", "--steps", "20", "--out", str(out)]
    assert subprocess.run(_genphys(*base, "--seed", "1"), capture_output=True, timeout=300).returncode == 0
    old = {p.name: p.read_bytes() for p in out.iterdir()}
    assert MARKER in old and "metrics.json" in old
    for delay in (1.0, 3.0, 5.0, 7.0):
        proc = subprocess.Popen(_genphys(*base, "--seed", "2"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = {p.name: p.read_bytes() for p in out.iterdir()}
        if now == old:
            continue  # killed before the swap: the previous run is untouched
        assert set(now) >= {"samples.npy", "metrics.json", "samples.png", MARKER}, sorted(now)
        assert json.loads(now["metrics.json"])["n_samples"] == 400
        old = now  # the new run completed before the kill
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "run"]
    rerun = subprocess.run(_genphys(*base, "--seed", "3"), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["run"], leftovers  # partial folders are cleaned up


def test_a_folder_of_other_files_is_refused_and_a_previous_run_replaced(tmp_path, capsys):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    args = ["generate", "phi_t - lap(phi)", "--n-data", "100", "--n-samples", "100", "--steps", "5"]
    code, _, err = run(capsys, *args, "--out", str(foreign))
    assert code == 2 and "thesis.tex" in err and (foreign / "thesis.tex").read_text() == "precious"
    out = tmp_path / "run"
    assert run(capsys, *args, "--out", str(out), "--prior", "independent")[0] == 0
    (out / "weights.npy").write_bytes(b"stale")  # as a branching run would have left
    code, _, err = run(capsys, *args, "--out", str(out), "--json")
    assert code == 0 and "replaced the previous run" in err and not (out / "weights.npy").exists()


def test_metrics_json_is_strict(tmp_path, capsys):
    out = tmp_path / "run"
    assert run(capsys, "generate", "phi_t - lap(phi)", "--n-data", "100", "--n-samples", "100", "--steps", "5",
               "--out", str(out))[0] == 0
    text = (out / "metrics.json").read_text()
    json.loads(text, parse_constant=lambda name: pytest.fail(f"non-standard JSON constant {name}"))


def test_latex_never_overwrites_what_it_did_not_write(tmp_path, capsys):
    mine = tmp_path / "paper.tex"
    mine.write_text("\\documentclass{article}")
    code, _, err = run(capsys, "derive", "phi_t - lap(phi)", "--dim", "2", "--latex", str(mine), "--no-verify")
    assert code == 2 and "not written by genphys" in err and mine.read_text() == "\\documentclass{article}"
    link = tmp_path / "link.tex"
    link.symlink_to(mine)
    code, _, err = run(capsys, "derive", "phi_t - lap(phi)", "--dim", "2", "--latex", str(link), "--no-verify")
    assert code == 2 and "link" in err
    ours = tmp_path / "ours.tex"
    for _ in range(2):  # its own file is replaced
        assert run(capsys, "derive", "phi_t - lap(phi)", "--dim", "2", "--latex", str(ours), "--no-verify")[0] == 0
    assert (tmp_path / "ours-figures" / MARKER).exists()


# ---------------------------------------------------------------------------------------
# budgets and limits
# ---------------------------------------------------------------------------------------
def test_the_numeric_scan_runs_under_the_budget():
    result = check(parse("phi_tttttttt - lap(phi)"), budget=0.05)
    assert any("numeric scan exceeded its time budget" in n for n in result.criterion.notes), result.criterion.notes


def test_derive_past_its_budget_keeps_the_criterion(capsys):
    code, out, err = run(capsys, "derive", "phi_t - lap(phi)", "--dim", "2", "--budget", "0.001", "--json")
    data = json.loads(out)
    assert code == 3 and "time budget" in err and "criterion" in data


def test_parameter_count_is_limited():
    text = "phi_t - " + " - ".join(f"p{i}*lap(phi)" for i in range(MAX_PARAMETERS + 1))
    with pytest.raises(ParameterError, match="the limit is"):
        parse(text)


def test_many_parameters_fall_back_to_one_region():
    """Twelve real parameters: 3^12 sign cells are not enumerated; the scan decides the whole space."""
    text = "phi_t - " + " - ".join(f"p{i}**2*lap(phi)" for i in range(11)) + " - lap(phi)"
    c = check(parse(text), budget=20).criterion
    assert len(c.cells) == 1 and c.agree


# ---------------------------------------------------------------------------------------
# fuzz: bad options never end in a traceback
# ---------------------------------------------------------------------------------------
BAD_VALUES = ["nan", "inf", "-inf", "-1", "0", "1e999", "", "x", "1,2", "--", "2.5", "-0", "999999999999999999999"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["--budget", "--dim", "--mode", "--param", "--seed", "--eval", "--T"]),
                          st.sampled_from(BAD_VALUES)), min_size=1, max_size=3))
def test_fuzzed_bad_options_exit_2_in_one_line(capsys, options):
    argv = ["check", "phi_t - lap(phi)"] + [part for pair in options for part in pair]
    code = main(argv)
    out, err = capsys.readouterr()
    if code == 0:  # the values happened to be valid for this command
        return
    lines = [line for line in err.splitlines() if not line.startswith("note: ")]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), (argv, code, err)


@pytest.mark.parametrize("N", [24, 64, 78])
def test_float32_yukawa_fields_are_finite_in_even_dimensions(N):
    """Screened Poisson in float32 was inf/NaN for every even N from 24 to 78 (log K's finite sum overflowed)."""
    from derivations.derive import derive
    from derivations.fields import field

    d = derive(parse("phi_tt + lap(phi) - m**2*phi", {"m": "positive"}), dim=N, conditions=False)
    rng = np.random.default_rng(N)
    data, x = 0.3 * rng.normal(size=(100, N)), rng.normal(size=(7, N))
    f64, f32 = (field(d, data, values={"m": 0.35}, dtype=dt, device="cpu") for dt in ("float64", "float32"))
    for t in (1e-2, 1.0, 100.0):
        ref, got = f64.log_density(x, t), f32.log_density(x, t)
        assert np.all(np.isfinite(got)) and np.max(np.abs(got - ref) / np.abs(ref)) < 1e-5
        v64, v32 = f64.velocity(x, t), f32.velocity(x, t)
        assert np.all(np.isfinite(v32))
        assert np.max(np.linalg.norm(v32 - v64, axis=1) / np.linalg.norm(v64, axis=1)) < 1e-3


@pytest.mark.parametrize("text", ["phi_t - lap(phi)", "phi_tt + lap(phi)"])
def test_derive_in_3072_dimensions(text, capsys):
    """CIFAR-sized N: closed forms with 4000-digit constants print, C1 is scanned, C2's overlap is formed in
    the log domain (|p̃|² = e^{−2kT} underflows where k^(N−1) peaks)."""
    code, out, err = run(capsys, "derive", text, "--dim", "3072", "--json")
    data = json.loads(out)
    assert code == 0, err
    assert data["c1"]["holds"] == "yes" and data["c2"]["holds"] == "yes" and data["verdict"].startswith("s-generative")


@pytest.mark.parametrize("N", [1, 3, 40, 700, 3072])
def test_direction_average_matches_mpmath(N):
    """Ω_N(x) = ₀F₁(; N/2; −x²/4), against mpmath at 30 digits, across the series/Bessel switch."""
    import mpmath

    from numeric.conditions import _omega_N
    x = np.array([1e-3, 0.7, 3.0, 11.0, 29.0, 36.0])
    ours = _omega_N(x, N)
    with mpmath.workdps(30):
        ref = np.array([float(mpmath.hyp0f1(mpmath.mpf(N) / 2, -mpmath.mpf(v) ** 2 / 4)) for v in x])
    assert np.allclose(ours, ref, rtol=1e-12, atol=1e-14), (ours, ref)


def _bad_arrays():
    rng = np.random.default_rng(0)
    return {"five.npy": rng.normal(size=(5, 2)), "strings.npy": np.array([["a", "b"]] * 10),
            "complex.npy": rng.normal(size=(20, 2)) + 1j, "bool.npy": rng.random((20, 2)) > 0.5,
            "struct.npy": np.zeros(10, dtype=[("x", "f8"), ("y", "f8")]), "nan.npy": np.full((20, 2), np.nan),
            "one.npy": rng.normal(size=(20,)), "good.npy": rng.normal(size=(40, 2)),
            "three.npy": rng.normal(size=(40, 3))}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.sampled_from(sorted(_bad_arrays()) + ["missing.npy", "empty.csv", "text.csv", "dir.npy"]),
       st.sampled_from(sorted(_bad_arrays()) + ["missing.npy"]),
       st.sampled_from([[], ["--seed", "-3"], ["--seed", "x"], ["--json"]]))
def test_fuzzed_bad_files_exit_2_in_one_line(tmp_path_factory, capsys, samples, data, extra):
    folder = tmp_path_factory.mktemp("files")
    for name, array in _bad_arrays().items():
        np.save(folder / name, array)
    (folder / "empty.csv").write_text("")
    (folder / "text.csv").write_text("a,b\nc,d\n")
    (folder / "dir.npy").mkdir()
    code = main(["score", str(folder / samples), "--data", str(folder / data), *extra])
    out, err = capsys.readouterr()
    valid = {"good.npy": 2, "five.npy": 2, "three.npy": 3}  # real 2-D arrays (rows = points) and their columns
    if code == 0:
        assert samples in valid and data in valid and valid[samples] == valid[data], (samples, data)
        return
    lines = [line for line in err.splitlines() if not line.startswith("note: ")]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, (samples, data, err)
