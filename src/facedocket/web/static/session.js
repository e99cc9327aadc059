// A warning before the idle lock ends this browser's session (accounts/web_sessions.py),
// with a button that keeps it; and, once it has ended, words that say so and that what
// was typed on the page is still there (a form sent then is kept across signing in:
// web/kept.py). The server says how long the session has left, so activity in another
// tab counts; asking it does not count as activity. Without this script the page says
// how long an idle session lasts.
"use strict";

function warning() {
  return document.getElementById("session-warning");
}

function say(text) {
  document.getElementById("session-warning-text").textContent = text;
}

function inWords(seconds) {
  const whole = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(whole / 60);
  const rest = String(whole % 60).padStart(2, "0");
  return minutes ? `${minutes} min ${rest} s` : `${whole} s`;
}

async function secondsLeft(path, options) {
  const answer = await fetch(path, { headers: { Accept: "application/json" }, ...options });
  if (!answer.ok || answer.redirected) return null; // redirected: to the sign-in page
  return (await answer.json()).seconds_left;
}

const timer = {
  next: null,
  countdown: null,
  warnBefore() {
    const idle = Number(warning().dataset.idleMinutes) * 60;
    return Math.min(120, idle / 4);
  },
  after(seconds) {
    window.clearTimeout(this.next);
    this.next = window.setTimeout(() => this.check(), Math.max(seconds, 1) * 1000);
  },
  async check() {
    let left;
    try {
      left = await secondsLeft("/session/left");
    } catch {
      this.after(30); // the network, not the session: ask again soon
      return;
    }
    if (left === null) return this.ended();
    if (left > this.warnBefore() + 1) {
      this.quiet();
      this.after(left - this.warnBefore());
    } else {
      this.warn(left);
    }
  },
  warn(left) {
    const ends = Date.now() + left * 1000;
    say(`Your session ends in ${inWords(left)} unless you go on working: for criminal justice information, an idle session locks itself.`);
    const tell = () => {
      const now = (ends - Date.now()) / 1000;
      document.getElementById("session-countdown").textContent = `Time left: ${inWords(now)}`;
      if (now <= 0) {
        window.clearInterval(this.countdown);
        this.check();
      }
    };
    window.clearInterval(this.countdown);
    this.countdown = window.setInterval(tell, 1000);
    tell();
    warning().hidden = false;
    document.getElementById("session-keep").focus();
  },
  quiet() {
    window.clearInterval(this.countdown);
    warning().hidden = true;
  },
  ended() {
    window.clearInterval(this.countdown);
    document.getElementById("session-keep").hidden = true;
    document.getElementById("session-countdown").textContent = "";
    const signIn = document.getElementById("session-sign-in");
    signIn.href = `/login?why=idle&next=${encodeURIComponent(location.pathname + location.search)}`;
    signIn.hidden = false;
    say(`Your session has ended after ${warning().dataset.idleMinutes} minutes without activity. What you typed on this page is still here: if you send it, you sign in again and it is kept for you to send.`);
    warning().hidden = false;
  },
  async keep() {
    const csrf = document.querySelector('input[name="csrf_token"]').value;
    const left = await secondsLeft("/session/keep", { method: "POST", headers: { "X-CSRF-Token": csrf, Accept: "application/json" } });
    if (left === null) return this.ended();
    this.quiet();
    this.after(left - this.warnBefore());
  },
};

document.addEventListener("DOMContentLoaded", () => {
  if (!warning()) return;
  document.getElementById("session-keep").addEventListener("click", () => timer.keep());
  timer.check();
});
