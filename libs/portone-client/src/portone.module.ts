import { Module, type DynamicModule, type FactoryProvider, type ModuleMetadata } from '@nestjs/common';
import { HttpModule } from '@nestjs/axios';
import { PortoneClient } from './portone.client';
import { PORTONE_CLIENT_OPTIONS, type PortoneClientOptions } from './portone.options';

/** Options of {@link PortoneClientModule.registerAsync}: resolve the client options from other providers. */
export interface PortoneClientModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Nest's own FactoryProvider signature
  readonly useFactory: (...args: any[]) => PortoneClientOptions | Promise<PortoneClientOptions>;
  readonly inject?: FactoryProvider['inject'];
}

/** Provides {@link PortoneClient}. The client's own axios instance keeps it apart from other HTTP users. */
@Module({})
export class PortoneClientModule {
  /** Static options. */
  static register(options: PortoneClientOptions): DynamicModule {
    return {
      module: PortoneClientModule,
      imports: [HttpModule.register({})],
      providers: [{ provide: PORTONE_CLIENT_OPTIONS, useValue: options }, PortoneClient],
      exports: [PortoneClient],
    };
  }

  /**
   * Options from a factory, e.g. `{ imports: [ConfigModule, ClockModule], inject: [ConfigService, Clock],
   * useFactory: (config, clock) => ({ baseUrl: …, timeoutMs: …, sandbox: …, clock }) }`.
   */
  static registerAsync(options: PortoneClientModuleAsyncOptions): DynamicModule {
    return {
      module: PortoneClientModule,
      imports: [...(options.imports ?? []), HttpModule.register({})],
      providers: [
        { provide: PORTONE_CLIENT_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
        PortoneClient,
      ],
      exports: [PortoneClient],
    };
  }
}
