"""The Python facade: every example in its docstring and in the README runs, results round-trip through JSON,
provenance, --version and standard input."""

import datetime
import doctest
import io
import json
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

import genphys
from genphys.cli import main
from report.output import MARKER

ROOT = Path(__file__).resolve().parents[1]


def test_every_docstring_example_of_the_facade_runs():
    result = doctest.testmod(genphys, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10 and result.failed == 0


def test_every_python_example_in_the_readme_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 3
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})  # the README's own code, not user input
    printed = capsys.readouterr().out
    assert "s-generative" in printed and "reproduced" in printed


def test_the_facade_is_complete_and_documented():
    for name in genphys.__all__:
        obj = getattr(genphys, name)
        if callable(obj):
            assert obj.__doc__, f"genphys.{name} has no docstring"
    for name in ("parse", "check", "derive", "field", "generate", "verify", "report", "score", "ParameterError",
                 "load_derivation", "load_check", "__version__"):
        assert name in genphys.__all__ and hasattr(genphys, name)
    assert issubclass(genphys.ParameterError, genphys.PDEInputError)
    with pytest.raises(AttributeError):
        genphys.no_such_thing  # noqa: B018 - the lazy attribute hook must not invent names


def test_version_is_written_once_and_shown(capsys):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", genphys.__version__)
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out.strip() == f"genphys {genphys.__version__}"


def test_derivation_round_trips_and_a_changed_record_is_refused(tmp_path):
    d = genphys.derive(genphys.parse("phi_tt + lap(phi) - m**2*phi", {"m": "positive"}), dim=2)
    path = tmp_path / "d.json"
    path.write_text(json.dumps(d.to_json()))
    again = genphys.load_derivation(path)
    assert again.to_json()["verdict"] == d.verdict and again.pde.parameters == d.pde.parameters
    assert again.dims == d.dims and again.green.G_hat == d.green.G_hat
    tampered = json.loads(path.read_text())
    tampered["c2"]["holds"] = "no"  # negative control: a record this version does not derive
    with pytest.raises(genphys.PDEInputError, match="c2.holds"):
        genphys.load_derivation(tampered)


def test_check_result_round_trips_and_bad_records_are_refused(tmp_path):
    result = genphys.check(genphys.parse("phi_t - a*lap(phi)"))
    again = genphys.load_check(json.loads(json.dumps(result.to_json())))
    assert again.verdict == result.verdict and str(again.criterion.condition) == str(result.criterion.condition)
    assert again.to_json() == result.to_json()  # the default reading stays the default, with its reason
    assert genphys.load_check(json.dumps(result.to_json())).to_json() == result.to_json()  # JSON text too
    chosen = genphys.check(genphys.parse("phi_tt + lap(phi)"), mode="evolution")  # not the default reading
    assert genphys.load_check(chosen.to_json()).to_json() == chosen.to_json()
    wrong = {**result.to_json(), "criterion": {**result.to_json()["criterion"], "condition": "a < 0"}}
    with pytest.raises(genphys.PDEInputError, match="criterion.condition"):
        genphys.load_check(wrong)
    (tmp_path / "bad.json").write_text("[1, 2]")
    for source in (tmp_path / "bad.json", tmp_path / "missing.json", {"pde": "phi_t"}, '{"input": ', "x" * 5000):
        with pytest.raises(genphys.PDEInputError) as exc:
            genphys.load_check(source)
        assert len(str(exc.value)) < 400  # one line, not the input echoed back
    hostile = {**result.to_json(), "input": "__import__('os').system('true')"}
    with pytest.raises(genphys.PDEInputError):  # the recorded input goes through the grammar, never eval
        genphys.load_check(hostile)


def test_generate_takes_an_array_and_refuses_bad_ones():
    d = genphys.derive(genphys.parse("phi_t - lap(phi)"), dim=2, conditions=False)
    data = genphys.dataset("moons", 400, seed=3)
    g = genphys.generate(d, data, n_samples=300, steps=20, seed=2)
    assert g.run.samples.shape == (300, 2) and len(g.splits.train) == 200 and len(g.splits.held_out) == 100
    assert genphys.outcome(g) is genphys.GeneratorOutcome.REPRODUCED
    blurred = genphys.score(g.run.samples + np.random.default_rng(0).normal(0, 0.4, g.run.samples.shape),
                            g.splits.held_out)
    assert not blurred.reproduced  # negative control: the same samples blurred fail the same test
    for bad, message in ((np.zeros(5), "2-D array"), (data[:5], "at least 8"), (np.ones((20, 2)), "spread"),
                         (np.full((20, 2), np.nan), "NaN")):
        with pytest.raises(genphys.PDEInputError, match=message):
            genphys.generate(d, bad, n_samples=10, steps=2)


def test_verify_from_python_matches_the_cli(capsys):
    rows = genphys.verify(["diffusion"], scheduler="serial")
    assert [r["name"] for r in rows] == ["diffusion"] and rows[0]["outcome"] == "reproduced"
    assert main(["verify", "--only", "diffusion", "--scheduler", "serial", "--json"]) == 0
    cli_rows = json.loads(capsys.readouterr().out)
    assert [r["p_value"] for r in cli_rows] == [r["p_value"] for r in rows]
    with pytest.raises(genphys.PDEInputError, match="not in the catalog"):
        genphys.verify(["no-such-entry"])
    assert main(["verify", "--only", "diffusion", "--only", "mixed_diffusion_poisson", "--scheduler", "serial"]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = {line.split()[0]: line.index("reproduced") for line in lines[2:4]}
    assert set(at) == {"diffusion", "mixed_diffusion_poisson"} and len(set(at.values())) == 1  # columns aligned
    assert lines[0].index("generator") == at["diffusion"]


def _provenance_ok(p: dict, command_start: str) -> None:
    assert p["tool"] == "genphys-workbench" and p["command"].startswith(command_start)
    assert abs(datetime.datetime.fromisoformat(p["date"]) - datetime.datetime.now(datetime.timezone.utc)) < \
        datetime.timedelta(minutes=30)


def test_json_written_by_the_cli_carries_provenance(capsys, tmp_path):
    assert main(["check", "phi_t - lap(phi)", "--json"]) == 0
    _provenance_ok(json.loads(capsys.readouterr().out)["provenance"], "genphys check 'phi_t - lap(phi)' --json")
    out = tmp_path / "run"
    assert main(["generate", "phi_t - lap(phi)", "--data", "moons", "--n-data", "200", "--n-samples", "200",
                 "--steps", "10", "--out", str(out)]) == 0
    _provenance_ok(json.loads((out / "metrics.json").read_text())["provenance"], "genphys generate")
    _provenance_ok(json.loads((out / MARKER).read_text())["provenance"], "genphys generate")


def test_a_pde_from_standard_input(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("phi_t -\n  lap(phi)\n"))
    assert main(["check", "-", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["pde"] == "phi_t - lap(phi)"
    monkeypatch.setattr("sys.stdin", io.StringIO("phi_t - lap(phi)"))
    assert main(["report", "-", "-", "--no-catalog", "--out", "x"]) == 2  # a second "-" is refused
    assert "standard input" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["check", "-"]) == 2
    assert capsys.readouterr().err.startswith("error: empty input")


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere(monkeypatch):
    from genphys import progress

    progress.configure(progress.NORMAL)
    monkeypatch.setattr("sys.stderr", _Terminal())
    for i in range(4):
        progress.progress(i, 3, f"piece {i}")
    shown = __import__("sys").stderr.getvalue()
    assert "piece 2" in shown and "3/3" in shown and "it/s" in shown  # tqdm's bar with its rate
    lines = io.StringIO()
    monkeypatch.setattr("sys.stderr", lines)
    progress.configure(progress.NORMAL)
    for i in range(1, 201):  # a fine-grained loop: throttled, the last always shown
        progress.progress(i, 200, "steps")
    assert lines.getvalue().splitlines()[-1] == "progress: 200/200 steps" and len(lines.getvalue().splitlines()) <= 3
    progress.configure(progress.QUIET)
    quiet = io.StringIO()
    monkeypatch.setattr("sys.stderr", quiet)
    progress.progress(1, 2, "x")
    __import__("logging").getLogger("genphys").info("a note")
    assert quiet.getvalue() == ""
    progress.configure(progress.NORMAL)


def test_quiet_and_verbose_on_the_command_line(capsys):
    assert main(["derive", "phi_t - lap(phi)", "--dim", "2", "--verbose"]) == 0
    assert "debug: Green's function:" in capsys.readouterr().err
    assert main(["--quiet", "verify", "--only", "diffusion", "--scheduler", "serial"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["check", "phi_t - lap(phi)", "--quiet", "--verbose"]) == 2
    assert "contradict" in capsys.readouterr().err
    main(["check", "phi_t - lap(phi)"])  # back to the default for the other tests


@pytest.mark.slow
def test_the_example_notebook_runs_and_shows_its_figures_once(monkeypatch):
    monkeypatch.delenv("MPLBACKEND", raising=False)  # set by the CLI tests in this process; a notebook has none
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.read(ROOT / "examples" / "workbench.ipynb", as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [c for c in nb.cells if c.cell_type == "code"
              and sum("image/png" in o.get("data", {}) for o in c.outputs) > 0]
    assert len(images) >= 3
    assert all(sum("image/png" in o.get("data", {}) for o in c.outputs) == 1 for c in images)  # once each
    shown = " ".join(str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "'reproduced'" in shown and "s-generative" in shown
    assert any("text/latex" in o.get("data", {}) for o in outputs)  # results typeset in Jupyter
