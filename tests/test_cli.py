"""The `genphys` command line: the JSON contract, human output, and bad input."""

import json
import subprocess
import sys

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


def test_catalog_json(capsys):
    code, out, _ = run(capsys, "catalog", "--json")
    data = json.loads(out)
    assert code == 0 and len(data) == 11
    helm = next(d for d in data if d["name"] == "helmholtz")
    assert helm["items"]["criterion"]["agree"] is False and "Why:" in helm["items"]["criterion"]["reason"]


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
