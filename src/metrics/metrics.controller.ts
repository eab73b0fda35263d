import { Controller, Get, Header, Headers, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { secretsEqual } from '../common/crypto/api-key';
import { DomainError } from '../common/errors/domain.error';
import { appConfig, type AppConfig } from '../config/configuration';
import { MetricsService } from './metrics.service';

/** Prometheus exposition. Open unless METRICS_TOKEN is set (then a Bearer token is needed). */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
  ) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(@Headers('authorization') authorization?: string): Promise<string> {
    const token = this.app.metricsToken;
    if (token && !secretsEqual(authorization ?? '', `Bearer ${token}`))
      throw new DomainError('UNAUTHORIZED', 'Metrics token required');
    return this.metrics.render();
  }
}
