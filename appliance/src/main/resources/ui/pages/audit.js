import { h, clear, when, field, status, thead } from '../dom.js';
import { call } from '../api.js';

export async function auditPage(main) {
  const actor = h('input', { name: 'actor', autocomplete: 'off', placeholder: 'user:… or key_…' });
  const action = h('input', { name: 'action', autocomplete: 'off', placeholder: 'dataset. or auth.sign_in' });
  const since = h('input', { name: 'since', type: 'datetime-local' });
  const until = h('input', { name: 'until', type: 'datetime-local' });
  const list = h('div', { id: 'audit-entries', 'aria-live': 'polite' });
  const exportLink = h('a', { id: 'audit-export', class: 'button', download: 'strongroom-audit.jsonl' }, 'Export (JSON lines)');
  const form = h('form', { id: 'audit-filter', class: 'card', role: 'search' },
    h('div', { class: 'row' }, field('Actor', actor), field('Action (exact, or a prefix ending in ".")', action),
      field('From', since), field('Until', until)),
    h('button', { type: 'submit', class: 'primary' }, 'Filter'), ' ', exportLink, h('p', { class: 'form-error', role: 'alert' }));
  main.append(h('h1', {}, 'Audit trail'),
    h('p', { class: 'hint' }, 'Every entry is chained with a key held under the HSM; `strongroom audit verify` on the appliance host proves none was changed or removed.'),
    form, list);

  function params() {
    const p = new URLSearchParams();
    if (actor.value.trim()) p.set('actor', actor.value.trim());
    if (action.value.trim()) p.set('action', action.value.trim());
    if (since.value) p.set('since', new Date(since.value).toISOString());
    if (until.value) p.set('until', new Date(until.value).toISOString());
    return p;
  }

  async function refresh() {
    const p = params();
    const e = new URLSearchParams(p);
    e.set('format', 'jsonl');
    exportLink.href = `/v1/audit?${e}`;
    p.set('limit', '100');
    try {
      const page = await call('GET', `/v1/audit?${p}`);
      form.querySelector('.form-error').textContent = '';
      clear(list).append(page.items.length === 0 ? status('No entries match.') : h('table', {},
        h('caption', {}, `${page.total} entries${page.total > page.items.length ? `, newest ${page.items.length} shown` : ''}`),
        thead('Time', 'Actor', 'Action', 'Target', 'Outcome', 'From', 'Detail'),
        h('tbody', {}, page.items.map(a => h('tr', { class: a.outcome, dataset: { action: a.action } },
          h('td', {}, when(a.time)), h('td', {}, a.actor), h('td', {}, a.action), h('td', {}, a.target || ''),
          h('td', {}, a.outcome), h('td', {}, a.source || ''), h('td', {}, a.detail || ''))))));
    } catch (err) { clear(list); form.querySelector('.form-error').textContent = err.message; }
  }

  form.addEventListener('submit', e => { e.preventDefault(); refresh(); });
  await refresh();
}
