'use strict';
// The live board: who waits, which urgent needs run out of time, who is on duty, which callbacks are due.
// It re-reads /api/board whenever the live feed says something changed, and ticks its clocks every second.
Hotline.start(async (app) => {
  const { el, replace, t, term, get, post, act, section, duration, now, syncClock } = Hotline;
  let board = null;
  let callbacks = [];

  const dutyButton = el('button', { id: 'duty', class: 'big' });
  const takeNext = el('button', { id: 'take-next', class: 'big primary' }, t('board.takeNext'));
  const counts = el('span', { class: 'counts' });
  const queues = el('div', { id: 'queues' });
  const urgent = el('div', { id: 'urgent-needs' });
  const staff = el('div', { id: 'on-duty' });
  const due = el('div', { id: 'callbacks' });
  replace(app,
    el('div', { class: 'toolbar' }, dutyButton, takeNext, counts),
    el('div', { class: 'board' },
      section(t('board.urgentNeeds'), urgent),
      section(t('board.queues'), queues),
      section(t('board.callbacks'), due),
      section(t('board.staff'), staff)));

  dutyButton.addEventListener('click', () => act(dutyButton, async () => {
    await post('/api/staff/me/duty', { onDuty: !board.meOnDuty });
    await refresh();
  }));
  takeNext.addEventListener('click', () => act(takeNext, async () => {
    const answer = await post('/api/board/take-next');
    Hotline.toast(t('board.takeNextQueued', { queue: t('board.queue.' + answer.queue) }));
    await refresh();
  }));

  function caller(item) {
    return [el('span', { class: 'caller' }, item.residentName || item.fromPhone || item.phone || ''), ...Hotline.flagList(item.residentFlags)];
  }

  function renderQueues() {
    const lists = ['urgent', 'general'].map((name) => {
      const waiting = board.queue.filter((c) => c.queueName === name);
      return el('div', { class: 'queue', dataset: { queue: name } },
        el('h3', {}, t('board.queue.' + name), ' ', el('span', { class: 'count' }, String(waiting.length))),
        waiting.length === 0
          ? el('p', { class: 'empty' }, t('board.noneWaiting'))
          : el('ul', { class: 'rows' }, waiting.map((c) => el('li', { class: 'row', dataset: { callSid: c.callSid } },
            el('span', { class: 'clock wait', dataset: { since: c.enqueuedAt } }),
            ...caller(c),
            c.reference ? el('a', { href: '/needs/' + c.needId, class: 'reference' }, c.reference) : null,
            c.category ? el('span', { class: 'category' }, term('cat', c.category)) : null))));
    });
    replace(queues, ...lists);
  }

  function renderUrgent() {
    if (board.urgentNeeds.length === 0) { replace(urgent, el('p', { class: 'empty' }, t('board.noUrgent'))); return; }
    replace(urgent, el('ul', { class: 'rows' }, board.urgentNeeds.map((n) => {
      const ack = el('button', { class: 'ack primary', dataset: { needId: n.id } }, t('need.acknowledge'));
      ack.addEventListener('click', () => act(ack, async () => { await post(`/api/needs/${n.id}/acknowledge`); await refresh(); }));
      return el('li', { class: 'row need', dataset: { needId: n.id } },
        el('span', { class: 'clock countdown', dataset: { deadline: n.ackDeadline } }),
        el('a', { href: '/needs/' + n.id, class: 'reference' }, n.reference),
        el('span', { class: 'category' }, term('cat', n.category)),
        el('span', { class: 'caller' }, n.residentName || n.phone),
        n.summary ? el('span', { class: 'summary' }, n.summary) : null,
        ack);
    })));
  }

  function renderStaff() {
    if (board.onDuty.length === 0) { replace(staff, el('p', { class: 'empty' }, t('board.noStaff'))); return; }
    replace(staff, el('ul', { class: 'rows' }, board.onDuty.map((s) => {
      const doing = !s.callStatus ? 'available' : ['in-progress'].includes(s.callStatus) ? 'onCall' : 'ringing';
      return el('li', { class: 'row staff ' + doing, dataset: { staffId: s.id } },
        el('span', { class: 'name' }, s.displayName),
        el('span', { class: 'role' }, term('role', s.role)),
        el('span', { class: 'activity' }, t('board.' + doing)),
        s.dutyChangedAt ? el('span', { class: 'clock duty', dataset: { since: s.dutyChangedAt } }) : null);
    })));
  }

  // Due callbacks (from the callbacks feature, when it is installed) in working order: urgency, then the time the
  // resident first called, as the API lists them.
  function renderCallbacks() {
    const dueNow = callbacks.filter((c) => Date.parse(c.dueAt) <= now());
    if (dueNow.length === 0) { replace(due, el('p', { class: 'empty' }, t('board.noCallbacks'))); return; }
    replace(due, el('ul', { class: 'rows' }, dueNow.map((c) => {
      const dial = el('button', { class: 'dial primary' }, t('vm.callBack'));
      dial.addEventListener('click', () => act(dial, async () => { await post(`/api/callbacks/${c.id}/dial`); await refresh(); }));
      return el('li', { class: 'row callback', dataset: { callbackId: c.id } },
        Hotline.urgencyBadge(c.urgency),
        el('span', { class: 'caller' }, Hotline.mask(c.phone)),
        c.needReference ? el('a', { href: '/needs/' + c.needId, class: 'reference' }, c.needReference) : null,
        c.attempts ? el('span', { class: 'attempts' }, t('board.attempts', { count: c.attempts })) : null,
        el('span', { class: 'clock wait', dataset: { since: c.placeAt } }),
        dial);
    })));
  }

  async function loadCallbacks(background) {
    if (!await Hotline.hasCallbacks()) { callbacks = []; return; }
    const views = await (background ? Hotline.read : get)('/api/callbacks?status=pending&limit=200');
    callbacks = views.map((v) => v.callback);
  }

  let reads = 0;
  let shown = '';
  async function refresh(background) {
    const ticket = ++reads;
    const [next] = await Promise.all([(background ? Hotline.read : get)('/api/board'), loadCallbacks(background)]);
    if (ticket !== reads) return; // a later read is on its way; never draw an older board over a newer one
    syncClock(next.now);
    const text = JSON.stringify([{ ...next, now: null }, callbacks]);
    if (text === shown) return;
    shown = text;
    board = next;
    dutyButton.textContent = board.meOnDuty ? t('board.goOffDuty') : t('board.goOnDuty');
    dutyButton.classList.toggle('on', board.meOnDuty);
    dutyButton.dataset.onDuty = String(board.meOnDuty);
    takeNext.disabled = !board.meOnDuty || board.queue.length === 0;
    counts.textContent = t('board.counts', { open: board.counts.openNeeds, unheard: board.counts.unheardVoicemails });
    renderQueues();
    renderUrgent();
    renderStaff();
    renderCallbacks();
    tick();
  }

  function tick() {
    const at = now();
    for (const clock of document.querySelectorAll('.clock.wait')) {
      clock.textContent = t('board.waited', { time: duration(at - Date.parse(clock.dataset.since)) });
    }
    for (const clock of document.querySelectorAll('.clock.duty')) {
      clock.textContent = t('board.dutyFor', { time: duration(at - Date.parse(clock.dataset.since)) });
    }
    for (const clock of document.querySelectorAll('.clock.countdown')) {
      const left = Date.parse(clock.dataset.deadline) - at;
      clock.textContent = left >= 0 ? t('need.left', { time: duration(left) }) : t('need.overdue', { time: duration(left) });
      clock.classList.toggle('overdue', left < 0);
      clock.closest('.row')?.classList.toggle('overdue', left < 0);
    }
  }

  await refresh();
  setInterval(tick, 1000);
  // Callbacks fall due by the clock, not by a change anyone writes; and a lost notice must not leave the board stale.
  setInterval(() => refresh(true).catch(Hotline.fail), 15000);
  Hotline.live(() => refresh(true).catch(Hotline.fail));
});
