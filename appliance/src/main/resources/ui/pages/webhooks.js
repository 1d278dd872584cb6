import { h, clear, when, field, showErrors, status, thead } from '../dom.js';
import { call } from '../api.js';

const EVENTS = ['document.uploaded', 'document.processed', 'document.processing_failed', 'document.deleted', 'dataset.created', 'dataset.updated', 'dataset.deleted'];

export async function webhooksPage(main) {
  const list = h('div', { id: 'webhooks' });
  const secret = h('div', { id: 'webhook-secret' });
  const url = h('input', { name: 'url', type: 'url', required: true, maxlength: 2000, placeholder: 'https://hooks.example.internal/strongroom' });
  const description = h('input', { name: 'description', maxlength: 500 });
  const events = h('fieldset', { dataset: { field: 'events' } }, h('legend', {}, 'Events'),
    EVENTS.map(ev => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'event', value: ev, checked: true }), ev)),
    h('p', { class: 'field-error', 'aria-live': 'polite' }));
  const form = h('form', { id: 'create-webhook', class: 'card' }, h('h2', {}, 'New webhook'),
    field('URL', url), field('Description (optional)', description), events,
    h('button', { type: 'submit', class: 'primary' }, 'Add webhook'), h('p', { class: 'form-error', role: 'alert' }));
  main.append(h('h1', {}, 'Webhooks'), form, secret, list);

  form.addEventListener('submit', async e => {
    e.preventDefault();
    const body = { url: url.value.trim(), events: [...events.querySelectorAll('input:checked')].map(i => i.value) };
    if (description.value.trim()) body.description = description.value.trim();
    try {
      const w = await call('POST', '/v1/webhooks', body);
      form.reset();
      showErrors(form, { details: [], message: '' });
      clear(secret).append(h('div', { class: 'card secret' }, h('p', {}, h('strong', {}, 'Signing secret, shown only once: ')),
        h('input', { readonly: true, value: w.secret, size: 60, 'aria-label': 'Signing secret' })));
      await refresh();
    } catch (err) { showErrors(form, err); }
  });

  async function refresh() {
    const page = await call('GET', '/v1/webhooks?limit=100');
    clear(list).append(page.items.length === 0 ? status('No webhooks.') : h('table', {},
      thead('URL', 'Events', 'State', 'Created', null),
      h('tbody', {}, page.items.map(w => h('tr', { dataset: { id: w.id } },
        h('td', {}, w.url, w.description ? h('div', { class: 'hint' }, w.description) : null),
        h('td', {}, w.events.join(', ')),
        h('td', {}, w.enabled ? 'enabled' : `disabled: ${w.disabled_reason || ''}`),
        h('td', {}, when(w.created_at)),
        h('td', {}, h('button', { type: 'button', class: 'danger delete', onclick: () => remove(w) }, 'Delete')))))));
  }

  async function remove(w) {
    if (!window.confirm(`Delete the webhook to ${w.url}?`)) return;
    try { await call('DELETE', `/v1/webhooks/${encodeURIComponent(w.id)}`); await refresh(); } catch (err) { list.prepend(status(err.message, 'error')); }
  }

  await refresh();
}
