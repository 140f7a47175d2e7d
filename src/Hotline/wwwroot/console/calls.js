'use strict';
// The call log (the last 24 hours by default, filters, paging, CSV export of the same filter) and one call's
// timeline of events.
Hotline.start(async (app) => {
  const { el, replace, t, term, get, section, when } = Hotline;
  if (document.body.dataset.page === 'call') return showCall(app, decodeURIComponent(location.pathname.split('/').pop()));

  const meta = await Hotline.choices();
  const outcomes = ['answered', 'abandoned_in_ivr', 'abandoned_in_queue', 'voicemail', 'callback_requested', 'missed'];
  const params = new URLSearchParams(location.search);
  const local = (iso) => { const d = new Date(iso); return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16); };
  const form = el('form', { class: 'filters', id: 'call-filters' },
    el('label', {}, t('calls.outcome'), Hotline.select('outcome', ['', ...outcomes], params.get('outcome') || '', (o) => o ? term('out', o) : t('calls.any'))),
    el('label', {}, t('calls.category'), Hotline.select('category', ['', ...meta.categories], params.get('category') || '', (c) => c ? term('cat', c) : t('calls.any'))),
    el('label', {}, t('calls.phone'), el('input', { name: 'phone', type: 'search', value: params.get('phone') || '', inputmode: 'tel' })),
    el('label', {}, t('calls.since'), el('input', { name: 'since', type: 'datetime-local', value: params.get('since') ? local(params.get('since')) : '' })),
    el('label', {}, t('calls.until'), el('input', { name: 'until', type: 'datetime-local', value: params.get('until') ? local(params.get('until')) : '' })),
    el('button', { type: 'submit', class: 'primary' }, t('calls.apply')));
  const exportLink = el('a', { class: 'button', id: 'export-csv', download: '' }, t('calls.export'));
  const rows = el('tbody');
  const more = el('button', { id: 'more', hidden: true }, t('calls.more'));
  replace(app,
    section(t('nav.calls'), form, el('div', { class: 'toolbar' }, exportLink),
      el('div', { class: 'scroll' }, el('table', { id: 'call-log' },
        el('thead', {}, el('tr', {}, ['calls.started', 'calls.direction', 'need.caller', 'calls.outcome', 'calls.queue', 'calls.duration', 'calls.need']
          .map((k) => el('th', {}, t(k))))), rows)),
      more));

  function query() {
    const q = new URLSearchParams();
    const data = new FormData(form);
    for (const name of ['outcome', 'category', 'phone']) if (data.get(name)) q.set(name, data.get(name));
    for (const name of ['since', 'until']) if (data.get(name)) q.set(name, new Date(data.get(name)).toISOString());
    return q;
  }

  let cursor = null;
  async function load(reset) {
    const q = query();
    if (!reset && cursor) q.set('cursor', cursor);
    const page = await get('/api/calls?' + q);
    if (reset) rows.replaceChildren();
    for (const c of page.calls) {
      rows.append(el('tr', { dataset: { callSid: c.callSid } },
        el('td', {}, el('a', { href: '/calls/' + encodeURIComponent(c.callSid) }, when(c.startedAt))),
        el('td', {}, c.direction),
        el('td', {}, c.phone),
        el('td', {}, term('out', c.outcome) || c.status, c.hasVoicemail ? el('span', { class: 'badge' }, t('calls.voicemail')) : null),
        el('td', {}, c.queue ? `${c.queue} ${c.queueSeconds ?? ''}s` : ''),
        el('td', {}, c.durationSeconds != null ? c.durationSeconds + ' s' : ''),
        el('td', {}, c.needReference ? [c.needReference, ' ', Hotline.urgencyBadge(c.urgency), ' ', term('cat', c.category)] : '')));
    }
    if (reset && page.calls.length === 0) rows.append(el('tr', {}, el('td', { colspan: 7, class: 'empty' }, t('calls.empty'))));
    cursor = page.nextCursor;
    more.hidden = !cursor;
    exportLink.href = '/api/calls.csv?' + query();
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    history.replaceState(null, '', '?' + query());
    Hotline.act(form.querySelector('button'), () => load(true));
  });
  more.addEventListener('click', () => Hotline.act(more, () => load(false)));
  await load(true);
});

async function showCall(app, callSid) {
  const { el, replace, t, term, get, section, when, table } = Hotline;
  const detail = await get('/api/calls/' + encodeURIComponent(callSid));
  const c = detail.call;
  const facts = el('dl', { class: 'facts' },
    el('dt', {}, t('calls.started')), el('dd', {}, when(c.startedAt)),
    el('dt', {}, t('calls.direction')), el('dd', {}, c.direction),
    el('dt', {}, t('need.phone')), el('dd', {}, c.direction === 'inbound' ? c.fromPhone : c.toPhone),
    el('dt', {}, t('calls.status')), el('dd', {}, c.status),
    el('dt', {}, t('calls.outcome')), el('dd', {}, term('out', c.outcome)),
    el('dt', {}, t('calls.duration')), el('dd', {}, c.durationSeconds != null ? c.durationSeconds + ' s' : ''),
    el('dt', {}, t('calls.need')), el('dd', {}, detail.need ? el('a', { href: '/needs/' + detail.need.id }, detail.need.reference) : ''));
  replace(app,
    section(c.callSid, facts),
    section(t('calls.voicemail'), detail.voicemails.length === 0 ? el('p', { class: 'empty' }, t('need.none')) :
      el('div', {}, detail.voicemails.map((v) => Hotline.voicemailCard(v)))),
    section(t('calls.events'), table([t('calls.time'), t('calls.event'), t('calls.detail')],
      detail.events.map((e) => el('tr', {}, el('td', {}, when(e.occurredAt)), el('td', {}, e.kind + (e.replayed ? ' ↺' : '')), el('td', {}, e.detail || ''))),
      { id: 'timeline' })));
}
