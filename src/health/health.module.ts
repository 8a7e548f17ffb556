import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { WhatsappModule } from '../whatsapp/whatsapp.module.js';
import { HealthController } from './health.controller.js';
import { WhatsappHealthCheckService } from './whatsapp-health-check.service.js';
import { WhatsappHealthController } from './whatsapp-health.controller.js';
import { WhatsappHealthRepository } from './whatsapp-health.repository.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false, errorLogStyle: 'json' }), WhatsappModule],
  controllers: [HealthController, WhatsappHealthController],
  providers: [WhatsappHealthRepository, WhatsappHealthCheckService],
  exports: [WhatsappHealthCheckService],
})
export class HealthModule {}
