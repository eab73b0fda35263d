import { Global, Module } from '@nestjs/common';
import { DrainService } from './drain.service';

/** The shutdown drain; global so any worker can register with it (see Drainable). */
@Global()
@Module({ providers: [DrainService], exports: [DrainService] })
export class DrainModule {}
