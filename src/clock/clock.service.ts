import { Inject, Injectable } from '@nestjs/common';
import { appConfig, type AppConfig } from '../config/configuration';
import { DomainError } from '../common/errors/domain.error';
import { Clock, OffsetClock } from './clock';

export interface ClockState {
  now: string;
  offsetMs: number;
}

/** The admin test clock: moves the application's time forward so months of billing run in seconds. */
@Injectable()
export class ClockService {
  constructor(
    private readonly clock: Clock,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
  ) {}

  state(): ClockState {
    return { now: this.clock.now().toISOString(), offsetMs: this.offsetClock().offset };
  }

  move(input: { advanceMs?: number; now?: string }): ClockState {
    const clock = this.offsetClock();
    const current = clock.now().getTime();
    const target = input.now !== undefined ? new Date(input.now).getTime() : current + (input.advanceMs ?? 0);
    // Time only moves forward: leases, periods and retry schedules all assume a monotonic clock.
    if (target < current) throw new DomainError('TEST_CLOCK_BACKWARDS', 'The test clock only moves forward');
    clock.setOffset(clock.offset + (target - current));
    return this.state();
  }

  private offsetClock(): OffsetClock {
    if (this.app.production || !(this.clock instanceof OffsetClock)) {
      throw new DomainError('TEST_CLOCK_DISABLED', 'The test clock is not available in production');
    }
    return this.clock;
  }
}
