// The live connection: one websocket, reconnected with jittered backoff.
//
// Rules:
// - On every (re)connect the server sends a full snapshot first; the caller
//   re-renders from it, so nothing is lost across a reconnect.
// - Reconnect delays grow exponentially from 0.5 s up to 15 s with full
//   jitter, so hundreds of browsers do not return in one wave after a restart.
// - Clock sync: a burst of pings after connecting, one every 2 s for the next
//   30 s (a burst taken while the machine was busy is soon outvoted by faster
//   samples), then one every 20 s. The same burst goes out at once when the
//   page wakes (visible again, pageshow, resume) or the clock sync sees a
//   discontinuity: a countdown is right again within one round trip of waking
//   from a sleep or a frozen tab.
// - Each ping also reports this page's clock quality for presence
//   (clockReport): the current offset, only at clock rate 1 (in a rehearsal
//   the offset includes the speed-up), and the round trip of the fastest
//   recent sample once there is one.
// - A name given with setName() lasts for the connection on the server, so it
//   is remembered here and given again each time the socket opens.
// - A resync from the server (it may have missed messages for this page) is
//   answered with a snapshot.request after a random delay in [0, spread_ms),
//   so thousands of pages do not ask in one wave. A resync while one waits
//   adds no request; a socket closing cancels it (the next connection starts
//   with a snapshot anyway).
// - Commands carry a request_id; send() resolves with the matching
//   command.ok or rejects with the matching error.

import { ClockSync } from "./clock.js";

const BASE_DELAY = 500;
const MAX_DELAY = 15000;
const PING_BURST = 6;
const PING_EARLY_EVERY = 2000;
const PING_EARLY_FOR = 30000;
const PING_EVERY = 20000;

// What a ping reports of a ClockSync for presence: offset_ms (server minus client time,
// only at rate 1) and round_trip_ms, each when known, to a tenth of a millisecond.
export function clockReport({ rate, offset, minRoundTrip }) {
  const report = {};
  const tenth = (ms) => Math.round(ms * 10) / 10;
  if (rate === 1 && Number.isFinite(offset)) report.offset_ms = tenth(offset);
  if (Number.isFinite(minRoundTrip)) report.round_trip_ms = tenth(minRoundTrip);
  return report;
}

// Milliseconds to wait before answering a resync: uniform in [0, spreadMs).
export function resyncDelay(spreadMs, random = Math.random) {
  const spread = Number(spreadMs);
  if (!Number.isFinite(spread) || spread <= 0) return 0;
  return Math.min(Math.floor(random() * spread), Math.ceil(spread) - 1);
}

export class LiveConnection {
  // `clock` holds options for the ClockSync (tests pass their own clocks).
  constructor(token, { onMessage, onState, clock = {} }) {
    this.token = token;
    this.onMessage = onMessage;
    this.onState = onState;
    this.clock = new ClockSync({ ...clock, onDiscontinuity: () => this.pingNow() });
    this.attempt = 0;
    this.pending = new Map();
    this.nextId = 1;
    this.socket = null;
    this.pingTimer = null;
    this.resyncTimer = null;
    this.name = "";
    if (typeof document !== "undefined") {
      document.addEventListener("visibilitychange", () => {
        if (!document.hidden) this.wake();
      });
      document.addEventListener("resume", () => this.wake());
      window.addEventListener("pageshow", () => this.wake());
    }
  }

  // The page woke: re-measure the clock at once (a discontinuity bursts by itself).
  wake() {
    if (!this.clock.check()) this.pingNow();
  }

  // A ping burst now if connected (a connection being made bursts when it opens).
  pingNow() {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.pingBurst();
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    return `${scheme}://${location.host}/ws?token=${encodeURIComponent(this.token)}`;
  }

  connect() {
    this.onState(this.attempt === 0 ? "connecting" : "reconnecting");
    const socket = new WebSocket(this.url());
    this.socket = socket;
    socket.addEventListener("open", () => this.opened());
    socket.addEventListener("message", (event) => this.receive(JSON.parse(event.data)));
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      clearInterval(this.pingTimer);
      this.cancelResync();
      for (const { reject } of this.pending.values()) reject(new Error("connection lost"));
      this.pending.clear();
      if (event.code === 4401) {
        this.onState("refused");
        return;
      }
      if (event.code === 4409) {
        // This link now leads to another room (a setup edit): reconnect to it at once.
        this.attempt = 0;
        this.connect();
        return;
      }
      this.scheduleReconnect();
    });
  }

  // The socket is open (first connect or reconnect): measure the clock, give the name again.
  opened() {
    this.attempt = 0;
    this.onState("open");
    this.pingBurst();
    if (typeof this.name === "string" && this.name.trim()) {
      // Nobody waits on this answer: the name was taken before, and a lost socket shows
      // as the connection's state.
      this.send({ type: "presence.name", name: this.name }).catch(() => {});
    }
  }

  // Gives this person's name for presence ("" clears it), now and after every reconnect.
  // Resolves with the command.ok (its detail.name is the name as shown).
  setName(name) {
    this.name = name;
    return this.send({ type: "presence.name", name });
  }

  scheduleReconnect() {
    const ceiling = Math.min(MAX_DELAY, BASE_DELAY * 2 ** this.attempt);
    const delay = Math.random() * ceiling;
    this.attempt += 1;
    this.onState("reconnecting", delay);
    setTimeout(() => this.connect(), delay);
  }

  pingBurst() {
    for (let i = 0; i < PING_BURST; i += 1) setTimeout(() => this.ping(), i * 150);
    clearInterval(this.pingTimer);
    const connectedAt = Date.now();
    this.pingTimer = setInterval(() => {
      this.ping();
      if (Date.now() - connectedAt > PING_EARLY_FOR) {
        clearInterval(this.pingTimer);
        this.pingTimer = setInterval(() => this.ping(), PING_EVERY);
      }
    }, PING_EARLY_EVERY);
  }

  ping() {
    this.raw({ type: "clock.ping", client_time: this.clock.now(), ...clockReport(this.clock) });
  }

  resync(spreadMs) {
    if (this.resyncTimer !== null) return;
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = null;
      this.raw({ type: "snapshot.request" });
    }, resyncDelay(spreadMs));
  }

  cancelResync() {
    clearTimeout(this.resyncTimer);
    this.resyncTimer = null;
  }

  raw(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  send(message) {
    const requestId = `r${this.nextId++}`;
    return new Promise((resolve, reject) => {
      if (!this.raw({ ...message, request_id: requestId })) {
        reject(new Error("Not connected: wait for the connection to come back."));
        return;
      }
      this.pending.set(requestId, { resolve, reject });
    });
  }

  receive(message) {
    if (message.type === "clock.pong") {
      this.clock.addSample(message.client_time, this.clock.now(), message.server_time, message.clock_rate);
      this.onMessage({ type: "clock.synced" });
      return;
    }
    if (message.type === "resync") {
      this.resync(message.spread_ms);
      return;
    }
    if (message.type === "snapshot") this.clock.seed(message.server_time, message.clock_rate);
    const waiting = message.request_id && this.pending.get(message.request_id);
    if (waiting) {
      this.pending.delete(message.request_id);
      if (message.type === "error") waiting.reject(Object.assign(new Error(message.message), message));
      else waiting.resolve(message);
      if (message.type === "command.ok" || message.type === "error") return;
    }
    this.onMessage(message);
  }
}
