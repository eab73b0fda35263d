import { Module, type DynamicModule, type FactoryProvider, type ModuleMetadata } from '@nestjs/common';
import { HttpModule } from '@nestjs/axios';
import { TossClient } from './toss.client';
import { TOSS_CLIENT_OPTIONS, type TossClientOptions } from './toss.options';

/** Options of {@link TossClientModule.registerAsync}: resolve the client options from other providers. */
export interface TossClientModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Nest's own FactoryProvider signature
  readonly useFactory: (...args: any[]) => TossClientOptions | Promise<TossClientOptions>;
  readonly inject?: FactoryProvider['inject'];
}

/** Provides {@link TossClient}. The client's own axios instance keeps it apart from other HTTP users. */
@Module({})
export class TossClientModule {
  /** Static options. */
  static register(options: TossClientOptions): DynamicModule {
    return {
      module: TossClientModule,
      imports: [HttpModule.register({})],
      providers: [{ provide: TOSS_CLIENT_OPTIONS, useValue: options }, TossClient],
      exports: [TossClient],
    };
  }

  /** Options from a factory, e.g. `{ imports: [ConfigModule], inject: [ConfigService], useFactory: (c) => … }`. */
  static registerAsync(options: TossClientModuleAsyncOptions): DynamicModule {
    return {
      module: TossClientModule,
      imports: [...(options.imports ?? []), HttpModule.register({})],
      providers: [
        { provide: TOSS_CLIENT_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
        TossClient,
      ],
      exports: [TossClient],
    };
  }
}
