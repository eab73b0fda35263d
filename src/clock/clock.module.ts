import { Global, Module } from '@nestjs/common';
import { Clock, OffsetClock } from './clock';
import { ClockController } from './clock.controller';
import { ClockService } from './clock.service';

@Global()
@Module({
  providers: [{ provide: Clock, useValue: new OffsetClock() }, ClockService],
  controllers: [ClockController],
  exports: [Clock],
})
export class ClockModule {}
