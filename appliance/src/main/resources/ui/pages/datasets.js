import { h, clear, when, field, showErrors, status, thead } from '../dom.js';
import { call, atLeast } from '../api.js';

export async function datasetsPage(main, { session }) {
  const canWrite = atLeast(session, 'developer');
  const canDelete = atLeast(session, 'admin');
  const list = h('div', { id: 'datasets' });
  const deleted = h('div', { id: 'deleted-datasets' });
  main.append(h('h1', {}, 'Datasets'));
  if (canWrite) main.append(createForm(() => refresh()));
  main.append(list);
  if (canDelete) main.append(deleted);

  async function refresh() {
    const page = await call('GET', '/v1/datasets?limit=100&sort=name');
    clear(list).append(page.items.length === 0
      ? status(canWrite ? 'No datasets yet. Create one above.' : 'No datasets yet.')
      : table(page.items));
    if (canDelete) {
      const gone = await call('GET', '/v1/datasets?limit=100&deleted=true');
      clear(deleted);
      if (gone.items.length) {
        deleted.append(h('h2', {}, 'Deleted, can be restored'),
          h('table', {},
            thead('Name', 'Deleted', 'Restorable until', null),
            h('tbody', {}, gone.items.map(d => h('tr', { dataset: { id: d.id } },
              h('td', {}, d.name), h('td', {}, when(d.deleted_at)), h('td', {}, when(d.purge_after)),
              h('td', {}, h('button', { type: 'button', class: 'restore', onclick: () => restore(d) }, `Restore ${d.name}`)))))));
      }
    }
  }

  function table(items) {
    return h('table', {},
      thead('Name', 'Description', 'Created', null),
      h('tbody', {}, items.map(d => row(d))));
  }

  function row(d) {
    const actions = h('td', { class: 'actions' });
    if (canWrite) actions.append(h('button', { type: 'button', class: 'rename', onclick: () => rename(d, tr) }, 'Rename'));
    if (canDelete) actions.append(h('button', { type: 'button', class: 'danger delete', onclick: () => remove(d, tr) }, 'Delete'));
    const tr = h('tr', { dataset: { id: d.id } },
      h('td', {}, h('a', { href: `#/datasets/${encodeURIComponent(d.id)}` }, d.name)),
      h('td', {}, d.description || ''),
      h('td', {}, when(d.created_at)),
      actions);
    return tr;
  }

  function rename(d, tr) {
    const input = h('input', { name: 'name', value: d.name, required: true, maxlength: 200 });
    const form = h('form', { class: 'inline' }, field(`New name for ${d.name}`, input),
      h('button', { type: 'submit' }, 'Save'), h('button', { type: 'button', onclick: () => refresh() }, 'Cancel'),
      h('p', { class: 'form-error', role: 'alert' }));
    form.addEventListener('submit', async e => {
      e.preventDefault();
      try {
        await call('PATCH', `/v1/datasets/${encodeURIComponent(d.id)}`, { name: input.value });
        await refresh();
      } catch (err) { showErrors(form, err); }
    });
    const cell = tr.querySelector('td');
    clear(cell).append(form);
    input.focus();
  }

  async function remove(d, tr) {
    if (!window.confirm(`Delete dataset "${d.name}"? It can be restored until the retention window ends; after that its key is destroyed.`)) return;
    try {
      const out = await call('DELETE', `/v1/datasets/${encodeURIComponent(d.id)}`);
      await refresh();
      list.prepend(status(`Deleted "${d.name}". It can be restored until ${when(out.purge_after)}.`));
    } catch (err) { tr.after(h('tr', {}, h('td', { colspan: 4 }, status(err.message, 'error')))); }
  }

  async function restore(d) {
    try {
      await call('POST', `/v1/datasets/${encodeURIComponent(d.id)}/restore`);
      await refresh();
      list.prepend(status(`Restored "${d.name}".`));
    } catch (err) { deleted.prepend(status(err.message, 'error')); }
  }

  await refresh();
}

function createForm(done) {
  const name = h('input', { name: 'name', required: true, maxlength: 200, autocomplete: 'off' });
  const description = h('input', { name: 'description', maxlength: 1000, autocomplete: 'off' });
  const form = h('form', { id: 'create-dataset', class: 'card' },
    h('h2', {}, 'New dataset'),
    field('Name', name), field('Description (optional)', description),
    h('button', { type: 'submit', class: 'primary' }, 'Create dataset'),
    h('p', { class: 'form-error', role: 'alert' }));
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const body = { name: name.value.trim() };
      if (description.value.trim()) body.description = description.value.trim();
      await call('POST', '/v1/datasets', body);
      form.reset();
      showErrors(form, { details: [], message: '' });
      await done();
    } catch (err) { showErrors(form, err); } finally { button.disabled = false; }
  });
  return form;
}
