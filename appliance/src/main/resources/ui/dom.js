// Builds elements without innerHTML, so nothing from the API is ever parsed as markup.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

export function when(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** A labelled form field; the error slot next to it shows what the API said about this field. */
export function field(label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 10)}`;
  input.id = id;
  const error = h('p', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' });
  input.setAttribute('aria-describedby', `${id}-error`);
  return h('div', { class: 'field', dataset: { field: input.name || '' } },
    h('label', { for: id }, label), input, hint ? h('p', { class: 'hint' }, hint) : null, error);
}

/** Shows an API error next to the fields it names, or in the form's own message slot. */
export function showErrors(form, err) {
  for (const e of form.querySelectorAll('.field-error')) e.textContent = '';
  const slot = form.querySelector('.form-error');
  let placed = false;
  for (const d of err.details || []) {
    const f = form.querySelector(`[data-field="${CSS.escape(d.field || '')}"] .field-error`);
    if (f) { f.textContent = d.message; placed = true; }
  }
  if (slot) slot.textContent = placed ? '' : err.message;
}

export function status(text, kind = 'info') {
  return h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

/** A table head with column headers; `null` is the unnamed actions column (named for screen readers). */
export function thead(...titles) {
  return h('thead', {}, h('tr', {}, titles.map(t =>
    h('th', { scope: 'col' }, t === null ? h('span', { class: 'sr-only' }, 'Actions') : t))));
}
