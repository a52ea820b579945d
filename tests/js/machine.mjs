// A simulated machine and server for the clock tests: real time, the client's
// monotonic clock (which stops while the machine sleeps), its wall clock, and
// the server's clock (running `rate` times real time, `ahead` ms in front).

export function machine({ ahead = 3_600_000, rate = 1, start = 1_800_000_000_000 } = {}) {
  let real = 0;
  let monotonic = start;
  let wall = start;
  const serverStart = start + ahead;
  const m = {
    // The options a ClockSync takes to run on this machine's clocks.
    clocks: { now: () => monotonic, wallNow: () => Math.floor(wall) },
    server: () => serverStart + real * rate,
    // Time passes with the machine awake.
    advance(ms) {
      real += ms;
      monotonic += ms;
      wall += ms;
    },
    // Time passes with the machine asleep: the monotonic clock stands still.
    sleep(ms) {
      real += ms;
      wall += ms;
    },
    // The wall clock is set (by hand or NTP); real time does not move.
    setWall(delta) {
      wall += delta;
    },
    // One ping/pong exchange as the page makes it: the ping carries clock.now(),
    // the server answers after `up` ms, the pong arrives `down` ms later.
    exchange(clock, up = 5, down = up) {
      const sentAt = clock.now();
      m.advance(up);
      const serverTime = m.server();
      m.advance(down);
      return clock.addSample(sentAt, clock.now(), serverTime, rate);
    },
    // How far the clock's idea of the server's time is from the truth, in server ms.
    error(clock) {
      return clock.serverNow() - m.server();
    },
  };
  return m;
}
