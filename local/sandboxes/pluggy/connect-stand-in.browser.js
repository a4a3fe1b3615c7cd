/*
 * Pluggy Connect stand-in for the local sandbox (served as /connect/pluggy-connect.js). Same page-facing API
 * as pluggy-connect-sdk (https://www.npmjs.com/package/pluggy-connect-sdk): new PluggyConnect({ connectToken,
 * includeSandbox, updateItem, connectorIds, connectorTypes, countries, onSuccess, onError, onClose, onEvent })
 * with init() / show() / hide() / destroy(). Like the real widget it talks to the API with the connect
 * token: lists connectors, creates (or updates) the Item, asks for MFA, shows the Open Finance authorization
 * link, polls the Item, and calls onSuccess({ item }) once the Item is UPDATED.
 */
(() => {
  const base = new URL(document.currentScript.src).origin;
  const STYLE_ID = 'pluggy-local-connect-style';
  const css = `
  .plc-backdrop{position:fixed;inset:0;background:rgba(17,24,39,.55);display:flex;align-items:center;justify-content:center;z-index:2147483000;font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif}
  .plc-modal{background:#fff;color:#111827;width:390px;max-width:92vw;border-radius:16px;box-shadow:0 20px 60px rgba(0,0,0,.35);padding:22px;position:relative;border-top:6px solid #ef294b}
  .plc-modal h2{font-size:18px;margin:0 0 4px}.plc-modal p{margin:0 0 12px;color:#4b5563}
  .plc-brand{font-size:11px;letter-spacing:.08em;text-transform:uppercase;color:#ef294b;margin-bottom:10px;font-weight:700}
  .plc-close{position:absolute;top:10px;right:12px;border:0;background:none;font-size:20px;cursor:pointer;color:#6b7280}
  .plc-list{display:flex;flex-direction:column;gap:6px}
  .plc-list button{text-align:left;padding:10px 12px;border:1px solid #e5e7eb;border-radius:10px;background:#fafafa;cursor:pointer}
  .plc-list button:hover{border-color:#ef294b}
  .plc-modal label{display:block;font-size:12px;color:#374151;margin:8px 0 3px}
  .plc-modal input{width:100%;box-sizing:border-box;padding:9px 10px;border:1px solid #d1d5db;border-radius:8px}
  .plc-primary{display:block;text-align:center;text-decoration:none;margin-top:14px;width:100%;box-sizing:border-box;padding:10px;border:0;border-radius:10px;background:#ef294b;color:#fff;font-weight:600;cursor:pointer}
  .plc-hint{font-size:12px;color:#6b7280;margin-top:8px}.plc-error{color:#b91c1c;font-weight:600}`;
  const FINISHED_OK = new Set(['UPDATED']);
  const FINISHED_BAD = new Set(['LOGIN_ERROR', 'OUTDATED']);

  function element(tag, attributes, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (name === 'text') node.textContent = value;
      else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value);
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  class PluggyConnect {
    constructor(options) {
      if (!options || typeof options.connectToken !== 'string') throw new Error('PluggyConnect: connectToken is required');
      this.options = options;
      this.backdrop = null;
      this.item = null;
      this.lastPrompt = null;
    }

    async api(method, path, body) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { 'x-api-key': this.options.connectToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = await response.json();
      if (!response.ok) throw Object.assign(new Error(json.message || `HTTP ${response.status}`), { data: json });
      return json;
    }

    event(type, extra) {
      if (this.options.onEvent) this.options.onEvent({ event: type, timestamp: Date.now(), ...extra });
    }

    frame(title, subtitle, body) {
      const modal = element('div', { class: 'plc-modal', role: 'dialog', 'aria-label': 'Pluggy Connect (local sandbox)' }, [
        element('button', { class: 'plc-close', 'aria-label': 'Close Pluggy Connect', text: '×', onclick: () => this.close() }),
        element('div', { class: 'plc-brand', text: 'Pluggy Connect · local sandbox' }),
        element('h2', { text: title }),
        element('p', { text: subtitle }),
        body,
      ]);
      this.backdrop.replaceChildren(modal);
    }

    async init() {
      if (!document.getElementById(STYLE_ID)) document.head.append(element('style', { id: STYLE_ID, text: css }));
      this.backdrop = element('div', { class: 'plc-backdrop', 'data-pluggy-connect': 'local' });
      document.body.append(this.backdrop);
      this.event('OPEN');
      try {
        if (this.options.updateItem) {
          this.item = await this.api('GET', `/items/${encodeURIComponent(this.options.updateItem)}`);
          this.credentials(this.item.connector);
        } else {
          const query = new URLSearchParams();
          if (this.options.includeSandbox) query.set('sandbox', 'true');
          const connectors = (await this.api('GET', `/connectors?${query}`)).results;
          const allowed = this.options.connectorIds ? connectors.filter((connector) => this.options.connectorIds.includes(connector.id)) : connectors;
          this.pickConnector(allowed);
        }
      } catch (error) {
        this.fail(error);
      }
    }

    show() { if (this.backdrop) this.backdrop.style.display = 'flex'; }
    hide() { if (this.backdrop) this.backdrop.style.display = 'none'; }
    destroy() {
      if (this.backdrop) this.backdrop.remove();
      this.backdrop = null;
      this.stopped = true;
    }

    close() {
      this.destroy();
      if (this.options.onClose) this.options.onClose();
    }

    pickConnector(connectors) {
      this.frame('Choose your institution', 'Sandbox connectors', element('div', { class: 'plc-list' },
        connectors.map((connector) => element('button', { type: 'button', 'data-connector': String(connector.id), text: connector.name, onclick: () => {
          this.event('SELECTED_INSTITUTION', { connector });
          this.credentials(connector);
        } })),
      ));
    }

    credentials(connector) {
      const defaults = { user: 'user-ok', password: 'password-ok', cpf: '761.092.776-73' };
      const inputs = connector.credentials.map((credential) => ({
        credential,
        input: element('input', { name: credential.name, type: credential.type === 'password' ? 'password' : 'text', value: defaults[credential.name] || '', placeholder: credential.placeholder || '' }),
      }));
      const form = element('form', { onsubmit: (submitted) => {
        submitted.preventDefault();
        const parameters = Object.fromEntries(inputs.map(({ credential, input }) => [credential.name, input.value]));
        void this.submit(connector, parameters);
      } }, [
        ...inputs.flatMap(({ credential, input }) => [element('label', { text: credential.label || credential.name }), input]),
        element('button', { class: 'plc-primary', type: 'submit', text: this.item ? 'Update' : 'Connect' }),
        element('div', { class: 'plc-hint', text: 'user-ok / password-ok; MFA token 123456.' }),
      ]);
      this.frame(connector.name, this.item ? 'Update your credentials' : 'Enter your credentials', form);
    }

    async submit(connector, parameters) {
      this.frame(connector.name, 'Connecting…', element('div', { class: 'plc-hint', text: 'Please wait' }));
      try {
        this.item = this.item
          ? await this.api('PATCH', `/items/${this.item.id}`, { parameters })
          : await this.api('POST', '/items', { connectorId: connector.id, parameters });
        this.event('ITEM_RESPONSE', { item: this.item });
        await this.follow();
      } catch (error) {
        this.fail(error);
      }
    }

    async follow() {
      while (!this.stopped) {
        const item = (this.item = await this.api('GET', `/items/${this.item.id}`));
        if (FINISHED_OK.has(item.status)) return this.succeed(item);
        if (FINISHED_BAD.has(item.status)) {
          return this.fail(Object.assign(new Error(item.error?.message || item.executionStatus || item.status), { data: { item } }));
        }
        if (item.status === 'WAITING_USER_INPUT' && item.parameter && this.lastPrompt !== item.parameter.name + item.updatedAt) {
          this.lastPrompt = item.parameter.name + item.updatedAt;
          return this.askMfa(item);
        }
        if (item.status === 'WAITING_USER_ACTION' && item.userAction) this.showAuthorization(item);
        await new Promise((resolve) => setTimeout(resolve, 700));
      }
    }

    askMfa(item) {
      const prompt = item.parameter;
      const input = element('input', { name: prompt.name, type: 'text', placeholder: prompt.placeholder || '', autocomplete: 'one-time-code' });
      const form = element('form', { onsubmit: async (submitted) => {
        submitted.preventDefault();
        this.frame(item.connector.name, 'Checking the code…', element('div', { class: 'plc-hint', text: 'Please wait' }));
        try {
          this.item = await this.api('POST', `/items/${item.id}/mfa`, { [prompt.name]: input.value });
          await this.follow();
        } catch (error) {
          this.fail(error);
        }
      } }, [
        element('label', { text: prompt.label || prompt.name }), input,
        element('button', { class: 'plc-primary', type: 'submit', text: 'Send code' }),
        element('div', { class: 'plc-hint', text: prompt.assistiveText || 'Sandbox token: 123456' }),
      ]);
      this.frame(item.connector.name, 'Your bank asks for a verification code', form);
    }

    showAuthorization(item) {
      if (this.backdrop?.querySelector('[data-authorize]')) return;
      const url = item.userAction.attributes && item.userAction.attributes.url;
      this.frame(item.connector.name, item.userAction.instructions || 'Authorize access at your bank', element('div', {}, [
        element('a', { class: 'plc-primary', 'data-authorize': 'true', href: url, target: '_blank', rel: 'noopener', text: 'Authorize at your bank' }),
        element('div', { class: 'plc-hint', text: 'Waiting for the authorization…' }),
      ]));
    }

    succeed(item) {
      this.destroy();
      this.event('ITEM_SUCCESS', { item });
      if (this.options.onSuccess) this.options.onSuccess({ item });
    }

    fail(error) {
      const payload = { message: error.message, data: error.data || null };
      this.event('ERROR', payload);
      if (this.backdrop) {
        this.frame('Could not connect', payload.message, element('button', { class: 'plc-primary', type: 'button', text: 'Close', onclick: () => this.close() }));
      }
      if (this.options.onError) this.options.onError(payload);
    }
  }

  window.PluggyConnect = PluggyConnect;
})();
