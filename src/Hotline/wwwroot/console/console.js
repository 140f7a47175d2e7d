'use strict';
// The console's core: the signed-in staff member, words in their language, DOM building that only ever sets text
// (never HTML: residents' words are shown as they said them), the JSON API with the CSRF token, the live feed.
const Hotline = (() => {
  const body = document.body;
  const me = { id: Number(body.dataset.staffId), name: body.dataset.staffName || '', role: body.dataset.role || '' };
  const language = I18N.pick(document.documentElement.lang);
  const t = (key, vars) => I18N.t(language, key, vars);
  const term = (prefix, value) => I18N.term(language, prefix, value);
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || '';
  let clockSkew = 0; // server time minus browser time, so countdowns agree with the server's deadlines

  // el('button', { class: 'x', onclick: f, dataset: { id: 1 } }, 'text', child...): text children become text nodes.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'class') node.className = value;
      else if (name === 'text') node.textContent = value;
      else if (name === 'dataset') Object.assign(node.dataset, value);
      else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else if (name in node && typeof value !== 'string') node[name] = value;
      else node.setAttribute(name, value === true ? '' : value);
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function replace(node, ...children) {
    node.replaceChildren();
    return append(node, children);
  }

  let signingOut = false;
  function toLogin() {
    if (signingOut) return;
    location.assign('/login?ReturnUrl=' + encodeURIComponent(location.pathname + location.search));
  }

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  // background: a read the page does by itself (after a live notice, on a timer); it does not count as activity,
  // so an unattended page still lets its session expire.
  async function api(method, path, payload, background) {
    const headers = { Accept: 'application/json' };
    if (background) headers['X-Hotline-Background'] = '1';
    if (method !== 'GET') headers['X-CSRF-TOKEN'] = csrf();
    // A FormData payload (a file upload) goes as multipart; the browser sets its content type and boundary.
    const form = payload instanceof FormData;
    if (payload !== undefined && !form) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, {
      method, headers, credentials: 'same-origin', body: payload === undefined ? undefined : form ? payload : JSON.stringify(payload),
    });
    if (response.status === 401) {
      toLogin();
      throw new ApiError(401, 'signed out');
    }
    const date = response.headers.get('Date');
    if (date) clockSkew = 0.8 * clockSkew + 0.2 * (Date.parse(date) + 500 - Date.now());
    const text = await response.text();
    const data = text && (response.headers.get('Content-Type') || '').includes('json') ? JSON.parse(text) : null;
    if (!response.ok) throw new ApiError(response.status, (data && (data.detail || data.title)) || response.statusText);
    return data;
  }

  const get = (path) => api('GET', path);
  const read = (path) => api('GET', path, undefined, true);
  const post = (path, payload) => api('POST', path, payload ?? {});
  const put = (path, payload) => api('PUT', path, payload);

  function now() { return Date.now() + clockSkew; }

  // Server times arrive as ISO strings; the board corrects its countdowns with the server's own "now".
  function syncClock(serverNow) {
    if (serverNow) clockSkew = Date.parse(serverNow) - Date.now();
  }

  function duration(ms) {
    const total = Math.max(0, Math.floor(Math.abs(ms) / 1000));
    const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    const pad = (n) => String(n).padStart(2, '0');
    return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
  }

  const timeFormat = new Intl.DateTimeFormat(language, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  function when(iso) { return iso ? timeFormat.format(new Date(iso)) : ''; }

  function toast(message, kind) {
    let box = document.getElementById('toasts');
    if (!box) { box = el('div', { id: 'toasts', role: 'status', 'aria-live': 'polite' }); document.body.append(box); }
    const item = el('div', { class: 'toast ' + (kind || 'info') }, message);
    box.append(item);
    setTimeout(() => item.remove(), kind === 'error' ? 8000 : 4000);
  }

  function fail(error) {
    if (error && error.status === 401) return;
    toast(t('error', { message: error && error.message ? error.message : String(error) }), 'error');
  }

  // Runs an action from a button: disabled while it runs, errors shown, never a silent failure.
  async function act(button, action) {
    if (button) button.disabled = true;
    try { return await action(); } catch (error) { fail(error); return undefined; } finally { if (button) button.disabled = false; }
  }

  function header() {
    const page = body.dataset.page;
    const links = [['/', 'board'], ['/needs', 'needs'], ['/voicemails', 'voicemails'], ['/calls', 'calls'], ['/residents', 'residents']];
    if (me.role === 'supervisor') links.push(['/supervisor', 'supervisor']);
    const current = { need: 'needs', call: 'calls', resident: 'residents' }[page] || page;
    const choose = el('select', {
      'aria-label': t('nav.language'), class: 'language',
      onchange: (e) => act(e.target, async () => { await post('/api/staff/me/language', { language: e.target.value }); location.reload(); }),
    }, I18N.languages.map((l) => el('option', { value: l, selected: l === language }, t('lang.' + l))));
    const logout = el('button', {
      class: 'link', onclick: (e) => act(e.target, async () => { signingOut = true; await post('/api/auth/logout'); location.assign('/login'); }),
    }, t('nav.logout'));
    replace(document.getElementById('top'),
      el('nav', {}, links.map(([href, key]) => el('a', { href, class: key === current ? 'current' : '' }, t('nav.' + key)))),
      el('div', { class: 'who' }, el('span', { id: 'live-state', class: 'live-state' }), el('span', { class: 'me' }, me.name), choose, logout));
  }

  // Server-sent events from /api/live: each "change" names a table ("*": everything). Pages re-read on a change;
  // changes that arrive together are handled once.
  function live(onChange) {
    const state = () => document.getElementById('live-state');
    let pending = new Set(), timer = null;
    const source = new EventSource('/api/live');
    source.addEventListener('change', (e) => {
      pending.add(e.data);
      if (!timer) timer = setTimeout(() => { const tables = pending; pending = new Set(); timer = null; onChange(tables); }, 100);
    });
    source.addEventListener('open', () => { const s = state(); if (s) { s.textContent = t('board.live'); s.className = 'live-state on'; } });
    source.addEventListener('error', async () => {
      const s = state();
      if (s) { s.textContent = t('board.offline'); s.className = 'live-state off'; }
      // The stream ends when the session does: a 401 here means the login has expired.
      try { await read('/api/auth/me'); } catch (error) { if (error.status === 401) source.close(); }
    });
    return source;
  }

  function section(title, ...children) {
    return el('section', { class: 'panel' }, el('h2', {}, title), ...children);
  }

  function table(headings, rows, attrs) {
    return el('table', attrs || {}, el('thead', {}, el('tr', {}, headings.map((h) => el('th', {}, h)))), el('tbody', {}, rows));
  }

  function badge(kind, text) { return el('span', { class: 'badge ' + kind }, text); }

  function urgencyBadge(urgency) { return badge('urgency-' + urgency, term('urg', urgency)); }

  function flagList(flags) { return (flags || []).map((f) => badge('flag', term('flag', f))); }

  function select(name, options, selected, labelOf, attrs) {
    return el('select', Object.assign({ name }, attrs || {}),
      options.map((o) => el('option', { value: o, selected: o === selected }, labelOf ? labelOf(o) : o)));
  }

  // A voicemail: audio through the app (never a Twilio address), the transcript as text.
  function voicemailCard(v, ...actions) {
    return el('div', { class: 'voicemail' + (v.heardAt ? ' heard' : ' unheard'), dataset: { recordingSid: v.recordingSid } },
      el('div', { class: 'meta' }, when(v.createdAt), ' · ', t('vm.duration', { seconds: v.durationSeconds ?? '?' }),
        v.heardAt ? el('span', { class: 'heard-by' }, ' · ', t('vm.heard', { name: v.heardByName || '', time: when(v.heardAt) })) : null),
      el('audio', { controls: true, preload: 'none', src: `/api/voicemails/${encodeURIComponent(v.recordingSid)}/audio` }),
      el('p', { class: 'transcript' }, v.transcript || t('vm.noTranscript')),
      actions.length ? el('div', { class: 'actions' }, actions) : null);
  }

  // Features that live on their own branches answer 404 until they are installed; the pages ask once.
  const features = {};
  function hasFeature(name, probe) {
    features[name] = features[name] || get(probe).then(() => true, (error) => {
      if (error.status === 404 || error.status === 405) return false;
      delete features[name]; // ask again next time
      throw error;
    });
    return features[name];
  }
  const hasCallbacks = () => hasFeature('callbacks', '/api/callbacks?limit=1');

  // "+86*******0001": enough to tell callers apart on a shared screen.
  function mask(phone) {
    if (!phone || phone.length <= 6) return phone || '';
    const head = phone.startsWith('+') ? 3 : 2;
    return phone.slice(0, head) + '*'.repeat(phone.length - head - 4) + phone.slice(-4);
  }

  let meta = null;
  async function choices() {
    meta = meta || await get('/api/console/meta');
    return meta;
  }

  function start(render) {
    document.addEventListener('DOMContentLoaded', () => {
      header();
      const app = document.getElementById('app');
      if (body.dataset.page === 'forbidden') { replace(app, el('p', { class: 'forbidden' }, t('forbidden'))); return; }
      Promise.resolve(render(app)).catch(fail);
    });
  }

  if (body.dataset.page === 'forbidden') start(() => {});

  return {
    me, language, t, term, el, append, replace, api, get, read, post, put, live, now, syncClock, duration, when, toast, fail, act,
    section, table, badge, urgencyBadge, flagList, select, choices, start, voicemailCard, hasCallbacks, mask,
  };
})();
