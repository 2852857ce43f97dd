"""The reference numbers for the counts tests/experiments.test.ts produces through the real stack: the test
picks its customers so that each arm gets exactly these counts, and its results must match scipy/statsmodels
to 1e-6. Same methods as scripts/stats-fixtures.py (imported from it). Run it in the venv of
scripts/stats-fixtures.requirements.txt:  python scripts/experiment-e2e-fixture.py
"""
import importlib.util
import json
import pathlib

root = pathlib.Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("stats_fixtures", root / "scripts" / "stats-fixtures.py")
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)

arm = lambda n, events: {"n": n, "events": events}
third = 0.9 / 3  # three equal variants share what a 10 % holdout leaves

cases = [
    # Three subjects and a 10 % holdout: 90 customers per variant, 30 held out; opens per variant.
    ref.analyse("subject-3-arms-holdout", "proportion", [("A", arm(90, 18)), ("B", arm(90, 30)), ("C", arm(90, 27))],
                [third, third, third], 0.05, "fixed", assigned=[90, 90, 90], holdout={"assigned": 30, "weight": 0.1}),
    # Equal weights but 150 against 50 assigned: a sample-ratio mismatch, whatever B's opens say.
    ref.analyse("srm-skewed", "proportion", [("A", arm(150, 30)), ("B", arm(50, 40))], [0.5, 0.5], 0.05, "fixed",
                assigned=[150, 50]),
    # The auto-winner's test sample: 20 customers per arm.
    ref.analyse("auto-winner-test", "proportion", [("A", arm(20, 2)), ("B", arm(20, 12))], [0.5, 0.5], 0.05, "fixed",
                assigned=[20, 20]),
]
out = root / "tests" / "fixtures" / "experiment-e2e-reference.json"
out.write_text(json.dumps({"generatedWith": "scripts/experiment-e2e-fixture.py", "cases": cases}, indent=1, ensure_ascii=False) + "\n")
print(f"wrote {out}")
