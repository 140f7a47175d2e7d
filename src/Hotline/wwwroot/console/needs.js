'use strict';
// The needs board (by urgency, then deadline) and one need's desk: its calls, voicemails, messages, callbacks,
// escalations, notes and audit trail, and every change an operator can make to it.
Hotline.start(async (app) => {
  if (document.body.dataset.page === 'need') return showNeed(app, Number(location.pathname.split('/').pop()));
  const { el, replace, t, term, get, section, duration, now, when } = Hotline;
  const closed = new URLSearchParams(location.search).get('closed') === 'true';
  const rows = el('tbody');
  replace(app, section(t('nav.needs'),
    el('div', { class: 'tabs' },
      el('a', { href: '/needs', class: closed ? '' : 'current' }, t('need.open')),
      el('a', { href: '/needs?closed=true', class: closed ? 'current' : '' }, t('need.closed'))),
    el('div', { class: 'scroll' }, el('table', { id: 'needs' },
      el('thead', {}, el('tr', {}, ['need.reference', 'need.urgency', 'need.category', 'need.status', 'need.caller', 'need.deadline', 'need.assigned']
        .map((k) => el('th', {}, t(k))))), rows))));

  async function refresh(background) {
    const needs = await (background ? Hotline.read : get)('/api/needs/board' + (closed ? '?closed=true' : ''));
    replace(rows, needs.length === 0 ? el('tr', {}, el('td', { colspan: 7, class: 'empty' }, t('need.empty'))) : needs.map((n) =>
      el('tr', { class: 'urgency-' + n.urgency, dataset: { needId: n.id } },
        el('td', {}, el('a', { href: '/needs/' + n.id }, n.reference)),
        el('td', {}, Hotline.urgencyBadge(n.urgency)),
        el('td', {}, term('cat', n.category)),
        el('td', {}, term('status', n.status)),
        el('td', {}, n.residentName || n.phone, n.summary ? el('div', { class: 'summary' }, n.summary) : null),
        el('td', {}, n.status === 'open' ? el('span', { class: 'clock countdown', dataset: { deadline: n.ackDeadline } }) : when(n.ackDeadline)),
        el('td', {}, n.assignedToName || ''))));
    tick();
  }

  function tick() {
    for (const clock of document.querySelectorAll('.clock.countdown')) {
      const left = Date.parse(clock.dataset.deadline) - now();
      clock.textContent = left >= 0 ? t('need.left', { time: duration(left) }) : t('need.overdue', { time: duration(left) });
      clock.classList.toggle('overdue', left < 0);
    }
  }

  await refresh();
  setInterval(tick, 1000);
  Hotline.live((tables) => { if (tables.has('needs') || tables.has('staff') || tables.has('*')) refresh(true).catch(Hotline.fail); });
});

async function showNeed(app, id) {
  const { el, replace, t, term, get, post, act, section, when, table, duration, now } = Hotline;
  const [meta, staff, callbacks] = await Promise.all([Hotline.choices(), get('/api/staff'), Hotline.hasCallbacks()]);
  let countdown = null;

  function json(details) {
    try { return Object.entries(JSON.parse(details)).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' · '); } catch { return details; }
  }

  // Rows from features this page does not know in detail (callbacks, escalations): their own fields, as text.
  function genericRows(rows) {
    if (rows.length === 0) return el('p', { class: 'empty' }, t('need.none'));
    const keys = Object.keys(rows[0]).filter((k) => !['need_id'].includes(k)).slice(0, 8);
    return table(keys, rows.map((r) => el('tr', {}, keys.map((k) => el('td', {}, r[k] === null ? '' : typeof r[k] === 'object' ? JSON.stringify(r[k]) : String(r[k]))))));
  }

  async function change(button, path, payload) {
    await act(button, async () => { await post(`/api/needs/${id}/${path}`, payload); await render(); });
  }

  let shown = '';
  async function render(background) {
    const d = await (background ? Hotline.read : get)('/api/needs/' + id);
    // A notice about a change this page already shows (its own, usually) must not throw away what is being chosen.
    const text = JSON.stringify(d);
    if (text === shown) return;
    shown = text;
    const n = d.need;
    const open = n.status === 'open' || n.status === 'acknowledged';
    const actions = [];
    if (n.status === 'open') {
      const ack = el('button', { class: 'ack primary big' }, t('need.acknowledge'));
      ack.addEventListener('click', () => change(ack, 'acknowledge'));
      actions.push(ack);
    }
    if (open) {
      const who = Hotline.select('staffId', ['', ...staff.map((s) => String(s.id))], n.assignedTo ? String(n.assignedTo) : '',
        (v) => v ? staff.find((s) => String(s.id) === v).displayName : t('need.unassigned'), { 'aria-label': t('need.assigned') });
      const assign = el('button', { class: 'assign' }, t('need.assign'));
      assign.addEventListener('click', () => change(assign, 'assign', { staffId: who.value ? Number(who.value) : null }));
      const mine = el('button', { class: 'assign-me' }, t('need.assignMe'));
      mine.addEventListener('click', () => change(mine, 'assign', { staffId: Hotline.me.id }));
      actions.push(el('div', { class: 'group' }, who, assign, mine));

      const category = Hotline.select('category', meta.categories, n.category, (c) => term('cat', c), { 'aria-label': t('need.category') });
      const urgency = Hotline.select('urgency', meta.urgencies, n.urgency, (u) => term('urg', u), { 'aria-label': t('need.urgency') });
      const classify = el('button', { class: 'classify' }, t('need.save'));
      classify.addEventListener('click', () => change(classify, 'classify', { category: category.value, urgency: urgency.value }));
      actions.push(el('div', { class: 'group' }, el('span', { class: 'label' }, t('need.classify')), category, urgency, classify));

      const outcome = Hotline.select('outcome', meta.outcomes, meta.outcomes[0], (o) => term('done', o), { 'aria-label': t('need.outcome') });
      const resolveNote = el('input', { name: 'resolve-note', type: 'text', placeholder: t('need.note'), maxlength: 4000 });
      const resolve = el('button', { class: 'resolve' }, t('need.resolve'));
      resolve.addEventListener('click', () => change(resolve, 'resolve', { outcome: outcome.value, note: resolveNote.value }));
      actions.push(el('div', { class: 'group' }, el('span', { class: 'label' }, t('need.resolve')), outcome, resolveNote, resolve));
    }
    if (open && callbacks) {
      const call = el('button', { class: 'call-back' }, t('vm.callBack'));
      call.addEventListener('click', () => act(call, async () => {
        await post('/api/callbacks', { phone: n.phone, needId: n.id });
        Hotline.toast(t('vm.callbackQueued'));
        await render();
      }));
      actions.push(call);
    }
    const note = el('textarea', { name: 'note', rows: 2, maxlength: 4000, placeholder: t('need.note') });
    const addNote = el('button', { class: 'add-note' }, t('need.addNote'));
    addNote.addEventListener('click', () => { if (note.value.trim()) change(addNote, 'notes', { text: note.value }); });
    actions.push(el('div', { class: 'group' }, note, addNote));

    countdown = n.status === 'open' ? el('span', { class: 'clock countdown', dataset: { deadline: n.ackDeadline } }) : null;
    const facts = el('dl', { class: 'facts' },
      el('dt', {}, t('need.status')), el('dd', { id: 'need-status' }, term('status', n.status), n.resolution ? ` (${term('done', n.resolution)})` : ''),
      el('dt', {}, t('need.urgency')), el('dd', {}, Hotline.urgencyBadge(n.urgency)),
      el('dt', {}, t('need.category')), el('dd', {}, term('cat', n.category)),
      el('dt', {}, t('need.deadline')), el('dd', {}, when(n.ackDeadline), ' ', countdown),
      n.acknowledgedAt ? [el('dt', {}, t('need.acknowledgedAt')), el('dd', {}, t('need.acknowledgedBy', { name: n.acknowledgedByName || '', time: when(n.acknowledgedAt) }))] : null,
      el('dt', {}, t('need.assigned')), el('dd', {}, n.assignedToName || t('need.unassigned')),
      el('dt', {}, t('need.created')), el('dd', {}, when(n.createdAt)),
      el('dt', {}, t('need.phone')), el('dd', {}, n.phone),
      el('dt', {}, t('need.resident')), el('dd', {}, n.residentId ? el('a', { href: '/residents/' + n.residentId }, n.residentName || n.phone) : '', ' ', Hotline.flagList(n.residentFlags)),
      n.residentAddress ? [el('dt', {}, t('need.address')), el('dd', {}, n.residentAddress)] : null,
      n.careNotes ? [el('dt', {}, t('need.careNotes')), el('dd', {}, n.careNotes)] : null,
      n.summary ? [el('dt', {}, t('need.summary')), el('dd', { class: 'summary' }, n.summary)] : null);

    replace(app,
      el('section', { class: 'panel need-head urgency-' + n.urgency }, el('h1', {}, n.reference), facts, el('div', { class: 'actions' }, actions)),
      section(t('need.voicemails'), d.voicemails.length === 0 ? el('p', { class: 'empty' }, t('need.none')) : d.voicemails.map((v) => Hotline.voicemailCard(v))),
      section(t('need.calls'), d.calls.length === 0 ? el('p', { class: 'empty' }, t('need.none')) :
        table([t('calls.started'), t('calls.direction'), t('calls.status'), t('calls.outcome')], d.calls.map((c) => el('tr', {},
          el('td', {}, c.callSid ? el('a', { href: '/calls/' + encodeURIComponent(c.callSid) }, when(c.startedAt)) : when(c.startedAt)),
          el('td', {}, c.direction, c.purpose ? ` (${c.purpose})` : ''), el('td', {}, c.status), el('td', {}, term('out', c.outcome)))))),
      section(t('need.messages'), d.messages.length === 0 ? el('p', { class: 'empty' }, t('need.none')) :
        el('ul', { class: 'messages' }, d.messages.map((m) => el('li', { class: m.direction }, el('span', { class: 'meta' }, when(m.createdAt), ' ', m.direction, ' '), el('span', { class: 'body' }, m.body))))),
      section(t('need.callbacks'), genericRows(d.callbacks)),
      section(t('need.escalations'), genericRows(d.escalations)),
      section(t('need.notes'), d.notes.length === 0 ? el('p', { class: 'empty' }, t('need.none')) :
        el('ul', { class: 'notes', id: 'notes' }, d.notes.map((o) => el('li', {}, el('span', { class: 'meta' }, when(o.createdAt), ' ', o.staffName || ''), el('p', {}, o.body))))),
      section(t('need.audit'), table([t('calls.time'), t('audit.actor'), t('audit.action'), t('calls.detail')],
        d.audit.map((a) => el('tr', {}, el('td', {}, when(a.occurredAt)), el('td', {}, a.actor), el('td', {}, a.action), el('td', {}, json(a.details)))), { id: 'audit' })));
    tick();
  }

  function tick() {
    if (!countdown) return;
    const left = Date.parse(countdown.dataset.deadline) - now();
    countdown.textContent = left >= 0 ? t('need.left', { time: duration(left) }) : t('need.overdue', { time: duration(left) });
    countdown.classList.toggle('overdue', left < 0);
  }

  await render();
  setInterval(tick, 1000);
  // Someone else's change shows up here too, unless this page is in the middle of typing a note or playing a message.
  Hotline.live((tables) => {
    const typing = document.activeElement && ['TEXTAREA', 'INPUT', 'SELECT'].includes(document.activeElement.tagName);
    const playing = [...app.querySelectorAll('audio')].some((a) => !a.paused && !a.ended);
    if (!typing && !playing && ['needs', 'need_notes', 'voicemails', 'callbacks', 'escalations', '*'].some((x) => tables.has(x))) render(true).catch(Hotline.fail);
  });
}
