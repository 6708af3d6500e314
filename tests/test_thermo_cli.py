"""`genphys thermo`: the JSON contract, figures, bad input (one line, exit 2, nothing written), and the
Yu & Huang claims catalog (every disagreement explained; a planted error is caught)."""

from __future__ import annotations

import json
import math

import pytest

from derivations.claims import Claim
from derivations.yu_huang import CLAIMS, _value_claim
from genphys.cli import main

RATE_KEYS = {"t", "entropy_production", "entropy_flux", "entropy_rate", "entropy", "entropy_flux_reverse",
             "entropy_rate_reverse"}


def run(capsys, *argv):
    code = main(["thermo", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_rates_contract(capsys):
    code, out, _ = run(capsys, "rates", "--sde", "ou", "--t", "0.1,0.5,1,2", "--sigma2", "0.4", "--json")
    assert code == 0
    data = json.loads(out)
    assert [r["t"] for r in data["rates"]] == [0.1, 0.5, 1, 2] and all(RATE_KEYS <= set(r) for r in data["rates"])
    assert data["conventions"]["temperature"] == 1 and data["method"] == "quadrature"
    r = data["rates"][1]
    assert abs(r["entropy_rate"] - (r["entropy_production"] - r["entropy_flux"])) < 1e-12
    assert abs(r["entropy_rate_reverse"] + r["entropy_rate"]) < 1e-12


def test_rates_monte_carlo_and_data_files(capsys, tmp_path):
    mixture = tmp_path / "mix.json"
    mixture.write_text(json.dumps({"weights": [0.25, 0.75], "means": [[1, 0], [-1, 0.5]],
                                   "covariances": [[[0.3, 0], [0, 0.3]], [[0.5, 0.1], [0.1, 0.2]]]}))
    code, out, _ = run(capsys, "rates", "--data", str(mixture), "--t", "0.3", "--method", "monte-carlo",
                       "--draws", "20000", "--json")
    mc = json.loads(out)["rates"][0]
    code2, out2, _ = run(capsys, "rates", "--data", str(mixture), "--t", "0.3", "--json")
    q = json.loads(out2)["rates"][0]
    assert code == code2 == 0
    for key in RATE_KEYS - {"t"}:
        assert abs(mc[key] - q[key]) < 4.5 * mc[key + "_error"] + 1e-9, key
    code, out, _ = run(capsys, "rates", "--data", "moons", "--t", "0.5", "--method", "monte-carlo", "--draws", "2000",
                       "--json")
    assert code == 0 and json.loads(out)["dimension"] == 2


def test_speciation_contract(capsys):
    code, out, _ = run(capsys, "speciation", "--sigma2", "4", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data["t_S"]) == set(data["t_USB"]) == {"drift_potential", "density", "flow_potential"}
    assert abs(data["t_S"]["drift_potential"] - 0.5 * math.log(1 + math.sqrt(1 + 9))) < 1e-8
    assert abs(data["t_USB"]["drift_potential"] - 0.5 * math.log(3)) < 1e-10
    assert data["t_USB"]["density"] is None and data["methods"]["t_S"]["drift_potential"]


def test_trajectories_contract_and_figures(capsys, tmp_path):
    out_dir = tmp_path / "traj"
    code, out, _ = run(capsys, "trajectories", "--T", "3", "--dt", "0.01", "--n", "3000", "--seed", "0",
                       "--direction", "reverse", "--rule", "end", "--out", str(out_dir), "--json")
    assert code == 0
    data = json.loads(out)
    for key in ("mean_exp_minus_dS_tot", "se_exp_minus_dS_tot", "mean_dS_tot", "se_dS_tot", "mean_dS_system",
                "mean_dS_environment"):
        assert isinstance(data[key], float)
    assert abs(data["mean_exp_minus_dS_tot"] - 1) < 4 * data["se_exp_minus_dS_tot"]
    assert data["rule"] == "end" and data["steps"] == 300 and data["convergence"][-1]["n"] == 3000
    assert sorted(p.name for p in out_dir.glob("*.png")) == ["entropy_reverse.png", "ift_reverse.png"]


def test_phase_diagram_and_franz_parisi(capsys, tmp_path):
    code, out, _ = run(capsys, "phase-diagram", "--mu-range", "0.1,1.5,6", "--sigma2-range", "0.2,3,6", "--json",
                       "--out", str(tmp_path / "pd"))
    assert code == 0
    data = json.loads(out)
    for row in data["grid"]:
        for cell in row:  # the paper's closed-form phase boundaries
            expected = ("unstable symmetry breaking" if cell["sigma2"] > 2 else "symmetry un-breaking"
                        if (cell["sigma2"] - 1) ** 2 <= 1 - 2 * cell["mu"] ** 2 else "symmetry breaking")
            assert cell["phase"] == expected, cell
    assert data["checked"]["largest_difference"] < 1e-6 and (tmp_path / "pd" / "phase_diagram.png").exists()
    code, out, _ = run(capsys, "franz-parisi", "--sigma2", "0.1", "--t", "0.42", "--q", "0.05,1,5", "--pairs", "4000",
                       "--json")
    assert code == 0
    curve = json.loads(out)["curves"][0]
    assert len(curve["V"]) == 5 and all(e["error"] > 0 for e in curve["V"])


@pytest.mark.parametrize("argv, match", [
    (["rates", "--sde", "__import__('os').system('echo hi') dt + dW"], "column"),
    (["rates", "--sde", "dX = -X**3 dt + dW"], "outside the linear class"),
    (["rates", "--sde", "dX = -X dt + X dW"], "multiplicative"),
    (["rates", "--t", "0.1,abc"], "comma-separated"),
    (["trajectories", "--dt", "0"], "--dt"),
    (["trajectories", "--dt", "20"], "dt = 20"),
    (["trajectories", "--n", "1"], "--n"),
    (["rates", "--sde", "vp", "--value", "b1=-3"], "b1"),
    (["franz-parisi", "--dim", "2"], "d = 1"),
    (["rates", "--data", "no-such-file.csv"], "neither a file"),
])
def test_bad_input_is_one_line(capsys, tmp_path, argv, match):
    out_dir = tmp_path / "never"
    code, out, err = run(capsys, *argv, "--out", str(out_dir)) if argv[0] != "franz-parisi" else run(capsys, *argv)
    assert code in (2, 3) and err.startswith("error:") and len(err.strip().splitlines()) == 1, err
    assert match in err and "Traceback" not in err
    assert not out_dir.exists()
    assert code == (3 if argv[0] == "franz-parisi" else 2)


@pytest.mark.parametrize("mixture, match", [
    ({"weights": [0.5, 0.6], "means": [[0], [1]], "covariances": [[[1]], [[1]]]}, "sum to 1"),
    ({"weights": [0.5, 0.5], "means": [[0], [1]], "covariances": [[[1]], [[0]]]}, "positive definite"),
])
def test_bad_mixture_files(capsys, tmp_path, mixture, match):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(mixture))
    code, out, err = run(capsys, "rates", "--data", str(path), "--json")
    assert code == 2 and match in err and json.loads(out)["error"]["type"] == "MixtureInputError"


def test_every_disagreement_is_explained():
    keys = [c.key for c in CLAIMS]
    assert len(keys) == len(set(keys))
    for claim in CLAIMS:
        f = claim.finding
        assert f.ours, claim.key
        assert bool(f.reason) == (f.agree is not True), (claim.key, f)
    found = {c.key for c in CLAIMS if c.finding.agree is False}
    ambiguous = {c.key for c in CLAIMS if c.finding.agree is None}
    # the errata and ambiguities this tool finds in Yu & Huang (README and the issue note list them)
    assert found == {"t_USB-direction", "critical-line", "sampling-fails", "fig2-text", "eq69"}
    assert ambiguous == {"free-energy", "fig10", "tanh-identity", "heat-rule", "distance"}


def test_a_planted_wrong_claim_is_caught():
    assert _value_claim(1.0, 1.0, 0.35, 2)().agree is True
    assert _value_claim(1.0, 1.0, 0.37, 2)().agree is False  # a typo in the printed t_S
    wrong = Claim("planted", "-", "t_S = 0.42622 for σ² = 0.4", _value_claim(1.0, 0.4, 0.42622, 5))
    assert wrong.finding.agree is False and wrong.finding.reason


def test_claims_command(capsys):
    code, out, _ = run(capsys, "claims", "--json")
    rows = json.loads(out)["claims"]
    assert code == 0 and len(rows) == len(CLAIMS) and {"key", "where", "paper", "agree", "ours", "reason"} <= set(rows[0])


def test_python_api_matches_the_cli(capsys):
    import genphys

    sde = genphys.parse_sde("dX = -X dt + sqrt(2) dW")
    data = genphys.thermo.paper_mixture(1.0, 0.4, 1)
    proc = genphys.thermo.process(sde, data)
    api = genphys.thermo.rates(proc, data, [0.5])["rates"][0]
    code, out, _ = run(capsys, "rates", "--sigma2", "0.4", "--t", "0.5", "--json")
    assert code == 0 and json.loads(out)["rates"][0] == api
    assert all(c.holds for c in genphys.derived_checks(sde))
