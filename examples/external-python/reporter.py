"""A minimal spiketune external trainer: trains nothing, simulates spike counts, speaks the protocol.

Run by hand:  python3 reporter.py     (or SPIKETUNE_TRIAL='{"trial":0,"seed":1,"params":{"threshold":2}}' python3 reporter.py)
Study config: objective: {kind: command, command: [python3, reporter.py], values: [accuracy]}
"""
import json, os, random

trial = json.loads(os.environ.get("SPIKETUNE_TRIAL", '{"trial": 0, "seed": 0, "params": {}}'))  # also on stdin
rng, threshold = random.Random(trial["seed"]), trial["params"].get("threshold", 1.0)
for step in range(100, 1001, 100):  # every 100 training samples: spike counts of those samples
    spikes = [rng.randint(0, 10) // int(1 + threshold) for _ in range(100)]
    print(json.dumps({"type": "report", "step": step, "spikes": {"output": spikes}, "metrics": {"loss": 1 / step}}), flush=True)
print(json.dumps({"type": "result", "values": {"accuracy": min(0.99, 0.5 + 0.1 / threshold)}}), flush=True)
