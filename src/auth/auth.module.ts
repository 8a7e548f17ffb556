import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyEvents } from './api-key-events.js';
import { ApiKeyRevocationRelay } from './api-key-revocation.relay.js';
import { ApiKeyUsageRecorder } from './api-key-usage.recorder.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import { AuthGuard } from './auth.guard.js';
import { CredentialsVerifier } from './credentials-verifier.js';
import { MembersRepository } from './members.repository.js';

@Module({
  controllers: [ApiKeysController],
  providers: [
    ApiKeysRepository,
    ApiKeysService,
    MembersRepository,
    ApiKeyUsageRecorder,
    ApiKeyEvents,
    CredentialsVerifier,
    ApiKeyRevocationRelay,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [ApiKeysRepository, ApiKeysService, ApiKeyEvents, CredentialsVerifier],
})
export class AuthModule {}
