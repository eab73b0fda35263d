import { appConfig, type AppConfig, securityConfig, type SecurityConfig } from './config/configuration';
import { loadEnvFile } from './config/load-env-file';
import { createApp } from './bootstrap';

async function main(): Promise<void> {
  loadEnvFile();
  const app = await createApp();
  const cfg = app.get<AppConfig>(appConfig.KEY);
  const security = app.get<SecurityConfig>(securityConfig.KEY);
  await app.listen(cfg.port, cfg.host);
  const url = await app.getUrl();
  const lines = [`API listening on ${url}`, `OpenAPI docs: ${url}/docs (JSON: ${url}/docs-json)`];
  // Shown once, on the console only (not through the logger), so it never lands in shipped logs.
  if (security.adminApiKeyGenerated)
    lines.push(`Generated admin API key (this start only; set ADMIN_API_KEY to fix one): ${security.adminApiKey}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  // Configuration errors are one clear line; anything else keeps its stack.
  const message = err instanceof Error && err.message.startsWith('Invalid configuration') ? err.message : err;
  console.error(message);
  process.exit(1);
});
