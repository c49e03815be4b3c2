#!/usr/bin/python3
"""Optuna's TPE on spiketune's constrained test problems: the reference side of `npm run bench:bo`.

Run with Debian's interpreter (python3-optuna; no pip):

    /usr/bin/python3 bench/optuna_bo.py --problem tensionSpring --evals 200 --seed 0
    /usr/bin/python3 bench/optuna_bo.py --problem ackley10c --eval-json '[{"x0": 0, ...}]'
    echo '[{...}, {...}]' | /usr/bin/python3 bench/optuna_bo.py --problem silentLandscape --eval-json -

The problems are copies of src/optim/testfns.ts: same formulas, same bounds, same parameter order
(src/optim/testfns.test.ts checks that both sides agree on random points). Change both together.
Feasible iff every constraint is <= 0.

Optimization mode prints one JSON object on stdout:
    {"problem", "seed", "evals", "direction", "best": [...], "feasible": count, "seconds"}
where best[i] is the best feasible objective value after evaluation i + 1 (in the problem's direction),
or null while no feasible point has been seen. The study runs sequentially (study.optimize, one trial
at a time) with TPESampler(multivariate=True, seed=S, constraints_func=...), the constraints stored
as a user attribute of each trial (Optuna's documented pattern). Every parameter is suggest_float
on its box, linear scale.

--eval-json POINTS (a JSON list of {name: value} objects, or - for stdin) prints a JSON list of
{"value": f, "constraints": [c1, ...]} and does not need Optuna.
"""

import argparse
import json
import math
import sys
import time

# --------------------------------------------------------------------------------------------------
# Problems (mirror of src/optim/testfns.ts)


def ackley(x):
    d = len(x)
    sq = sum(v * v for v in x)
    cs = sum(math.cos(2 * math.pi * v) for v in x)
    return -20 * math.exp(-0.2 * math.sqrt(sq / d)) - math.exp(cs / d) + 20 + math.e


def constrained_ackley(d):
    names = [f"x{i}" for i in range(d)]

    def vec(p):
        return [p[n] for n in names]

    return {
        "name": f"ackley{d}c",
        "bounds": [(n, -5.0, 10.0) for n in names],
        "direction": "maximize",
        "objective": lambda p: -ackley(vec(p)),
        "constraints": [
            lambda p: sum(vec(p)),
            lambda p: math.hypot(*vec(p)) - 5,
        ],
    }


def pressure_vessel():
    return {
        "name": "pressureVessel",
        "bounds": [("Ts", 0.0625, 6.1875), ("Th", 0.0625, 6.1875), ("R", 10.0, 200.0), ("L", 10.0, 200.0)],
        "direction": "minimize",
        "objective": lambda p: 0.6224 * p["Ts"] * p["R"] * p["L"]
        + 1.7781 * p["Th"] * p["R"] * p["R"]
        + 3.1661 * p["Ts"] * p["Ts"] * p["L"]
        + 19.84 * p["Ts"] * p["Ts"] * p["R"],
        "constraints": [
            lambda p: -p["Ts"] + 0.0193 * p["R"],
            lambda p: -p["Th"] + 0.00954 * p["R"],
            lambda p: -math.pi * p["R"] * p["R"] * p["L"] - (4 / 3) * math.pi * p["R"] ** 3 + 1296000,
            lambda p: p["L"] - 240,
        ],
    }


def tension_spring():
    return {
        "name": "tensionSpring",
        "bounds": [("d", 0.05, 2.0), ("D", 0.25, 1.3), ("N", 2.0, 15.0)],
        "direction": "minimize",
        "objective": lambda p: (p["N"] + 2) * p["D"] * p["d"] * p["d"],
        "constraints": [
            lambda p: 1 - (p["D"] ** 3 * p["N"]) / (71785 * p["d"] ** 4),
            lambda p: (4 * p["D"] * p["D"] - p["d"] * p["D"]) / (12566 * (p["D"] * p["d"] ** 3 - p["d"] ** 4))
            + 1 / (5108 * p["d"] * p["d"])
            - 1,
            lambda p: 1 - (140.45 * p["d"]) / (p["D"] * p["D"] * p["N"]),
            lambda p: (p["D"] + p["d"]) / 1.5 - 1,
        ],
    }


SILENCE_THRESHOLD = 0.7


def excitability(p):
    return 0.5 * p["w"] + 0.3 * p["g"] + 0.2 * p["v"] + 0.2 * (p["w"] * p["g"] - 0.25)


def silent_objective(p):
    s = excitability(p)
    a = math.exp(-((s - 0.64) ** 2) / (2 * 0.12**2))
    b = math.exp(-((p["lr"] - (0.75 - 0.4 * s)) ** 2) / (2 * 0.15**2))
    c = (1 - 0.25 * (p["beta"] - 0.8) ** 2) * (1 - 0.3 * (p["drop"] - 0.15) ** 2)
    e = (1 - 0.2 * (p["w"] - p["g"]) ** 2) * (1 - 0.3 * (p["v"] - 0.4) ** 2)
    return 0.1 + 0.88 * a * b * c * e


def silent_landscape():
    return {
        "name": "silentLandscape",
        "bounds": [(n, 0.0, 1.0) for n in ["w", "g", "v", "lr", "beta", "drop"]],
        "direction": "maximize",
        "objective": silent_objective,
        "constraints": [lambda p: SILENCE_THRESHOLD - excitability(p)],
    }


PROBLEMS = {
    "ackley10c": lambda: constrained_ackley(10),
    "pressureVessel": pressure_vessel,
    "tensionSpring": tension_spring,
    "silentLandscape": silent_landscape,
}


def get_problem(name):
    if name.startswith("ackley") and name.endswith("c") and name[6:-1].isdigit():
        return constrained_ackley(int(name[6:-1]))
    if name not in PROBLEMS:
        sys.exit(f"unknown problem {name!r}; expected one of {', '.join(PROBLEMS)}")
    return PROBLEMS[name]()


def evaluate(prob, p):
    return prob["objective"](p), [c(p) for c in prob["constraints"]]


# --------------------------------------------------------------------------------------------------
# Modes


def eval_json(prob, arg):
    points = json.load(sys.stdin) if arg == "-" else json.loads(arg)
    out = []
    for p in points:
        missing = [n for n, _, _ in prob["bounds"] if n not in p]
        if missing:
            sys.exit(f"point {p} lacks {missing}")
        value, cons = evaluate(prob, {n: float(p[n]) for n, _, _ in prob["bounds"]})
        out.append({"value": value, "constraints": cons})
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


def optimize(prob, evals, seed):
    import warnings

    import optuna

    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial):
        p = {n: trial.suggest_float(n, lo, hi) for n, lo, hi in prob["bounds"]}
        value, cons = evaluate(prob, p)
        trial.set_user_attr("constraints", cons)
        return value

    def constraints_func(trial):
        return trial.user_attrs["constraints"]

    sampler = optuna.samplers.TPESampler(multivariate=True, seed=seed, constraints_func=constraints_func)
    study = optuna.create_study(direction=prob["direction"], sampler=sampler)
    t0 = time.perf_counter()
    study.optimize(objective, n_trials=evals)
    seconds = time.perf_counter() - t0

    sign = 1 if prob["direction"] == "maximize" else -1
    best = []
    cur = None
    feasible = 0
    for t in sorted(study.trials, key=lambda t: t.number):
        cons = t.user_attrs.get("constraints")
        if t.value is not None and cons is not None and all(c <= 0 for c in cons):
            feasible += 1
            if cur is None or sign * t.value > sign * cur:
                cur = t.value
        best.append(cur)
    return {
        "problem": prob["name"],
        "seed": seed,
        "evals": evals,
        "direction": prob["direction"],
        "best": best,
        "feasible": feasible,
        "seconds": seconds,
        "optuna": optuna.__version__,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--problem", required=True)
    ap.add_argument("--evals", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--eval-json", metavar="POINTS", help="evaluate a JSON list of points ('-': stdin)")
    args = ap.parse_args()
    prob = get_problem(args.problem)
    if args.eval_json is not None:
        eval_json(prob, args.eval_json)
        return
    if args.evals < 1:
        sys.exit("--evals must be >= 1")
    json.dump(optimize(prob, args.evals, args.seed), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
