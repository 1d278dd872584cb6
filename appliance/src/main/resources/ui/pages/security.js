import { h, clear, when, field, showErrors, status, thead } from '../dom.js';
import { call } from '../api.js';

export async function securityPage(main) {
  const view = h('div', { id: 'key-status' });
  // outside the view, which is drawn again after a rotation: the outcome must stay on screen
  const progress = h('p', { id: 'rotate-progress', role: 'status' });
  main.append(h('h1', {}, 'Keys and HSM'), view, progress);

  async function refresh() {
    const k = await call('GET', '/v1/system/keys');
    const activeKek = k.keks.find(x => x.state === 'active');
    const rotations = [...k.keks.map(x => x.created_at), ...k.deks.map(x => x.created_at)].sort();
    clear(view).append(
      h('dl', { class: 'facts' },
        h('dt', {}, 'State'), h('dd', { id: 'seal-state', class: k.state === 'UNSEALED' ? 'ok' : 'bad' }, k.state === 'UNSEALED' ? 'Unsealed' : `Sealed (${k.state})`),
        h('dt', {}, 'HSM token'), h('dd', {}, k.token_label),
        h('dt', {}, 'Key-encryption key'), h('dd', { id: 'kek-label' }, k.kek_label,
          activeKek ? ` (version ${k.keks.length}, since ${when(activeKek.created_at)})` : ''),
        h('dt', {}, 'Last rotation'), h('dd', { id: 'last-rotation' }, when(rotations[rotations.length - 1])),
        h('dt', {}, 'Cryptography'), h('dd', { id: 'crypto' },
          `${k.crypto.provider}${k.crypto.approved_only ? ', approved-only mode' : ''}, native AES ${k.crypto.native_aes ? `on (${k.crypto.variant})` : 'off'}`)),
      h('h2', {}, 'Key-encryption keys'),
      h('table', {}, thead('Label', 'State', 'Created'),
        h('tbody', {}, k.keks.map(x => h('tr', {}, h('td', {}, x.label), h('td', {}, x.state), h('td', {}, when(x.created_at)))))),
      h('h2', {}, 'Data keys'),
      h('table', { id: 'deks' }, thead('Purpose', 'Version', 'State', 'Wrapped by', 'Created'),
        h('tbody', {}, k.deks.map(x => h('tr', {}, h('td', {}, x.purpose), h('td', {}, String(x.version)), h('td', {}, x.state),
          h('td', {}, x.kek_label), h('td', {}, when(x.created_at)))))),
      rotateForm(k, refresh, progress));
  }
  try {
    await refresh();
  } catch (err) {
    if (err.status !== 403) throw err;
    // Keys, seal and rotations are appliance-wide: the operator's, never an organization's.
    clear(view).append(h('p', { id: 'operator-only', class: 'card' },
      'Keys, the HSM and rotations are appliance-wide and belong to the appliance operator, not to an organization. ',
      'On the host, run "strongroom keys status"; the operator API key is in bootstrap/operator-api-key ',
      '(more with "strongroom keys grant-operator").'));
  }
}

function rotateForm(k, done, progress) {
  const purposes = [...new Set(k.deks.map(x => x.purpose))];
  const what = h('select', { name: 'target' },
    h('option', { value: 'kek' }, 'Key-encryption key (re-wrap every data key under a new KEK in the HSM)'),
    purposes.map(p => h('option', { value: `dek:${p}` }, `Data key "${p}" (new version for new data)`)));
  const label = h('input', { name: 'kek_label', maxlength: 120, placeholder: 'strongroom-kek-2027', autocomplete: 'off' });
  const form = h('form', { id: 'rotate', class: 'card' }, h('h2', {}, 'Rotate'),
    field('What to rotate', what), field('New KEK label (for a KEK rotation)', label, 'The new key is generated inside the HSM; it never leaves it.'),
    h('button', { type: 'submit', class: 'primary' }, 'Rotate'), h('p', { class: 'form-error', role: 'alert' }));
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const body = what.value === 'kek' ? { kek_label: label.value.trim() } : { dek_purpose: what.value.slice(4) };
    if (what.value === 'kek' && !body.kek_label) { showErrors(form, { details: [{ field: 'kek_label', message: 'Give the new KEK a label.' }] }); return; }
    if (!window.confirm('Rotate now? Every rotation is recorded in the audit trail.')) return;
    const button = form.querySelector('button');
    button.disabled = true;
    progress.textContent = 'Rotating… the HSM is re-wrapping keys.';
    try {
      const out = await call('POST', '/v1/system/keys/rotate', body);
      progress.textContent = out.kek_label ? `Done: ${out.rewrapped_keys} keys now wrapped by ${out.kek_label}.` : `Done: data key "${out.dek_purpose}" is at version ${out.version}.`;
      await done();
    } catch (err) { progress.textContent = ''; showErrors(form, err); } finally { button.disabled = false; }
  });
  return form;
}
