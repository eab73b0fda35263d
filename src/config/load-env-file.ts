import { existsSync } from 'node:fs';

/** Loads `.env` when present (variables already set win), so local runs need no exported variables. */
export function loadEnvFile(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
