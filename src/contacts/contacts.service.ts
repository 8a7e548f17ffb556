import { Inject, Injectable } from '@nestjs/common';
import { localDate } from '../booking/zoned-time.js';
import { Clock } from '../common/clock.js';
import { ResourceNotFoundException } from '../common/domain.exception.js';
import { DATABASE, type Database } from '../database/database.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { BirthDateInFutureException, ContactExistsException } from './contacts.exceptions.js';
import {
  type ContactChanges,
  type ContactFilter,
  type ContactRow,
  ContactsRepository,
  type NewContact,
} from './contacts.repository.js';
import { type NewPet, type PetChanges, type PetFilter, type PetRow, PetsRepository } from './pets.repository.js';

/** The shop's customers (one per phone number) and their pets. */
@Injectable()
export class ContactsService {
  constructor(
    @Inject(DATABASE) private readonly database: Database,
    private readonly contacts: ContactsRepository,
    private readonly pets: PetsRepository,
    private readonly organizations: OrganizationsService,
    private readonly clock: Clock,
  ) {}

  listContacts(organizationId: string, filter: ContactFilter, limit: number, offset: number): Promise<ContactRow[]> {
    return this.contacts.list(organizationId, filter, limit, offset);
  }

  async getContact(organizationId: string, id: string): Promise<ContactRow> {
    const contact = await this.contacts.findById(organizationId, id);
    if (contact === null) throw new ResourceNotFoundException('Contact', id);
    return contact;
  }

  async createContact(organizationId: string, contact: NewContact): Promise<ContactRow> {
    const created = await this.contacts.insert(organizationId, contact);
    if (created !== null) return created;
    const existing = await this.contacts.findByPhone(organizationId, contact.phone);
    throw new ContactExistsException(contact.phone, existing?.id ?? null);
  }

  async updateContact(organizationId: string, id: string, changes: ContactChanges): Promise<ContactRow> {
    const contact = await this.contacts.update(organizationId, id, changes, this.clock.now());
    if (contact === null) throw new ResourceNotFoundException('Contact', id);
    return contact;
  }

  listPets(organizationId: string, filter: PetFilter, limit: number, offset: number): Promise<PetRow[]> {
    return this.pets.list(organizationId, filter, limit, offset);
  }

  async getPet(organizationId: string, id: string): Promise<PetRow> {
    const pet = await this.pets.findById(organizationId, id);
    if (pet === null) throw new ResourceNotFoundException('Pet', id);
    return pet;
  }

  async createPet(organizationId: string, pet: NewPet): Promise<PetRow> {
    await this.assertBornByToday(organizationId, pet.birthDate);
    return this.database.withTenant(organizationId, async (tx) => {
      // Foreign keys ignore row-level security, so the contact's organization is checked here.
      if (!(await this.contacts.existsIn(tx, pet.contactId))) throw new ResourceNotFoundException('Contact', pet.contactId);
      return this.pets.insert(tx, organizationId, pet);
    });
  }

  async updatePet(organizationId: string, id: string, changes: PetChanges): Promise<PetRow> {
    await this.assertBornByToday(organizationId, changes.birthDate);
    const pet = await this.pets.update(organizationId, id, changes);
    if (pet === null) throw new ResourceNotFoundException('Pet', id);
    return pet;
  }

  async deletePet(organizationId: string, id: string): Promise<void> {
    if (!(await this.pets.delete(organizationId, id))) throw new ResourceNotFoundException('Pet', id);
  }

  /** "Today" is the shop's, in its time zone: a pet born this evening there is not in the future. */
  private async assertBornByToday(organizationId: string, birthDate: string | null | undefined): Promise<void> {
    if (birthDate === null || birthDate === undefined) return;
    const { timezone } = await this.organizations.get(organizationId);
    const today = localDate(this.clock.now(), timezone);
    if (birthDate > today) throw new BirthDateInFutureException(birthDate, today);
  }
}
