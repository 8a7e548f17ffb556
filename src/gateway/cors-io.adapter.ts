import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import { corsOptionsFor } from '../common/http-security.js';
import type { AppConfig } from '../config/app-config.js';

/** Socket.IO's CORS from CORS_ORIGINS, the same setting as the REST API's. */
export class CorsIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const cors = corsOptionsFor(this.config);
    const origin = cors?.origin as string | string[] | undefined;
    return super.createIOServer(port, { ...options, cors: origin === undefined ? undefined : { origin, methods: ['GET', 'POST'] } } as ServerOptions);
  }
}
