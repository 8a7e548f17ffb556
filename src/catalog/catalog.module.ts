import { Module } from '@nestjs/common';
import { CatalogService } from './catalog.service.js';
import { ResourcesController } from './resources.controller.js';
import { ResourcesRepository } from './resources.repository.js';
import { ServicesController } from './services.controller.js';
import { ServicesRepository } from './services.repository.js';

@Module({
  controllers: [ServicesController, ResourcesController],
  providers: [ServicesRepository, ResourcesRepository, CatalogService],
  exports: [CatalogService, ServicesRepository, ResourcesRepository],
})
export class CatalogModule {}
