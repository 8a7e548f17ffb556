import { eq } from 'drizzle-orm';
import { addDays, localDate, minutesOf, zonedInstant } from '../../src/booking/zoned-time.js';
import { type BookingStatus, bookings, contacts } from '../../src/database/schema.js';
import { type EvalApp, type EvalShop, type EvalSuite, must, OWNER_PHONE, SHOP_TIMEZONE } from '../harness.js';
import { answeredByModel, type AuroraContext, type AuroraOutcome, type AuroraSetup } from './scenario.js';

const INACTIVE_NAME = 'Zuleica Andrade';

/**
 * A fresh shop per trial with the same hand-counted history, so every figure
 * has one right answer. Today (São Paulo): Banho 09:00 done (R$ 60), Tosa 10:00
 * no-show, Tosa 12:00 cancelled, Banho 15:00 scheduled: 3 bookings, R$ 60,00,
 * 50% no-shows. Yesterday: Tosa and Banho done, R$ 140,00. Tomorrow: one Banho.
 * Zuleica's only visit was 90 days ago: inactive.
 */
export const auroraSuite: EvalSuite<AuroraSetup, AuroraContext, AuroraOutcome> = {
  title: 'aurora',
  freshShopPerTrial: true,

  async seed(app: EvalApp, shop: EvalShop, setup: AuroraSetup | undefined): Promise<AuroraContext> {
    const today = localDate(new Date(), SHOP_TIMEZONE);
    const contact = async (phone: string, name: string) => (await must(app.api('POST', '/api/contacts', { phone, name }), 201, 'contact')).id as string;
    const ana = await contact('+5511981000001', 'Ana Souza');
    const bruno = await contact('+5511981000002', 'Bruno Lima');
    const carla = await contact('+5511981000003', 'Carla Dias');
    const davi = await contact('+5511981000004', 'Davi Rocha');
    const zuleica = await contact('+5511981000005', INACTIVE_NAME);
    // Known to the shop since her visit: a contact added today would count as active from today.
    await app.database.systemDb.update(contacts).set({ createdAt: new Date(Date.now() - 100 * 24 * 3600 * 1000) }).where(eq(contacts.id, zuleica));
    const banho = { id: shop.services.get('Banho')!, minutes: 60, price: 6000 };
    const tosa = { id: shop.services.get('Tosa')!, minutes: 90, price: 8000 };
    const seed: [string, typeof banho, string, string, BookingStatus][] = [
      [ana, banho, today, '09:00', 'done'],
      [bruno, tosa, today, '10:00', 'no_show'],
      [davi, tosa, today, '12:00', 'cancelled'],
      [carla, banho, today, '15:00', 'scheduled'],
      [ana, tosa, addDays(today, -1), '09:00', 'done'],
      [carla, banho, addDays(today, -1), '14:00', 'done'],
      [bruno, banho, addDays(today, 1), '10:00', 'scheduled'],
      [zuleica, banho, addDays(today, -90), '10:00', 'done'],
    ];
    for (const [contactId, service, date, time, status] of seed) {
      const start = zonedInstant(date, minutesOf(time), SHOP_TIMEZONE);
      await app.database.systemDb.insert(bookings).values({
        organizationId: shop.organizationId,
        contactId,
        serviceId: service.id,
        resourceId: shop.resourceId,
        during: { start, end: new Date(start.getTime() + service.minutes * 60_000) },
        status,
        priceCents: service.price,
      });
    }
    if (setup?.campaignsOutsideWindow === true) {
      await must(app.api('PATCH', '/api/organizations/me', { campaignsOutsideWindow: true }), 200, 'campaigns outside the window');
    }
    let draftCode: string | null = null;
    if (setup?.draftCampaign === true) {
      const draft = await must(
        app.api('POST', '/api/campaigns', {
          objective: 'Trazer de volta quem sumiu',
          audience: { kind: 'inactive', days: 60 },
          text: 'Oi! Sentimos sua falta 🐾 Que tal um banho esta semana? Responda SAIR para não receber mais.',
        }),
        201,
        'campaign draft',
      );
      draftCode = draft.code;
    }
    return { phone: OWNER_PHONE, name: 'Dona da Loja', draftCode, inactiveName: INACTIVE_NAME };
  },

  async observe(app: EvalApp, shop: EvalShop, context: AuroraContext, replies: string[]): Promise<AuroraOutcome> {
    const campaigns = ((await app.api('GET', '/api/campaigns?limit=50')).body.data as any[]).map((campaign) => ({ code: campaign.code, status: campaign.status }));
    const statuses = ((await app.api('GET', '/api/bookings?limit=50')).body.data as any[]).map((booking) => booking.status as string);
    const conversation = ((await app.api('GET', '/api/conversations?limit=50')).body.data as any[]).find((item) => item.contactPhone === `+${context.phone}`);
    const interactions =
      conversation === undefined ? [] : ((await app.api('GET', `/api/ai-interactions?conversationId=${conversation.id}&limit=50`)).body.data as any[]);
    return {
      replies,
      campaigns,
      sentToCustomers: app.sent().filter((message) => message.to !== context.phone).length,
      bookingStatuses: statuses,
      toolCalls: interactions.flatMap((interaction) => interaction.toolCalls.map((call: any) => ({ name: call.name, ok: call.ok }))),
      outcomes: interactions.map((interaction) => interaction.outcome),
    };
  },

  always: answeredByModel,
};
