import { request } from './app.js';
import { waitFor } from './processes.js';

/** Open every day, so "amanhã" is always bookable whatever day the suite runs. */
export const OPEN_EVERY_DAY = Object.fromEntries(
  ['0', '1', '2', '3', '4', '5', '6'].map((day) => [day, { open: '08:00', close: '18:00' }]),
);

export interface TestShop {
  organizationId: string;
  key: string;
  instanceId: string;
  services: { banho: string; tosa: string };
}

/**
 * A shop ready to chat: organization (with an owner number), a groomer, two
 * services, and a paired sandbox instance that is connected.
 */
export async function createChattingShop(
  baseUrl: string,
  adminKey: string,
  options: { name?: string; ownerNumbers?: string[] } = {},
): Promise<TestShop> {
  const created = await request(baseUrl, 'POST', '/api/admin/organizations', {
    token: adminKey,
    body: { name: options.name ?? 'Pet Shop Teste' },
  });
  if (created.status !== 201) throw new Error(`organization not created: ${JSON.stringify(created.body)}`);
  const key = created.body.apiKey.key as string;
  const api = (method: string, path: string, body?: unknown) => request(baseUrl, method, path, { token: key, body });
  const patched = await api('PATCH', '/api/organizations/me', {
    businessHours: OPEN_EVERY_DAY,
    authorizedOwnerNumbers: options.ownerNumbers ?? ['+5511900000099'],
  });
  if (patched.status !== 200) throw new Error(`organization not updated: ${JSON.stringify(patched.body)}`);
  await api('POST', '/api/resources', { name: 'Mesa 1', kind: 'groomer' });
  const banho = await api('POST', '/api/services', { name: 'Banho', durationMin: 60, priceCents: 6000, resourceKind: 'groomer' });
  const tosa = await api('POST', '/api/services', { name: 'Tosa', durationMin: 90, priceCents: 8000, resourceKind: 'groomer' });
  if (banho.status !== 201 || tosa.status !== 201) throw new Error(`services not created: ${JSON.stringify(banho.body)}`);
  const instance = await api('POST', '/api/whatsapp/instances', { name: 'Recepção', provider: 'sandbox' });
  const instanceId = instance.body.id as string;
  await waitFor(async () => (await api('GET', `/api/whatsapp/instances/${instanceId}/status`)).body.qr != null, 10_000);
  await api('POST', `/api/sandbox/instances/${instanceId}/pair`, { phoneNumber: '5511955550000' });
  await waitFor(async () => (await api('GET', `/api/whatsapp/instances/${instanceId}/status`)).body.status === 'connected', 15_000);
  return { organizationId: created.body.organization.id, key, instanceId, services: { banho: banho.body.id, tosa: tosa.body.id } };
}
