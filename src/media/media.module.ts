import { Global, Module } from '@nestjs/common';
import { join } from 'node:path';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { MediaController } from './media.controller.js';
import { LocalMediaStore, MEDIA_STORE, type MediaStore } from './media-store.js';
import { MessageMediaRepository } from './message-media.repository.js';
import { SupabaseMediaStore } from './supabase-media-store.js';

@Global()
@Module({
  controllers: [MediaController],
  providers: [
    MessageMediaRepository,
    {
      provide: MEDIA_STORE,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig): Promise<MediaStore> => {
        if (config.mediaStore === 'local') return new LocalMediaStore(join(config.dataDir, 'media'));
        const { url, serviceRoleKey, storageBucket } = config.supabase;
        // The configuration check has refused MEDIA_STORE=supabase without both already.
        return SupabaseMediaStore.open(url!, serviceRoleKey!, storageBucket);
      },
    },
  ],
  exports: [MEDIA_STORE],
})
export class MediaModule {}
