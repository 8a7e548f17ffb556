import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { WhatsappModule } from '../whatsapp/whatsapp.module.js';
import { RealtimeGateway } from './realtime.gateway.js';
import { createRealtimeRedisClients, disconnectRealtimeRedisClients, REALTIME_REDIS, type RealtimeRedisClients } from './realtime-redis.js';

/** Socket.IO: authenticated connections per organization, fed by the in-process event buses. */
@Module({
  imports: [AuthModule, WhatsappModule],
  providers: [
    {
      provide: REALTIME_REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): RealtimeRedisClients => createRealtimeRedisClients(config.redisUrl),
    },
    RealtimeGateway,
  ],
  exports: [RealtimeGateway],
})
export class GatewayModule implements OnApplicationShutdown {
  constructor(@Inject(REALTIME_REDIS) private readonly redis: RealtimeRedisClients) {}

  // After Nest has closed the Socket.IO server (which unsubscribes the adapter).
  onApplicationShutdown(): void {
    disconnectRealtimeRedisClients(this.redis);
  }
}
