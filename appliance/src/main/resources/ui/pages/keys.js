import { h, clear, when, field, showErrors, status, thead } from '../dom.js';
import { call, ROLES, atLeast } from '../api.js';

const SCOPES = ['datasets:read', 'datasets:write', 'datasets:delete', 'documents:read', 'documents:write',
  'documents:delete', 'mcp:query', 'webhooks:manage', 'account:read'];

export async function keysPage(main, { session }) {
  const list = h('div', { id: 'api-keys' });
  const secret = h('div', { id: 'new-secret' });
  main.append(h('h1', {}, 'API keys'), createForm(session, secret, () => refresh()), secret, list);

  async function refresh() {
    const page = await call('GET', '/v1/api-keys?limit=100');
    clear(list).append(page.items.length === 0 ? status('No API keys.') : h('table', {},
      thead('Name', 'Key', 'Role', 'Scopes', 'Status', 'Created', 'Last used', null),
      h('tbody', {}, page.items.map(k => h('tr', { dataset: { id: k.id, status: k.status } },
        h('td', {}, k.name, k.rotation_due ? h('span', { class: 'warning', title: 'Older than 90 days' }, ` ⚠ ${k.age_days} days old: rotate it`) : null),
        h('td', {}, h('code', {}, `${k.display_prefix}…`)),
        h('td', {}, k.role), h('td', {}, k.scopes.join(', ')), h('td', {}, k.status),
        h('td', {}, when(k.created_at)), h('td', {}, when(k.last_used_at)),
        h('td', {}, k.status === 'active' ? h('button', { type: 'button', class: 'danger revoke', onclick: () => revoke(k) }, `Revoke ${k.name}`) : null))))));
  }

  async function revoke(k) {
    if (!window.confirm(`Revoke "${k.name}"? Requests with it fail from now on.`)) return;
    try {
      await call('DELETE', `/v1/api-keys/${encodeURIComponent(k.id)}`);
      clear(secret);
      await refresh();
      list.prepend(status(`Revoked "${k.name}".`));
    } catch (err) { list.prepend(status(err.message, 'error')); }
  }

  await refresh();
}

function createForm(session, secret, done) {
  const name = h('input', { name: 'name', required: true, maxlength: 200, autocomplete: 'off' });
  const role = h('select', { name: 'role' }, ROLES.filter(r => atLeast(session, r)).map(r =>
    h('option', { value: r, selected: r === 'developer' }, r)));
  const environment = h('select', { name: 'environment' }, h('option', { value: 'live' }, 'live (sr_live_…)'), h('option', { value: 'test' }, 'test (sr_test_…)'));
  const expires = h('input', { name: 'expires_in_days', type: 'number', min: 1, max: 3650, placeholder: 'never' });
  const scopes = h('fieldset', { class: 'scopes', dataset: { field: 'scopes' } }, h('legend', {}, 'Scopes (none ticked: everything the role allows)'),
    SCOPES.map(s => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'scope', value: s }), s)),
    h('p', { class: 'field-error', 'aria-live': 'polite' }));
  const form = h('form', { id: 'create-key', class: 'card' }, h('h2', {}, 'New API key'),
    field('Name', name), h('div', { class: 'row' }, field('Role', role), field('Kind', environment), field('Expires after (days, optional)', expires)),
    scopes, h('button', { type: 'submit', class: 'primary' }, 'Create key'), h('p', { class: 'form-error', role: 'alert' }));
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const ticked = [...scopes.querySelectorAll('input:checked')].map(i => i.value);
    const body = { name: name.value.trim(), role: role.value, environment: environment.value, scopes: ticked.length ? ticked : ['*'] };
    if (expires.value) body.expires_in_days = Number(expires.value);
    try {
      const key = await call('POST', '/v1/api-keys', body, { 'Idempotency-Key': crypto.randomUUID() });
      form.reset();
      showErrors(form, { details: [], message: '' });
      const value = h('input', { id: 'secret-value', readonly: true, value: key.key, size: 60, 'aria-label': 'The new API key' });
      const copied = h('span', { class: 'note', 'aria-live': 'polite' });
      clear(secret).append(h('div', { class: 'card secret', role: 'region', 'aria-label': 'New key' },
        h('p', {}, h('strong', {}, `Key "${key.name}" created. Copy it now: it is shown only once.`)),
        value,
        h('button', { type: 'button', id: 'copy-secret', onclick: async () => {
          value.select();
          try { await navigator.clipboard.writeText(key.key); copied.textContent = 'Copied.'; } catch (err) { copied.textContent = 'Select the key and copy it (Ctrl+C).'; }
        } }, 'Copy'), copied));
      await done();
    } catch (err) { showErrors(form, err); }
  });
  return form;
}
