/**
 * The demo fleet's live terminal view: one line per replica (mode, breaker
 * states, calls/s, refusals/s, paused workers, gate refusals), a line for the
 * downstream's phase and the producer, redrawn in place when stdout is a TTY
 * and printed every few seconds otherwise; and one line per transition. Every
 * replica reports every transition, so they are deduplicated by breaker,
 * epoch and state, and the line says how many replicas saw it.
 */
import type { ProducerMessage, StatusMessage, TransitionMessage } from './messages.js';

/** How long a transition waits for the other replicas' sightings before it is printed. */
const SIGHTING_WAIT_MS = 5_000;

interface Sighting {
  readonly message: TransitionMessage;
  readonly seenBy: Set<string>;
  readonly timer: NodeJS.Timeout;
}

const perSecond = (count: number, intervalMs: number): string =>
  (intervalMs > 0 ? (count * 1000) / intervalMs : 0).toFixed(1).padStart(5);

/** The view; `out` is process.stdout (or any stream with `isTTY`). */
export class TerminalView {
  private readonly statuses = new Map<string, { message: StatusMessage; at: number }>();
  private readonly pending = new Map<string, Sighting>();
  private readonly printed = new Set<string>();
  private producer: ProducerMessage | undefined;
  private phase = 'starting';
  private drawn = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly replicaIds: readonly string[],
    private readonly startedAt: number,
  ) {}

  /** Redrawn in place (TTY) or printed as plain lines. */
  get tty(): boolean {
    return this.out.isTTY;
  }

  status(message: StatusMessage): void {
    this.statuses.set(message.replicaId, { message, at: Date.now() });
  }

  producerReport(message: ProducerMessage): void {
    this.producer = message;
  }

  setPhase(phase: string): void {
    this.phase = phase;
  }

  /** A replica saw a transition: printed once, when every replica saw it or after a wait. */
  transition(message: TransitionMessage): void {
    const key = `${message.breaker}#${String(message.epoch)}#${message.to}`;
    if (this.printed.has(key)) return;
    const sighting = this.pending.get(key) ?? {
      message,
      seenBy: new Set<string>(),
      timer: setTimeout(() => {
        this.flush(key);
      }, SIGHTING_WAIT_MS),
    };
    this.pending.set(key, sighting);
    sighting.seenBy.add(message.seenBy);
    if (sighting.seenBy.size >= this.replicaIds.length) this.flush(key);
  }

  /** Prints a line above the live block. */
  log(line: string): void {
    this.erase();
    this.out.write(`${line}\n`);
    if (this.tty) this.draw();
  }

  /** Redraws the block (TTY) or prints it (plain). */
  render(): void {
    if (this.tty) {
      this.erase();
      this.draw();
    } else {
      for (const line of this.block()) this.out.write(`${this.clock()} ${line}\n`);
    }
  }

  /** Prints pending transitions and leaves the block where it is. */
  stop(): void {
    for (const key of [...this.pending.keys()]) this.flush(key);
    this.drawn = 0;
  }

  private flush(key: string): void {
    const sighting = this.pending.get(key);
    if (sighting === undefined) return;
    clearTimeout(sighting.timer);
    this.pending.delete(key);
    this.printed.add(key);
    const { breaker, from, to, reason, epoch, madeBy } = sighting.message;
    const seen = `${String(sighting.seenBy.size)}/${String(this.replicaIds.length)}`;
    this.log(
      `${this.clock()} ${breaker}: ${from} -> ${to} (${reason}, epoch ${String(epoch)}, ` +
        `by ${madeBy}), seen by ${seen} replicas`,
    );
  }

  private clock(): string {
    return `+${((Date.now() - this.startedAt) / 1000).toFixed(1)}s`;
  }

  private block(): string[] {
    const lines = [`downstream phase: ${this.phase}${this.producerLine()}`];
    for (const id of this.replicaIds) {
      const entry = this.statuses.get(id);
      if (entry === undefined) {
        lines.push(`${id}  starting`);
        continue;
      }
      const s = entry.message;
      const states = s.breakers.map((b) => `${b.name}=${b.state.padEnd(9)}`).join(' ');
      const workers =
        s.workers === 0
          ? 'no worker'
          : `workers paused ${String(s.pausedWorkers)}/${String(s.workers)}`;
      const stale = Date.now() - entry.at > 3_000 ? '  (no report for 3 s)' : '';
      lines.push(
        `${id}  ${s.mode.padEnd(6)} ${states} ${perSecond(s.calls, s.intervalMs)} calls/s ` +
          `${perSecond(s.refusals, s.intervalMs)} refused/s  ${workers}  ` +
          `gate refused ${String(s.gateRefusals)}${stale}`,
      );
    }
    return lines;
  }

  private producerLine(): string {
    const p = this.producer;
    if (p === undefined) return '';
    const answers = Object.entries(p.answers)
      .filter(([, count]) => count > 0)
      .map(([status, count]) => `${status === '0' ? 'none' : status} x${String(count)}`)
      .join(', ');
    return `   producer: ${answers === '' ? 'no answers' : answers}, ${perSecond(p.jobs, p.intervalMs).trim()} jobs/s`;
  }

  private draw(): void {
    const width = Math.max(20, (this.out.columns || 120) - 1);
    const lines = this.block().map((line) => line.slice(0, width));
    this.out.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }

  private erase(): void {
    if (!this.tty || this.drawn === 0) return;
    this.out.moveCursor(0, -this.drawn);
    this.out.clearScreenDown();
    this.drawn = 0;
  }
}
