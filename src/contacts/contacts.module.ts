import { Module } from '@nestjs/common';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { ContactsController } from './contacts.controller.js';
import { ContactsRepository } from './contacts.repository.js';
import { ContactsService } from './contacts.service.js';
import { PetsController } from './pets.controller.js';
import { PetsRepository } from './pets.repository.js';

@Module({
  imports: [OrganizationsModule],
  controllers: [ContactsController, PetsController],
  providers: [ContactsRepository, PetsRepository, ContactsService],
  exports: [ContactsService, ContactsRepository, PetsRepository],
})
export class ContactsModule {}
