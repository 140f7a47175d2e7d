'use strict';
// Residents: search by name or number, a resident's history, and their flags and language.
Hotline.start(async (app) => {
  if (document.body.dataset.page === 'resident') return showResident(app, Number(location.pathname.split('/').pop()));
  const { el, replace, t, term, get, section } = Hotline;
  const q = new URLSearchParams(location.search).get('q') || '';
  const box = el('input', { name: 'q', type: 'search', value: q, placeholder: t('res.search'), 'aria-label': t('res.search') });
  const form = el('form', { class: 'filters', id: 'resident-search' }, box, el('button', { type: 'submit', class: 'primary' }, t('res.find')));
  const rows = el('tbody');
  replace(app, section(t('nav.residents'), form, el('div', { class: 'scroll' }, el('table', { id: 'residents' },
    el('thead', {}, el('tr', {}, ['res.name', 'res.phone', 'res.language', 'res.flags'].map((k) => el('th', {}, t(k))))), rows))),
    Hotline.me.role === 'supervisor' ? registryFile() : null);

  // Supervisors keep the registry: import a CSV (good rows go in, bad ones are listed by line) and export it.
  function registryFile() {
    const file = el('input', { type: 'file', name: 'file', accept: '.csv,text/csv', required: true, 'aria-label': t('res.importFile') });
    const upload = el('form', { class: 'filters', id: 'resident-import' }, file, el('button', { type: 'submit', class: 'primary' }, t('res.import')));
    const outcome = el('div', { id: 'import-result', role: 'status' });
    upload.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!file.files.length) return;
      Hotline.act(upload.querySelector('button'), async () => {
        const body = new FormData();
        body.append('file', file.files[0]);
        const r = await Hotline.post('/api/residents/import', body);
        const problems = r.errors.map((p) => el('tr', {}, el('td', {}, String(p.line)), el('td', {}, p.reason)))
          .concat(r.duplicates.map((d) => el('tr', {}, el('td', {}, String(d.line)), el('td', {}, t('res.superseded', { phone: d.phone, line: d.keptLine })))));
        replace(outcome, el('p', {}, t('res.imported', r)),
          problems.length ? Hotline.table([t('res.line'), t('res.problem')], problems, { id: 'import-problems' }) : null,
          r.errorsTruncated ? el('p', { class: 'empty' }, t('res.moreProblems')) : null);
        await search();
      });
    });
    return section(t('res.registry'), upload, outcome,
      el('p', {}, el('a', { class: 'button', id: 'residents-export', href: '/api/residents.csv', download: '' }, t('res.export'))));
  }

  async function search() {
    const found = await get('/api/residents?q=' + encodeURIComponent(box.value));
    replace(rows, found.length === 0 ? el('tr', {}, el('td', { colspan: 4, class: 'empty' }, t('res.empty'))) : found.map((r) =>
      el('tr', { dataset: { residentId: r.id } },
        el('td', {}, el('a', { href: '/residents/' + r.id }, r.name || '—')),
        el('td', {}, r.phone),
        el('td', {}, r.language ? t('lang.' + r.language) : ''),
        el('td', {}, Hotline.flagList(r.flags)))));
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    history.replaceState(null, '', '?q=' + encodeURIComponent(box.value));
    Hotline.act(form.querySelector('button'), search);
  });
  await search();
});

async function showResident(app, id) {
  const { el, replace, t, term, get, put, act, section, when, table } = Hotline;
  const meta = await Hotline.choices();
  const h = await get('/api/residents/' + id);
  const r = h.resident;
  const name = el('input', { name: 'name', type: 'text', value: r.name || '', maxlength: 200 });
  const language = Hotline.select('language', ['', ...meta.languages], r.language || '', (l) => l ? t('lang.' + l) : t('res.unknownLanguage'));
  const flags = meta.flags.map((f) => el('label', { class: 'check' }, el('input', { type: 'checkbox', name: 'flag', value: f, checked: r.flags.includes(f) }), term('flag', f)));
  const careNotes = el('textarea', { name: 'careNotes', rows: 3, maxlength: 4000 }, r.careNotes || '');
  const save = el('button', { type: 'submit', class: 'primary' }, t('res.save'));
  const form = el('form', { class: 'edit', id: 'resident-edit' },
    el('label', {}, t('res.name'), name),
    el('label', {}, t('res.language'), language),
    el('fieldset', {}, el('legend', {}, t('res.flags')), flags),
    el('label', {}, t('res.careNotes'), careNotes),
    save);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(save, async () => {
      await put('/api/residents/' + id, {
        name: name.value, language: language.value, careNotes: careNotes.value,
        flags: [...form.querySelectorAll('input[name=flag]:checked')].map((c) => c.value),
      });
      Hotline.toast(t('res.saved'));
    });
  });
  replace(app,
    section(r.name || r.phone, el('p', { class: 'phone' }, r.phone), form),
    section(t('res.needs'), h.needs.length === 0 ? el('p', { class: 'empty' }, t('need.none')) :
      table([t('need.reference'), t('need.urgency'), t('need.category'), t('need.status'), t('need.created')], h.needs.map((n) => el('tr', {},
        el('td', {}, el('a', { href: '/needs/' + n.id }, n.reference)), el('td', {}, Hotline.urgencyBadge(n.urgency)),
        el('td', {}, term('cat', n.category)), el('td', {}, term('status', n.status)), el('td', {}, when(n.createdAt)))))),
    section(t('res.calls'), h.calls.length === 0 ? el('p', { class: 'empty' }, t('need.none')) :
      table([t('calls.started'), t('calls.direction'), t('calls.status'), t('calls.outcome')], h.calls.map((c) => el('tr', {},
        el('td', {}, c.callSid ? el('a', { href: '/calls/' + encodeURIComponent(c.callSid) }, when(c.startedAt)) : when(c.startedAt)),
        el('td', {}, c.direction, c.purpose ? ` (${c.purpose})` : ''), el('td', {}, c.status), el('td', {}, term('out', c.outcome)))))),
    h.wellnessChecks && h.wellnessChecks.length ? section(t('res.wellness'),
      table([t('calls.time'), t('calls.status'), t('res.attempts')], h.wellnessChecks.map((w) => el('tr', {},
        el('td', {}, w.day), el('td', {}, w.status, w.lastResult ? ` (${w.lastResult})` : ''), el('td', {}, String(w.attempts)))))) : null,
    section(t('res.messages'), h.messages.length === 0 ? el('p', { class: 'empty' }, t('need.none')) :
      el('ul', { class: 'messages' }, h.messages.map((m) => el('li', { class: m.direction }, el('span', { class: 'meta' }, when(m.createdAt), ' ', m.direction, ' '), el('span', { class: 'body' }, m.body))))));
}
