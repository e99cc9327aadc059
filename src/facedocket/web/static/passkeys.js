// Passkey ceremonies for FaceDocket's pages. The server makes every challenge and checks
// every answer (accounts/passkeys.py); this file only carries them between the server and
// the browser's WebAuthn API. Served from our own origin: the CSP allows no inline script.
"use strict";

function say(text) {
  const status = document.getElementById("passkey-status");
  if (status) status.textContent = text;
}

async function answerOf(response) {
  const body = await response.json();
  if (!response.ok) {
    const reasons = body.detail && body.detail.reasons ? body.detail.reasons.join(" ") : response.statusText;
    throw new Error(reasons);
  }
  return body;
}

async function addPasskey(button) {
  const csrf = document.querySelector('input[name="csrf_token"]').value;
  const name = document.getElementById("passkey-name").value || "passkey";
  const headers = { "X-CSRF-Token": csrf, "Content-Type": "application/json" };
  const options = await answerOf(await fetch("/api/v1/me/passkeys/options", { method: "POST", headers }));
  const made = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
  await answerOf(await fetch("/api/v1/me/passkeys", {
    method: "POST",
    headers,
    body: JSON.stringify({ name, credential: made.toJSON() }),
  }));
  window.location.assign("/account?done=passkey");
}

async function signIn(options, form) {
  const found = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
  form.querySelector('input[name="credential"]').value = JSON.stringify(found.toJSON());
  form.submit();
}

async function passwordless(form) {
  const body = new URLSearchParams({ form_token: form.querySelector('input[name="form_token"]').value });
  const options = await answerOf(await fetch("/login/passkey/options", { method: "POST", body }));
  await signIn(options, form);
}

function guarded(action) {
  return (event) => {
    event.preventDefault();
    say("Waiting for your passkey…");
    action().catch((error) => say("The passkey did not work: " + error.message));
  };
}

document.addEventListener("DOMContentLoaded", () => {
  const add = document.getElementById("passkey-add");
  if (add) add.addEventListener("click", guarded(() => addPasskey(add)));
  const form = document.getElementById("passkey-form");
  const alone = document.getElementById("passkey-sign-in");
  if (alone && form) alone.addEventListener("click", guarded(() => passwordless(form)));
  const second = document.getElementById("passkey-second");
  if (second && form) second.addEventListener("click", guarded(() => signIn(JSON.parse(second.dataset.options), form)));
});
