/**
 * One app instance as its own node process, for the several-instance test (test/billing-instances.e2e-spec.ts).
 * Configuration comes from the environment the test gives it; it prints READY once it listens.
 */
import { createApp } from '../../src/bootstrap';

async function main(): Promise<void> {
  const app = await createApp();
  await app.listen(Number(process.env.PORT), '127.0.0.1');
  process.stdout.write('READY\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
