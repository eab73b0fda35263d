import { Clock, OffsetClock } from './clock';
import { ClockService } from './clock.service';
import type { AppConfig } from '../config/configuration';

describe('ClockService', () => {
  const app = (production: boolean) => ({ production }) as AppConfig;

  it('moves the clock forward by advanceMs', () => {
    const clock = new OffsetClock();
    const service = new ClockService(clock, app(false));
    const before = clock.now().getTime();
    service.move({ advanceMs: 60_000 });
    expect(clock.now().getTime() - before).toBeGreaterThanOrEqual(60_000);
    expect(clock.offset).toBe(60_000);
  });

  it('refuses to move backwards', () => {
    const service = new ClockService(new OffsetClock(), app(false));
    expect(() => service.move({ now: '2001-01-01T00:00:00Z' })).toThrow(
      expect.objectContaining({ code: 'TEST_CLOCK_BACKWARDS' }),
    );
  });

  it('is refused in production, and for a clock that cannot move', () => {
    expect(() => new ClockService(new OffsetClock(), app(true)).move({ advanceMs: 1 })).toThrow(
      expect.objectContaining({ code: 'TEST_CLOCK_DISABLED' }),
    );
    class Fixed extends Clock {
      now() {
        return new Date(0);
      }
    }
    expect(() => new ClockService(new Fixed(), app(false)).state()).toThrow(
      expect.objectContaining({ code: 'TEST_CLOCK_DISABLED' }),
    );
  });
});
