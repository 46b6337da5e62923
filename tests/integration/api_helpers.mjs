// Helpers for tests of the JSON API (/api/v1): keys made with the CLI, and a client that
// sends JSON with a bearer key and returns status, headers and the parsed body.

// Creates an API key with `consentd apikey create`; returns { id, secret }.
export function apiKey(server, { tenant = 'demo', scope = 'write', name = 'CRM-Sync' } = {}) {
  const out = server.cli('apikey', 'create', '--tenant', tenant, '--name', name, '--scope', scope);
  const id = out.match(/API key (\d+)/);
  const secret = out.match(/^(cdk_\S+)$/m);
  if (!id || !secret) throw new Error(`no key in: ${out}`);
  return { id: Number(id[1]), secret: secret[1] };
}

export class ApiClient {
  constructor(server, secret) {
    this.server = server;
    this.secret = secret;
  }

  // Sends `body` (an object as JSON; a string as it is) and answers
  // { status, headers, body (text), json (parsed or null) }.
  async request(method, path, { body, headers = {}, contentType = 'application/json' } = {}) {
    const h = { ...headers };
    if (this.secret) h.authorization = `Bearer ${this.secret}`;
    if (body !== undefined) h['content-type'] = contentType;
    const res = await fetch(this.server.url(path), {
      method, headers: h, redirect: 'manual',
      body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
    });
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }
    return { status: res.status, headers: res.headers, body: text, json };
  }

  get(path, options) { return this.request('GET', path, options); }
  post(path, body, options = {}) { return this.request('POST', path, { ...options, body }); }
  patch(path, body, options = {}) { return this.request('PATCH', path, { ...options, body }); }
  put(path, body, options = {}) { return this.request('PUT', path, { ...options, body }); }
  delete(path, options) { return this.request('DELETE', path, options); }
}
