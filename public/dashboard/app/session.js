// Signing out and the sign-in form shown: the token leaves sessionStorage, and with it what it could see.
import { $ } from './dom.js';
import { newNames, state, TOKEN_KEY } from './state.js';

export function showLogin(message) {
  stopTimer();
  $('#app').hidden = true;
  $('#login').hidden = false;
  const error = $('#login-error');
  error.hidden = !message;
  error.textContent = message ?? '';
  $('#token').focus();
}

export function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  // Another token may see other keys (a team-admin's) or none (a viewer).
  state.keys = new Map();
  state.teams = new Map();
  state.names = newNames();
  showLogin(message);
}

/** The automatic refresh stops with the session (refresh.js starts it). */
export function stopTimer() {
  if (state.timer) clearInterval(state.timer);
  state.timer = null;
}
