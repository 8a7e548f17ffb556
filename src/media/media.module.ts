import { Global, Module } from '@nestjs/common';
import { join } from 'node:path';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { BootError } from '../common/domain.exception.js';
import { MediaController } from './media.controller.js';
import { LocalMediaStore, MEDIA_STORE } from './media-store.js';
import { MessageMediaRepository } from './message-media.repository.js';

@Global()
@Module({
  controllers: [MediaController],
  providers: [
    MessageMediaRepository,
    {
      provide: MEDIA_STORE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        if (config.mediaStore === 'supabase') {
          throw new BootError('MEDIA_STORE=supabase is not implemented yet: use MEDIA_STORE=local');
        }
        return new LocalMediaStore(join(config.dataDir, 'media'));
      },
    },
  ],
  exports: [MEDIA_STORE],
})
export class MediaModule {}
