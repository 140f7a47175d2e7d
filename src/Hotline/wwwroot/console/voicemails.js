'use strict';
// The voicemail inbox: unheard first (oldest first: working order), then what was heard in the last week.
Hotline.start(async (app) => {
  const { el, replace, t, term, get, post, act, section } = Hotline;
  const [meta, callbacks] = await Promise.all([Hotline.choices(), Hotline.hasCallbacks()]);
  const list = el('div', { id: 'voicemails' });
  replace(app, section(t('nav.voicemails'), list));

  async function markHeard(v, button) {
    if (v.heardAt) return;
    await act(button, async () => { await post(`/api/voicemails/${encodeURIComponent(v.recordingSid)}/heard`); await refresh(); });
  }

  function actions(v) {
    const heard = el('button', { class: 'mark-heard', disabled: !!v.heardAt }, t('vm.markHeard'));
    heard.addEventListener('click', () => markHeard(v, heard));
    const items = [heard];
    if (v.needId) {
      items.push(el('a', { class: 'button', href: '/needs/' + v.needId }, t('vm.openNeed', { reference: v.needReference }), ' ',
        Hotline.urgencyBadge(v.needUrgency), ' ', term('cat', v.needCategory)));
    } else {
      const category = Hotline.select('category', meta.categories, 'other', (c) => term('cat', c), { 'aria-label': t('need.category') });
      const make = el('button', { class: 'make-need' }, t('vm.makeNeed'));
      make.addEventListener('click', () => act(make, async () => {
        await post(`/api/voicemails/${encodeURIComponent(v.recordingSid)}/need`, { category: category.value });
        await refresh();
      }));
      items.push(category, make);
    }
    if (callbacks) {
      const call = el('button', { class: 'call-back' }, t('vm.callBack'));
      call.addEventListener('click', () => act(call, async () => {
        await post('/api/callbacks', { phone: v.callerPhone, needId: v.needId });
        Hotline.toast(t('vm.callbackQueued'));
      }));
      items.push(call);
    }
    return items;
  }

  // Redrawing would cut off a message someone is listening to: wait until it stops.
  let waiting = false;
  const playing = () => [...list.querySelectorAll('audio')].some((a) => !a.paused && !a.ended);
  let shown = '';
  async function refresh(background) {
    if (playing()) { waiting = true; return; }
    waiting = false;
    const voicemails = await (background ? Hotline.read : get)('/api/voicemails');
    if (playing()) { waiting = true; return; }
    // Nothing new (a notice about someone else's change, or this page's own): keep what is on screen, choices and all.
    const text = JSON.stringify(voicemails);
    if (text === shown) return;
    shown = text;
    if (voicemails.length === 0) { replace(list, el('p', { class: 'empty' }, t('vm.empty'))); return; }
    replace(list, voicemails.map((v) => {
      const card = Hotline.voicemailCard(v, ...actions(v));
      card.prepend(el('h3', {}, v.residentName || v.phone, v.heardAt ? null : el('span', { class: 'badge unheard' }, t('vm.unheard'))));
      // Listening to the end counts as hearing it.
      const audio = card.querySelector('audio');
      audio.addEventListener('ended', () => markHeard(v, card.querySelector('.mark-heard')));
      audio.addEventListener('pause', () => { if (waiting) refresh(true).catch(Hotline.fail); });
      return card;
    }));
  }

  await refresh();
  Hotline.live((tables) => { if (tables.has('voicemails') || tables.has('needs') || tables.has('*')) refresh(true).catch(Hotline.fail); });
});
