import 'reflect-metadata';
import { createApp } from './app.factory.js';
import { BootError } from './common/domain.exception.js';
import { type AppConfig, ConfigValidationError, loadConfigFromEnvironment } from './config/app-config.js';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfigFromEnvironment();
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  try {
    boundShutdown(config.shutdownTimeoutMs);
    const app = await createApp(config);
    await app.listen(config.port, '0.0.0.0');
  } catch (error) {
    // One line for what an operator can fix; the full error for anything else.
    process.stderr.write(error instanceof BootError ? `${error.message}\n` : `Start-up failed: ${String((error as Error).stack ?? error)}\n`);
    process.exit(1);
  }
}

/**
 * A stop never hangs: Nest's shutdown hooks drain and close (app.factory.ts),
 * and if that takes longer than SHUTDOWN_TIMEOUT_MS the process exits anyway,
 * with code 1 so the supervisor can tell. Work left unfinished is not lost: its
 * queue jobs run again elsewhere and the instance leases lapse.
 */
function boundShutdown(timeoutMs: number): void {
  const arm = (signal: NodeJS.Signals) => {
    setTimeout(() => {
      process.stderr.write(`Shutdown on ${signal} took longer than SHUTDOWN_TIMEOUT_MS (${timeoutMs} ms): exiting now\n`);
      process.exit(1);
    }, timeoutMs).unref();
  };
  process.once('SIGTERM', arm);
  process.once('SIGINT', arm);
}

void main();
