// Passkey ceremonies for Portcullis: creating a passkey, logging in with one (button and
// browser autofill), and confirming it's you. The server keeps each ceremony's state; this
// script only carries the options to the browser's WebAuthn API and the answer back.
'use strict';

(() => {
  const supported = typeof window.PublicKeyCredential === 'function';

  const toBytes = (b64url) => {
    const b64 = b64url.replace(/-/g, '+').replace(/_/g, '/');
    const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  };
  const toB64url = (buffer) => {
    const bytes = new Uint8Array(buffer);
    let raw = '';
    for (const b of bytes) raw += String.fromCharCode(b);
    return btoa(raw).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };

  const csrf = () => document.querySelector('input[name="csrf"]')?.value ?? '';

  // The page's words, in the reader's language (data-msg-* on the error box).
  const words = (name, fallback) =>
    document.querySelector('[data-passkey-error]')?.getAttribute(`data-msg-${name}`) || fallback;

  async function post(path, body) {
    const response = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() },
      body: JSON.stringify(body),
    });
    let data = {};
    try { data = await response.json(); } catch { /* not JSON */ }
    if (!response.ok) {
      throw new Error(data.error || `${words('failed', 'Something went wrong. Reload the page and try again.')} (${response.status})`);
    }
    return data;
  }

  function creationOptions(options) {
    const pk = structuredClone(options.publicKey);
    pk.challenge = toBytes(pk.challenge);
    pk.user.id = toBytes(pk.user.id);
    for (const c of pk.excludeCredentials ?? []) c.id = toBytes(c.id);
    return pk;
  }

  function requestOptions(options) {
    const pk = structuredClone(options.publicKey);
    pk.challenge = toBytes(pk.challenge);
    for (const c of pk.allowCredentials ?? []) c.id = toBytes(c.id);
    return pk;
  }

  const extensions = (credential) => {
    try { return credential.getClientExtensionResults(); } catch { return {}; }
  };

  function registrationJson(credential) {
    return {
      id: credential.id,
      rawId: toB64url(credential.rawId),
      type: credential.type,
      response: {
        attestationObject: toB64url(credential.response.attestationObject),
        clientDataJSON: toB64url(credential.response.clientDataJSON),
        transports: credential.response.getTransports ? credential.response.getTransports() : undefined,
      },
      extensions: extensions(credential),
    };
  }

  function assertionJson(credential) {
    const r = credential.response;
    return {
      id: credential.id,
      rawId: toB64url(credential.rawId),
      type: credential.type,
      response: {
        authenticatorData: toB64url(r.authenticatorData),
        clientDataJSON: toB64url(r.clientDataJSON),
        signature: toB64url(r.signature),
        userHandle: r.userHandle ? toB64url(r.userHandle) : null,
      },
      extensions: extensions(credential),
    };
  }

  function showError(root, message) {
    const box = root.querySelector('[data-passkey-error]');
    if (!box) return;
    box.textContent = message;
    box.hidden = !message;
  }

  const cancelled = (e) => e && (e.name === 'NotAllowedError' || e.name === 'AbortError');

  // Creating a passkey (Security and login details → Create a new passkey).
  function setUpRegistration(form) {
    const button = form.querySelector('[data-passkey-button]');
    if (!supported) {
      showError(form, words('unsupported', 'This browser does not support passkeys.'));
      button.disabled = true;
      return;
    }
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      showError(form, '');
      button.disabled = true;
      try {
        const started = await post(form.dataset.optionsUrl || '/security/passkeys/options', {});
        const credential = await navigator.credentials.create({ publicKey: creationOptions(started.options) });
        const done = await post(form.dataset.finishUrl || '/security/passkeys', {
          ceremony: started.ceremony,
          name: form.querySelector('[name="name"]').value,
          credential: registrationJson(credential),
        });
        window.location.assign(done.redirect);
      } catch (e) {
        showError(form, cancelled(e)
          ? words('not-created', 'No passkey was created. Try again when you are ready.')
          : (e.name === 'InvalidStateError' ? words('exists', 'This device already has a passkey for you.') : e.message));
        button.disabled = false;
      }
    });
  }

  // Logging in: the button (a modal prompt) and browser autofill (conditional mediation).
  function setUpLogin(root) {
    const button = root.querySelector('[data-passkey-button]');
    if (!supported) {
      root.hidden = true;
      return;
    }
    // The autofill request that is waiting, if any: the button cancels it before its own.
    // While it waits, a hint says where the browser offers the passkeys.
    let autofill = null;
    const autofillHint = root.querySelector('[data-passkey-autofill]');
    const showAutofillHint = (shown) => { if (autofillHint) autofillHint.hidden = !shown; };

    async function run(signal) {
      const started = await post('/login/passkey/options', {});
      if (signal?.aborted) return;
      const request = { publicKey: requestOptions(started.options) };
      if (signal) {
        request.mediation = 'conditional';
        request.signal = signal;
      }
      showAutofillHint(Boolean(signal));
      let credential;
      try {
        credential = await navigator.credentials.get(request);
      } finally {
        showAutofillHint(false);
      }
      const done = await post('/login/passkey', {
        ceremony: started.ceremony,
        credential: assertionJson(credential),
      });
      window.location.assign(done.redirect);
    }

    button.addEventListener('click', async () => {
      showError(root, '');
      autofill?.abort();
      autofill = null;
      button.disabled = true;
      try {
        await run(null);
      } catch (e) {
        if (!cancelled(e)) showError(root, e.message);
        button.disabled = false;
        startAutofill();
      }
    });

    async function startAutofill() {
      const controller = new AbortController();
      autofill = controller;
      try {
        if (!(await PublicKeyCredential.isConditionalMediationAvailable?.())) return;
        if (controller.signal.aborted) return;
        await run(controller.signal);
      } catch (e) {
        if (!cancelled(e) && !controller.signal.aborted) showError(root, e.message);
      }
    }
    startAutofill();
  }

  // Confirming it's you with a passkey (re-authentication).
  function setUpReauth(root) {
    const button = root.querySelector('[data-passkey-button]');
    if (!supported) {
      root.hidden = true;
      return;
    }
    button.addEventListener('click', async () => {
      showError(root, '');
      button.disabled = true;
      try {
        const started = await post(root.dataset.optionsUrl || '/reauth/passkey/options', {});
        const credential = await navigator.credentials.get({ publicKey: requestOptions(started.options) });
        const done = await post(root.dataset.finishUrl || '/reauth/passkey', {
          ceremony: started.ceremony,
          credential: assertionJson(credential),
          next: root.dataset.next || '/',
        });
        window.location.assign(done.redirect);
      } catch (e) {
        if (!cancelled(e)) showError(root, e.message);
        button.disabled = false;
      }
    });
  }

  document.querySelectorAll('[data-passkey-register]').forEach(setUpRegistration);
  document.querySelectorAll('[data-passkey-login]').forEach(setUpLogin);
  document.querySelectorAll('[data-passkey-reauth]').forEach(setUpReauth);
})();
