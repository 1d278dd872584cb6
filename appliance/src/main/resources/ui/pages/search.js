import { h, clear, field, showErrors, status } from '../dom.js';
import { call } from '../api.js';

export async function searchPage(main, { query }) {
  const datasets = (await call('GET', '/v1/datasets?limit=100&sort=name')).items;
  main.append(h('h1', {}, 'Search'));
  if (!datasets.length) { main.append(status('There are no datasets to search yet.')); return; }
  const dataset = h('select', { name: 'dataset_id' }, datasets.map(d =>
    h('option', { value: d.id, selected: d.id === query.get('dataset') }, d.name)));
  const q = h('input', { name: 'query', type: 'search', required: true, maxlength: 10000, autocomplete: 'off' });
  const mode = h('select', { name: 'mode' },
    h('option', { value: 'hybrid' }, 'Hybrid (meaning and words)'),
    h('option', { value: 'semantic' }, 'Semantic (meaning)'),
    h('option', { value: 'keyword' }, 'Keyword (BM25)'));
  const limit = h('input', { name: 'limit', type: 'number', min: 1, max: 50, value: 5 });
  const filters = h('input', { name: 'filters', autocomplete: 'off', placeholder: '{"team": "security"}' });
  const results = h('div', { id: 'results', 'aria-live': 'polite' });
  const form = h('form', { id: 'search', class: 'card', role: 'search' },
    field('Dataset', dataset), field('Query', q),
    h('div', { class: 'row' }, field('Mode', mode), field('Results', limit)),
    field('Metadata filters (JSON, optional)', filters, 'Every key must match, e.g. {"year": {"gte": 2024}}. See the API reference.'),
    h('button', { type: 'submit', class: 'primary' }, 'Search'),
    h('p', { class: 'form-error', role: 'alert' }));
  main.append(form, results);

  form.addEventListener('submit', async e => {
    e.preventDefault();
    const body = { query: q.value, mode: mode.value, limit: Number(limit.value) };
    if (filters.value.trim()) {
      try { body.filters = JSON.parse(filters.value); } catch (err) {
        showErrors(form, { details: [{ field: 'filters', message: 'is not valid JSON' }] });
        return;
      }
    }
    clear(results).append(status('Searching…'));
    try {
      const out = await call('POST', `/v1/datasets/${encodeURIComponent(dataset.value)}/query`, body);
      showErrors(form, { details: [], message: '' });
      clear(results).append(
        h('p', { class: 'meta' }, `${out.results.length} result${out.results.length === 1 ? '' : 's'} in ${out.query_time_ms} ms (${out.mode})`),
        h('ol', { class: 'results' }, out.results.map(r => h('li', { class: 'result', dataset: { chunk: r.chunk_id } },
          h('p', { class: 'passage' }, marked(r.content, q.value)),
          h('p', { class: 'meta' }, h('span', { class: 'score' }, `score ${r.score.toFixed(4)}`), ' · ',
            h('a', { href: `#/datasets/${encodeURIComponent(dataset.value)}/documents/${encodeURIComponent(r.document_id)}` },
              `document ${r.document_id}`))))));
    } catch (err) {
      clear(results);
      showErrors(form, err);
    }
  });
  q.focus();
}

/** The passage with the query's words marked; built from text nodes, never parsed as HTML. */
function marked(text, query) {
  const words = [...new Set(query.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) || [])];
  if (!words.length) return text;
  // whole words and their beginnings ("vacation" marks "vacations", "days" not "holidays")
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(${words.map(w => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'giu');
  return text.split(pattern).map((part, i) => (i % 2 === 1 ? h('mark', {}, part) : part));
}
