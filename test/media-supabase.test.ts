import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BootError } from '../src/common/domain.exception.js';
import { MediaMissingError } from '../src/media/media-store.js';
import { SupabaseMediaStore } from '../src/media/supabase-media-store.js';
import { type ChattingApp, customerChat, customerPhones, startChattingApp } from './support/chatting-app.js';
import { type FakeSupabaseStorage, startFakeSupabaseStorage } from './support/fake-supabase-storage.js';
import { waitFor } from './support/processes.js';
import { createChattingShop, type TestShop } from './support/shop.js';

const KEY = 'service-role-key-of-the-fake-supabase-project';
const ORGANIZATION = '0b6c4f9e-3f7d-4c1a-9a57-3d2f1e0c8b7a';

describe('media in Supabase Storage (MEDIA_STORE=supabase), against a local stand-in for Storage', () => {
  const fakes: FakeSupabaseStorage[] = [];
  const fake = async (buckets?: Record<string, { public: boolean }>) => {
    const started = await startFakeSupabaseStorage(KEY, buckets);
    fakes.push(started);
    return started;
  };
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((started) => started.close()));
  });

  it('creates the bucket, private, when the project has none, and keeps each organization under its own folder', async () => {
    const storage = await fake();
    const store = await SupabaseMediaStore.open(storage.url, KEY, 'oxy-media');
    expect(storage.buckets.get('oxy-media')).toEqual({ public: false });

    const photo = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    const ref = await store.put(ORGANIZATION, photo);
    expect(ref).toMatch(new RegExp(`^supabase:${ORGANIZATION}/[0-9a-f-]{36}$`));
    expect([...storage.objects.keys()]).toEqual([`oxy-media/${ref.slice('supabase:'.length)}`]);
    expect(await store.get(ref)).toEqual(photo);

    // Gone from the bucket (removed by hand): the route answers media_not_available from this.
    storage.objects.clear();
    await expect(store.get(ref)).rejects.toBeInstanceOf(MediaMissingError);
    // Media kept on the disk before the switch to Storage: missing here too, not an error of the server.
    await expect(store.get(`local:${ORGANIZATION}/${ORGANIZATION}`)).rejects.toBeInstanceOf(MediaMissingError);
    // Opened again (another process, a restart): the bucket is there and used as it is.
    await SupabaseMediaStore.open(storage.url, KEY, 'oxy-media');
    expect(storage.buckets.size).toBe(1);
  });

  it('refuses to boot with a refused key, an unreachable project or a public bucket, saying what to fix', async () => {
    const storage = await fake({ 'public-media': { public: true } });
    await expect(SupabaseMediaStore.open(storage.url, 'the-anon-key-by-mistake', 'oxy-media')).rejects.toThrow(
      new BootError(`Supabase Storage at ${storage.url} refused SUPABASE_SERVICE_ROLE_KEY (invalid signature): copy the service_role key from Project Settings > API`),
    );
    await expect(SupabaseMediaStore.open(storage.url, KEY, 'public-media')).rejects.toThrow(/bucket "public-media" is public: make it private/);
    const closed = await fake();
    const url = closed.url;
    await closed.close();
    await expect(SupabaseMediaStore.open(url, KEY, 'oxy-media')).rejects.toThrow(/^Supabase Storage is not reachable at http:\/\/127\.0\.0\.1:\d+ .*check SUPABASE_URL/);
  });

  describe('the app', () => {
    let storage: FakeSupabaseStorage;
    let server: ChattingApp;
    let shop: TestShop;
    const { api, inboundRows } = customerChat(() => ({ server, shop }));
    const newCustomer = customerPhones('55119730000');

    beforeAll(async () => {
      storage = await startFakeSupabaseStorage(KEY);
      server = await startChattingApp('media_supabase', {
        ADMIN_API_KEY: 'admin-key-for-the-supabase-media-tests-01',
        MEDIA_STORE: 'supabase',
        SUPABASE_URL: storage.url,
        SUPABASE_SERVICE_ROLE_KEY: KEY,
        SUPABASE_STORAGE_BUCKET: 'pet-shop-media',
      });
      shop = await createChattingShop(server.baseUrl, 'admin-key-for-the-supabase-media-tests-01');
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await storage?.close();
    });

    it("stores a customer's voice note in the bucket and serves it to staff from there", async () => {
      const phone = newCustomer();
      const audio = Buffer.from('OggS a voice note kept in Storage');
      await api('POST', `/api/sandbox/instances/${shop.instanceId}/inbound`, { from: phone, media: { kind: 'audio', base64: audio.toString('base64'), mimetype: 'audio/ogg; codecs=opus' } });
      await waitFor(async () => (await inboundRows(phone))[0]?.mediaRef != null, 10_000);
      const [row] = await inboundRows(phone);
      expect(row.mediaRef).toMatch(new RegExp(`^supabase:${shop.organizationId}/`));
      expect(storage.objects.get(`pet-shop-media/${row.mediaRef!.slice('supabase:'.length)}`)?.body).toEqual(audio);

      const served = await fetch(`${server.baseUrl}/api/messages/${row.id}/media`, { headers: { authorization: `Bearer ${shop.key}` } });
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe('audio/ogg; codecs=opus');
      expect(Buffer.from(await served.arrayBuffer())).toEqual(audio);
    });
  });
});
