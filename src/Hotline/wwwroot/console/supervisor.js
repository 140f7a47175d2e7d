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

  // Inbound calls per hour as bars: plain elements, heights in proportion to the busiest hour.
  function chart(hours) {
    const most = Math.max(1, ...hours.map((h) => h.calls));
    return el('div', { class: 'chart', id: 'calls-per-hour', role: 'img', 'aria-label': t('sup.perHour') },
      hours.map((h) => {
        const fill = el('span', { class: 'fill' });
        fill.style.height = Math.round((100 * h.calls) / most) + '%'; // through the CSSOM: the page allows no inline style
        return el('div', { class: 'bar', title: `${h.hour}: ${h.calls}` }, fill, el('span', { class: 'hour' }, h.hour.slice(-5, -3)));
      }));
  }

  function counts(map, prefix) {
    const entries = Object.entries(map || {});
    return entries.length === 0 ? el('p', { class: 'empty' }, t('need.none')) :
      el('ul', { class: 'counts-list' }, entries.map(([k, v]) => el('li', {}, term(prefix, k), ': ', String(v))));
  }

  let shown = '';
  async function render(background) {
    const read = background ? Hotline.read : get;
    const [o, f, daily, round] = await Promise.all([read('/api/supervisor/overview'), read('/api/reports/last24h'),
      read('/api/reports/daily').catch((error) => { if (error.status === 404) return null; throw error; }), read('/api/wellness/today')]);
    // The same figures again: leave the page, and anything being edited, alone.
    const text = JSON.stringify([o, { ...f, periodStart: null, periodEnd: null }, daily && daily.day, { ...round, checks: null }]);
    if (text === shown) return;
    shown = text;
    const kept = f.urgentAcknowledgement.share == null ? null : Math.round(100 * f.urgentAcknowledgement.share) + '%';
    const categories = Object.keys({ ...f.needs.openedByCategory });
    replace(app,
      section(t('sup.figures'), el('div', { class: 'figures', id: 'figures' },
        figure('sup.callsReceived', f.calls.received, 'calls-received'), figure('sup.answered', f.calls.answered, 'answered'),
        figure('sup.abandonedMenu', f.calls.abandonedInMenu), figure('sup.abandonedQueue', f.calls.abandonedInQueue),
        figure('sup.missed', f.calls.missed), figure('sup.voicemails', f.voicemails, 'voicemails'),
        figure('sup.callbacksRequested', f.calls.callbackRequested), figure('sup.callbacksMade', f.callbacks.made),
        figure('sup.callbacksCompleted', f.callbacks.completed),
        figure('sup.medianAnswer', seconds(f.answerTimes.medianSeconds)), figure('sup.p90Answer', seconds(f.answerTimes.p90Seconds)),
        figure('sup.deadlinesKept', kept, 'deadlines-kept'), figure('sup.needsOpened', f.needs.opened), figure('sup.needsResolved', f.needs.resolved),
        figure('sup.trips', f.needs.tripsArranged), figure('sup.medicine', f.needs.medicineDelivered), figure('sup.food', f.needs.foodParcelsDelivered),
        figure('sup.wellnessWell', f.wellness.well), figure('sup.wellnessHelp', f.wellness.needsHelp), figure('sup.wellnessNotReached', f.wellness.notReached)),
        el('h3', {}, t('sup.perHour')), chart(f.callsPerHour),
        el('div', { class: 'split' },
          el('div', {}, el('h3', {}, t('sup.byCategory')), table([t('need.category'), t('sup.opened')],
            categories.map((c) => el('tr', {}, el('td', {}, term('cat', c)), el('td', {}, String(f.needs.openedByCategory[c])))), { id: 'by-category' })),
          el('div', {}, el('h3', {}, t('sup.byOutcome')), counts(f.needs.resolvedByOutcome, 'done'))),
        daily ? el('p', {}, el('a', { class: 'button', id: 'daily-report', href: '/api/reports/daily.csv?date=' + encodeURIComponent(daily.day), download: '' },
          t('sup.dailyReport', { day: daily.day }))) : null),
      section(t('sup.wellnessRound', { day: round.day }), el('div', { class: 'figures', id: 'wellness-round' },
        figure('sup.roundTotal', round.total), figure('sup.roundReached', round.reached), figure('sup.wellnessWell', round.well),
        figure('sup.wellnessHelp', round.needsHelp), figure('sup.wellnessNotReached', round.notReached),
        figure('sup.roundInProgress', round.inProgress), figure('sup.roundCalledIn', round.calledIn))),
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
    if (timer || !['calls', 'needs', 'escalations', 'staff', 'voicemails', '*'].some((x) => tables.has(x))) return;
    timer = setTimeout(() => {
      timer = null;
      const editing = document.activeElement && ['INPUT', 'SELECT'].includes(document.activeElement.tagName);
      if (!editing) render(true).catch(Hotline.fail);
    }, 2000);
  });
});
