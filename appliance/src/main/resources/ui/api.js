// The page talks to the same /v1 API as every other client, with the session cookie and, on
// writes, the session's CSRF token.
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `The appliance answered ${status}.`);
    this.status = status;
    this.code = body && body.error;
    this.details = (body && body.details) || [];
  }
}

let csrf = null;
export function setCsrf(token) { csrf = token; }

export async function call(method, path, body, headers = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, credentials: 'same-origin' };
  if (method !== 'GET' && method !== 'HEAD') init.headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, { message: 'The appliance cannot be reached. Check the connection and try again.' });
  }
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
  if (res.status === 401 && path !== '/auth/session') {
    window.dispatchEvent(new CustomEvent('strongroom:signed-out'));
  }
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

/** Uploads one file with progress (fetch has no upload progress, XMLHttpRequest does). */
export function upload(path, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', e => { if (e.lengthComputable) onProgress(e.loaded / e.total); });
    xhr.addEventListener('load', () => {
      let json = null;
      try { json = JSON.parse(xhr.responseText); } catch (e) { json = null; }
      if (xhr.status >= 200 && xhr.status < 300) resolve(json);
      else reject(new ApiError(xhr.status, json));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, { message: 'The upload was interrupted.' })));
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

export const ROLES = ['viewer', 'developer', 'admin', 'owner'];
export function atLeast(session, role) {
  return ROLES.indexOf(session.role) >= ROLES.indexOf(role);
}
