// A short generated chime (Web Audio): no sound file is downloaded.
//
// Rules: sound starts muted-until-allowed (browsers need a click first); the
// mute switch and the volume are remembered on this device.

const KEY = "consult.sound";

export class Chime {
  constructor() {
    const saved = JSON.parse(localStorage.getItem(KEY) || "{}");
    this.muted = saved.muted ?? false;
    this.volume = saved.volume ?? 0.6;
    this.context = null;
  }

  save() {
    localStorage.setItem(KEY, JSON.stringify({ muted: this.muted, volume: this.volume }));
  }

  audio() {
    if (!this.context) {
      const AudioContext = window.AudioContext || window.webkitAudioContext;
      if (!AudioContext) return null;
      this.context = new AudioContext();
    }
    if (this.context.state === "suspended") this.context.resume();
    return this.context;
  }

  // kind: "phase" (two rising notes), "warning" (one soft note), "recall" (three
  // rising notes), "help" (a high-low-high call, on a brighter wave: an uber
  // moderator tells it from the room chimes without looking)
  play(kind = "phase", force = false) {
    if (this.muted && !force) return;
    const context = this.audio();
    if (!context) return;
    const notes = { phase: [660, 880], warning: [587], recall: [523, 659, 784], help: [988, 740, 988] }[kind] || [660];
    const start = context.currentTime + 0.02;
    notes.forEach((frequency, index) => {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      const at = start + index * 0.22;
      oscillator.type = kind === "help" ? "triangle" : "sine";
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0, at);
      gain.gain.linearRampToValueAtTime(this.volume * 0.5, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.6);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(at);
      oscillator.stop(at + 0.65);
    });
  }
}
