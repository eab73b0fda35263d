/**
 * The time every service reads. Tests and the admin test clock move it; nothing else in src/ reads the wall clock.
 */
export abstract class Clock {
  abstract now(): Date;
}

/** Wall-clock time plus an offset the test clock can move forward (never in production). */
export class OffsetClock extends Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  get offset(): number {
    return this.offsetMs;
  }

  setOffset(ms: number): void {
    this.offsetMs = ms;
  }
}
