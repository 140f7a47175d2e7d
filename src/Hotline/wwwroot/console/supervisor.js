'use strict';
// The supervisor's page: the last 24 hours in figures, open escalations and overdue needs, staff on duty and their
// escalation levels, and the way to the job dashboard.
Hotline.start(async (app) => {
  const { el, replace, t, term, get, put, act, section, when, table } = Hotline;

  function figure(key, value, id) {
    return el('div', { class: 'figure', id }, el('span', { class: 'value' }, value === null || value === undefined ? '—' : String(value)), el('span', { class: 'label' }, t(key)));
  }

  const seconds = (s) => (s === null || s === undefined ? null : Math.round(s) + ' s');

  function staffRow(s) {
    const onDuty = el('input', { type: 'checkbox', checked: s.onDuty, 'aria-label': t('sup.onDuty') });
    const level = el('input', { type: 'number', min: 1, max: 9, value: s.escalationLevel ?? '', class: 'level', 'aria-label': t('sup.level') });
    const save = el('button', { class: 'save' }, t('sup.save'));
    save.addEventListener('click', () => act(save, async () => {
      await put('/api/supervisor/staff/' + s.id, {
        onDuty: onDuty.checked, escalationLevel: level.value ? Number(level.value) : null, clearEscalationLevel: !level.value,
      });
      Hotline.toast(t('sup.saved'));
    }));
    return el('tr', { dataset: { staffId: s.id } }, el('td', {}, s.displayName), el('td', {}, term('role', s.role)), el('td', {}, s.phone || ''),
      el('td', {}, onDuty), el('td', {}, level), el('td', {}, save));
  }

  function escalationRows(rows) {
    if (rows.length === 0) return el('p', { class: 'empty' }, t('sup.noEscalations'));
    const keys = Object.keys(rows[0]).slice(0, 9);
    return table(keys, rows.map((r) => el('tr', {}, keys.map((k) => el('td', {}, r[k] === null ? '' : typeof r[k] === 'object' ? JSON.stringify(r[k]) : String(r[k]))))));
  }

  let shown = '';
  async function render(background) {
    const o = await (background ? Hotline.read : get)('/api/supervisor/overview');
    // The same figures again (the window moved, nothing else did): leave the page, and anything being edited, alone.
    const text = JSON.stringify({ ...o, since: null, until: null });
    if (text === shown) return;
    shown = text;
    const f = o.figures;
    const kept = f.urgentDeadlinesDue ? Math.round((100 * f.urgentAcknowledgedInTime) / f.urgentDeadlinesDue) + '%' : '—';
    replace(app,
      section(t('sup.figures'), el('div', { class: 'figures', id: 'figures' },
        figure('sup.callsReceived', f.callsReceived, 'calls-received'), figure('sup.answered', f.answered, 'answered'),
        figure('sup.abandonedMenu', f.abandonedInMenu), figure('sup.abandonedQueue', f.abandonedInQueue), figure('sup.missed', f.missed),
        figure('sup.voicemails', f.voicemails, 'voicemails'), figure('sup.callbacksRequested', f.callbacksRequested),
        figure('sup.medianAnswer', seconds(f.medianAnswerSeconds)), figure('sup.p90Answer', seconds(f.p90AnswerSeconds)),
        figure('sup.deadlinesKept', kept), figure('sup.needsResolved', f.needsResolved)),
        table([t('need.category'), t('sup.opened'), t('sup.resolved')],
          o.needsByCategory.map((c) => el('tr', {}, el('td', {}, term('cat', c.category)), el('td', {}, String(c.opened)), el('td', {}, String(c.resolved)))),
          { id: 'by-category' })),
      section(t('sup.escalations'), escalationRows(o.openEscalations)),
      section(t('sup.overdue'), o.overdueNeeds.length === 0 ? el('p', { class: 'empty' }, t('need.none')) :
        table([t('need.reference'), t('need.category'), t('need.caller'), t('need.deadline')], o.overdueNeeds.map((n) => el('tr', {},
          el('td', {}, el('a', { href: '/needs/' + n.id }, n.reference)), el('td', {}, term('cat', n.category)),
          el('td', {}, n.residentName || n.phone), el('td', { class: 'overdue' }, when(n.ackDeadline)))))),
      section(t('sup.staff'), table([t('res.name'), t('sup.role'), t('res.phone'), t('sup.onDuty'), t('sup.level'), ''], o.staff.map(staffRow), { id: 'staff' })),
      el('p', {}, el('a', { href: '/hangfire', class: 'button', id: 'hangfire' }, t('sup.jobs'))));
  }

  await render();
  // The figures are a day's worth of counting: at most one re-read every two seconds, however busy the line is.
  let timer = null;
  Hotline.live((tables) => {
    if (timer || !['calls', 'needs', 'escalations', 'staff', '*'].some((x) => tables.has(x))) return;
    timer = setTimeout(() => {
      timer = null;
      const editing = document.activeElement && ['INPUT', 'SELECT'].includes(document.activeElement.tagName);
      if (!editing) render(true).catch(Hotline.fail);
    }, 2000);
  });
});
