"""The `genphys` command line: the JSON contract, human output, and bad input."""

import json
import subprocess
import sys

import numpy as np
import pytest

from genphys.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_json_contract(capsys):
    code, out, _ = run(capsys, "check", "phi_tt + 2*eps*phi_t - lap(phi)", "--param", "eps=positive", "--json")
    assert code == 0
    data = json.loads(out)
    for key in ("pde", "dimension", "mode", "parameters", "branches", "criterion", "verdict"):
        assert key in data
    assert data["mode"] == "evolution" and data["dimension"] == "N"
    assert data["parameters"] == [{"name": "eps", "assumption": "positive", "declared": True}]
    assert {b["omega"] for b in data["branches"]} == {"I*(-eps + sqrt(eps**2 - k**2))", "-I*(eps + sqrt(eps**2 - k**2))"}
    assert all(b["latex"] for b in data["branches"])
    crit = data["criterion"]
    assert crit["holds"] == "yes" and crit["condition"] == "True" and crit["witness"] is None
    assert crit["agree"] is True


def test_check_json_conditional_two_parameters(capsys):
    code, out, _ = run(capsys, "check", "phi_tt + a*phi_t - lap(phi) + b*phi", "--param", "a=positive",
                       "--param", "b=positive", "--json")
    crit = json.loads(out)["criterion"]
    assert crit["holds"] == "conditional"
    assert crit["condition"] == "a**2 - 4*b > 0"
    assert crit["witness"]["params"] and crit["witness"]["source"] == "numeric scan"


def test_check_anisotropic_json(capsys):
    code, out, _ = run(capsys, "check", "phi_t - phi_xx", "--dim", "2", "--json")
    data = json.loads(out)
    assert data["dimension"] == 2 and data["criterion"]["holds"] == "no"
    assert data["criterion"]["witness"]["ky"] != 0  # the undiffused direction


def test_check_text_output(capsys):
    code, out, _ = run(capsys, "check", "phi_tt + lap(phi)")
    assert code == 0
    assert "boundary" in out and "omega_1" in out and "criterion  yes" in out


@pytest.mark.parametrize("argv, kind", [
    (["check", "phi*phi_t", "--json"], "NonlinearTermError"),
    (["check", "phi_t - x*lap(phi)", "--json"], "VariableCoefficientError"),
    (["check", "phi_t", "--param", "eps", "--json"], "PDEInputError"),
    (["check", "phi_t - lap(phi)", "--mode", "sideways", "--json"], "PDEInputError"),
    (["check", "phi_t - lap(phi)", "--dim", "two", "--json"], "PDEInputError"),
    (["check", "phi_t - lap(phi)", "--param", "eps=positive", "--json"], "ParameterError"),
])
def test_bad_input_exit_2_one_line_and_json(capsys, argv, kind):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1
    assert json.loads(out)["error"]["type"] == kind


def test_bad_input_without_json_prints_nothing_on_stdout(capsys):
    code, out, err = run(capsys, "check", "phi**2")
    assert code == 2 and out == "" and err.startswith("error: ")


def test_module_entry_point():
    proc = subprocess.run([sys.executable, "-m", "genphys", "check", "phi_t - lap(phi)", "--json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["criterion"]["holds"] == "yes"


def test_catalog_json(capsys, monkeypatch, comparisons):
    """`genphys catalog --json` over the session's comparisons (the pipeline itself is tested in test_catalog)."""
    import derivations.catalog

    monkeypatch.setattr(derivations.catalog, "compare", lambda e, budget=None: comparisons[e.name])
    code, out, _ = run(capsys, "catalog", "--json")
    data = json.loads(out)
    assert code == 0 and len(data) == 11
    helm = next(d for d in data if d["name"] == "helmholtz")
    assert helm["items"]["criterion"]["agree"] is False and "Why:" in helm["items"]["criterion"]["reason"]


@pytest.mark.slow
def test_verify_matrix_rows_and_the_balanced_check(capsys):
    """verify: one row per entry, a second (balanced flow) for R ≠ 0; a refused wave is no contradiction."""
    code, out, _ = run(capsys, "verify", "--only", "screened_poisson", "--only", "ideal_wave", "--n-data", "200",
                       "--n-samples", "400", "--steps", "20", "--json")
    assert code == 0
    rows = {row["name"]: row for row in json.loads(out)}
    assert set(rows) == {"screened_poisson", "screened_poisson (balanced)", "ideal_wave"}
    assert rows["screened_poisson"]["flow"] == "branching" and rows["screened_poisson (balanced)"]["flow"] == "balanced"
    assert rows["ideal_wave"]["outcome"] == "refused" and not rows["ideal_wave"]["contradiction"]
    for name in ("screened_poisson", "screened_poisson (balanced)"):
        assert rows[name]["outcome"] == "reproduced" and not rows[name]["contradiction"], rows[name]


def _bad_files(tmp):
    rng = np.random.default_rng(0)
    np.save(tmp / "five.npy", rng.normal(size=(5, 2)))
    np.savez(tmp / "archive.npz", a=rng.normal(size=(10, 2)))
    (tmp / "archive.npz").rename(tmp / "archive.npy")
    (tmp / "empty.npy").write_bytes(b"")
    (tmp / "empty.csv").write_text("")
    np.save(tmp / "strings.npy", np.array([["a", "b"], ["c", "d"]]))
    np.save(tmp / "struct.npy", np.zeros(10, dtype=[("x", "f8"), ("y", "f8")]))
    np.save(tmp / "complex.npy", rng.normal(size=(100, 2)) + 1j)
    np.save(tmp / "bool.npy", rng.random((100, 2)) > 0.5)
    np.save(tmp / "dim5.npy", rng.normal(size=(100, 5)))
    (tmp / "mixed.csv").write_text("1,b\n2,3\n")
    (tmp / "const.csv").write_text("\n".join("1,1" for _ in range(50)))
    (tmp / "afile").write_text("not a folder")


GEN = ["generate", "phi_t - lap(phi)", "--n-data", "50", "--n-samples", "50", "--steps", "5"]


@pytest.mark.parametrize("argv, says", [
    (["check", "phi_t - lap(phi)", "--budget", "nan"], "finite number > 0"),
    (["check", "phi_t - lap(phi)", "--budget", "inf"], "finite number > 0"),
    (["check", "phi_t - lap(phi)", "--dim", "0"], "at least 1"),
    (["derive", "phi_t - lap(phi)", "--dim", "2", "--latex", "{tmp}"], "ending in .tex"),
    (["derive", "phi_t - lap(phi)", "--dim", "2", "--latex", ".tex"], "ending in .tex"),
    (["derive", "phi_t - lap(phi)", "--dim", "2", "--latex", "{tmp}/afile/x.tex"], "not a folder"),
    ([*GEN, "--T", "-1"], "finite number > 0"),
    ([*GEN, "--T", "0"], "finite number > 0"),
    ([*GEN, "--T", "inf"], "finite number > 0"),
    ([*GEN, "--T", "1e-300"], "t_min < T"),
    ([*GEN, "--seed", "-1"], "at least 0"),
    ([*GEN, "--data", "{tmp}/five.npy"], "at least 8 rows"),
    ([*GEN, "--data", "{tmp}/archive.npy"], ".npz archive"),
    ([*GEN, "--data", "{tmp}/empty.npy"], "empty"),
    ([*GEN, "--data", "{tmp}/empty.csv"], "empty"),
    ([*GEN, "--data", "{tmp}/strings.npy"], "text"),
    ([*GEN, "--data", "{tmp}/struct.npy"], "structured"),
    ([*GEN, "--data", "{tmp}/complex.npy"], "complex"),
    ([*GEN, "--data", "{tmp}/bool.npy"], "booleans"),
    ([*GEN, "--data", "{tmp}/dim5.npy", "--dim", "3"], "5 columns"),
    ([*GEN, "--data", "digits", "--dim", "3"], "64-dimensional"),
    ([*GEN, "--data", "{tmp}/mixed.csv"], "mixes numbers and text"),
    ([*GEN, "--data", "{tmp}/const.csv"], "every point is the same"),
    ([*GEN, "--data", "spirals"], "built-in sets: two_points"),
    (["generate", "phi_tt + lap(phi) - m**2*phi", "--param", "m=positive", "--value", "m=0", "--n-data", "50"],
     "violates its assumption"),
    ([*GEN, "--out", "{tmp}/afile"], "not a folder"),
    ([*GEN, "--out", "/dev/null"], "not a folder"),
    (["report", "--out", "{tmp}/afile", "--no-catalog", "phi_t - lap(phi)", "--no-verify"], "not a folder"),
    (["score", "{tmp}/complex.npy", "--data", "{tmp}/dim5.npy"], "complex"),
])
def test_bad_options_and_files_exit_2_with_one_line(tmp_path, capsys, argv, says):
    _bad_files(tmp_path)
    code, out, err = run(capsys, *[a.replace("{tmp}", str(tmp_path)) for a in argv])
    lines = [line for line in err.splitlines() if not line.startswith("note: ")]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], err
    assert "Traceback" not in err


@pytest.mark.parametrize("foreign", ["mine.tex", "mine-figures/notes.txt"])
def test_a_latex_target_of_other_files_is_refused_before_any_work(tmp_path, capsys, foreign):
    """A .tex genphys did not write, or a figures folder holding other files: refused before the derivation runs
    (nothing on stdout), the user's file untouched; a fresh name is written (control)."""
    (tmp_path / foreign).parent.mkdir(exist_ok=True)
    (tmp_path / foreign).write_text("the user's own\n")
    code, out, err = run(capsys, "derive", "phi_t - lap(phi)", "--dim", "1", "--latex", str(tmp_path / "mine.tex"))
    assert code == 2 and out == "" and err.startswith("error: --latex") and "genphys" in err, err
    assert (tmp_path / foreign).read_text() == "the user's own\n"
    code, out, err = run(capsys, "derive", "phi_t - lap(phi)", "--dim", "1", "--latex", str(tmp_path / "new.tex"),
                         "--no-verify")
    assert code == 0 and (tmp_path / "new.tex").exists() and "verdict" in out, out


def test_an_internal_defect_is_one_line_not_a_traceback(capsys, monkeypatch):
    import derivations.check as check_module

    def broken(*args, **kwargs):
        raise ZeroDivisionError("planted")
    monkeypatch.setattr(check_module, "scan", broken)
    code, out, err = run(capsys, "check", "phi_t - lap(phi)", "--json")
    assert code == 1 and err.count("\n") == 1 and "internal error (ZeroDivisionError: planted" in err
    assert json.loads(out)["error"]["type"] == "InternalError"


def test_one_column_data_runs_in_one_dimension(tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.random.default_rng(1).normal(size=(120, 1)))
    code, out, err = run(capsys, "generate", "phi_t - lap(phi)", "--data", str(tmp_path / "x.npy"), "--n-data", "60",
                         "--n-samples", "60", "--steps", "10", "--out", str(tmp_path / "run"), "--json")
    assert code == 0, err
    assert json.loads(out)["dimension"] == 1 and (tmp_path / "run" / "samples.png").exists()
