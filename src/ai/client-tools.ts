import {
  type AlternativeSlot,
  InvalidBookingTransitionException,
  InvalidSlotException,
  SlotTakenException,
} from '../booking/booking.exceptions.js';
import type { Actor, BookingRow } from '../booking/bookings.repository.js';
import type { BookingsService } from '../booking/bookings.service.js';
import { isCalendarDate, localDate, weekdayOf, zonedInstant } from '../booking/zoned-time.js';
import { DomainException, ResourceNotFoundException } from '../common/domain.exception.js';
import type { ContactsService } from '../contacts/contacts.service.js';
import { ACTIVE_BOOKING_STATUSES, type BookingStatus, PET_SIZES } from '../database/schema.js';
import type { AgentContext } from '../messaging/conversation-agent.js';
import { clientAgentTexts } from './client-agent.pt-br.js';
import type { LlmToolCall, ToolDefinition } from './llm-client.js';
import { matchByName } from './menu-input.js';
import { formatPrice, menuTexts, momentOf, SPECIES, WEEKDAY_NAMES } from './offline-menu.pt-br.js';
import type { Toolbox, ToolOutcome } from './tool-loop.js';
import { DATE_PATTERN, type ObjectSchema, objectSchema, validateArguments } from './tool-schema.js';

const ACTOR: Actor = { kind: 'client_agent', id: null };
const DATE_TIME = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}$';
const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
/** Free times listed per day: a whole day at 30-minute steps fits. */
const SLOTS_LISTED = 24;
const BOOKINGS_READ = 20;

/*
 * The client agent's tools. The schemas name no organization, contact or shop:
 * every tool acts for the one customer of the turn, taken from the server-side
 * context, so nothing the model writes can reach another contact's or shop's data.
 */
const SCHEMAS = {
  cadastrar_pet: objectSchema({
    nome: { type: 'string', minLength: 1, maxLength: 80, description: 'Nome do pet' },
    especie: { type: 'string', enum: SPECIES, description: 'cachorro, gato ou outro' },
    raca: { type: ['string', 'null'], maxLength: 80, description: 'Raça, ou null se o cliente não disse' },
    porte: { type: ['string', 'null'], enum: [...PET_SIZES, null], description: 'Porte (cachorros), ou null se não disse' },
    data_nascimento: { type: ['string', 'null'], pattern: DATE_PATTERN, description: 'AAAA-MM-DD, ou null se não disse' },
  }),
  consultar_horarios: objectSchema({
    servico: { type: 'string', minLength: 1, maxLength: 80, description: 'Nome do serviço, como na lista da loja' },
    data: { type: 'string', pattern: DATE_PATTERN, description: 'Dia no fuso da loja, AAAA-MM-DD' },
  }),
  agendar_servico: objectSchema({
    pet_nome: { type: 'string', minLength: 1, maxLength: 80, description: 'Nome de um pet do cliente' },
    servico: { type: 'string', minLength: 1, maxLength: 80, description: 'Nome do serviço' },
    data_hora: { type: 'string', pattern: DATE_TIME, description: 'Início no fuso da loja, AAAA-MM-DDTHH:MM' },
  }),
  listar_agendamentos: objectSchema({}),
  cancelar_agendamento: objectSchema({
    agendamento_id: { type: 'string', pattern: UUID, description: 'id vindo de listar_agendamentos ou do contexto' },
  }),
  remarcar_agendamento: objectSchema({
    agendamento_id: { type: 'string', pattern: UUID, description: 'id vindo de listar_agendamentos ou do contexto' },
    nova_data_hora: { type: 'string', pattern: DATE_TIME, description: 'Novo início no fuso da loja, AAAA-MM-DDTHH:MM' },
  }),
  escalar_para_humano: objectSchema({
    motivo: { type: 'string', minLength: 1, maxLength: 300, description: 'Por que um atendente deve assumir' },
  }),
} satisfies Record<string, ObjectSchema>;

export type ClientToolName = keyof typeof SCHEMAS;

const DESCRIPTIONS: Record<ClientToolName, string> = {
  cadastrar_pet: 'Cadastra um pet do cliente. Use quando o cliente quer cadastrar ou agendar para um pet que ainda não está na lista.',
  consultar_horarios: 'Lista os horários livres de um serviço em um dia. Use antes de oferecer qualquer horário.',
  agendar_servico: 'Agenda um serviço para um pet do cliente. Só chame com serviço, pet, dia e hora já ditos pelo cliente.',
  listar_agendamentos: 'Lista os próximos agendamentos do cliente, com seus ids.',
  cancelar_agendamento: 'Cancela um agendamento futuro do cliente. Só chame depois que o cliente confirmar qual.',
  remarcar_agendamento: 'Muda um agendamento futuro do cliente para outro horário livre.',
  escalar_para_humano: 'Passa a conversa para um atendente humano: pedido do cliente, reclamação, dúvida que as ferramentas não resolvem.',
};

export const CLIENT_TOOLS: ToolDefinition[] = (Object.keys(SCHEMAS) as ClientToolName[]).map((name) => ({
  name,
  description: DESCRIPTIONS[name],
  parameters: SCHEMAS[name],
  strict: true,
}));

type Service = AgentContext['services'][number];
type Pet = AgentContext['pets'][number];

/**
 * The tools of one turn, bound to its customer. Every refusal is a result the
 * model can act on (the error and what to try instead), never an exception.
 */
export class ClientToolbox implements Toolbox {
  private readonly pets: Pet[];
  private readonly today: string;
  private readonly timezone: string;

  constructor(
    private readonly bookings: BookingsService,
    private readonly contacts: ContactsService,
    private readonly context: AgentContext,
  ) {
    this.pets = [...context.pets];
    this.timezone = context.organization.timezone;
    this.today = localDate(context.now, this.timezone);
  }

  async run(call: LlmToolCall): Promise<ToolOutcome> {
    if (!(call.name in SCHEMAS)) {
      return refused('ferramenta_desconhecida', `There is no tool named "${call.name}". Use only: ${Object.keys(SCHEMAS).join(', ')}`);
    }
    const name = call.name as ClientToolName;
    const validation = validateArguments(SCHEMAS[name], call.arguments);
    if (!validation.ok) return refused('argumentos_invalidos', validation.errors.join('; '));
    const args = validation.value;
    try {
      switch (name) {
        case 'cadastrar_pet':
          return await this.registerPet(args as { nome: string; especie: string; raca: string | null; porte: string | null; data_nascimento: string | null });
        case 'consultar_horarios':
          return await this.freeTimes(args as { servico: string; data: string });
        case 'agendar_servico':
          return await this.book(args as { pet_nome: string; servico: string; data_hora: string });
        case 'listar_agendamentos':
          return await this.listBookings();
        case 'cancelar_agendamento':
          return await this.cancel(args as { agendamento_id: string });
        case 'remarcar_agendamento':
          return await this.reschedule(args as { agendamento_id: string; nova_data_hora: string });
        case 'escalar_para_humano':
          return this.handoff(args as { motivo: string });
      }
    } catch (error) {
      // A rule of the domain (a birth date in the future, say) the model can correct; anything else is ours to fail on.
      if (error instanceof DomainException && error.status < 500) return refused(error.code, error.message);
      throw error;
    }
  }

  private async registerPet(args: { nome: string; especie: string; raca: string | null; porte: string | null; data_nascimento: string | null }): Promise<ToolOutcome> {
    const name = args.nome.replace(/\s+/g, ' ').trim();
    if (!/\p{L}/u.test(name)) return refused('nome_invalido', 'The pet name must contain letters');
    // The model may repeat a call; the same name is the same pet.
    const existing = this.pets.find((pet) => pet.name.toLocaleLowerCase('pt-BR') === name.toLocaleLowerCase('pt-BR'));
    if (existing !== undefined) return { ok: true, result: { pet: petView(existing), ja_cadastrado: true } };
    if (args.data_nascimento !== null && !isCalendarDate(args.data_nascimento)) {
      return refused('data_invalida', `${args.data_nascimento} is not a calendar date`);
    }
    const created = await this.contacts.createPet(this.context.organization.id, {
      contactId: this.context.contact.id,
      name,
      species: args.especie,
      breed: args.raca,
      size: args.porte as Pet['size'] as (typeof PET_SIZES)[number] | null,
      birthDate: args.data_nascimento,
    });
    const pet: Pet = { id: created.id, name: created.name, species: created.species, breed: created.breed, size: created.size };
    this.pets.push(pet);
    return { ok: true, result: { pet: petView(pet) }, confirmation: menuTexts.petRegistered(pet.name) };
  }

  private async freeTimes(args: { servico: string; data: string }): Promise<ToolOutcome> {
    const service = this.service(args.servico);
    if ('refusal' in service) return service.refusal;
    if (!isCalendarDate(args.data)) return refused('data_invalida', `${args.data} is not a calendar date`);
    if (args.data < this.today) return refused('data_no_passado', `${args.data} is before today (${this.today})`);
    const weekday = String(weekdayOf(args.data)) as keyof AgentContext['organization']['businessHours'];
    const day = { data: args.data, dia_da_semana: WEEKDAY_NAMES[weekdayOf(args.data)] };
    if (this.context.organization.businessHours[weekday] === undefined) {
      return { ok: true, result: { servico: service.name, ...day, loja_fechada: true, horarios_livres: [] } };
    }
    let slots: Date[];
    try {
      slots = (await this.bookings.availability(this.context.organization.id, service.id, args.data)).slots.map((slot) => slot.start);
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return this.unknownService(args.servico);
      throw error;
    }
    return {
      ok: true,
      result: {
        servico: service.name,
        ...day,
        duracao_min: service.durationMin,
        preco: formatPrice(service.priceCents),
        horarios_livres: slots.slice(0, SLOTS_LISTED).map((start) => momentOf(start, this.timezone, this.today).time),
        ...(slots.length > SLOTS_LISTED ? { mais_horarios: slots.length - SLOTS_LISTED } : {}),
      },
    };
  }

  private async book(args: { pet_nome: string; servico: string; data_hora: string }): Promise<ToolOutcome> {
    const service = this.service(args.servico);
    if ('refusal' in service) return service.refusal;
    const pet = matchByName(this.pets, args.pet_nome);
    if (pet === null) {
      return refused(
        'pet_desconhecido',
        `The customer has no pet named "${args.pet_nome}". Their pets: ${this.pets.map((item) => item.name).join(', ') || 'none'}. ` +
          'Ask which pet, or register it with cadastrar_pet first.',
      );
    }
    const startsAt = this.instant(args.data_hora);
    if ('refusal' in startsAt) return startsAt.refusal;
    // A repeated call (the model retrying) finds the booking it already made.
    const same = (await this.upcoming()).find(
      (booking) => booking.serviceId === service.id && booking.petId === pet.id && booking.during.start.getTime() === startsAt.instant.getTime(),
    );
    if (same !== undefined) return { ok: true, result: { agendamento: this.bookingView(same), ja_agendado: true } };
    try {
      const booking = await this.bookings.create(
        this.context.organization.id,
        { contactId: this.context.contact.id, petId: pet.id, serviceId: service.id, startsAt: startsAt.instant },
        ACTOR,
      );
      const view = this.bookingView(booking);
      return {
        ok: true,
        result: { agendamento: view },
        confirmation: menuTexts.booked(service.name, pet.name, momentOf(booking.during.start, this.timezone, this.today), booking.priceCents),
      };
    } catch (error) {
      const refusal = this.slotRefusal(error);
      if (refusal !== null) return refusal;
      throw error;
    }
  }

  private async listBookings(): Promise<ToolOutcome> {
    const upcoming = await this.upcoming();
    return { ok: true, result: { agendamentos: upcoming.map((booking) => this.bookingView(booking)) } };
  }

  private async cancel(args: { agendamento_id: string }): Promise<ToolOutcome> {
    const booking = await this.ownUpcoming(args.agendamento_id);
    if (booking === null) return this.notOwnBooking(args.agendamento_id);
    let cancelled: BookingRow;
    try {
      cancelled = await this.bookings.changeStatus(this.context.organization.id, booking.id, 'cancelled', ACTOR, menuTexts.cancellationReason());
    } catch (error) {
      if (error instanceof InvalidBookingTransitionException) return this.notOwnBooking(args.agendamento_id);
      throw error;
    }
    const view = this.bookingView(cancelled);
    return {
      ok: true,
      result: { cancelado: view },
      confirmation: menuTexts.cancelled({ serviceName: view.servico, petName: view.pet, at: momentOf(cancelled.during.start, this.timezone, this.today) }),
    };
  }

  private async reschedule(args: { agendamento_id: string; nova_data_hora: string }): Promise<ToolOutcome> {
    const booking = await this.ownUpcoming(args.agendamento_id);
    if (booking === null) return this.notOwnBooking(args.agendamento_id);
    const startsAt = this.instant(args.nova_data_hora);
    if ('refusal' in startsAt) return startsAt.refusal;
    try {
      const moved = await this.bookings.reschedule(this.context.organization.id, booking.id, startsAt.instant, ACTOR);
      const view = this.bookingView(moved);
      return {
        ok: true,
        result: { remarcado: view },
        confirmation: clientAgentTexts.rescheduled(view.servico, view.pet, momentOf(moved.during.start, this.timezone, this.today)),
      };
    } catch (error) {
      if (error instanceof InvalidBookingTransitionException) return this.notOwnBooking(args.agendamento_id);
      const refusal = this.slotRefusal(error);
      if (refusal !== null) return refusal;
      throw error;
    }
  }

  private handoff(args: { motivo: string }): ToolOutcome {
    return { ok: true, result: { encaminhado: true }, handoff: { reason: args.motivo.trim() } };
  }

  // Helpers

  private service(name: string): Service | { refusal: ToolOutcome } {
    return matchByName(this.context.services, name) ?? { refusal: this.unknownService(name) };
  }

  private unknownService(name: string): ToolOutcome {
    const offered = this.context.services.map((service) => service.name).join(', ');
    return refused('servico_desconhecido', `The shop has no service "${name}". Its services: ${offered || 'none'}`);
  }

  /** "2026-11-27T10:00" on the shop's clock; refused when malformed or already past. */
  private instant(dateTime: string): { instant: Date } | { refusal: ToolOutcome } {
    const [date, clock] = dateTime.split('T');
    const [hours, minutes] = clock.split(':').map(Number);
    if (!isCalendarDate(date) || hours > 23 || minutes > 59) {
      return { refusal: refused('data_invalida', `${dateTime} is not a valid date and time`) };
    }
    const instant = zonedInstant(date, hours * 60 + minutes, this.timezone);
    if (instant.getTime() <= this.context.now.getTime()) {
      return { refusal: refused('horario_no_passado', `${dateTime} has already passed; now is ${this.localNow()} in the shop`) };
    }
    return { instant };
  }

  private slotRefusal(error: unknown): ToolOutcome | null {
    if (!(error instanceof SlotTakenException) && !(error instanceof InvalidSlotException)) return null;
    const { alternatives = [] } = (error.details ?? {}) as { alternatives?: AlternativeSlot[] };
    return {
      ok: false,
      result: {
        erro: error instanceof SlotTakenException ? 'horario_ocupado' : 'horario_invalido',
        motivo: error.message,
        // Offer only these: they were free a moment ago.
        alternativas: alternatives.map((slot) => this.localTime(new Date(slot.start))),
      },
    };
  }

  private notOwnBooking(id: string): ToolOutcome {
    return refused('agendamento_nao_encontrado', `No upcoming booking ${id} of this customer. Use listar_agendamentos to see theirs.`);
  }

  private async ownUpcoming(id: string): Promise<BookingRow | null> {
    return (await this.upcoming()).find((booking) => booking.id === id.toLowerCase()) ?? null;
  }

  /** This customer's active bookings that have not started, soonest first. */
  private async upcoming(): Promise<BookingRow[]> {
    const rows = await this.bookings.list(
      this.context.organization.id,
      { contactId: this.context.contact.id, from: this.context.now },
      BOOKINGS_READ,
      0,
    );
    return rows
      .filter(
        (booking) =>
          booking.contactId === this.context.contact.id &&
          (ACTIVE_BOOKING_STATUSES as readonly BookingStatus[]).includes(booking.status) &&
          booking.during.start > this.context.now,
      )
      .sort((a, b) => a.during.start.getTime() - b.during.start.getTime());
  }

  private bookingView(booking: BookingRow) {
    const serviceName = this.context.services.find((service) => service.id === booking.serviceId)?.name ?? menuTexts.unknownService();
    const petName = booking.petId === null ? null : (this.pets.find((pet) => pet.id === booking.petId)?.name ?? null);
    return {
      id: booking.id,
      servico: serviceName,
      pet: petName,
      ...this.localTime(booking.during.start),
      preco: formatPrice(booking.priceCents),
      status: booking.status,
    };
  }

  private localTime(instant: Date) {
    const moment = momentOf(instant, this.timezone, this.today);
    const date = localDate(instant, this.timezone);
    return { data: date, dia_da_semana: WEEKDAY_NAMES[moment.weekday], hora: moment.time };
  }

  private localNow(): string {
    return `${this.today} ${momentOf(this.context.now, this.timezone, this.today).time}`;
  }
}

function refused(code: string, message: string): ToolOutcome {
  return { ok: false, result: { erro: code, motivo: message } };
}

function petView(pet: Pet) {
  return { nome: pet.name, especie: pet.species, raca: pet.breed, porte: pet.size };
}

