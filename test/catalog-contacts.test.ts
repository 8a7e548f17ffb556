import { asc, eq } from 'drizzle-orm';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogService } from '../src/catalog/catalog.service.js';
import { ResourceNotFoundException } from '../src/common/domain.exception.js';
import { ContactsService } from '../src/contacts/contacts.service.js';
import { migrate, MIGRATIONS_DIRECTORY } from '../src/database/migrator.js';
import { PostgresDatabase } from '../src/database/postgres-database.js';
import { campaignRecipients, contacts, conversations, messages, organizations, pets } from '../src/database/schema.js';
import { request, startTestApp, type TestApp } from './support/app.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

const ADMIN_KEY = 'admin-key-for-catalog-tests-0123';

interface Shop {
  id: string;
  key: string;
}

describe('catalog (services, resources) and contacts (contacts, pets) on PostgreSQL', () => {
  let testDatabase: TestDatabase;
  let server: TestApp;
  let shopA: Shop;
  let shopB: Shop;

  const call = (shop: Shop, method: string, path: string, body?: unknown) =>
    request(server.baseUrl, method, path, { token: shop.key, body });

  const createShop = async (name: string): Promise<Shop> => {
    const response = await request(server.baseUrl, 'POST', '/api/admin/organizations', { token: ADMIN_KEY, body: { name } });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return { id: response.body.organization.id as string, key: response.body.apiKey.key as string };
  };

  const badFields = (body: { details?: { field: string }[] }) => (body.details ?? []).map((detail) => detail.field).sort();

  const idsOf = (body: { data: { id: string }[] }) => body.data.map((row) => row.id);

  beforeAll(async () => {
    testDatabase = await createTestDatabase('catalog_contacts');
    server = await startTestApp({ DATABASE_URL: testDatabase.url, ADMIN_API_KEY: ADMIN_KEY });
    shopA = await createShop('Banho & Tosa A');
    shopB = await createShop('Clínica B');
  });

  afterAll(async () => {
    await server?.close();
    await testDatabase?.drop();
  });

  describe('services', () => {
    it('creates, reads, lists, updates and retires a service', async () => {
      const created = await call(shopA, 'POST', '/api/services', {
        name: 'Banho',
        durationMin: 60,
        priceCents: 8000,
        resourceKind: 'bath_station',
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject({ name: 'Banho', durationMin: 60, priceCents: 8000, resourceKind: 'bath_station', active: true });
      expect(created.body.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
      const id = created.body.id as string;

      const read = await call(shopA, 'GET', `/api/services/${id}`);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(created.body);

      const updated = await call(shopA, 'PATCH', `/api/services/${id}`, { priceCents: 9500, name: 'Banho completo' });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ id, name: 'Banho completo', priceCents: 9500, durationMin: 60, active: true });

      const retired = await call(shopA, 'DELETE', `/api/services/${id}`);
      expect(retired.status).toBe(200);
      expect(retired.body).toMatchObject({ id, active: false });
      expect((await call(shopA, 'GET', `/api/services/${id}`)).body.active).toBe(false);

      expect(idsOf((await call(shopA, 'GET', '/api/services?active=false')).body)).toContain(id);
      expect(idsOf((await call(shopA, 'GET', '/api/services?active=true')).body)).not.toContain(id);
      expect(idsOf((await call(shopA, 'GET', '/api/services')).body)).toContain(id);

      const revived = await call(shopA, 'PATCH', `/api/services/${id}`, { active: true });
      expect(revived.body.active).toBe(true);
    });

    it('names each invalid field with 400', async () => {
      const invalid = await call(shopA, 'POST', '/api/services', { name: '', durationMin: 0, priceCents: -1, resourceKind: 'spaceship' });
      expect(invalid.status).toBe(400);
      expect(badFields(invalid.body)).toEqual(['durationMin', 'name', 'priceCents', 'resourceKind']);

      const tooLong = await call(shopA, 'POST', '/api/services', { name: 'Hotel', durationMin: 20161, priceCents: 0, resourceKind: 'hotel_room' });
      expect(tooLong.status).toBe(400);
      expect(badFields(tooLong.body)).toEqual(['durationMin']);

      const fractional = await call(shopA, 'POST', '/api/services', { name: 'Tosa', durationMin: 30.5, priceCents: 10.5, resourceKind: 'groomer' });
      expect(badFields(fractional.body)).toEqual(['durationMin', 'priceCents']);

      const unknownField = await call(shopA, 'POST', '/api/services', { name: 'Tosa', durationMin: 30, priceCents: 0, resourceKind: 'groomer', color: 'red' });
      expect(unknownField.status).toBe(400);
      expect(badFields(unknownField.body)).toEqual(['color']);

      const created = await call(shopA, 'POST', '/api/services', { name: 'Tosa', durationMin: 30, priceCents: 0, resourceKind: 'groomer' });
      expect(created.status).toBe(201);
      // The columns are NOT NULL: null is refused here, not by the database as a 500.
      const nulled = await call(shopA, 'PATCH', `/api/services/${created.body.id}`, { name: null, active: null });
      expect(nulled.status).toBe(400);
      expect(badFields(nulled.body)).toEqual(['active', 'name']);

      const badFilter = await call(shopA, 'GET', '/api/services?active=maybe');
      expect(badFilter.status).toBe(400);
      expect(badFields(badFilter.body)).toEqual(['active']);

      const badId = await call(shopA, 'GET', '/api/services/not-a-uuid');
      expect(badId.status).toBe(400);
    });

    it('getService of the exported CatalogService finds a retired service and refuses another organization', async () => {
      const catalog = server.app.get(CatalogService);
      const created = await call(shopA, 'POST', '/api/services', { name: 'Consulta', durationMin: 30, priceCents: 15000, resourceKind: 'vet' });
      await call(shopA, 'DELETE', `/api/services/${created.body.id}`);
      expect(await catalog.getService(shopA.id, created.body.id)).toMatchObject({ id: created.body.id, active: false });
      await expect(catalog.getService(shopB.id, created.body.id)).rejects.toBeInstanceOf(ResourceNotFoundException);
      await expect(catalog.getService(shopA.id, '00000000-0000-4000-8000-000000000000')).rejects.toThrow(/Service .* was not found/);
    });
  });

  describe('resources', () => {
    it('creates, reads, filters by kind, updates and retires a resource', async () => {
      const created = await call(shopA, 'POST', '/api/resources', { name: 'Mesa 1', kind: 'groomer' });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject({ name: 'Mesa 1', kind: 'groomer', capacity: 1, active: true });
      const id = created.body.id as string;
      const other = await call(shopA, 'POST', '/api/resources', { name: 'Dra. Paula', kind: 'vet' });

      expect((await call(shopA, 'GET', `/api/resources/${id}`)).body).toEqual(created.body);

      const groomers = await call(shopA, 'GET', '/api/resources?kind=groomer');
      expect(idsOf(groomers.body)).toContain(id);
      expect(idsOf(groomers.body)).not.toContain(other.body.id);
      expect(groomers.body.data.every((resource: { kind: string }) => resource.kind === 'groomer')).toBe(true);

      const updated = await call(shopA, 'PATCH', `/api/resources/${id}`, { name: 'Mesa de tosa 1' });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ id, name: 'Mesa de tosa 1', kind: 'groomer' });
      const unchanged = await call(shopA, 'PATCH', `/api/resources/${id}`, {});
      expect(unchanged.status).toBe(200);
      expect(unchanged.body).toEqual(updated.body);

      const retired = await call(shopA, 'DELETE', `/api/resources/${id}`);
      expect(retired.status).toBe(200);
      expect(retired.body).toMatchObject({ id, active: false });
      expect(idsOf((await call(shopA, 'GET', '/api/resources?kind=groomer&active=true')).body)).not.toContain(id);
      expect(idsOf((await call(shopA, 'GET', '/api/resources?active=false')).body)).toContain(id);
    });

    it('names each invalid field with 400', async () => {
      const invalid = await call(shopA, 'POST', '/api/resources', { name: 'x'.repeat(121), kind: 'spaceship' });
      expect(invalid.status).toBe(400);
      expect(badFields(invalid.body)).toEqual(['kind', 'name']);
      const badFilter = await call(shopA, 'GET', '/api/resources?kind=spaceship');
      expect(badFilter.status).toBe(400);
      expect(badFields(badFilter.body)).toEqual(['kind']);
    });

    it('activeResourcesOfKind returns the active ones of the kind, by name then id', async () => {
      const shop = await createShop('Hotel C');
      const make = async (name: string, kind: string) => (await call(shop, 'POST', '/api/resources', { name, kind })).body.id as string;
      const roomB = await make('Quarto B', 'hotel_room');
      const roomA = await make('Quarto A', 'hotel_room');
      const twinA = await make('Quarto A', 'hotel_room');
      const closed = await make('Quarto 0', 'hotel_room');
      await make('Box', 'bath_station');
      await call(shop, 'DELETE', `/api/resources/${closed}`);

      const rooms = await server.app.get(CatalogService).activeResourcesOfKind(shop.id, 'hotel_room');
      expect(rooms.map((room) => room.id)).toEqual([...[roomA, twinA].sort(), roomB]);
      expect(await server.app.get(CatalogService).activeResourcesOfKind(shop.id, 'vet')).toEqual([]);
    });
  });

  describe('contacts', () => {
    it('creates a contact with its phone in E.164, reads, searches and updates it', async () => {
      const created = await call(shopA, 'POST', '/api/contacts', { phone: '(11) 98765-4321', name: 'Ana Souza', notes: 'Prefere manhã' });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject({ phone: '+5511987654321', name: 'Ana Souza', notes: 'Prefere manhã', optedOutAt: null });
      const id = created.body.id as string;
      await call(shopA, 'POST', '/api/contacts', { phone: '+5521912345678', name: 'Bruno' });

      expect((await call(shopA, 'GET', `/api/contacts/${id}`)).body).toEqual(created.body);

      const byName = await call(shopA, 'GET', '/api/contacts?q=ANA%20s');
      expect(idsOf(byName.body)).toEqual([id]);
      const byPhone = await call(shopA, 'GET', '/api/contacts?q=98765');
      expect(idsOf(byPhone.body)).toEqual([id]);
      const wildcard = await call(shopA, 'GET', '/api/contacts?q=%25');
      expect(wildcard.body.data).toEqual([]);

      const updated = await call(shopA, 'PATCH', `/api/contacts/${id}`, { name: 'Ana S.', notes: null });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ id, name: 'Ana S.', notes: null, phone: '+5511987654321' });
    });

    it('records an opt-out once, filters by it, and clears it', async () => {
      const created = await call(shopA, 'POST', '/api/contacts', { phone: '11 97777-0000' });
      const id = created.body.id as string;
      const optedOut = await call(shopA, 'PATCH', `/api/contacts/${id}`, { optedOut: true });
      expect(optedOut.status).toBe(200);
      expect(optedOut.body.optedOutAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      const again = await call(shopA, 'PATCH', `/api/contacts/${id}`, { optedOut: true });
      expect(again.body.optedOutAt).toBe(optedOut.body.optedOutAt);

      expect(idsOf((await call(shopA, 'GET', '/api/contacts?optedOut=true&limit=200')).body)).toContain(id);
      expect(idsOf((await call(shopA, 'GET', '/api/contacts?optedOut=false&limit=200')).body)).not.toContain(id);

      const cleared = await call(shopA, 'PATCH', `/api/contacts/${id}`, { optedOut: false });
      expect(cleared.body.optedOutAt).toBeNull();
      expect(idsOf((await call(shopA, 'GET', '/api/contacts?optedOut=false&limit=200')).body)).toContain(id);
    });

    it('answers 409 contact_exists for a phone the organization already has, however it is written', async () => {
      const first = await call(shopA, 'POST', '/api/contacts', { phone: '+5511955554444', name: 'Carla' });
      expect(first.status).toBe(201);
      const duplicate = await call(shopA, 'POST', '/api/contacts', { phone: '(11) 95555-4444', name: 'Carla de novo' });
      expect(duplicate.status).toBe(409);
      expect(duplicate.body).toMatchObject({
        statusCode: 409,
        code: 'contact_exists',
        message: 'A contact with phone +5511955554444 already exists in this organization',
        details: { phone: '+5511955554444', contactId: first.body.id },
      });
      // Uniqueness is per organization.
      expect((await call(shopB, 'POST', '/api/contacts', { phone: '+5511955554444' })).status).toBe(201);
      // A mobile written without its ninth digit is the same number.
      const mobile = await call(shopA, 'POST', '/api/contacts', { phone: '(11) 8765-4400' });
      expect(mobile.body).toMatchObject({ phone: '+5511987654400' });
      const withoutNinth = await call(shopA, 'POST', '/api/contacts', { phone: '+551187654400' });
      expect(withoutNinth.body).toMatchObject({ code: 'contact_exists', details: { phone: '+5511987654400', contactId: mobile.body.id } });
    });

    it('names each invalid field with 400', async () => {
      const invalid = await call(shopA, 'POST', '/api/contacts', { phone: 'banana', name: '' });
      expect(invalid.status).toBe(400);
      expect(badFields(invalid.body)).toEqual(['name', 'phone']);
      expect(invalid.body.message).toMatch(/phone must be a phone number in E.164 form/);
      const missing = await call(shopA, 'POST', '/api/contacts', { name: 'Sem telefone' });
      expect(badFields(missing.body)).toEqual(['phone']);
      const contact = await call(shopA, 'POST', '/api/contacts', { phone: '+5511933332222' });
      const badPatch = await call(shopA, 'PATCH', `/api/contacts/${contact.body.id}`, { optedOut: 'yes', phone: '+5511900000000' });
      expect(badFields(badPatch.body)).toEqual(['optedOut', 'phone']);
      const badFilter = await call(shopA, 'GET', '/api/contacts?optedOut=1');
      expect(badFields(badFilter.body)).toEqual(['optedOut']);
    });

    it('refuses a name of spaces alone, on create and update, and stores a name without the spaces around it', async () => {
      const blank = await call(shopA, 'POST', '/api/contacts', { phone: '+5511933330001', name: '   ' });
      expect(blank.status).toBe(400);
      expect(badFields(blank.body)).toEqual(['name']);
      expect(blank.body.message).toBe('name must have 1 to 120 characters besides spaces at either end');
      const padded = await call(shopA, 'POST', '/api/contacts', { phone: '+5511933330001', name: '  Ana Lima \t' });
      expect(padded.status).toBe(201);
      expect(padded.body.name).toBe('Ana Lima');
      const blankPatch = await call(shopA, 'PATCH', `/api/contacts/${padded.body.id}`, { name: ' \n ' });
      expect(blankPatch.status).toBe(400);
      expect(badFields(blankPatch.body)).toEqual(['name']);
      expect((await call(shopA, 'PATCH', `/api/contacts/${padded.body.id}`, { name: null })).body.name).toBeNull();
    });
  });

  it('refuses a name of spaces alone for services, resources, pets, API keys and the shop, and trims the one it stores', async () => {
    const owner = (await call(shopA, 'POST', '/api/contacts', { phone: '+5511933330009', name: 'Dono do Bob' })).body.id as string;
    const creates: [string, Record<string, unknown>][] = [
      ['/api/services', { durationMin: 30, priceCents: 1000, resourceKind: 'groomer' }],
      ['/api/resources', { kind: 'groomer' }],
      ['/api/pets', { contactId: owner, species: 'cachorro' }],
      ['/api/api-keys', {}],
    ];
    for (const [path, body] of creates) {
      const blank = await call(shopA, 'POST', path, { ...body, name: ' \t ' });
      expect(blank.status, path).toBe(400);
      expect(badFields(blank.body), path).toEqual(['name']);
      const padded = await call(shopA, 'POST', path, { ...body, name: '  Bob Esponja ' });
      expect(padded.status, `${path} ${JSON.stringify(padded.body)}`).toBe(201);
      expect(padded.body.name ?? padded.body.apiKey?.name, path).toBe('Bob Esponja');
    }
    const blankShop = await call(shopA, 'PATCH', '/api/organizations/me', { name: '   ' });
    expect(blankShop.status).toBe(400);
    expect(badFields(blankShop.body)).toEqual(['name']);
  });

  describe('pets', () => {
    let ownerId: string;

    beforeAll(async () => {
      ownerId = (await call(shopA, 'POST', '/api/contacts', { phone: '+5511944443333', name: 'Dona do Rex' })).body.id;
    });

    it('creates, reads, lists by contact, updates and deletes a pet', async () => {
      const created = await call(shopA, 'POST', '/api/pets', {
        contactId: ownerId,
        name: 'Rex',
        species: 'cachorro',
        breed: 'Shih-tzu',
        size: 'pequeno',
        birthDate: '2021-03-15',
        notes: 'Medo de secador',
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject({
        contactId: ownerId,
        name: 'Rex',
        species: 'cachorro',
        breed: 'Shih-tzu',
        size: 'pequeno',
        birthDate: '2021-03-15',
        notes: 'Medo de secador',
      });
      const id = created.body.id as string;
      const otherOwner = (await call(shopA, 'POST', '/api/contacts', { phone: '+5511944442222' })).body.id as string;
      const otherPet = await call(shopA, 'POST', '/api/pets', { contactId: otherOwner, name: 'Mimi', species: 'gato' });
      expect(otherPet.status).toBe(201);

      expect((await call(shopA, 'GET', `/api/pets/${id}`)).body).toEqual(created.body);
      expect(idsOf((await call(shopA, 'GET', `/api/pets?contactId=${ownerId}`)).body)).toEqual([id]);
      expect(idsOf((await call(shopA, 'GET', '/api/pets')).body)).toEqual(expect.arrayContaining([id, otherPet.body.id]));
      expect((await call(shopA, 'GET', '/api/pets?contactId=nope')).status).toBe(400);

      const updated = await call(shopA, 'PATCH', `/api/pets/${id}`, { name: 'Rex II', breed: null, size: 'medio' });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ id, name: 'Rex II', breed: null, size: 'medio', birthDate: '2021-03-15' });

      const deleted = await call(shopA, 'DELETE', `/api/pets/${id}`);
      expect(deleted.status).toBe(204);
      expect(deleted.body).toBe('');
      expect((await call(shopA, 'GET', `/api/pets/${id}`)).status).toBe(404);
      expect((await call(shopA, 'DELETE', `/api/pets/${id}`)).status).toBe(404);
    });

    it('refuses a birth date in the future or not a plain day, naming birthDate', async () => {
      const tomorrow = new Date(Date.now() + 2 * 24 * 3600 * 1000).toISOString().slice(0, 10);
      const future = await call(shopA, 'POST', '/api/pets', { contactId: ownerId, name: 'Futuro', species: 'cachorro', birthDate: tomorrow });
      expect(future.status).toBe(400);
      expect(future.body.code).toBe('validation_failed');
      expect(badFields(future.body)).toEqual(['birthDate']);
      expect(future.body.message).toMatch(/birthDate must not be in the future/);

      for (const birthDate of ['2021-02-30', '2021-03-15T10:00:00Z', '15/03/2021']) {
        const response = await call(shopA, 'POST', '/api/pets', { contactId: ownerId, name: 'Rex', species: 'cachorro', birthDate });
        expect(response.status, birthDate).toBe(400);
        expect(badFields(response.body), birthDate).toEqual(['birthDate']);
      }

      const pet = await call(shopA, 'POST', '/api/pets', { contactId: ownerId, name: 'Bolt', species: 'cachorro' });
      const futurePatch = await call(shopA, 'PATCH', `/api/pets/${pet.body.id}`, { birthDate: tomorrow });
      expect(futurePatch.status).toBe(400);
      expect(badFields(futurePatch.body)).toEqual(['birthDate']);
    });

    it('names each other invalid field with 400', async () => {
      const invalid = await call(shopA, 'POST', '/api/pets', { contactId: 'x', name: '', species: 's'.repeat(41), size: 'enorme' });
      expect(invalid.status).toBe(400);
      expect(badFields(invalid.body)).toEqual(['contactId', 'name', 'size', 'species']);
      const pet = await call(shopA, 'POST', '/api/pets', { contactId: ownerId, name: 'Bidu', species: 'cachorro' });
      const nulled = await call(shopA, 'PATCH', `/api/pets/${pet.body.id}`, { name: null, contactId: ownerId });
      expect(badFields(nulled.body)).toEqual(['contactId', 'name']);
    });

    it('answers 404 naming the contact when it is missing', async () => {
      const missing = '00000000-0000-4000-8000-000000000000';
      const response = await call(shopA, 'POST', '/api/pets', { contactId: missing, name: 'Rex', species: 'cachorro' });
      expect(response.status).toBe(404);
      expect(response.body.message).toBe(`Contact ${missing} was not found`);
    });
  });

  describe('organization isolation', () => {
    // Every route against another organization's ids: test/tenant-isolation.test.ts (generated from the OpenAPI document).
    it("the exported ContactsService refuses another organization's contact and pet", async () => {
      const contact = (await call(shopA, 'POST', '/api/contacts', { phone: '+5511922221111', name: 'Cliente A' })).body;
      const pet = (await call(shopA, 'POST', '/api/pets', { contactId: contact.id, name: 'Pet A', species: 'gato' })).body;
      const contacts = server.app.get(ContactsService);
      await expect(contacts.getContact(shopB.id, contact.id)).rejects.toBeInstanceOf(ResourceNotFoundException);
      await expect(contacts.getPet(shopB.id, pet.id)).rejects.toBeInstanceOf(ResourceNotFoundException);
      expect(await contacts.getPet(shopA.id, pet.id)).toMatchObject({ id: pet.id });
    });

    it("answers 404 naming the contact when a pet is registered for another organization's contact", async () => {
      const contactOfA = (await call(shopA, 'POST', '/api/contacts', { phone: '+5511911110000' })).body.id as string;
      const response = await call(shopB, 'POST', '/api/pets', { contactId: contactOfA, name: 'Intruso', species: 'cachorro' });
      expect(response.status).toBe(404);
      expect(response.body.message).toBe(`Contact ${contactOfA} was not found`);
      expect((await call(shopA, 'GET', `/api/pets?contactId=${contactOfA}`)).body.data).toEqual([]);
    });
  });

  it('paginates every list with hasMore', async () => {
    const shop = await createShop('Paginação D');
    const owner = (await call(shop, 'POST', '/api/contacts', { phone: '+5511900000001' })).body.id as string;
    await call(shop, 'POST', '/api/contacts', { phone: '+5511900000002' });
    for (const name of ['A', 'B']) {
      await call(shop, 'POST', '/api/services', { name, durationMin: 30, priceCents: 100, resourceKind: 'groomer' });
      await call(shop, 'POST', '/api/resources', { name, kind: 'groomer' });
      await call(shop, 'POST', '/api/pets', { contactId: owner, name, species: 'cachorro' });
    }
    for (const path of ['/api/services', '/api/resources', '/api/contacts', '/api/pets']) {
      const first = await call(shop, 'GET', `${path}?limit=1`);
      expect(first.status, path).toBe(200);
      expect(first.body.data, path).toHaveLength(1);
      expect(first.body.page, path).toEqual({ limit: 1, offset: 0, hasMore: true });
      const second = await call(shop, 'GET', `${path}?limit=1&offset=1`);
      expect(second.body.data, path).toHaveLength(1);
      expect(second.body.page, path).toEqual({ limit: 1, offset: 1, hasMore: false });
      expect(second.body.data[0].id, path).not.toBe(first.body.data[0].id);
    }
    const services = await call(shop, 'GET', '/api/services');
    expect(services.body.data.map((service: { name: string }) => service.name)).toEqual(['A', 'B']);
  });

  it('documents every route and every DTO field with an example', async () => {
    const docs = await request(server.baseUrl, 'GET', '/docs-json');
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/services',
        '/api/services/{id}',
        '/api/resources',
        '/api/resources/{id}',
        '/api/contacts',
        '/api/contacts/{id}',
        '/api/pets',
        '/api/pets/{id}',
      ]),
    );
    const schemas = docs.body.components.schemas as Record<string, { properties?: Record<string, Record<string, unknown>> }>;
    const ours = ['CreateServiceDto', 'UpdateServiceDto', 'ServiceDto', 'CreateResourceDto', 'UpdateResourceDto', 'ResourceDto', 'CreateContactDto', 'UpdateContactDto', 'ContactDto', 'CreatePetDto', 'UpdatePetDto', 'PetDto'];
    for (const name of ours) {
      expect(schemas[name], name).toBeDefined();
      for (const [field, property] of Object.entries(schemas[name].properties ?? {})) {
        expect('example' in property, `${name}.${field} has no example`).toBe(true);
      }
    }
    const listParameters = (docs.body.paths['/api/services'].get.parameters as { name: string }[]).map((parameter) => parameter.name);
    expect(listParameters).toEqual(expect.arrayContaining(['limit', 'offset', 'active']));
  });
});

describe('migrations of rows stored before, on PostgreSQL', () => {
  /** A database migrated up to, not including, `migration` (its number); `check` writes the old rows, migrates the rest and looks. */
  async function beforeMigration(migration: string, check: (database: PostgresDatabase) => Promise<void>): Promise<void> {
    const testDatabase = await createTestDatabase(`before_${migration}`);
    const database = PostgresDatabase.connect(testDatabase.url, 2);
    const earlier = await mkdtemp(join(tmpdir(), 'oxy-migrations-'));
    try {
      for (const file of await readdir(MIGRATIONS_DIRECTORY)) {
        if (/^\d+_.*\.sql$/.test(file) && file < migration) await copyFile(join(MIGRATIONS_DIRECTORY, file), join(earlier, file));
      }
      await migrate(database, earlier);
      await check(database);
    } finally {
      await database.close();
      await testDatabase.drop();
      await rm(earlier, { recursive: true, force: true });
    }
  }

  /**
   * Old rows, in SQL naming only their columns: the schema's insert would name
   * columns later migrations add, which the database does not have yet. Every
   * row names the same columns; returns the ids, in order.
   */
  async function insertRows(database: PostgresDatabase, table: string, rows: Record<string, unknown>[]): Promise<string[]> {
    const columns = Object.keys(rows[0]);
    const params: unknown[] = [];
    const tuples = rows.map((row) => `(${columns.map((column) => `$${params.push(row[column])}`).join(', ')})`);
    const inserted = await database.withConnection((runner) =>
      runner.query<{ id?: string }>(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')} RETURNING *`, params),
    );
    return inserted.map((row) => row.id ?? '');
  }

  it('0016 spells owner numbers, contacts and messages with the ninth digit, and merges the two contacts of one person into the nine-digit one', async () => {
    await beforeMigration('0016', async (database) => {
      // Rows as the code before wrote them: a sender's number as its WhatsApp JID spelled it.
      const db = database.systemDb;
      const at = (minute: number) => new Date(Date.UTC(2026, 0, 5, 12, minute));
      const [organizationId] = await insertRows(database, 'organizations', [
        { name: 'Pet Antigo', authorized_owner_numbers: ['+551187650099', '+5511900000099', '+5511987650099'] },
      ]);
      const [instanceId] = await insertRows(database, 'whatsapp_instances', [{ organization_id: organizationId, name: 'main' }]);
      const contact = { organization_id: organizationId, name: null, notes: null, wa_jid: null, last_message_at: null, opted_out_at: null };
      const [written, typed, alone, landline] = await insertRows(database, 'contacts', [
        { ...contact, phone: '+551187650011', name: 'Bia WhatsApp', wa_jid: '551187650011@s.whatsapp.net', last_message_at: at(30), opted_out_at: at(31) },
        { ...contact, phone: '+5511987650011', name: 'Bia', notes: 'cliente antiga', last_message_at: at(10) },
        { ...contact, phone: '+552187650022' },
        { ...contact, phone: '+551134567890' },
      ]);
      const [writtenConversation, typedConversation] = await insertRows(database, 'conversations', [
        { organization_id: organizationId, contact_id: written, state: 'waiting_human', last_message_at: at(30) },
        { organization_id: organizationId, contact_id: typed, state: 'bot', last_message_at: at(10) },
      ]);
      await insertRows(database, 'pets', [
        { organization_id: organizationId, contact_id: written, name: 'Rex', species: 'cachorro' },
        { organization_id: organizationId, contact_id: typed, name: 'Mel', species: 'gato' },
      ]);
      const message = { organization_id: organizationId, instance_id: instanceId, type: 'text', status: 'processed' };
      await insertRows(database, 'messages', [
        { ...message, contact_id: typed, conversation_id: typedConversation, remote_phone: '+5511987650011', direction: 'outbound', origin: 'api', body: 'Olá Bia' },
        { ...message, contact_id: written, conversation_id: writtenConversation, remote_phone: '+551187650011', direction: 'inbound', origin: 'customer', body: 'oi' },
        { ...message, contact_id: alone, conversation_id: null, remote_phone: '+552187650022', direction: 'inbound', origin: 'customer', body: 'bom dia' },
      ]);
      const [campaign] = await insertRows(database, 'campaigns', [
        { organization_id: organizationId, code: 'K7P2QX', objective: 'voltar', audience: JSON.stringify({ kind: 'all' }), text: 'Promoção', created_by_kind: 'system' },
      ]);
      await insertRows(database, 'campaign_recipients', [
        { campaign_id: campaign, organization_id: organizationId, contact_id: written, status: 'sent', skip_reason: null },
        { campaign_id: campaign, organization_id: organizationId, contact_id: typed, status: 'skipped', skip_reason: 'opted_out' },
      ]);

      expect((await migrate(database)).applied).toContain('0016_brazilian_ninth_digit.sql');

      const [migrated] = await db.select().from(organizations).where(eq(organizations.id, organizationId));
      expect(migrated.authorizedOwnerNumbers).toEqual(['+5511987650099', '+5511900000099']);
      const people = await db.select().from(contacts).where(eq(contacts.organizationId, organizationId)).orderBy(asc(contacts.phone));
      expect(people.map((person) => person.phone)).toEqual(['+551134567890', '+5511987650011', '+5521987650022']);
      expect(people.map((person) => person.id)).toEqual([landline, typed, alone]);
      // What staff wrote stays; what only the messages knew is learnt; opted out since the other was.
      expect(people[1]).toMatchObject({ name: 'Bia', notes: 'cliente antiga', waJid: '551187650011@s.whatsapp.net', lastMessageAt: at(30), optedOutAt: at(31) });
      // The conversation with the latest message stays, the person's.
      const kept = await db.select().from(conversations).where(eq(conversations.organizationId, organizationId));
      expect(kept).toEqual([expect.objectContaining({ id: writtenConversation, contactId: typed, state: 'waiting_human' })]);
      const petNames = await db.select({ name: pets.name }).from(pets).where(eq(pets.contactId, typed)).orderBy(asc(pets.name));
      expect(petNames.map((pet) => pet.name)).toEqual(['Mel', 'Rex']);
      const rows = await db.select().from(messages).where(eq(messages.organizationId, organizationId));
      expect(rows.map(({ body, remotePhone, contactId, conversationId }) => ({ body, remotePhone, contactId, conversationId })).sort((a, b) => a.body!.localeCompare(b.body!))).toEqual([
        { body: 'bom dia', remotePhone: '+5521987650022', contactId: alone, conversationId: null },
        { body: 'oi', remotePhone: '+5511987650011', contactId: typed, conversationId: writtenConversation },
        { body: 'Olá Bia', remotePhone: '+5511987650011', contactId: typed, conversationId: writtenConversation },
      ]);
      const recipients = await db.select().from(campaignRecipients).where(eq(campaignRecipients.campaignId, campaign));
      expect(recipients).toEqual([expect.objectContaining({ contactId: typed, status: 'skipped' })]);
    });
  });

  it("0017 takes group chats' messages out of the sender's conversation, naming the sender", async () => {
    await beforeMigration('0017', async (database) => {
      const db = database.systemDb;
      const [organizationId] = await insertRows(database, 'organizations', [{ name: 'Pet Grupo' }]);
      const [instanceId] = await insertRows(database, 'whatsapp_instances', [{ organization_id: organizationId, name: 'main' }]);
      const inbound = { organization_id: organizationId, instance_id: instanceId, remote_phone: '+5511970000077', direction: 'inbound', origin: 'customer', type: 'text', status: 'processed' };
      await insertRows(database, 'messages', [
        // As the intake stored a group chat's message: under the participant's phone.
        { ...inbound, wa_message_id: 'G1', body: 'segredo dito no grupo', error: 'group chat: stored, not answered' },
        { ...inbound, wa_message_id: 'P1', body: 'oi', error: null },
        { ...inbound, wa_message_id: 'P2', body: 'alô?', error: 'with a person' },
      ]);

      expect((await migrate(database)).applied).toContain('0017_group_messages_apart.sql');

      const rows = await db.select().from(messages).where(eq(messages.organizationId, organizationId)).orderBy(asc(messages.waMessageId));
      expect(rows.map(({ waMessageId, remotePhone, error }) => ({ waMessageId, remotePhone, error }))).toEqual([
        { waMessageId: 'G1', remotePhone: 'unknown@g.us', error: 'group chat: stored, not answered (sent by +5511970000077)' },
        { waMessageId: 'P1', remotePhone: '+5511970000077', error: null },
        { waMessageId: 'P2', remotePhone: '+5511970000077', error: 'with a person' },
      ]);
    });
  });
});
