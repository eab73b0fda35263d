import type { AppConfig } from '../config/configuration';

/**
 * Where the app itself reaches the in-process sandbox: the local listener, not PUBLIC_BASE_URL (which may be a
 * public name this host cannot resolve or reach from inside).
 */
export function localOrigin(app: AppConfig): string {
  const host =
    app.host === '0.0.0.0' || app.host === '::' ? '127.0.0.1' : app.host.includes(':') ? `[${app.host}]` : app.host;
  return `http://${host}:${app.port}`;
}

/**
 * A PG's base URL for its client options factory: the configured real host, or the gateway's sandbox plugin mounted on
 * this app (`/sandbox/<prefix>`).
 */
export function pgBaseUrl(app: AppConfig, configured: string | undefined, sandboxPrefix: string): string {
  return configured ?? `${localOrigin(app)}/sandbox/${sandboxPrefix}`;
}
