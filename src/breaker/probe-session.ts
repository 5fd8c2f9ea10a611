/**
 * This replica's half-open trial: which token it holds and how many trial
 * calls it has let through. One at most per breaker; the fleet-wide single
 * flight comes from the store granting the token to one replica only.
 */
export class ProbeSession {
  /** The fencing token, once the store has granted the trial ('' before). */
  token = '';
  /** True once the store has granted the trial. */
  granted = false;
  /** True once a result has been reported (or the session was superseded). */
  finished = false;
  private admitted = 0;
  private successes = 0;

  constructor(
    private readonly permittedCalls: number,
    private readonly successThreshold: number,
  ) {}

  /** Takes a trial slot if one is free. */
  tryAdmit(): boolean {
    if (this.finished || !this.granted || this.admitted >= this.permittedCalls) return false;
    this.admitted++;
    return true;
  }

  /** Gives back a slot whose call was not counted (an ignored error). */
  release(): void {
    if (this.admitted > 0) this.admitted--;
  }

  /** Counts a successful trial; true when it completes the session (close the circuit). */
  succeed(): boolean {
    if (this.finished) return false;
    this.successes++;
    if (this.successes < this.successThreshold) return false;
    this.finished = true;
    return true;
  }

  /** Counts a failed trial; true when it ends the session (re-open the circuit). */
  fail(): boolean {
    if (this.finished) return false;
    this.finished = true;
    return true;
  }
}
