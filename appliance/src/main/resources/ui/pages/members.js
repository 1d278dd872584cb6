import { h, when, status, thead } from '../dom.js';
import { call, atLeast } from '../api.js';

export async function membersPage(main, { session }) {
  const page = await call('GET', '/v1/members?limit=100');
  main.append(h('h1', {}, 'Members'),
    h('p', { class: 'hint' }, 'People who have signed in through single sign-on, with the role their identity provider gave them at their last sign-in. ',
      atLeast(session, 'owner')
        ? 'Roles come from your identity provider\'s groups (docs/sso.md): change a person\'s group there, and the new role applies at their next sign-in.'
        : 'Owners manage members.'),
    page.items.length === 0 ? status('Nobody has signed in yet.') : h('table', { id: 'members' },
      thead('Name', 'Email', 'Role', 'Last sign-in'),
      h('tbody', {}, page.items.map(m => h('tr', { dataset: { user: m.user } },
        h('td', {}, m.name || m.user), h('td', {}, m.email || ''), h('td', { class: 'role' }, m.role), h('td', {}, when(m.last_sign_in_at)))))));
}
