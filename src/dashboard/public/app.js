// The spiketune dashboard page: a plain ES module, no framework, no build step. It builds the DOM with
// text nodes only (never innerHTML), so study, param and worker names, values and error messages cannot
// become markup; chart tooltips are escaped by the shared chart module's formatters. The chart
// definitions come from /assets/charts.js: src/dashboard/charts.ts, the same functions the report uses.

const token = new URL(import.meta.url).searchParams.get('token');
const tokenQuery = token ? `?token=${encodeURIComponent(token)}` : '';
const C = await import(`./charts.js${tokenQuery}`);
const echarts = globalThis.echarts;
const enc = encodeURIComponent;

async function api(path) {
  const res = await fetch(path, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    cache: 'no-store',
  });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new Error(`${res.status}: ${body.error ?? res.statusText}`);
  }
  return res.json();
}

/** Creates an element; strings among the children become text nodes. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const main = document.getElementById('main');
const crumb = document.getElementById('crumb');
const live = document.getElementById('live');

let view = null; // the current view's teardown

function setLive(text, cls) {
  live.textContent = text;
  live.className = `live ${cls}`;
}

function route() {
  view?.close();
  view = null;
  const m = /^#\/study\/(.+)$/.exec(location.hash);
  if (m) view = studyView(decodeURIComponent(m[1]));
  else view = listView();
}

// ---------- the study list ----------

function listView() {
  crumb.replaceChildren();
  document.title = 'spiketune dashboard';
  setLive('', '');
  const body = h('tbody');
  const error = h('p', { class: 'error' });
  main.replaceChildren(
    h('h1', {}, 'Studies'),
    error,
    h(
      'table',
      { class: 'studies', id: 'studies' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          [
            'study',
            'trials',
            'complete',
            'silent (stopped)',
            'failed',
            'running',
            'queued',
            'best',
            'objectives',
          ].map((t) => h('th', {}, t)),
        ),
      ),
      body,
    ),
  );
  const load = async () => {
    try {
      const { studies } = await api('/api/studies');
      error.textContent = '';
      body.replaceChildren(
        ...studies.map((s) =>
          h(
            'tr',
            { class: 'study-row' },
            h('td', {}, h('a', { href: `#/study/${enc(s.name)}` }, s.name)),
            h('td', { class: 'num' }, s.trials),
            h('td', { class: 'num' }, s.counts.complete),
            h('td', { class: 'num' }, s.counts.stopped),
            h('td', { class: 'num' }, s.counts.failed),
            h('td', { class: 'num' }, s.counts.running),
            h('td', { class: 'num' }, s.counts.queued),
            h('td', { class: 'num' }, C.formatNumber(s.best)),
            h('td', {}, s.objectives.map((o) => `${o.direction} ${o.name}`).join(', ')),
          ),
        ),
      );
      if (studies.length === 0)
        body.append(h('tr', {}, h('td', { colspan: 9 }, 'No study in this storage yet.')));
    } catch (e) {
      error.textContent = `Could not load the studies (${e.message}).`;
    }
  };
  load();
  const timer = setInterval(load, 5000);
  return { close: () => clearInterval(timer) };
}

// ---------- one study, live ----------

function studyView(name) {
  const s = {
    study: null,
    trials: new Map(),
    selected: null,
    detail: null,
    sortKey: 'number',
    sortDesc: false,
    filterState: '',
    filterText: '',
    fx: null,
    fy: null,
    closed: false,
  };
  const charts = [];
  // A chart's element now; its echarts instance once the element is in the page (it needs a size).
  const chart = (id) => {
    const ch = { el: h('div', { class: 'chart', id: `chart-${id}` }), c: null };
    ch.init = () => {
      ch.c = echarts.init(ch.el, null, { renderer: 'canvas' });
      ch.c.on('click', (p) => {
        const n = p?.data?.trial;
        if (typeof n === 'number') select(n);
      });
      charts.push(ch.c);
    };
    return ch;
  };
  document.title = `${name} · spiketune`;
  crumb.replaceChildren(' / ', name);
  main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));

  let events = null;
  let renderTimer = null;
  const onResize = () => {
    for (const c of charts) c.resize();
  };
  window.addEventListener('resize', onResize);

  const scheduleRender = () => {
    if (renderTimer !== null || s.closed) return;
    renderTimer = setTimeout(() => {
      renderTimer = null;
      render();
    }, 200);
  };

  const loadTrials = async () => {
    const { trials } = await api(`/api/studies/${enc(name)}/trials`);
    s.trials = new Map(trials.map((t) => [t.number, t]));
  };

  const loadDetail = async (n) => {
    try {
      const t = await api(`/api/studies/${enc(name)}/trials/${n}`);
      if (s.selected === n) s.detail = t;
    } catch {
      s.detail = null;
    }
    scheduleRender();
  };

  function select(n) {
    s.selected = n;
    s.detail = null;
    loadDetail(n);
    scheduleRender();
  }

  const connect = () => {
    events = new EventSource(`/api/studies/${enc(name)}/events${tokenQuery}`);
    events.addEventListener('ready', async () => {
      setLive('● live', 'on');
      try {
        await loadTrials();
        if (s.selected === null) {
          const best = C.bestFeasible(s.study, [...s.trials.values()]);
          const last = [...s.trials.values()].filter((t) => t.state !== 'queued').pop();
          const pick = best ?? last;
          if (pick) select(pick.number);
        } else loadDetail(s.selected);
        render();
      } catch (e) {
        showError(e);
      }
    });
    events.addEventListener('change', (ev) => {
      const e = JSON.parse(ev.data);
      for (const t of e.trials) s.trials.set(t.number, t);
      if (s.selected !== null && e.trials.some((t) => t.number === s.selected)) loadDetail(s.selected);
      if (s.selected === null && e.trials.length > 0) select(e.trials[e.trials.length - 1].number);
      scheduleRender();
    });
    events.onerror = () => setLive('○ reconnecting…', 'off');
  };

  const showError = (e) => {
    main.replaceChildren(
      h('h1', {}, name),
      h('p', { class: 'error' }, `Could not load the study (${e.message}).`),
    );
  };

  // The layout, built once; render() fills it.
  const summary = h('section', { class: 'summary' });
  const historyN = chart('history');
  const historyT = chart('history-time');
  const feas = chart('feasibility');
  const pareto = chart('pareto');
  const parallel = chart('parallel');
  const timelineC = chart('timeline');
  const spikes = chart('spikes');
  const selX = h('select', {
    id: 'feas-x',
    onchange: () => {
      s.fx = selX.value;
      render();
    },
  });
  const selY = h('select', {
    id: 'feas-y',
    onchange: () => {
      s.fy = selY.value;
      render();
    },
  });
  const detailInfo = h('div', { class: 'detail-info', id: 'trial-detail' });
  const stateSel = h(
    'select',
    {
      id: 'filter-state',
      onchange: () => {
        s.filterState = stateSel.value;
        render();
      },
    },
    h('option', { value: '' }, 'all states'),
    ['complete', 'stopped', 'failed', 'running', 'queued'].map((st) =>
      h('option', { value: st }, st === 'stopped' ? 'stopped (silent)' : st),
    ),
  );
  const textIn = h('input', {
    id: 'filter-text',
    type: 'search',
    placeholder: 'filter: text, name=value, lr<0.01 …',
    oninput: () => {
      s.filterText = textIn.value;
      scheduleRender();
    },
  });
  const shown = h('span', { class: 'muted', id: 'shown' });
  const thead = h('thead');
  const tbody = h('tbody');
  const paretoCard = h('div', { class: 'card', id: 'card-pareto' }, h('h2', {}, 'Pareto front'), pareto.el);

  const layout = () => {
    paretoCard.hidden = s.study.config.objectives.length < 2;
    main.replaceChildren(
      summary,
      h(
        'section',
        { class: 'grid' },
        h('div', { class: 'card' }, h('h2', {}, 'Optimization history'), historyN.el),
        h('div', { class: 'card' }, h('h2', {}, 'History vs wall time'), historyT.el),
        h(
          'div',
          { class: 'card' },
          h('h2', {}, 'Feasibility ', h('label', {}, 'x ', selX), ' ', h('label', {}, 'y ', selY)),
          feas.el,
        ),
        paretoCard,
        h('div', { class: 'card wide' }, h('h2', {}, 'Parallel coordinates'), parallel.el),
        h('div', { class: 'card wide' }, h('h2', {}, 'Worker timeline'), timelineC.el),
        h(
          'div',
          { class: 'card wide' },
          h(
            'h2',
            {},
            'Trial spike activity ',
            h('span', { class: 'muted' }, '(click a trial in a chart or the table)'),
          ),
          h('div', { class: 'detail' }, spikes.el, detailInfo),
        ),
      ),
      h(
        'section',
        { class: 'card wide trials' },
        h('h2', {}, 'Trials ', stateSel, ' ', textIn, ' ', shown),
        h('div', { class: 'table-wrap' }, h('table', { id: 'trials' }, thead, tbody)),
      ),
    );
    for (const ch of [historyN, historyT, feas, pareto, parallel, timelineC, spikes]) ch.init();
  };

  const badge = (label, n, cls) => h('span', { class: `badge ${cls}` }, `${label} ${n}`);

  function render() {
    if (s.closed || s.study === null) return;
    const study = s.study;
    const trials = [...s.trials.values()].sort((a, b) => a.number - b.number);
    const counts = C.countStates(trials);
    const best = C.bestFeasible(study, trials);
    const objs = study.config.objectives;
    summary.replaceChildren(
      h('h1', { id: 'study-name' }, study.name),
      h(
        'div',
        { class: 'badges' },
        badge('trials', trials.length, 'total'),
        badge('complete', counts.complete, 'complete'),
        badge('silent (stopped)', counts.stopped, 'stopped'),
        badge('failed', counts.failed, 'failed'),
        badge('running', counts.running, 'running'),
        badge('queued', counts.queued, 'queued'),
      ),
      h(
        'p',
        {},
        `Objectives: ${objs.map((o) => `${o.direction} ${o.name}`).join(', ')}`,
        study.config.constraints.length > 0
          ? ` · constraints: ${study.config.constraints.join(', ')} (≤ 0 feasible)`
          : '',
        ' · best: ',
        h(
          'b',
          { id: 'best-value' },
          best === null ? '—' : `${C.formatNumber(best.values[0])} (trial #${best.number})`,
        ),
      ),
    );

    historyN.c.setOption(C.historyOption(study, trials, 'number'), true);
    historyT.c.setOption(C.historyOption(study, trials, 'time'), true);

    // feasibility: the param selectors
    const params = C.chartParams(study).map((p) => p.name);
    const dims = [...params, '#trial'];
    const [dx, dy] = C.defaultFeasibilityPair(study);
    s.fx ??= dx;
    s.fy ??= dy;
    for (const [sel, val] of [
      [selX, s.fx],
      [selY, s.fy],
    ]) {
      if (sel.options.length !== dims.length) {
        sel.replaceChildren(
          ...dims.map((d) => h('option', { value: d }, d === '#trial' ? 'trial number' : d)),
        );
      }
      sel.value = val;
    }
    feas.c.setOption(C.feasibilityOption(study, trials, s.fx, s.fy), true);

    const po = C.paretoOption(study, trials);
    if (po !== null) pareto.c.setOption(po, true);
    parallel.c.setOption(C.parallelOption(study, trials), true);
    const tl = C.timeline(study, trials);
    timelineC.el.style.height = `${Math.max(240, 140 + 26 * tl.rows.length)}px`;
    timelineC.c.resize();
    timelineC.c.setOption(C.timelineOption(study, trials), true);

    // trial detail
    const d = s.detail;
    if (d !== null && d.number === s.selected) {
      spikes.c.setOption(C.spikesOption(study, d), true);
      detailInfo.replaceChildren(
        h('h3', {}, `Trial #${d.number}`),
        h(
          'dl',
          {},
          C.trialColumns(study)
            .filter((col) => col.key !== 'number')
            .flatMap((col) => [h('dt', {}, col.label), h('dd', {}, C.cellText(study, d, col.key) || '—')]),
          h('dt', {}, 'reports'),
          h('dd', {}, String(d.reports?.length ?? 0)),
        ),
      );
    } else if (s.selected === null) {
      spikes.c.clear();
      detailInfo.replaceChildren(h('p', { class: 'muted' }, 'No trial yet.'));
    }

    renderTable(study, trials);
  }

  function renderTable(study, trials) {
    const cols = C.trialColumns(study);
    thead.replaceChildren(
      h(
        'tr',
        {},
        cols.map((c) =>
          h(
            'th',
            {
              class: c.numeric ? 'num sortable' : 'sortable',
              'data-key': c.key,
              title: 'sort',
              onclick: () => {
                if (s.sortKey === c.key) s.sortDesc = !s.sortDesc;
                else {
                  s.sortKey = c.key;
                  s.sortDesc = false;
                }
                render();
              },
            },
            c.label,
            s.sortKey === c.key ? (s.sortDesc ? ' ▼' : ' ▲') : '',
          ),
        ),
      ),
    );
    const filtered = C.filterTrials(study, trials, {
      states: s.filterState ? [s.filterState] : [],
      text: s.filterText,
    });
    const sorted = C.sortTrials(study, filtered, s.sortKey, s.sortDesc);
    const limit = 2000;
    shown.textContent = `${filtered.length} of ${trials.length} trials${sorted.length > limit ? ` (first ${limit} shown)` : ''}`;
    tbody.replaceChildren(
      ...sorted.slice(0, limit).map((t) =>
        h(
          'tr',
          {
            class: `trial-row state-${t.state}${t.number === s.selected ? ' selected' : ''}`,
            'data-number': t.number,
            onclick: () => select(t.number),
          },
          cols.map((c) =>
            h(
              'td',
              { class: c.numeric ? 'num' : c.key === 'error' ? 'err' : '' },
              C.cellText(study, t, c.key),
            ),
          ),
        ),
      ),
    );
  }

  (async () => {
    try {
      s.study = await api(`/api/studies/${enc(name)}`);
      if (s.closed) return;
      layout();
      connect();
    } catch (e) {
      showError(e);
    }
  })();

  return {
    close() {
      s.closed = true;
      events?.close();
      if (renderTimer !== null) clearTimeout(renderTimer);
      window.removeEventListener('resize', onResize);
      for (const c of charts) c.dispose();
    },
  };
}

window.addEventListener('hashchange', route);
route();
