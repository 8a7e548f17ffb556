import { Module } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { join } from 'node:path';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ConnectionManager } from './connection/connection-manager.js';
import { InstancesController } from './instances.controller.js';
import { InstancesRepository } from './instances.repository.js';
import { InstancesService } from './instances.service.js';
import { MessagesRepository } from './messages.repository.js';
import { OutboundService } from './outbound/outbound.service.js';
import { SandboxController } from './sandbox.controller.js';
import { SendController } from './send.controller.js';
import { BaileysTransport } from './transport/baileys.transport.js';
import { SandboxTransport } from './transport/sandbox.transport.js';
import { TransportRegistry } from './transport/transport.registry.js';
import { WhatsappEvents } from './whatsapp-events.js';

@Module({
  controllers: [InstancesController, SandboxController, SendController],
  providers: [
    InstancesRepository,
    MessagesRepository,
    WhatsappEvents,
    {
      provide: SandboxTransport,
      inject: [PinoLogger, APP_CONFIG],
      useFactory: (logger: PinoLogger, config: AppConfig) =>
        new SandboxTransport({ logger: logger.logger.child({ context: 'Sandbox' }), journalDirectory: join(config.dataDir, 'sandbox') }),
    },
    {
      provide: BaileysTransport,
      inject: [PinoLogger, APP_CONFIG],
      useFactory: (logger: PinoLogger, config: AppConfig) =>
        new BaileysTransport(
          logger.logger.child({ context: 'Baileys' }),
          config.whatsapp.webSocketUrl === null ? {} : { waWebSocketUrl: config.whatsapp.webSocketUrl },
        ),
    },
    {
      provide: TransportRegistry,
      inject: [BaileysTransport, SandboxTransport],
      useFactory: (baileys: BaileysTransport, sandbox: SandboxTransport) => new TransportRegistry({ baileys, sandbox }),
    },
    ConnectionManager,
    InstancesService,
    OutboundService,
  ],
  exports: [ConnectionManager, MessagesRepository, WhatsappEvents, InstancesRepository, SandboxTransport, OutboundService],
})
export class WhatsappModule {}
