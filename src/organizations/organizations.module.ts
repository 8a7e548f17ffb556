import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { AdminController } from './admin.controller.js';
import { DemoSeeder } from './demo-seeder.js';
import { OrganizationsController } from './organizations.controller.js';
import { OrganizationsRepository } from './organizations.repository.js';
import { OrganizationsService } from './organizations.service.js';

@Module({
  imports: [AuthModule],
  controllers: [AdminController, OrganizationsController],
  providers: [OrganizationsRepository, OrganizationsService, DemoSeeder],
  exports: [OrganizationsService, OrganizationsRepository],
})
export class OrganizationsModule {}
