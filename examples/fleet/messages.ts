/**
 * What the demo fleet's child processes tell the parent over the IPC channel
 * `fork` opens (JSON), and the names and settings they share.
 */

/** The namespace every replica's box uses (the CLI needs it too). */
export const NAMESPACE = 'demo';

/** The breaker every replica shares: calls to the flaky downstream. */
export const BREAKER = 'downstream';

/** The BullMQ queue the producer fills and every replica's worker drains. */
export const QUEUE = 'demo-quotes';

/** A replica is listening. */
export interface ReadyMessage {
  readonly type: 'ready';
  readonly replicaId: string;
  readonly port: number;
}

/** A replica's view, sent every second. Counts are since its previous status. */
export interface StatusMessage {
  readonly type: 'status';
  readonly replicaId: string;
  readonly mode: string;
  readonly breakers: readonly { readonly name: string; readonly state: string }[];
  /** Calls that reached the downstream (from HTTP requests and jobs). */
  readonly calls: number;
  /** Calls the breaker refused at once. */
  readonly refusals: number;
  readonly intervalMs: number;
  readonly workers: number;
  readonly pausedWorkers: number;
  /** Destructive requests the gate refused, since the replica started. */
  readonly gateRefusals: number;
}

/** A transition as one replica saw it (every replica sees every transition). */
export interface TransitionMessage {
  readonly type: 'transition';
  /** The replica that saw it. */
  readonly seenBy: string;
  /** The replica that made it. */
  readonly madeBy: string;
  readonly breaker: string;
  readonly from: string;
  readonly to: string;
  readonly epoch: number;
  readonly reason: string;
}

/** The producer's counts since its previous report. */
export interface ProducerMessage {
  readonly type: 'producer';
  /** HTTP answers by status (0: no answer). */
  readonly answers: Readonly<Record<string, number>>;
  readonly jobs: number;
  readonly intervalMs: number;
}

/** Any message a child sends. */
export type FleetMessage = ReadyMessage | StatusMessage | TransitionMessage | ProducerMessage;

/** Sends a message to the parent, if there is one. */
export function tellParent(message: FleetMessage): void {
  if (process.send !== undefined && process.connected) process.send(message);
}

/** The parent asks for a clean exit by SIGINT, SIGTERM, or by going away (IPC disconnect). */
export function onStop(stop: () => void): void {
  let stopping = false;
  const once = (): void => {
    if (stopping) return;
    stopping = true;
    stop();
  };
  process.once('SIGINT', once);
  process.once('SIGTERM', once);
  process.once('disconnect', once);
}
