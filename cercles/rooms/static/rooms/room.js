// The live room (docs/rooms.md, "The room page in the browser").
//
// The page is rendered by the server and works without this module: every command is a small POST form.
// This module makes it live:
// - a WebSocket (/ws/salles/<id>/) says "version N" (ids and numbers only); when N is newer than what is
//   shown, the module fetches the same page's server-rendered fragment (?fragment=1) and swaps it in, so
//   there is one renderer, the server's;
// - reconnects with exponential backoff and jitter, at once when the tab wakes up or the network comes back;
//   if the socket cannot open, polls the snapshot every 5 s ("Mode dégradé") and keeps retrying the socket;
//   each poll names the tab, so that the person counts as present while it polls;
// - command forms are sent with fetch; a refusal's French message is shown in an alert region;
// - the clock ticks locally from the phase's deadline and the server's clock (offset measured at every read),
//   and at the deadline of a phase that ends by itself, sends "deadline_reached" once;
// - phase changes, the speaker and "one minute left" are announced in a polite live region: never every
//   second, never by moving the focus;
// - drafts typed in artefact slots are saved on the server as people type (never in browser storage).
// No single-key shortcuts. CSP: this file is the only script of the room; no inline script, no eval.

const POLL_MS = 5000;
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30000;
const DEGRADE_AFTER_FAILURES = 2;
const PING_MS = 25000;
const OPEN_TIMEOUT_MS = 10000;
const SAVE_DELAY_MS = 800;
const WRITING_REREAD_MS = 20000;
const ONE_MINUTE = 60;

const parisClock = new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", hour: "2-digit", minute: "2-digit" });

function interpolate(template, values) {
  return (template || "").replace(/%\((\w+)\)s/g, (_, key) => (key in values ? String(values[key]) : ""));
}

function clockText(seconds) {
  const total = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  const two = (n) => String(n).padStart(2, "0");
  return hours ? `${hours}:${two(minutes)}:${two(secs)}` : `${two(minutes)}:${two(secs)}`;
}

// This tab's name while it polls (no WebSocket): the server counts the person present while it polls.
function newTabId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);  // works on plain http too, unlike crypto.randomUUID
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function isTextField(element) {
  return !!element && (element.tagName === "TEXTAREA" || (element.tagName === "INPUT" && element.type !== "hidden") || element.isContentEditable);
}

class Room {
  constructor(root) {
    this.root = root;
    this.mode = root.dataset.mode || "room";
    this.fragmentUrl = root.dataset.fragmentUrl;
    this.snapshotUrl = root.dataset.snapshotUrl;
    this.tabId = newTabId();
    this.commandUrl = root.dataset.commandUrl;
    this.socketPath = root.dataset.socketPath;
    const messages = document.getElementById("room-messages");
    this.text = messages ? JSON.parse(messages.textContent) : {};
    this.offsetMs = 0;
    this.socket = null;
    this.failures = 0;
    this.everConnected = false;
    this.retryTimer = null;
    this.pollTimer = null;
    this.pingTimer = null;
    this.refreshing = null;
    this.refreshAgain = false;
    this.stopped = false;
    this.sawMoreThanAMinute = new Set();
    this.minuteAnnounced = new Set();
    this.deadlineSent = new Set();
    this.pendingWriting = null;
    this.saveTimers = new Map();
    const live = this.live();
    this.shownVersion = live ? Number(live.dataset.version) : 0;
    if (live && live.dataset.serverNow) {
      this.offsetMs = Date.parse(live.dataset.serverNow) - Date.now();
    }
  }

  live() { return this.root.querySelector("[data-room-live]"); }
  writing() { return this.root.querySelector("[data-room-writing]"); }

  start() {
    this.root.addEventListener("submit", (event) => this.onSubmit(event));
    this.root.addEventListener("input", (event) => this.onInput(event));
    this.root.addEventListener("focusout", (event) => this.onFocusOut(event));
    document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") this.wake(); });
    window.addEventListener("online", () => this.wake());
    window.addEventListener("offline", () => this.setConnection("reconnecting"));
    window.addEventListener("pagehide", () => this.flushAllSaves(true));
    setInterval(() => this.tick(), 1000);
    // What others write in circle-visible slots sends no event (drafts are never broadcast): re-read
    // now and then while the step has writing to show.
    setInterval(() => {
      const writing = this.writing();
      if (document.visibilityState === "visible" && writing && writing.children.length) this.refresh();
    }, WRITING_REREAD_MS);
    this.tick();
    this.connect();
  }

  // --- connection -------------------------------------------------------------------------------

  setConnection(state) {
    const holder = this.root.querySelector("[data-connection]");
    if (!holder) return;
    const previous = holder.dataset.connection;
    holder.dataset.connection = state;
    const label = holder.querySelector("[data-connection-text]");
    const text = {
      connected: this.text.connected,
      reconnecting: this.text.reconnecting,
      degraded: this.text.degraded,
      refused: this.text.refused,
      connecting: this.text.connecting,
    }[state];
    if (label && text) label.textContent = text;
    // Said once when the link is lost and once when it is back; never at every retry.
    if (previous === "connected" && state !== "connected") this.announce(text);
    if ((previous === "reconnecting" || previous === "degraded") && state === "connected") this.announce(text);
  }

  connect() {
    if (this.stopped || !this.socketPath || !("WebSocket" in window)) {
      if (!this.stopped) this.degrade();
      return;
    }
    clearTimeout(this.retryTimer);
    if (!this.everConnected) this.setConnection("connecting");
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    let socket;
    try {
      socket = new WebSocket(scheme + window.location.host + this.socketPath);
    } catch (error) {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    // A socket that hangs while connecting (a proxy that swallows the upgrade) is given up and retried.
    const openTimer = setTimeout(() => { if (socket.readyState === WebSocket.CONNECTING) socket.close(); }, OPEN_TIMEOUT_MS);
    socket.addEventListener("open", () => {
      clearTimeout(openTimer);
      if (this.socket !== socket) return;
      this.everConnected = true;
      this.setConnection("connected");
      this.stopPolling();
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.send({ type: "ping" }), PING_MS);
      // A gap may have hidden versions: read again whatever the first event says.
      this.refresh();
    });
    socket.addEventListener("message", (event) => {
      if (this.socket !== socket) return;
      let message;
      try { message = JSON.parse(event.data); } catch (error) { return; }
      // Counted as working once the server has spoken: a socket that opens and dies at once (a proxy that
      // lets the upgrade through and cuts it) still ends in the degraded mode.
      this.failures = 0;
      if (message.type === "version" && Number(message.version) > this.shownVersion) this.refresh();
      if (message.type === "pong" && message.server_now) this.offsetMs = Date.parse(message.server_now) - Date.now();
    });
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      clearInterval(this.pingTimer);
      if (event.code === 4403) { this.refuse(); return; }
      this.scheduleReconnect();
    });
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  scheduleReconnect() {
    if (this.stopped) return;
    this.failures += 1;
    if (this.failures >= DEGRADE_AFTER_FAILURES) this.degrade();
    else this.setConnection("reconnecting");
    // Exponential backoff with jitter: a server restarting is not hit by every client at the same moment.
    const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (this.failures - 1));
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  degrade() {
    this.setConnection("degraded");
    if (!this.pollTimer) this.pollTimer = setInterval(() => this.poll(), POLL_MS);
  }

  stopPolling() {
    clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  wake() {
    if (this.stopped) return;
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.setConnection("connected");  // the socket outlived a short loss of the network
    } else if (!this.socket || this.socket.readyState > WebSocket.OPEN) {
      this.failures = Math.min(this.failures, DEGRADE_AFTER_FAILURES - 1);
      this.connect();
    }
    this.refresh();
  }

  refuse() {
    this.stopped = true;
    this.stopPolling();
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    if (this.socket) this.socket.close();
    this.setConnection("refused");
    this.showAlert(this.text.refused_long || this.text.refused);
  }

  async poll() {
    if (this.stopped) return;
    try {
      const started = Date.now();
      const url = new URL(this.snapshotUrl, window.location.href);
      url.searchParams.set("tab", this.tabId);
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" });
      if (response.status === 403 || response.status === 404) { this.refuse(); return; }
      if (!response.ok) return;
      const snapshot = await response.json();
      if (snapshot.server_now) this.offsetMs = Date.parse(snapshot.server_now) - (started + Date.now()) / 2;
      if (Number(snapshot.version) > this.shownVersion) this.refresh();
    } catch (error) {
      // The network is down: the next poll tries again.
    }
  }

  // --- reading and swapping the fragment --------------------------------------------------------

  refresh() {
    if (this.stopped) return Promise.resolve();
    if (this.refreshing) { this.refreshAgain = true; return this.refreshing; }
    this.refreshing = this.fetchFragment().finally(() => {
      this.refreshing = null;
      if (this.refreshAgain) { this.refreshAgain = false; this.refresh(); }
    });
    return this.refreshing;
  }

  async fetchFragment() {
    const started = Date.now();
    let response;
    try {
      response = await fetch(this.fragmentUrl, { headers: { Accept: "text/html" }, credentials: "same-origin", cache: "no-store" });
    } catch (error) {
      return;
    }
    if (response.status === 403 || response.status === 404) { this.refuse(); return; }
    if (!response.ok) return;
    const html = await response.text();
    const doc = new DOMParser().parseFromString(html, "text/html");
    const live = doc.querySelector("[data-room-live]");
    if (!live) { this.refuse(); return; }  // signed out: the login page came back
    if (live.dataset.serverNow) this.offsetMs = Date.parse(live.dataset.serverNow) - (started + Date.now()) / 2;
    if (Number(live.dataset.version) < this.shownVersion) return;  // an older answer overtaken by a newer one
    this.swapLive(live);
    const writing = doc.querySelector("[data-room-writing]");
    if (writing) this.swapWriting(writing);
  }

  swapLive(fresh) {
    const current = this.live();
    if (!current) return;
    const same = ["version", "status", "step"].every((key) => current.dataset[key] === fresh.dataset[key]);
    if (same) {
      // Nothing moved (a re-read for the writing part, a poll, a wake-up): keep the page as it is, under
      // the person's pointer and focus; only the clock's data is refreshed.
      for (const key of ["serverNow", "deadline", "timeLeft", "overrun"]) current.dataset[key] = fresh.dataset[key] || "";
      this.tick();
      return;
    }
    const before = { ...current.dataset };
    const focused = document.activeElement;
    const focusId = focused && current.contains(focused) ? focused.id : "";
    const selectValue = focused && focused.tagName === "SELECT" ? focused.value : null;
    current.replaceWith(fresh);
    this.shownVersion = Number(fresh.dataset.version);
    if (focusId) {
      // Keep the person where they were (the same control in the new rendering), else on the phase title.
      const again = document.getElementById(focusId);
      if (again) {
        if (selectValue !== null && again.tagName === "SELECT") again.value = selectValue;
        again.focus({ preventScroll: true });
      } else {
        const title = fresh.querySelector("h2");
        if (title) { title.tabIndex = -1; title.focus({ preventScroll: true }); }
      }
    }
    this.announceChanges(before, fresh.dataset);
    this.tick();
  }

  swapWriting(fresh) {
    const current = this.writing();
    if (!current) return;
    // Never take a text field from under someone typing, nor a draft not yet saved: save, and swap
    // when they leave the field (what others wrote then appears; a new step's slots too).
    const typing = isTextField(document.activeElement) && current.contains(document.activeElement);
    if (typing || current.querySelector("[data-dirty], [data-saving]")) {
      this.pendingWriting = fresh;
      this.flushAllSaves(false);
      if (current.dataset.step !== fresh.dataset.step) this.noteWritingDeferred(current);
      return;
    }
    current.replaceWith(fresh);
    this.pendingWriting = null;
  }

  noteWritingDeferred(writing) {
    // Said where the person is writing: the step moved on, their text stays until they leave the field.
    let note = writing.querySelector("[data-writing-deferred]");
    if (!note) {
      note = document.createElement("p");
      note.className = "room-writing-deferred";
      note.dataset.writingDeferred = "";
      writing.prepend(note);
    }
    note.textContent = this.text.writing_deferred || "";
  }

  onFocusOut(event) {
    const writing = this.writing();
    if (!writing || !writing.contains(event.target)) return;
    const field = this.draftFieldOf(event.target);
    if (field && field.dataset.dirty) { clearTimeout(this.saveTimers.get(field)); this.save(field, false); }
    if (!this.pendingWriting) return;
    // Swapped once the person has left the writing and the drafts are saved (the next read brings it).
    setTimeout(() => {
      if (!(writing.contains(document.activeElement) && isTextField(document.activeElement))) this.refresh();
    }, 0);
  }

  // --- announcements ----------------------------------------------------------------------------

  announce(message) {
    const region = this.root.querySelector("[data-room-announcer]");
    if (!region || !message) return;
    // Emptied first, so that the same sentence twice is said twice.
    region.textContent = "";
    setTimeout(() => { region.textContent = message; }, 50);
  }

  announceChanges(before, after) {
    const said = [];
    if (before.status !== after.status) {
      if (after.status === "en_pause") said.push(this.text.paused);
      else if (after.status === "terminee") said.push(this.text.ended);
      else if (after.status === "en_cours" && before.status === "en_pause") said.push(this.text.resumed);
    }
    if (after.status === "en_cours" || after.status === "en_pause") {
      if (before.step !== after.step || before.status === "attente") {
        said.push(interpolate(this.text.step, { number: Number(after.step) + 1, name: after.stepName }));
      }
    }
    if (before.speaker !== after.speaker) {
      if (after.meSpeaking) said.push(this.text.you_speak);
      else if (after.speaker) said.push(interpolate(this.text.speaker, { name: after.speaker }));
    }
    if (said.length) this.announce(said.join(" "));
  }

  // --- the clock --------------------------------------------------------------------------------

  serverNow() { return Date.now() + this.offsetMs; }

  tick() {
    const live = this.live();
    if (!live) return;
    const data = live.dataset;
    const now = this.serverNow();
    const after = Number(data.secondsAfter || 0) * 1000;
    let projected = null;
    if (data.status === "en_cours" && data.deadline) {
      const deadline = Date.parse(data.deadline);
      const left = (deadline - now) / 1000;
      this.setText(live, "[data-time-left-text]", clockText(Math.ceil(Math.max(0, left))));
      const overrun = data.auto ? 0 : Math.max(0, Math.floor(-left));
      const overrunElement = live.querySelector("[data-overrun-text]");
      if (overrunElement) {
        overrunElement.hidden = overrun <= 0;
        if (overrun > 0) {
          overrunElement.textContent = overrun < 60
            ? interpolate(this.text.overrun_seconds, { seconds: overrun })
            : interpolate(this.text.overrun_minutes, { minutes: Math.floor(overrun / 60) });
        }
      }
      const key = `${data.step}@${data.deadline}`;
      // "Plus qu'une minute" once per deadline, and only if this page saw more than a minute left (opened
      // with 20 s left, the person does not need it said).
      if (left > ONE_MINUTE) this.sawMoreThanAMinute.add(key);
      if (left <= ONE_MINUTE && left > 0 && this.sawMoreThanAMinute.has(key) && !this.minuteAnnounced.has(key)) {
        this.minuteAnnounced.add(key);
        this.announce(this.text.one_minute);
      }
      if (left <= 0 && data.auto && !this.deadlineSent.has(key)) {
        this.deadlineSent.add(key);
        this.sendDeadlineReached(Number(data.step), key);
      }
      projected = Math.max(deadline, now) + after;
    } else if (data.status === "en_pause") {
      projected = now + Number(data.timeLeft || 0) * 1000 + after;
    } else if (data.status === "attente") {
      projected = now + Number(data.stepSeconds || 0) * 1000 + after;
    }
    if (projected !== null && Number.isFinite(projected)) {
      this.setText(live, "[data-projected-end]", parisClock.format(new Date(projected)));
    }
  }

  setText(container, selector, text) {
    const element = container.querySelector(selector);
    if (element && element.textContent !== text) element.textContent = text;
  }

  // --- commands ---------------------------------------------------------------------------------

  csrfToken(form) {
    const field = (form && form.querySelector("input[name=csrfmiddlewaretoken]")) || document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  async post(url, body, form) {
    const response = await fetch(url, {
      method: "POST",
      body: new URLSearchParams(body),
      headers: { Accept: "application/json", "X-CSRFToken": this.csrfToken(form) },
      credentials: "same-origin",
    });
    let reply = null;
    try { reply = await response.json(); } catch (error) { reply = null; }
    return { status: response.status, reply };
  }

  async onSubmit(event) {
    const draft = event.target.querySelector && event.target.querySelector("[data-save-url]");
    if (draft && !this.stopped) {
      // "Enregistrer" on a slot: the same save as while typing, without leaving the page.
      event.preventDefault();
      draft.dataset.dirty = "1";
      clearTimeout(this.saveTimers.get(draft));
      this.save(draft, false);
      return;
    }
    const form = event.target.closest("form[data-command]");
    if (!form || this.stopped) return;
    event.preventDefault();
    if (form.dataset.busy) return;
    form.dataset.busy = "1";
    const body = new FormData(form);
    const submitter = event.submitter;
    if (submitter && submitter.name) body.append(submitter.name, submitter.value);
    const seen = this.meetingKey();
    try {
      let { status, reply } = await this.post(this.commandUrl, body, form);
      if (reply && reply.code === "stale_version") {
        // The server already lets arrivals, departures and raised hands pass; other changes (a role given, a
        // turn passed) may leave the meeting (step, time, speaker, round) as the person saw it: then their
        // command still means what they meant and is sent once more on the new version. Otherwise (another
        // facilitator moved on) the refusal stands.
        await this.fetchFragment();  // a read started after the refusal, whatever else is in flight
        if (this.meetingKey() === seen) {
          body.set("version", String(this.shownVersion));
          ({ status, reply } = await this.post(this.commandUrl, body, form));
        }
      }
      if (reply && reply.ok) {
        this.clearAlert();
      } else if (reply && reply.message) {
        this.showAlert(reply.message);
      } else {
        this.showAlert(status === 403 ? this.text.forbidden : this.text.failed);
      }
    } catch (error) {
      this.showAlert(this.text.offline);
    } finally {
      delete form.dataset.busy;
    }
    // Read the room again now rather than wait for the event (and after a refusal: someone else moved it).
    this.refresh();
  }

  meetingKey() {
    const live = this.live();
    if (!live) return "";
    const data = live.dataset;
    // While running the deadline says the time; while paused the time left does (it runs on otherwise).
    const time = data.status === "en_pause" ? data.timeLeft : data.deadline;
    return [data.status, data.step, time, data.speaker, data.order].join("|");
  }

  async sendDeadlineReached(step, key) {
    const body = new FormData();
    body.append("command", "deadline_reached");
    body.append("step", String(step));
    body.append("version", String(this.shownVersion));
    body.append("csrfmiddlewaretoken", this.csrfToken(null));
    try {
      const { reply } = await this.post(this.commandUrl, body, null);
      // This page's clock ran ahead of the server's: send it again when the deadline really comes.
      if (reply && reply.code === "too_early") this.deadlineSent.delete(key);
    } catch (error) {
      this.deadlineSent.delete(key);
    }
    this.refresh();
  }

  showAlert(message) {
    const alert = this.root.querySelector("[data-room-alert]");
    if (alert) alert.textContent = message || "";
  }

  clearAlert() { this.showAlert(""); }

  // --- drafts -----------------------------------------------------------------------------------

  // The draft field a form control belongs to: the field itself, or the text of its slot's form (an
  // action plan's commitments are saved with it).
  draftFieldOf(element) {
    if (!element || !element.matches) return null;
    if (element.matches("[data-save-url]")) return element;
    return element.form ? element.form.querySelector("[data-save-url]") : null;
  }

  onInput(event) {
    const field = this.draftFieldOf(event.target);
    if (!field) return;
    field.dataset.dirty = "1";
    this.setSaveStatus(field, this.text.unsaved);
    clearTimeout(this.saveTimers.get(field));
    this.saveTimers.set(field, setTimeout(() => this.save(field, false), SAVE_DELAY_MS));
  }

  flushAllSaves(leaving) {
    this.root.querySelectorAll("[data-save-url][data-dirty]").forEach((field) => {
      clearTimeout(this.saveTimers.get(field));
      this.save(field, leaving);
    });
  }

  saveStatusElement(field) {
    if (!field.id) return null;
    return this.root.querySelector(`[data-status-for="${CSS.escape(field.id)}"]`);
  }

  setSaveStatus(field, message) {
    const status = this.saveStatusElement(field);
    if (status && message) status.textContent = message;
  }

  setDraftVersion(field, version) {
    field.dataset.version = String(version);
    // The form's own field too: its "Enregistrer" button posts it.
    const hidden = field.form && field.form.querySelector("input[name=version]");
    if (hidden) hidden.value = String(version);
  }

  async save(field, leaving) {
    if (!field.dataset.dirty) return;
    if (field.dataset.saving) { field.dataset.saveAgain = "1"; return; }
    field.dataset.saving = "1";
    delete field.dataset.dirty;
    // The whole slot form (text, and an action plan's commitments), on the version this tab last saved.
    const body = field.form ? new FormData(field.form) : new FormData();
    body.set("step", field.dataset.step || "");
    body.set("slot", field.dataset.slot || "");
    body.set("text", field.value);
    body.set("version", field.dataset.version || "0");
    body.set("csrfmiddlewaretoken", this.csrfToken(field.form));
    try {
      const response = await fetch(field.dataset.saveUrl, {
        method: "POST",
        body: new URLSearchParams(body),
        headers: { Accept: "application/json", "X-CSRFToken": this.csrfToken(field.form) },
        credentials: "same-origin",
        keepalive: leaving,
      });
      let reply = null;
      try { reply = await response.json(); } catch (error) { reply = null; }
      if (response.ok && reply) {
        if (reply.version !== undefined) this.setDraftVersion(field, reply.version);
        this.setSaveStatus(field, interpolate(this.text.saved_at, { time: parisClock.format(new Date(this.serverNow())) }));
      } else if (response.status === 409 && reply) {
        // Saved meanwhile from another tab: say so, show nothing silently lost; the next keystroke saves
        // this text over the other one, knowingly.
        if (reply.version !== undefined) this.setDraftVersion(field, reply.version);
        const message = reply.message || this.text.not_saved;
        this.setSaveStatus(field, message);
        this.showAlert(message);
      } else {
        field.dataset.dirty = "1";
        const message = (reply && reply.message) || this.text.not_saved;
        this.setSaveStatus(field, message);
        this.showAlert(message);
      }
    } catch (error) {
      field.dataset.dirty = "1";
      this.setSaveStatus(field, this.text.not_saved);
    } finally {
      delete field.dataset.saving;
      if (field.dataset.saveAgain) { delete field.dataset.saveAgain; this.save(field, leaving); }
      else if (this.pendingWriting && !isTextField(document.activeElement)) this.refresh();
    }
  }
}

const root = document.querySelector("[data-room]");
if (root) new Room(root).start();
