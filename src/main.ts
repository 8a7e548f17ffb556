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
    const app = await createApp(config);
    await app.listen(config.port, '0.0.0.0');
  } catch (error) {
    // One line for what an operator can fix; the full error for anything else.
    process.stderr.write(error instanceof BootError ? `${error.message}\n` : `Start-up failed: ${String((error as Error).stack ?? error)}\n`);
    process.exit(1);
  }
}

void main();
