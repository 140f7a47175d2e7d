'use strict';
// The login form. Five wrong passwords in a row lock the account for a while; the page says how long.
document.addEventListener('DOMContentLoaded', () => {
  const language = I18N.pick(localStorage.getItem('hotline.language') || navigator.language);
  document.documentElement.lang = language;
  const t = (key, vars) => I18N.t(language, key, vars);
  const field = (name, type, label, autocomplete) => {
    const input = document.createElement('input');
    Object.assign(input, { name, type, required: true, autocomplete, id: 'login-' + name });
    const caption = document.createElement('label');
    caption.htmlFor = input.id;
    caption.textContent = label;
    return [caption, input];
  };

  const form = document.createElement('form');
  form.className = 'login-form';
  const title = document.createElement('h1');
  title.textContent = t('login.title');
  const [userLabel, user] = field('username', 'text', t('login.username'), 'username');
  const [passLabel, pass] = field('password', 'password', t('login.password'), 'current-password');
  const message = document.createElement('p');
  message.className = 'login-message';
  message.setAttribute('role', 'alert');
  const submit = document.createElement('button');
  submit.type = 'submit';
  submit.className = 'primary';
  submit.textContent = t('login.submit');
  const switcher = document.createElement('select');
  switcher.className = 'language';
  for (const l of I18N.languages) {
    const option = document.createElement('option');
    option.value = l;
    option.textContent = I18N.t(l, 'lang.' + l);
    option.selected = l === language;
    switcher.append(option);
  }
  switcher.addEventListener('change', () => { localStorage.setItem('hotline.language', switcher.value); location.reload(); });
  form.append(title, userLabel, user, passLabel, pass, submit, message, switcher);
  document.getElementById('app').append(form);
  user.focus();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.textContent = '';
    if (!user.value.trim() || !pass.value) { message.textContent = t('login.missing'); return; }
    submit.disabled = true;
    try {
      const response = await fetch('/api/auth/login', {
        method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ username: user.value.trim(), password: pass.value }),
      });
      if (response.ok) {
        const back = new URLSearchParams(location.search).get('ReturnUrl') || '/';
        // Only paths on this site: a crafted link must not send staff elsewhere after login.
        location.assign(back.startsWith('/') && !back.startsWith('//') && !back.startsWith('/\\') ? back : '/');
        return;
      }
      pass.value = '';
      if (response.status === 429) {
        message.textContent = t('login.locked', { seconds: response.headers.get('Retry-After') || '?' });
      } else if (response.status === 401) {
        message.textContent = t('login.wrong');
      } else {
        message.textContent = t('login.failed', { status: response.status });
      }
    } catch (error) {
      message.textContent = t('login.failed', { status: String(error) });
    } finally {
      submit.disabled = false;
    }
  });
});
