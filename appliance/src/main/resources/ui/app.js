import { h, clear, status } from './dom.js';
import { call, setCsrf, atLeast, ApiError } from './api.js';
import { datasetsPage } from './pages/datasets.js';
import { datasetPage } from './pages/dataset.js';
import { searchPage } from './pages/search.js';
import { keysPage } from './pages/keys.js';
import { webhooksPage } from './pages/webhooks.js';
import { membersPage } from './pages/members.js';
import { auditPage } from './pages/audit.js';
import { securityPage } from './pages/security.js';

// Which pages a role sees; the API refuses the same things on its own (AccessPolicy).
const PAGES = [
  { path: 'datasets', title: 'Datasets', role: 'viewer', render: datasetsPage },
  { path: 'search', title: 'Search', role: 'viewer', render: searchPage },
  { path: 'keys', title: 'API keys', role: 'admin', render: keysPage },
  { path: 'webhooks', title: 'Webhooks', role: 'admin', render: webhooksPage },
  { path: 'members', title: 'Members', role: 'admin', render: membersPage },
  { path: 'audit', title: 'Audit trail', role: 'admin', render: auditPage },
  { path: 'security', title: 'Keys & HSM', role: 'admin', render: securityPage },
];

const main = document.getElementById('main');
const top = document.getElementById('top');
let session = null;

function landing(message) {
  top.hidden = true;
  clear(main).append(
    h('section', { class: 'landing' },
      h('h1', {}, 'Strongroom'),
      h('p', { class: 'lead' }, 'Semantic search over your documents, encrypted with keys your security team holds.'),
      message ? status(message, 'error') : null,
      h('a', { class: 'button primary', href: '/auth/login', id: 'sign-in' }, 'Sign in with your organization'),
      h('p', { class: 'hint' }, 'You sign in with your corporate account; your administrator decides your role.')));
  document.title = 'Sign in · Strongroom';
}

function header() {
  const nav = h('nav', { 'aria-label': 'Main' },
    h('ul', {}, PAGES.filter(p => atLeast(session, p.role)).map(p =>
      h('li', {}, h('a', { href: `#/${p.path}`, dataset: { page: p.path } }, p.title)))));
  const signOut = h('button', { type: 'button', id: 'sign-out', onclick: signOutClicked }, 'Sign out');
  clear(top).append(
    h('a', { class: 'brand', href: '#/datasets' }, 'Strongroom'),
    nav,
    h('div', { class: 'who' },
      h('span', { id: 'who', title: session.user }, session.name || session.user),
      h('span', { class: 'role', id: 'role' }, session.role),
      signOut));
  top.hidden = false;
}

async function signOutClicked(e) {
  e.target.disabled = true;
  try {
    const out = await call('POST', '/auth/logout');
    session = null;
    // Ends the Keycloak session too; Keycloak sends the browser back to the landing page.
    window.location.assign(out.logout_url);
  } catch (err) {
    e.target.disabled = false;
    main.prepend(status(err.message, 'error'));
  }
}

async function route() {
  if (!session) return;
  const hash = window.location.hash.replace(/^#\/?/, '') || 'datasets';
  const [path, ...rest] = hash.split('?')[0].split('/');
  const query = new URLSearchParams(hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : '');
  let page = PAGES.find(p => p.path === path);
  let render = page && page.render;
  if (path === 'datasets' && rest.length) render = datasetPage;
  for (const a of top.querySelectorAll('nav a')) {
    if (a.dataset.page === path) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  clear(main);
  if (!page || !atLeast(session, page.role)) {
    main.append(h('h1', {}, 'Not available'),
      status(page ? `Your role (${session.role}) cannot open this page.` : 'There is no such page.', 'error'));
    return;
  }
  document.title = `${page.title} · Strongroom`;
  try {
    await render(main, { session, params: rest.map(decodeURIComponent), query });
  } catch (err) {
    main.append(status(err instanceof ApiError ? err.message : `Something went wrong: ${err.message}`, 'error'));
  }
  main.focus({ preventScroll: true });
}

async function start() {
  try {
    session = await call('GET', '/auth/session');
  } catch (err) {
    if (err.status === 401) return landing(null);
    if (err.status === 404) return landing('Browser sign-in is not configured on this appliance (oauth.issuer and oauth.redirect-uri; see docs/sso.md).');
    return landing(err.message);
  }
  setCsrf(session.csrf_token);
  header();
  window.addEventListener('hashchange', route);
  window.addEventListener('strongroom:signed-out', () => { session = null; landing('Your session has ended. Sign in again.'); });
  await route();
}

start();
