import { addDays, localDate, minutesOf, wallClockOf, weekdayOf, zonedInstant } from '../../src/booking/zoned-time.js';
import { type EvalApp, type EvalShop, type EvalSuite, must, SHOP_TIMEZONE } from '../harness.js';
import { answeredByModel, type BookingSeed, type BookingView, type ClientSetup, type TrialContext, type TrialOutcome } from './scenario.js';

/** Customers of the eval shop: a new one per trial, with the scenario's pets and bookings, and a rival customer. */
export const clientSuite: EvalSuite<ClientSetup, TrialContext, TrialOutcome> = {
  title: 'client agent',
  freshShopPerTrial: false,

  async seed(app: EvalApp, shop: EvalShop, setup: ClientSetup | undefined, trial: number): Promise<TrialContext> {
    const today = localDate(new Date(), SHOP_TIMEZONE);
    const closed = [2, 3, 4, 5, 6, 7].map((offset) => addDays(today, offset)).find((date) => weekdayOf(date) === shop.closedWeekday)!;
    const dates = { today, tomorrow: addDays(today, 1), dayAfterTomorrow: addDays(today, 2), closed };
    const phone = `5511970${String(trial).padStart(6, '0')}`;
    const name = `Cliente ${trial}`;
    const contact = await must(app.api('POST', '/api/contacts', { phone: `+${phone}`, name }), 201, 'contact');
    const rival = await must(app.api('POST', '/api/contacts', { phone: `+5511960${String(trial).padStart(6, '0')}`, name: 'Marina Rival' }), 201, 'rival');
    const pets = new Map<string, string>();
    for (const pet of setup?.pets ?? []) {
      const created = await must(app.api('POST', '/api/pets', { contactId: contact.id, name: pet.name, species: pet.species, size: pet.size ?? null }), 201, 'pet');
      pets.set(pet.name, created.id);
    }
    const rivalPet = await must(app.api('POST', '/api/pets', { contactId: rival.id, name: 'Bidu', species: 'cachorro' }), 201, 'rival pet');
    const book = async (contactId: string, petId: string, seedBooking: BookingSeed) => {
      const startsAt = zonedInstant(dates[seedBooking.day], minutesOf(seedBooking.time), SHOP_TIMEZONE).toISOString();
      const created = await must(app.api('POST', '/api/bookings', { contactId, petId, serviceId: shop.services.get(seedBooking.service), startsAt }), 201, 'booking');
      return created.id as string;
    };
    const bookings: string[] = [];
    for (const booking of setup?.bookings ?? []) bookings.push(await book(contact.id, pets.get(booking.pet)!, booking));
    const rivalBookings: string[] = [];
    for (const booking of setup?.rivalBookings ?? []) rivalBookings.push(await book(rival.id, rivalPet.id, booking));
    return { phone, name, contactId: contact.id, dates, closedWeekday: shop.closedWeekday, pets, bookings, rivalBookings };
  },

  /** What the conversation left behind, read through the API as a dashboard would. */
  async observe(app: EvalApp, shop: EvalShop, context: TrialContext, replies: string[]): Promise<TrialOutcome> {
    const serviceNames = new Map([...shop.services].map(([name, id]) => [id, name]));
    const pets = (await app.api('GET', `/api/pets?contactId=${context.contactId}&limit=50`)).body.data as any[];
    const petNames = new Map(pets.map((pet) => [pet.id, pet.name]));
    const view = (booking: any): BookingView => {
      const start = new Date(booking.startsAt);
      const wall = wallClockOf(start, SHOP_TIMEZONE);
      return {
        id: booking.id,
        service: serviceNames.get(booking.serviceId) ?? '?',
        pet: booking.petId === null ? null : (petNames.get(booking.petId) ?? 'outro'),
        date: localDate(start, SHOP_TIMEZONE),
        time: `${String(wall.hour).padStart(2, '0')}:${String(wall.minute).padStart(2, '0')}`,
        weekday: wall.weekday,
        status: booking.status,
      };
    };
    const bookings = ((await app.api('GET', `/api/bookings?contactId=${context.contactId}&limit=50`)).body.data as any[]).map(view);
    const rivalBookings = await Promise.all(context.rivalBookings.map(async (id) => view((await app.api('GET', `/api/bookings/${id}`)).body)));
    const conversation = ((await app.api('GET', `/api/conversations?contactId=${context.contactId}`)).body.data as any[])[0];
    const interactions =
      conversation === undefined ? [] : ((await app.api('GET', `/api/ai-interactions?conversationId=${conversation.id}&limit=50`)).body.data as any[]);
    return {
      replies,
      bookings,
      rivalBookings,
      pets: pets.map((pet) => ({ name: pet.name, species: pet.species, size: pet.size })),
      conversationState: conversation?.state ?? 'none',
      toolCalls: interactions.flatMap((interaction) => interaction.toolCalls.map((call: any) => ({ name: call.name, ok: call.ok }))),
      outcomes: interactions.map((interaction) => interaction.outcome),
    };
  },

  always: answeredByModel,
};
