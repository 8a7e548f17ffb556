import { PET_SIZES } from '../database/schema.js';
import type { PetSize } from './menu-input.js';
import { type Species, SPECIES } from './offline-menu.pt-br.js';

/** Where the conversation is in the menu: what the next message is read as. */
export const MENU_STEPS = [
  'main',
  'choose_service',
  'choose_day',
  'choose_slot',
  'choose_pet',
  'pet_name',
  'pet_species',
  'pet_size',
  'confirm_booking',
  'my_bookings',
  'confirm_cancel',
] as const;
export type MenuStep = (typeof MENU_STEPS)[number];

/** The booking being put together, filled in step by step. */
export interface BookingDraft {
  serviceId?: string;
  /** YYYY-MM-DD in the shop's zone; absent when the offered slots span days (alternatives). */
  date?: string;
  /** The chosen start, ISO 8601 UTC. */
  startsAt?: string;
  petId?: string;
  petName?: string;
  /** "os dois": the customer's other pets to book the same service for once this one is booked, in order. */
  nextPetIds?: string[];
  /** "banho pro meu cachorro": the kind of pet the booking is for, said before the pet was chosen or registered. */
  species?: Species;
  /**
   * The words that started a booking without naming the service ("quais horários
   * vocês têm amanhã?"): read again with the service's answer for the day, time and pet.
   */
  request?: string;
  /** "consulta para minha gata Luna": a pet the customer does not have yet, named with the request; registered without asking. */
  newPetName?: string;
}

/** A pet being registered; `forBooking` goes on to the booking confirmation afterwards. */
export interface PetDraft {
  forBooking: boolean;
  name?: string;
  species?: Species;
  size?: PetSize | null;
}

/**
 * The offline menu's memory, stored as the conversation's `agentState` and
 * given back next turn. `agent` marks it as ours: another agent's state (the
 * GPT agent falls back to this one) reads as a fresh menu.
 */
export interface MenuState {
  agent: 'offline-menu';
  step: MenuStep;
  booking?: BookingDraft;
  pet?: PetDraft;
  /** Ids of the services shown numbered, in order. */
  offeredServices?: string[];
  /** Ids of the pets shown numbered, in order. */
  offeredPets?: string[];
  /** Start instants (ISO 8601 UTC) of the slots shown numbered, in order. */
  offeredSlots?: string[];
  /** Ids of the customer's bookings shown numbered, in order. */
  offeredBookings?: string[];
  /** The booking waiting for the customer's "sim" to be cancelled. */
  cancelBookingId?: string;
}

export function mainMenuState(): MenuState {
  return { agent: 'offline-menu', step: 'main' };
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The stored state, checked field by field (it round-trips through JSON in the
 * database); null, another agent's or a malformed state is the main menu.
 */
export function readMenuState(stored: Record<string, unknown> | null | undefined): MenuState {
  if (!isRecord(stored) || stored.agent !== 'offline-menu' || !MENU_STEPS.includes(stored.step as MenuStep)) return mainMenuState();
  const state: MenuState = { agent: 'offline-menu', step: stored.step as MenuStep };
  if (isRecord(stored.booking)) {
    const booking: BookingDraft = {};
    for (const key of ['serviceId', 'date', 'startsAt', 'petId', 'petName', 'request', 'newPetName'] as const) {
      if (isString(stored.booking[key])) booking[key] = stored.booking[key];
    }
    if (isStringArray(stored.booking.nextPetIds)) booking.nextPetIds = stored.booking.nextPetIds;
    if (SPECIES.includes(stored.booking.species as Species)) booking.species = stored.booking.species as Species;
    state.booking = booking;
  }
  if (isRecord(stored.pet) && typeof stored.pet.forBooking === 'boolean') {
    state.pet = { forBooking: stored.pet.forBooking };
    if (isString(stored.pet.name)) state.pet.name = stored.pet.name;
    if (SPECIES.includes(stored.pet.species as Species)) state.pet.species = stored.pet.species as Species;
    if (PET_SIZES.includes(stored.pet.size as PetSize) || stored.pet.size === null) state.pet.size = stored.pet.size as PetSize | null;
  }
  if (isStringArray(stored.offeredServices)) state.offeredServices = stored.offeredServices;
  if (isStringArray(stored.offeredPets)) state.offeredPets = stored.offeredPets;
  if (isStringArray(stored.offeredSlots)) state.offeredSlots = stored.offeredSlots;
  if (isStringArray(stored.offeredBookings)) state.offeredBookings = stored.offeredBookings;
  if (isString(stored.cancelBookingId)) state.cancelBookingId = stored.cancelBookingId;
  return state;
}
