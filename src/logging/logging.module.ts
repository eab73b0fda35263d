import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { appConfig, type AppConfig } from '../config/configuration';
import { AppLogger, createPino, wantsPretty } from './app-logger';

/** The app's one logger (AppLogger over pino), global so bootstrap and the HTTP edge can get it. */
@Global()
@Module({})
export class LoggingModule {
  static forRoot(stream?: DestinationStream): DynamicModule {
    return {
      module: LoggingModule,
      providers: [
        {
          provide: AppLogger,
          inject: [appConfig.KEY],
          useFactory: (app: AppConfig) =>
            new AppLogger(
              createPino(app.logLevel, { stream, pretty: wantsPretty(app.production, process.stdout.isTTY) }),
            ),
        },
      ],
      exports: [AppLogger],
    };
  }
}
