/*
 * Plaid Link stand-in for the local sandbox (served as /link-local/link-initialize.js). Same page-facing API as
 * Plaid's script (https://plaid.com/docs/link/web/): Plaid.create({ token, onSuccess, onExit, onEvent,
 * onLoad }) → { open, exit, destroy }. onSuccess(public_token, metadata) gets the institution, the selected
 * accounts and a link_session_id; onExit(error, metadata) gets Plaid's error object (or null when the user
 * simply closed Link). The UI is drawn into the page in a modal, talking to the sandbox that served it.
 */
(() => {
  const base = new URL(document.currentScript.src).origin;
  const STYLE_ID = 'plaid-local-link-style';
  const css = `
  .pll-backdrop{position:fixed;inset:0;background:rgba(15,23,42,.55);display:flex;align-items:center;justify-content:center;z-index:2147483000;font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif}
  .pll-modal{background:#fff;color:#111827;width:380px;max-width:92vw;border-radius:14px;box-shadow:0 20px 60px rgba(0,0,0,.35);padding:22px 22px 18px;position:relative}
  .pll-modal h2{font-size:18px;margin:0 0 4px}.pll-modal p{margin:0 0 12px;color:#4b5563}
  .pll-brand{font-size:11px;letter-spacing:.08em;text-transform:uppercase;color:#6b7280;margin-bottom:10px}
  .pll-close{position:absolute;top:10px;right:12px;border:0;background:none;font-size:20px;cursor:pointer;color:#6b7280}
  .pll-list{display:flex;flex-direction:column;gap:6px;max-height:300px;overflow:auto}
  .pll-list button{text-align:left;padding:10px 12px;border:1px solid #e5e7eb;border-radius:10px;background:#f9fafb;cursor:pointer}
  .pll-list button:hover{border-color:#111827}
  .pll-modal label{display:block;font-size:12px;color:#374151;margin:8px 0 3px}
  .pll-modal input[type=text],.pll-modal input[type=password]{width:100%;box-sizing:border-box;padding:9px 10px;border:1px solid #d1d5db;border-radius:8px}
  .pll-primary{margin-top:14px;width:100%;padding:10px;border:0;border-radius:10px;background:#111827;color:#fff;font-weight:600;cursor:pointer}
  .pll-hint{font-size:12px;color:#6b7280;margin-top:8px}.pll-error{color:#b91c1c;font-weight:600}
  .pll-account{display:flex;gap:8px;align-items:center;padding:8px 10px;border:1px solid #e5e7eb;border-radius:10px;margin-bottom:6px}`;

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

  function create(config) {
    if (!config || typeof config.token !== 'string') throw new Error('Plaid.create: token is required');
    const linkSessionId = (crypto.randomUUID && crypto.randomUUID()) || String(Date.now());
    let backdrop = null;
    let session = null;
    let chosen = null;
    const event = (name, metadata) => config.onEvent && config.onEvent(name, { link_session_id: linkSessionId, timestamp: new Date().toISOString(), ...metadata });

    function frame(title, subtitle, body) {
      const modal = element('div', { class: 'pll-modal', role: 'dialog', 'aria-label': 'Plaid Link (local sandbox)' }, [
        element('button', { class: 'pll-close', 'aria-label': 'Close Link', text: '×', onclick: () => close(null, 'requires_credentials') }),
        element('div', { class: 'pll-brand', text: 'Plaid Link · local sandbox' }),
        element('h2', { text: title }),
        element('p', { text: subtitle }),
        body,
      ]);
      backdrop.replaceChildren(modal);
    }

    function close(error, status) {
      destroy();
      event('EXIT', { exit_status: status || null });
      if (config.onExit) config.onExit(error, { status: status || null, institution: chosen, link_session_id: linkSessionId, request_id: null });
    }

    function destroy() {
      if (backdrop) backdrop.remove();
      backdrop = null;
    }

    function pickInstitution() {
      frame('Select your bank', 'Sandbox institutions', element('div', { class: 'pll-list' },
        session.institutions.map((institution) => element('button', { type: 'button', 'data-institution': institution.institution_id, text: institution.name, onclick: () => {
          chosen = institution;
          event('SELECT_INSTITUTION', { institution_id: institution.institution_id, institution_name: institution.name });
          credentials();
        } })),
      ));
    }

    function credentials() {
      const username = element('input', { type: 'text', name: 'username', value: 'user_good', autocomplete: 'off' });
      const password = element('input', { type: 'password', name: 'password', value: 'pass_good', autocomplete: 'off' });
      const form = element('form', { onsubmit: (submitted) => {
        submitted.preventDefault();
        submit(username.value, password.value);
      } }, [
        element('label', { text: 'Username' }), username,
        element('label', { text: 'Password' }), password,
        element('button', { class: 'pll-primary', type: 'submit', text: session.mode === 'update' ? 'Re-connect' : 'Submit' }),
        element('div', { class: 'pll-hint', text: 'user_good / pass_good; error_<CODE> (e.g. error_ITEM_LOCKED) fails with that code.' }),
      ]);
      frame(chosen.name, session.mode === 'update' ? 'Your login needs to be updated' : 'Enter your credentials', form);
    }

    async function submit(username, password) {
      frame(chosen.name, 'Connecting…', element('div', { class: 'pll-hint', text: 'Please wait' }));
      const response = await fetch(`${base}/link-local/complete`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ link_token: config.token, institution_id: chosen.institution_id, username, password }),
      });
      const body = await response.json();
      if (!response.ok) {
        event('ERROR', { error_code: body.error_code, error_type: body.error_type });
        const error = { error_type: body.error_type, error_code: body.error_code, error_message: body.error_message, display_message: body.display_message };
        frame('Something went wrong', body.display_message || body.error_message || 'The bank refused the login',
          element('div', {}, [
            element('p', { class: 'pll-error', text: body.error_code || 'ERROR' }),
            element('button', { class: 'pll-primary', type: 'button', text: 'Exit', onclick: () => close(error, 'institution_not_responding') }),
          ]));
        return;
      }
      if (session.mode === 'update') return succeed(body.public_token || '', body.metadata.accounts);
      selectAccounts(body);
    }

    function selectAccounts(completed) {
      const boxes = completed.metadata.accounts.map((account) => {
        const box = element('input', { type: 'checkbox', checked: 'checked', value: account.id });
        return { account, box };
      });
      frame('Select accounts', 'Choose the accounts to share', element('div', {}, [
        ...boxes.map(({ account, box }) => element('label', { class: 'pll-account' }, [box, `${account.name} ••${account.mask || ''}`])),
        element('button', { class: 'pll-primary', type: 'button', text: 'Continue', onclick: () => {
          const selected = boxes.filter(({ box }) => box.checked).map(({ account }) => account);
          if (selected.length === 0) return;
          succeed(completed.public_token, selected);
        } }),
      ]));
    }

    function succeed(publicToken, accounts) {
      destroy();
      event('HANDOFF', {});
      config.onSuccess(publicToken, {
        institution: { institution_id: chosen.institution_id, name: chosen.name },
        accounts,
        link_session_id: linkSessionId,
        transfer_status: null,
        public_token: publicToken,
      });
    }

    async function open() {
      if (!document.getElementById(STYLE_ID)) document.head.append(element('style', { id: STYLE_ID, text: css }));
      backdrop = element('div', { class: 'pll-backdrop', 'data-plaid-link': 'local' });
      document.body.append(backdrop);
      event('OPEN', {});
      const response = await fetch(`${base}/link-local/session?token=${encodeURIComponent(config.token)}`);
      const body = await response.json();
      if (!response.ok) return close(body, null);
      session = body;
      if (session.mode === 'update') {
        chosen = session.institution;
        credentials();
      } else {
        pickInstitution();
      }
    }

    if (config.onLoad) setTimeout(config.onLoad, 0);
    return { open: () => void open(), exit: () => close(null, null), destroy, submit: () => undefined };
  }

  window.Plaid = { create, version: 'local-sandbox' };
})();
