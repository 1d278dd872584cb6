import { h, clear, when, bytes, status, thead } from '../dom.js';
import { call, upload, atLeast } from '../api.js';

export async function datasetPage(main, { session, params }) {
  const id = params[0];
  const highlight = params[1] === 'documents' ? params[2] : null;
  const d = await call('GET', `/v1/datasets/${encodeURIComponent(id)}`);
  const canWrite = atLeast(session, 'developer');
  document.title = `${d.name} · Strongroom`;
  const docs = h('div', { id: 'documents' });
  main.append(
    h('p', {}, h('a', { href: '#/datasets' }, '← All datasets')),
    h('h1', {}, d.name),
    d.description ? h('p', {}, d.description) : null,
    h('p', { class: 'meta' }, `${d.chunk_count} chunks · model ${d.embedding_model} · created ${when(d.created_at)} · `,
      h('a', { href: `#/search?dataset=${encodeURIComponent(d.id)}` }, 'Search this dataset')));
  if (canWrite) main.append(uploadForm(d, () => refresh()));
  main.append(h('h2', {}, 'Documents'), docs);

  let timer = null;
  async function refresh() {
    const page = await call('GET', `/v1/datasets/${encodeURIComponent(id)}/documents?limit=100`);
    clear(docs).append(page.items.length === 0 ? status('No documents yet.') : h('table', {},
      thead('File', 'Status', 'Chunks', 'Size', 'Added', null),
      h('tbody', {}, page.items.map(doc => row(doc)))));
    clearTimeout(timer);
    // Ingestion is asynchronous: keep the list current while anything is still processing.
    if (page.items.some(doc => doc.status === 'processing') && document.body.contains(docs)) {
      timer = setTimeout(() => refresh().catch(() => {}), 1500);
    }
  }

  function row(doc) {
    const statusCell = h('td', { class: `status ${doc.status}` }, doc.status,
      doc.failure_reason ? h('span', { class: 'reason' }, `: ${doc.failure_reason}`) : null);
    const tr = h('tr', { dataset: { id: doc.id, status: doc.status }, class: doc.id === highlight ? 'highlight' : null },
      h('td', {}, doc.filename || doc.id), statusCell, h('td', {}, String(doc.chunks_created ?? 0)),
      h('td', {}, bytes(doc.size_bytes || 0)), h('td', {}, when(doc.created_at)),
      h('td', {}, canWrite ? h('button', { type: 'button', class: 'danger delete', onclick: () => remove(doc) },
        `Delete ${doc.filename || doc.id}`) : null));
    return tr;
  }

  async function remove(doc) {
    if (!window.confirm(`Delete "${doc.filename || doc.id}" and its chunks from this dataset?`)) return;
    try {
      await call('DELETE', `/v1/datasets/${encodeURIComponent(id)}/documents/${encodeURIComponent(doc.id)}`);
      await refresh();
    } catch (err) { docs.prepend(status(err.message, 'error')); }
  }

  await refresh();
}

function uploadForm(d, done) {
  const input = h('input', { type: 'file', name: 'file', id: 'upload-files', multiple: true });
  const progress = h('ul', { id: 'upload-progress', class: 'progress-list', 'aria-live': 'polite' });
  const form = h('form', { id: 'upload', class: 'card' },
    h('h2', {}, 'Upload documents'),
    h('div', { class: 'field' }, h('label', { for: 'upload-files' }, 'Files (txt, md, html, csv, json, xml, yaml, pdf, docx)'), input),
    h('button', { type: 'submit', class: 'primary' }, 'Upload'), progress);
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const files = [...input.files];
    if (!files.length) { progress.replaceChildren(h('li', { class: 'failed' }, 'Choose one or more files first.')); return; }
    clear(progress);
    const button = form.querySelector('button');
    button.disabled = true;
    // One at a time keeps the per-file progress honest and the appliance's ingestion queue short.
    for (const file of files) {
      const bar = h('progress', { max: 100, value: 0, 'aria-label': `Upload of ${file.name}` });
      const note = h('span', { class: 'note' }, 'uploading');
      const li = h('li', { dataset: { file: file.name } }, h('span', { class: 'name' }, file.name), bar, note);
      progress.append(li);
      try {
        const doc = await upload(`/v1/datasets/${encodeURIComponent(d.id)}/documents`, file, f => { bar.value = Math.round(f * 100); });
        bar.value = 100;
        note.textContent = `uploaded, ${doc.status}`;
        li.classList.add('done');
      } catch (err) {
        note.textContent = `failed: ${err.message}`;
        li.classList.add('failed');
      }
      await done();
    }
    button.disabled = false;
    form.querySelector('input').value = '';
  });
  return form;
}
