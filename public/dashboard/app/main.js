// Tollgate dashboard: plain JavaScript modules over the admin API (/admin/analytics, /admin/logs,
// /admin/keys, /admin/teams). The admin token is kept in this tab's sessionStorage only and sent as a
// bearer token. This entry wires sign-in and the top bar's controls, then shows the page.
import { api } from './api.js';
import { $ } from './dom.js';
import { refresh, startTimer } from './refresh.js';
import { showLogin, signOut, stopTimer } from './session.js';
import { state, TOKEN_KEY } from './state.js';

$('#login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = $('#token').value.trim();
  if (!token) return;
  const button = $('#login-submit');
  button.disabled = true;
  button.textContent = 'Signing in…';
  state.token = token;
  try {
    // The cheapest read a dashboard token may make: the analytics of the range (seconds over a
    // busy day's rows) are asked for once, by the refresh that follows.
    await api('/admin/logs?limit=1');
    sessionStorage.setItem(TOKEN_KEY, token);
    $('#token').value = '';
    showApp();
  } catch (error) {
    state.token = null;
    const message =
      error.status === 401
        ? 'That token was refused. Check ADMIN_TOKEN (or your admin token) and try again.'
        : error.message;
    showLogin(message);
  } finally {
    button.disabled = false;
    button.textContent = 'Sign in';
  }
});

function showApp() {
  $('#login').hidden = true;
  $('#app').hidden = false;
  refresh();
  if ($('#auto').checked) startTimer();
}

$('#range').addEventListener('change', (event) => {
  state.range = event.target.value;
  refresh();
});
$('#refresh').addEventListener('click', () => refresh());
$('#banner-retry').addEventListener('click', () => refresh());
$('#auto').addEventListener('change', (event) => (event.target.checked ? startTimer() : stopTimer()));
$('#logout').addEventListener('click', () => signOut());

if (state.token) showApp();
else showLogin();
