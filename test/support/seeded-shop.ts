import type { OpenAPIObject } from '@nestjs/swagger';
import { request } from './app.js';
import { type Operation, resolveSchema } from './openapi.js';
import { waitFor } from './processes.js';
import type { TestShop } from './shop.js';

/** A chatting shop with one of each resource, made through the API as a shop would make them. */
export interface SeededShop extends TestShop {
  resourceId: string;
  contactId: string;
  petId: string;
  bookingId: string;
  apiKeyId: string;
  extraKey: string;
  conversationId: string;
  /** The customer's message in that conversation. */
  messageId: string;
  customerPhone: string;
  campaignId: string;
}

/**
 * How to obtain a shop's id for each documented path parameter, by the path up
 * to that parameter. The generated suites (tenant isolation, hostile input) fail
 * on a route whose parameter is not here: add how to get the id, and the new
 * route is covered.
 */
export const PATH_PARAMETER_OWNERS: Record<string, (shop: SeededShop) => string> = {
  '/api/whatsapp/instances/{id}': (shop) => shop.instanceId,
  '/api/sandbox/instances/{id}': (shop) => shop.instanceId,
  '/api/api-keys/{id}': (shop) => shop.apiKeyId,
  '/api/bookings/{id}': (shop) => shop.bookingId,
  '/api/services/{id}': (shop) => shop.services.banho,
  '/api/resources/{id}': (shop) => shop.resourceId,
  '/api/contacts/{id}': (shop) => shop.contactId,
  '/api/pets/{id}': (shop) => shop.petId,
  '/api/conversations/{id}': (shop) => shop.conversationId,
  '/api/campaigns/{id}': (shop) => shop.campaignId,
  '/api/messages/{id}': (shop) => shop.messageId,
};

/** Query parameters and body fields that name a stored resource. */
export const REFERENCE_FIELDS: Record<string, (shop: SeededShop) => string> = {
  instanceId: (shop) => shop.instanceId,
  contactId: (shop) => shop.contactId,
  petId: (shop) => shop.petId,
  serviceId: (shop) => shop.services.banho,
  resourceId: (shop) => shop.resourceId,
  conversationId: (shop) => shop.conversationId,
};

/** Fields named like references that are not ids of a stored resource. */
const NOT_REFERENCES = new Set([
  // The WhatsApp message id a simulated customer's phone gives its message (POST /api/sandbox/instances/{id}/inbound).
  'messageId',
]);

export const pathParameterOwner = (path: string): string => path.slice(0, path.indexOf('}') + 1);

/** The query parameters and body fields of a route that name a resource (`...Id`). */
export function referenceFieldsOf(document: OpenAPIObject, operation: Operation): string[] {
  const bodyFields = operation.body === null ? [] : Object.keys(resolveSchema(document, operation.body).properties ?? {});
  const queryFields = operation.parameters.filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
  return [...queryFields, ...bodyFields].filter((name) => /Id$/.test(name) && !NOT_REFERENCES.has(name));
}

/** Adds to a chatting shop a contact, a pet, a booking, a second API key, a conversation (a customer's message answered, its id kept) and a campaign draft. */
export async function seedOneOfEach(baseUrl: string, shop: TestShop, customerPhone: string): Promise<SeededShop> {
  const call = (method: string, path: string, body?: unknown) => request(baseUrl, method, path, { token: shop.key, body });
  const resourceId = (await call('GET', '/api/resources')).body.data[0].id as string;
  const contactId = (await call('POST', '/api/contacts', { phone: '+5511933330001', name: 'Cliente cadastrado' })).body.id as string;
  const petId = (await call('POST', '/api/pets', { contactId, name: 'Rex', species: 'cachorro' })).body.id as string;
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const slots = (await call('GET', `/api/bookings/availability?serviceId=${shop.services.banho}&date=${tomorrow}`)).body.slots;
  const booking = await call('POST', '/api/bookings', { contactId, petId, serviceId: shop.services.banho, startsAt: slots[0].start });
  if (booking.status !== 201) throw new Error(`booking not created: ${JSON.stringify(booking.body)}`);
  const extra = (await call('POST', '/api/api-keys', { name: 'painel' })).body;
  await call('POST', `/api/sandbox/instances/${shop.instanceId}/inbound`, { from: customerPhone, text: 'oi', pushName: 'Cliente' });
  await waitFor(async () => (await call('GET', `/api/sandbox/instances/${shop.instanceId}/outbound`)).body.data.length > 0, 15_000);
  const conversations = (await call('GET', '/api/conversations')).body.data as { id: string }[];
  const exchanged = (await call('GET', `/api/conversations/${conversations[0].id}/messages`)).body.data as { id: string; direction: string }[];
  const campaign = await call('POST', '/api/campaigns', { objective: 'Reativar clientes', audience: { kind: 'all' }, text: 'Novidades no banho! Responda SAIR para não receber mais.' });
  if (campaign.status !== 201) throw new Error(`campaign not created: ${JSON.stringify(campaign.body)}`);
  return {
    ...shop, resourceId, contactId, petId, bookingId: booking.body.id, apiKeyId: extra.id, extraKey: extra.key,
    conversationId: conversations[0].id, messageId: exchanged.find((message) => message.direction === 'inbound')!.id, customerPhone: `+${customerPhone}`, campaignId: campaign.body.id,
  };
}
