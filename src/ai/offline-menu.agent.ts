import { Injectable } from '@nestjs/common';
import {
  type AlternativeSlot,
  InvalidBookingTransitionException,
  InvalidSlotException,
  SlotTakenException,
} from '../booking/booking.exceptions.js';
import type { Actor, BookingRow } from '../booking/bookings.repository.js';
import { earliestStart } from '../booking/availability.js';
import { BookingsService } from '../booking/bookings.service.js';
import { localDate, minutesOf, wallClockOf, weekdayOf, zonedInstant } from '../booking/zoned-time.js';
import { ResourceNotFoundException } from '../common/domain.exception.js';
import { foldText } from '../common/text-folding.js';
import { ContactsService } from '../contacts/contacts.service.js';
import { ACTIVE_BOOKING_STATUSES, type BookingStatus, type BusinessHours, type BusinessHoursDay } from '../database/schema.js';
import { type AgentContext, type AgentInboundMessage, type AgentReply, type AgentTurn, type ConversationAgent, isDescribed } from '../messaging/conversation-agent.js';
import {
  choiceIndex,
  choiceNumber,
  clockLabel,
  commandOf,
  confirmationOf,
  dayOf,
  inPartOfDay,
  isNotAPetName,
  isSkip,
  matchByName,
  type MenuCommand,
  partOfDayOf,
  petIntroduced,
  petNameAnswer,
  quote,
  sizeOf,
  speciesMentioned,
  speciesOf,
  spreadOver,
  timeOf,
} from './menu-input.js';
import { type BookingDraft, mainMenuState, type MenuState, readMenuState } from './menu-state.js';
import { type MenuBooking, type MenuDay, type MenuMoment, menuTexts, menuVocabulary, momentOf, type OpeningDays, type PartOfDay, type Species } from './offline-menu.pt-br.js';

/** How many free times of a day are shown numbered; any other free time can still be typed. */
const SLOTS_SHOWN = 8;
const BOOKINGS_READ = 20;
const PET_NAME_MAX = 80;
const ACTOR: Actor = { kind: 'client_agent', id: null };

type Service = AgentContext['services'][number];
type Pet = AgentContext['pets'][number];

/**
 * The client agent when there is no model (no OpenAI key, or the model
 * failing): a deterministic menu in Portuguese. It shows services and prices,
 * free times, books through the booking domain (so the no-overbooking rule
 * holds), registers pets, lists and cancels the customer's bookings and hands
 * over to a person. Its memory is the conversation's `agentState` (MenuState).
 */
@Injectable()
export class OfflineMenuAgent implements ConversationAgent {
  readonly name = 'offline-menu';

  constructor(
    private readonly bookings: BookingsService,
    private readonly contacts: ContactsService,
  ) {}

  async respond(turn: AgentTurn): Promise<AgentReply> {
    const conversation = new MenuConversation(this.bookings, this.contacts, turn.context);
    for (const message of turn.messages) {
      await conversation.read(message);
      // Whatever follows is for the person who takes over.
      if (conversation.handoffReason !== null) break;
    }
    return conversation.reply();
  }
}

/** One turn of the menu: reads the turn's messages in order and collects the answers. */
class MenuConversation {
  handoffReason: string | null = null;
  private state: MenuState;
  private fresh: boolean;
  private greeted = false;
  private readonly answers: string[] = [];
  /** The customer's pets, including any registered during this turn. */
  private readonly pets: Pet[];
  private readonly today: string;

  constructor(
    private readonly bookings: BookingsService,
    private readonly contacts: ContactsService,
    private readonly context: AgentContext,
  ) {
    const stored = context.conversation.agentState;
    this.state = readMenuState(stored);
    this.fresh = stored === null || stored.agent !== 'offline-menu';
    this.pets = [...context.pets];
    this.today = localDate(context.now, context.organization.timezone);
  }

  reply(): AgentReply {
    const texts = this.answers.length === 0 ? [] : [this.answers.join('\n\n')];
    if (this.handoffReason !== null) return { texts, handoff: { reason: this.handoffReason }, agentState: null };
    // Through JSON, as it is stored: what the next turn reads back is exactly this.
    return { texts, agentState: JSON.parse(JSON.stringify(this.state)) as Record<string, unknown> };
  }

  async read(message: AgentInboundMessage): Promise<void> {
    // A location's or contact card's description was not typed to the menu: it is answered as media without text.
    const text = isDescribed(message.type) ? '' : (message.text?.trim() ?? '');
    if (text === '' && message.type === 'text') return;
    const fresh = this.fresh;
    this.fresh = false;
    if (text === '') {
      if (fresh) this.greet();
      this.say(menuTexts.onlyText(), this.state.step === 'main' ? menuTexts.mainMenu() : this.expectation());
      return;
    }
    const command = commandOf(text);
    if (fresh && command?.kind !== 'handoff') this.greet();
    // A yes or no to the question on screen comes before the commands its words hold ("sim, pode cancelar", "não, cancela").
    if (command?.kind !== 'handoff' && this.confirmationAnswer(text) !== null) return this.answerStep(text, fresh);
    if (command?.kind === 'thanks' && this.state.step !== 'main') return this.thanksMidFlow(text);
    // Asked for the pet's name, a greeting ("oi", "bom dia") is no name and no wish to start over: the name is asked again.
    if (command?.kind === 'menu' && this.state.step === 'pet_name' && isNotAPetName(text)) return this.namePet(text);
    if (command !== null) return this.run(command, text);
    return this.answerStep(text, fresh);
  }

  /** `text`: the message the command was read in. */
  private async run(command: MenuCommand, text = ''): Promise<void> {
    switch (command.kind) {
      case 'handoff':
        this.say(menuTexts.handoff());
        this.handoffReason = menuTexts.handoffReason();
        this.state = mainMenuState();
        return;
      case 'menu':
        this.greet();
        this.say(menuTexts.mainMenu());
        this.state = mainMenuState();
        return;
      case 'thanks':
        this.say(menuTexts.youAreWelcome());
        this.state = mainMenuState();
        return;
      case 'openingHours':
        return this.showOpeningHours();
      case 'farewell':
        this.say(menuTexts.goodbye());
        this.state = mainMenuState();
        return;
      case 'book':
        // The message as written, not the folded words after the verb: a pet's name is told by its capital ("minha gata Luna").
        return this.startBooking(command.serviceHint === '' ? '' : text);
      case 'cancel':
        return this.startCancel(command.position, command.hint);
      case 'myBookings':
        return this.listBookings();
      case 'reschedule': {
        const upcoming = await this.upcomingBookings();
        if (upcoming.length === 0) return this.noBookings();
        this.say(menuTexts.rescheduleHowTo());
        return this.showBookings(upcoming);
      }
      case 'services':
        return this.pricesAsked(text);
      case 'registerPet':
        return this.startPetRegistration(false);
    }
  }

  /**
   * Thanks in the middle of a flow ("obrigada, pode ser às 10h") keeps the draft:
   * what follows the thanks answers the step; thanks alone asks the step's question again.
   */
  private async thanksMidFlow(text: string): Promise<void> {
    const rest = text.replace(menuVocabulary.leadingThanks, '').trim();
    if (rest !== '' && foldText(rest) !== '') return this.answerStep(rest, false);
    this.say(menuTexts.youAreWelcomeMidFlow(), this.expectation());
  }

  private async answerStep(text: string, fresh: boolean): Promise<void> {
    switch (this.state.step) {
      case 'main':
        return this.chooseFromMainMenu(text, fresh);
      case 'choose_service':
        return this.chooseService(text);
      case 'choose_day':
        return this.chooseDay(text);
      case 'choose_slot':
        return this.chooseSlot(text);
      case 'choose_pet':
        return this.choosePet(text);
      case 'pet_name':
        return this.namePet(text);
      case 'pet_species':
        return this.choosePetSpecies(text);
      case 'pet_size':
        return this.choosePetSize(text);
      case 'confirm_booking':
        return this.confirmBooking(text);
      case 'my_bookings':
        return this.chooseBookingToCancel(text);
      case 'confirm_cancel':
        return this.confirmCancel(text);
    }
  }

  /** The week's hours; in the middle of a flow the step's question follows, and the draft is kept. */
  private showOpeningHours(): void {
    const days: OpeningDays[] = [];
    // Monday first, Sunday last, as a shop's sign reads.
    for (const weekday of [1, 2, 3, 4, 5, 6, 0]) {
      const hours = this.businessHoursOn(weekday);
      const last = days.at(-1);
      if (last !== undefined && JSON.stringify(last.hours) === JSON.stringify(hours)) last.weekdays.push(weekday);
      else days.push({ weekdays: [weekday], hours });
    }
    const afterwards = this.state.step === 'main' ? menuTexts.bookHint() : this.expectation();
    this.say(menuTexts.openingHours(days, this.context.organization.minimumNoticeMin, afterwards));
  }

  // Main menu

  private async chooseFromMainMenu(text: string, fresh: boolean): Promise<void> {
    switch (choiceIndex(text, 5)) {
      case 0:
        return this.showServices();
      case 1:
        return this.startBooking('');
      case 2:
        return this.listBookings();
      case 3:
        return this.startPetRegistration(false);
      case 4:
        return this.run({ kind: 'handoff' });
    }
    const service = matchByName(this.context.services, text);
    if (service !== null) return this.startBooking(text);
    // "quais horários vocês têm amanhã?", "sexta às 10h": a booking, the service asked first and the day kept. A date
    // alone is not read so ("pedido 12-05" may be an order's number), nor a time alone.
    if (menuVocabulary.freeTimesQuestion.test(foldText(text)) || this.namesDayAndTime(text)) return this.startBooking(text);
    // Asked about a service the shop does not list: the list is the answer.
    if (menuVocabulary.offerQuestion.test(foldText(text))) return this.showServices();
    if (isQuestion(text)) this.say(menuTexts.cannotAnswer(quote(text), menuTexts.mainMenu()));
    else if (fresh) this.say(menuTexts.notUnderstoodAtFirst(quote(text)), menuTexts.mainMenu());
    else this.say(menuTexts.notUnderstood(quote(text), menuTexts.mainMenu()));
  }

  // Booking

  private namesDayAndTime(text: string): boolean {
    const day = dayOf(text, this.today);
    return day !== null && 'date' in day && timeOf(text) !== null;
  }

  /**
   * "quanto custa a tosa?" in the middle of a booking: that price (or, not
   * named, the price of the service being booked), and the booking goes on
   * where it was. Elsewhere, the whole list.
   */
  private pricesAsked(text: string): void {
    const inFlow = this.state.step !== 'main' && this.state.step !== 'choose_service';
    const service = inFlow ? (matchByName(this.context.services, text) ?? this.draftService()) : null;
    if (service === null) return this.showServices();
    this.say(menuTexts.priceOf(service), this.expectation());
  }

  private showServices(): void {
    const services = this.context.services;
    if (services.length === 0) return this.noServices();
    this.state = { ...mainMenuState(), step: 'choose_service', booking: {}, offeredServices: services.map((service) => service.id) };
    this.say(menuTexts.servicesList(services));
  }

  /** `hint`: the rest of "agendar banho amanhã 10h", which may name the service, the day and the time. */
  private async startBooking(hint: string): Promise<void> {
    const services = this.context.services;
    if (services.length === 0) return this.noServices();
    // "quero agendar pro meu cachorro": the kind of pet is kept while the service is chosen.
    const species = speciesMentioned(hint);
    // What else the request said (the day, the time, the pet) waits for the service.
    const booking = { ...(species === null ? {} : { species }), ...(hint === '' ? {} : { request: hint }) };
    this.state = { ...mainMenuState(), step: 'choose_service', booking, offeredServices: services.map((service) => service.id) };
    const named = hint === '' ? null : matchByName(services, hint);
    const service = named ?? (services.length === 1 ? services[0] : null);
    if (service === null) return this.say(menuTexts.chooseService(services));
    return this.selectService(service, hint);
  }

  /**
   * Whether the service fits between opening and closing (and between breaks) on
   * some open day. A hotel stay of a night or more never does: the booking rules
   * book within one day's hours, so every day would read "no free times".
   */
  private fitsAnOpenDay(service: Service): boolean {
    return Object.values(this.context.organization.businessHours).some((day) => {
      if (day === undefined) return false;
      const pauses = [...(day.breaks ?? [])].sort((a, b) => minutesOf(a.start) - minutesOf(b.start));
      let from = minutesOf(day.open);
      for (const pause of [...pauses, { start: day.close, end: day.close }]) {
        if (minutesOf(pause.start) - from >= service.durationMin) return true;
        from = Math.max(from, minutesOf(pause.end));
      }
      return false;
    });
  }

  private longerThanADay(service: Service): void {
    this.state = mainMenuState();
    this.say(menuTexts.bookWithStaff(service.name));
  }

  private noServices(): void {
    this.say(menuTexts.noServices());
    this.state = mainMenuState();
  }

  private async chooseService(text: string): Promise<void> {
    const offered = this.offeredServices();
    if (offered.length === 0) return this.noServices();
    const position = choiceIndex(text, offered.length);
    const service = position !== null ? offered[position] : matchByName(offered, text);
    if (service !== null) return this.selectService(service, text);
    // "2 amanhã", "1 sexta às 10h": the service's number, then the day (and time) it is for.
    const numbered = /^(\d{1,2})[.)]?\s+(.+)$/.exec(text.trim());
    const index = numbered === null ? null : choiceIndex(numbered[1], offered.length);
    if (numbered !== null && index !== null && dayOf(numbered[2], this.today) !== null) return this.selectService(offered[index], numbered[2]);
    return this.notUnderstood(text);
  }

  /**
   * `text` may also name the day, the time and the customer's pets ("banho pro
   * Rex sexta às 10h"): they are used rather than asked again.
   */
  private async selectService(service: Service, answer: string): Promise<void> {
    if (!this.fitsAnOpenDay(service)) return this.longerThanADay(service);
    // The request that started the booking is read with the answer that named the service.
    const request = this.state.booking?.request;
    const text = request === undefined || request === answer ? answer : `${request} ${answer}`.trim();
    // "banho pra Mel e Rex": each pet named gets its booking, one after the other, as with "os dois".
    const named = text === '' ? [] : this.pets.filter((candidate) => matchByName([candidate], text) !== null);
    // "para minha gata Luna", a pet they do not have yet: registered once the time is chosen, its name and kind not asked.
    const introduced = named.length === 0 && text !== '' ? petIntroduced(text) : null;
    // "banho pro meu cachorro": the customer's one dog is that pet; with none, the dog to register is not asked its species.
    const species = introduced?.species ?? (text === '' ? null : speciesMentioned(text)) ?? this.state.booking?.species;
    const ofSpecies = species === undefined || introduced !== null ? [] : this.pets.filter((candidate) => candidate.species === species);
    const [pet, ...others] = named.length > 0 ? named : ofSpecies.length === 1 ? ofSpecies : [];
    const forPet =
      pet === undefined ? { species, newPetName: introduced?.name } : { petId: pet.id, petName: pet.name, nextPetIds: others.map((other) => other.id) };
    this.state = { ...mainMenuState(), step: 'choose_day', booking: { serviceId: service.id, ...forPet } };
    const day = text === '' ? null : dayOf(text, this.today);
    if (day !== null && 'date' in day && day.date >= this.today) return this.showDay(day.date, timeOf(text), partOfDayOf(text));
    this.say(menuTexts.askDay(service.name));
  }

  private async chooseDay(text: string): Promise<void> {
    if (await this.changeService(text)) return;
    const day = dayOf(text, this.today);
    if (day === null || !('date' in day)) return this.notUnderstood(text);
    if (day.date < this.today) return this.say(menuTexts.dayPassed());
    return this.showDay(day.date, timeOf(text), partOfDayOf(text));
  }

  /**
   * The free times of a day, numbered; with `wantedMinutes` ("10h") that time is
   * chosen at once when free; with `partOfDay` ("à tarde") only that part's are shown when it has any.
   */
  private async showDay(date: string, wantedMinutes: number | null, partOfDay: PartOfDay | null = null): Promise<void> {
    const service = this.draftService();
    if (service === null) return this.serviceGone();
    // A draft kept from an earlier day (the customer came back after midnight) names a day that has passed.
    if (date < this.today) {
      this.state = { ...mainMenuState(), step: 'choose_day', booking: { ...this.state.booking, date: undefined, startsAt: undefined } };
      return this.say(menuTexts.dayPassed());
    }
    const booking = { ...this.state.booking, serviceId: service.id, date, startsAt: undefined };
    this.state = { ...mainMenuState(), step: 'choose_day', booking };
    const day = this.menuDay(date);
    const hours = this.businessHoursOn(weekdayOf(date));
    // A closed day: said so, and the next free times offered rather than leaving the customer to guess another day.
    if (hours === undefined) return this.offerNextFree(service, date, [menuTexts.closedOn(day)]);
    const slots = await this.freeStarts(service.id, date);
    if (slots === null) return this.serviceGone();
    const refusal = wantedMinutes === null ? null : this.whyNeverBookable(service, hours, date, wantedMinutes, day);
    if (slots.length === 0) return this.offerNextFree(service, date, refusal === null ? [] : [refusal], day);
    const notFree: string[] = [];
    if (wantedMinutes !== null) {
      const wanted = slots.find((start) => this.minutesOfDay(start) === wantedMinutes);
      if (wanted !== undefined) return this.selectSlot(wanted);
      notFree.push(refusal ?? menuTexts.timeNotFree(clockLabel(wantedMinutes), day));
    }
    const inPart = partOfDay === null ? [] : slots.filter((start) => inPartOfDay(this.minutesOfDay(start), partOfDay));
    if (partOfDay !== null && inPart.length === 0) notFree.push(menuTexts.noSlotsInPartOfDay(partOfDay, day));
    const shown = spreadOver(inPart.length > 0 ? inPart : slots, SLOTS_SHOWN);
    this.state = { ...this.state, step: 'choose_slot', offeredSlots: shown.map((start) => start.toISOString()) };
    const times = shown.map((start) => this.moment(start).time);
    this.say(...notFree, menuTexts.slotList(service.name, day, times, slots.length > shown.length, inPart.length > 0 ? (partOfDay ?? undefined) : undefined));
  }

  /**
   * A closed day, or (`fullDay`) a full one or today with its last times gone:
   * after `lead`, the next free times from it, numbered, rather than leaving the
   * customer to guess day after day.
   */
  private async offerNextFree(service: Service, date: string, lead: string[], fullDay?: MenuDay): Promise<void> {
    const timeZone = this.context.organization.timezone;
    const next = await this.bookings.nextFreeSlots(this.context.organization.id, service.id, zonedInstant(date, 0, timeZone));
    const starts = (next?.slots ?? []).map((slot) => slot.start);
    const said = [...lead];
    if (fullDay !== undefined) said.push(date === this.today ? menuTexts.noSlotsLeftToday(service.name) : menuTexts.noSlots(service.name, fullDay));
    if (starts.length === 0) return this.say(...said, menuTexts.chooseAnotherDay());
    this.offerSlots(starts);
    this.say(...said, menuTexts.alternativesOrAnotherDay(starts.map((start) => this.moment(start))));
  }

  /** The shop's hours on a weekday (0 = Sunday); undefined when it does not open. */
  private businessHoursOn(weekday: number): BusinessHoursDay | undefined {
    return this.context.organization.businessHours[String(weekday) as keyof BusinessHours];
  }

  /**
   * Why a time asked for can be booked by nobody: it has passed, it is sooner
   * than the shop's minimum notice (a customer told only "não está livre" would
   * think someone took it), or the shop's hours. Null when it is merely taken.
   */
  private whyNeverBookable(service: Service, hours: BusinessHoursDay, date: string, wantedMinutes: number, day: MenuDay): string | null {
    return this.tooLateFor(zonedInstant(date, wantedMinutes, this.context.organization.timezone)) ?? this.outsideHours(service, hours, wantedMinutes, day);
  }

  /** A time that has passed, or is sooner than the shop's minimum notice, and so cannot be booked now: why; else null. */
  private tooLateFor(wanted: Date): string | null {
    const { now, organization } = this.context;
    if (wanted.getTime() <= now.getTime()) return menuTexts.slotPassed();
    // The booking rules' own bound: the menu never calls a time too soon that they would take.
    if (wanted < earliestStart(now, organization.minimumNoticeMin)) {
      return menuTexts.tooSoon(this.moment(wanted).time, organization.minimumNoticeMin);
    }
    return null;
  }

  /**
   * Why a time asked for cannot be booked when the shop's hours are the reason:
   * before opening or after closing ("Nesse dia atendemos das 08:00 às 12:00"),
   * too close to closing for the service, or in a break. Null when the time is
   * within the hours (it is then merely taken).
   */
  private outsideHours(service: Service, hours: BusinessHoursDay, wantedMinutes: number, day: MenuDay): string | null {
    const time = clockLabel(wantedMinutes);
    if (wantedMinutes < minutesOf(hours.open) || wantedMinutes >= minutesOf(hours.close)) {
      return menuTexts.closedAt(time, day, hours.open, hours.close);
    }
    if (wantedMinutes + service.durationMin > minutesOf(hours.close)) {
      return menuTexts.closesBeforeServiceEnds(time, day, service, hours.close);
    }
    const pause = (hours.breaks ?? []).find(
      (candidate) => wantedMinutes < minutesOf(candidate.end) && wantedMinutes + service.durationMin > minutesOf(candidate.start),
    );
    return pause === undefined ? null : menuTexts.duringBreak(time, day, pause.start, pause.end);
  }

  private async chooseSlot(text: string): Promise<void> {
    const offered = (this.state.offeredSlots ?? []).map((start) => new Date(start));
    const position = choiceIndex(text, offered.length);
    if (position !== null) return this.selectSlot(offered[position]);
    if ((await this.changeService(text)) || (await this.changeDayOrTime(text, false))) return;
    const day = dayOf(text, this.today);
    if (day !== null && 'date' in day) {
      if (day.date < this.today) return this.say(menuTexts.dayPassed());
      return this.showDay(day.date, timeOf(text), partOfDayOf(text));
    }
    // "à tarde": that part of the day's free times.
    const partOfDay = partOfDayOf(text);
    if (partOfDay !== null && this.state.booking?.date !== undefined) return this.showDay(this.state.booking.date, null, partOfDay);
    // A number past the end of the list is an hour of the day ("10" when eight times are shown).
    const number = choiceNumber(text);
    const minutes = timeOf(text) ?? (number !== null && number > offered.length && number <= 23 ? number * 60 : null);
    if (minutes === null) return this.notUnderstood(text);
    // Times of one day: ask again, any free time of that day will do.
    if (this.state.booking?.date !== undefined) return this.showDay(this.state.booking.date, minutes);
    // Alternatives across days: the first offered one at that time.
    const match = offered.find((start) => this.minutesOfDay(start) === minutes);
    if (match !== undefined) return this.selectSlot(match);
    this.say(menuTexts.timeNotOffered(clockLabel(minutes)), this.expectation());
  }

  private async selectSlot(start: Date): Promise<void> {
    // A list shown hours ago (the customer stopped and came back) may offer times that have passed since.
    if (start <= this.context.now) {
      const date = this.state.booking?.date ?? localDate(start, this.context.organization.timezone);
      // Today's time: said so, then today's free times now; an earlier day: showDay says the day has passed.
      if (date >= this.today) this.say(menuTexts.slotPassed());
      return this.showDay(date, null);
    }
    const booking = { ...this.state.booking, startsAt: start.toISOString() };
    this.state = { ...mainMenuState(), step: 'choose_pet', booking };
    const chosenPet = this.pets.find((pet) => pet.id === booking.petId);
    if (chosenPet !== undefined) return this.selectPet(chosenPet);
    if (booking.newPetName !== undefined) return this.registerNamedPet(booking.newPetName);
    // "pro meu cachorro": only their dogs are offered; with no dog (or no pet) yet, the dog is registered.
    const candidates = booking.species === undefined ? this.pets : this.pets.filter((pet) => pet.species === booking.species);
    if (candidates.length === 0) return this.startPetRegistration(true);
    this.state.offeredPets = candidates.map((pet) => pet.id);
    this.say(menuTexts.choosePet(candidates.map((pet) => pet.name)));
  }

  private async choosePet(text: string): Promise<void> {
    const offered = (this.state.offeredPets ?? []).flatMap((id) => this.pets.filter((pet) => pet.id === id));
    const position = choiceIndex(text, offered.length + 1);
    if (position === offered.length || menuVocabulary.newPet.test(foldText(text))) return this.startPetRegistration(true);
    const pet = position !== null ? offered[position] : matchByName(offered, text);
    if (pet !== null) return this.selectPet(pet);
    // With one pet offered, "sim" or "pode ser" can only mean that pet.
    if (offered.length === 1 && confirmationOf(text, 'confirm_booking') === true) return this.selectPet(offered[0]);
    const several = this.severalPets(text, offered);
    if (several !== null) {
      const [first, ...others] = several;
      this.state = { ...this.state, booking: { ...this.state.booking, nextPetIds: others.map((other) => other.id) } };
      return this.selectPet(first);
    }
    if ((await this.changeService(text)) || (await this.changeDayOrTime(text, true))) return;
    return this.notUnderstood(text);
  }

  /**
   * "os dois", "todos", "Rex e Mel": each pet gets its own booking (one
   * groomer, one pet at a time), one after the other. Null when the text
   * names fewer than two of the offered pets.
   */
  private severalPets(text: string, offered: Pet[]): Pet[] | null {
    const folded = foldText(text);
    if (offered.length === 2 && menuVocabulary.bothPets.test(folded)) return offered;
    if (offered.length >= 2 && menuVocabulary.allPets.test(folded)) return offered;
    const named = offered.filter((pet) => matchByName([pet], text) !== null);
    return named.length >= 2 ? named : null;
  }

  private async selectPet(pet: Pet): Promise<void> {
    const service = this.draftService();
    const startsAt = this.state.booking?.startsAt;
    if (service === null || startsAt === undefined) return this.serviceGone();
    this.state = { ...mainMenuState(), step: 'confirm_booking', booking: { ...this.state.booking, petId: pet.id, petName: pet.name } };
    this.say(menuTexts.confirmBooking(service.name, service.priceCents, pet.name, this.moment(new Date(startsAt))));
  }

  private async confirmBooking(text: string): Promise<void> {
    const answer = this.confirmationAnswer(text);
    if (answer === null) {
      if ((await this.changeService(text)) || (await this.changePet(text)) || (await this.changeDayOrTime(text, true))) return;
      return this.notUnderstood(text);
    }
    if (answer === 'courtesy') return this.say(this.expectation());
    if (!answer) {
      this.state = mainMenuState();
      return this.say(menuTexts.bookingDeclined());
    }
    return this.book();
  }

  /**
   * "na verdade quero tosa" in the middle of a booking: the other service, on the
   * day and with the pet already chosen (or the day and time written with it).
   * False when the text names no other service.
   */
  private async changeService(text: string): Promise<boolean> {
    const service = matchByName(this.context.services, text);
    const draft = this.state.booking ?? {};
    if (service === null || service.id === draft.serviceId) return false;
    if (!this.fitsAnOpenDay(service)) {
      this.longerThanADay(service);
      return true;
    }
    this.state = {
      ...mainMenuState(),
      step: 'choose_day',
      booking: { serviceId: service.id, ...petOf(draft) },
    };
    const day = dayOf(text, this.today);
    const date = day !== null && 'date' in day && day.date >= this.today ? day.date : draft.date;
    if (date === undefined) this.say(menuTexts.askDay(service.name));
    else await this.showDay(date, timeOf(text));
    return true;
  }

  /**
   * "outro horário", "outro dia", or (`readsDayAndTime`, where the text is not
   * already read as one) "pode ser às 11h?": back to the day's free times, or to
   * the choice of a day, keeping the service and the pet. False when the text is none.
   */
  private async changeDayOrTime(text: string, readsDayAndTime: boolean): Promise<boolean> {
    const folded = foldText(text);
    const draft = this.state.booking ?? {};
    const day = readsDayAndTime ? dayOf(text, this.today) : null;
    const minutes = readsDayAndTime ? timeOf(text) : null;
    const otherDay = menuVocabulary.otherDay.test(folded);
    if (!otherDay && !menuVocabulary.otherTime.test(folded) && day === null && minutes === null) return false;
    const date = day !== null && 'date' in day && day.date >= this.today ? day.date : otherDay ? undefined : draft.date;
    const service = this.draftService();
    if (service === null) {
      await this.serviceGone();
      return true;
    }
    if (date === undefined) {
      this.state = {
        ...mainMenuState(),
        step: 'choose_day',
        booking: { serviceId: service.id, ...petOf(draft) },
      };
      this.say(menuTexts.askDay(service.name));
      return true;
    }
    // "pode ser sábado?" at the confirmation of 10:00: the same time on the other day.
    const keptMinutes = day !== null && minutes === null && draft.startsAt !== undefined ? this.minutesOfDay(new Date(draft.startsAt)) : null;
    await this.showDay(date, minutes ?? keptMinutes, partOfDayOf(text));
    return true;
  }

  /** At the confirmation, another of the customer's pets named ("é para a Mel"), or "outro pet": the same time for it. */
  private async changePet(text: string): Promise<boolean> {
    const startsAt = this.state.booking?.startsAt;
    if (startsAt === undefined) return false;
    const pet = matchByName(this.pets, text);
    if (pet !== null && pet.id !== this.state.booking?.petId) {
      await this.selectPet(pet);
      return true;
    }
    if (!menuVocabulary.otherPet.test(foldText(text))) return false;
    // Another pet may be of another kind than the one the request named: every pet is offered.
    this.state = { ...this.state, booking: { ...this.state.booking, petId: undefined, petName: undefined, species: undefined } };
    await this.selectSlot(new Date(startsAt));
    return true;
  }

  private async book(): Promise<void> {
    const { serviceId, startsAt, petId, nextPetIds = [] } = this.state.booking ?? {};
    if (serviceId === undefined || startsAt === undefined || petId === undefined) return this.bookingFailed();
    let booking: BookingRow;
    try {
      booking = await this.bookings.create(
        this.context.organization.id,
        { contactId: this.context.contact.id, petId, serviceId, startsAt: new Date(startsAt) },
        ACTOR,
      );
    } catch (error) {
      if (error instanceof SlotTakenException || error instanceof InvalidSlotException) return this.offerAlternatives(error, new Date(startsAt));
      if (error instanceof ResourceNotFoundException) return this.bookingFailed();
      throw error;
    }
    // Said from the stored row, so the customer reads exactly what was booked.
    this.state = mainMenuState();
    const described = this.describe(booking);
    this.say(menuTexts.booked(described.serviceName, described.petName, described.at, booking.priceCents));
    // "os dois": the next pet, the same service, that day's free times.
    const [nextPetId, ...laterPetIds] = nextPetIds;
    const nextPet = this.pets.find((pet) => pet.id === nextPetId);
    if (nextPet === undefined) return;
    this.state = {
      ...mainMenuState(),
      step: 'choose_day',
      booking: { serviceId, petId: nextPet.id, petName: nextPet.name, nextPetIds: laterPetIds },
    };
    this.say(menuTexts.nowForPet(nextPet.name));
    return this.showDay(localDate(booking.during.start, this.context.organization.timezone), null);
  }

  /** `wanted`: the refused time; one that came within the notice while the customer answered is said to be so. */
  private offerAlternatives(error: SlotTakenException | InvalidSlotException, wanted: Date): void {
    const refusal = error instanceof SlotTakenException ? menuTexts.slotTaken() : (this.tooLateFor(wanted) ?? menuTexts.slotInvalid());
    const { alternatives = [] } = (error.details ?? {}) as { alternatives?: AlternativeSlot[] };
    if (alternatives.length === 0) {
      this.state = mainMenuState();
      return this.say(refusal, menuTexts.noAlternatives());
    }
    const starts = alternatives.slice(0, SLOTS_SHOWN).map((slot) => new Date(slot.start));
    this.offerSlots(starts);
    this.say(refusal, menuTexts.alternatives(starts.map((start) => this.moment(start))));
  }

  /** The next step is a choice among these times, for the service and pet already chosen (the day comes with the time). */
  private offerSlots(starts: Date[]): void {
    this.state = {
      ...mainMenuState(),
      step: 'choose_slot',
      booking: { ...this.state.booking, date: undefined, startsAt: undefined },
      offeredSlots: starts.map((start) => start.toISOString()),
    };
  }

  private bookingFailed(): void {
    this.state = mainMenuState();
    this.say(menuTexts.bookingFailed());
  }

  /** The service of the draft went away (retired meanwhile): start the choice again. */
  private serviceGone(): Promise<void> {
    this.say(menuTexts.serviceUnavailable());
    return this.startBooking('');
  }

  // Pets

  private startPetRegistration(forBooking: boolean): void {
    // The kind of pet the booking was asked for ("banho pro meu cachorro") is not asked again.
    const species = forBooking ? this.state.booking?.species : undefined;
    this.state = { ...mainMenuState(), step: 'pet_name', pet: { forBooking, species }, ...(forBooking ? { booking: this.state.booking } : {}) };
    this.say(forBooking ? menuTexts.askPetNameForBooking() : menuTexts.askPetName());
  }

  /** The pet named with the request ("minha gata Luna"): registered for the booking without asking its name or kind. */
  private async registerNamedPet(name: string): Promise<void> {
    const species = this.state.booking?.species;
    // Registered once: "outro pet" at the confirmation offers the pets, this one among them.
    const booking = { ...this.state.booking, newPetName: undefined };
    this.state = { ...this.state, step: 'pet_species', booking, pet: { forBooking: true, name, species } };
    if (species !== undefined) return this.selectPetSpecies(species);
    this.say(menuTexts.askSpecies(name));
  }

  private async namePet(text: string): Promise<void> {
    // "os dois", "são dois": not a name; one pet at a time.
    if (menuVocabulary.severalPetsAtOnce.test(foldText(text))) return this.say(menuTexts.onePetAtATime());
    // Registering the pet of a booking: "outro horário", "outro dia" go back to the time or the day.
    if (this.petDraft().forBooking && (await this.changeDayOrTime(text, false))) return;
    // "sim", "ok", "oi", "cachorro": an answer to some other question, not a name to register.
    if (isNotAPetName(text)) return this.say(menuTexts.petNameNeeded());
    const answer = petNameAnswer(text);
    const name = answer.name;
    const species = answer.species ?? this.petDraft().species ?? null;
    if (name.length > PET_NAME_MAX || !/\p{L}/u.test(name)) return this.notUnderstood(text);
    // A pet the customer already has (chose "Cadastrar outro pet" for it) is not registered twice.
    const known = this.pets.find((pet) => foldText(pet.name) === foldText(name));
    if (known !== undefined) {
      this.say(menuTexts.petAlreadyRegistered(known.name));
      if (this.petDraft().forBooking && this.state.booking?.startsAt !== undefined) return this.selectPet(known);
      this.state = mainMenuState();
      return this.say(menuTexts.afterPetRegistered());
    }
    const capitalised = name.charAt(0).toLocaleUpperCase('pt-BR') + name.slice(1);
    this.state = { ...this.state, step: 'pet_species', pet: { ...this.petDraft(), name: capitalised } };
    // "Thor, ele é um cachorro": the species is not asked again.
    if (species !== null) return this.selectPetSpecies(species);
    this.say(menuTexts.askSpecies(capitalised));
  }

  private async choosePetSpecies(text: string): Promise<void> {
    const species = speciesOf(text);
    if (species === null || this.petDraft().name === undefined) return this.notUnderstood(text);
    return this.selectPetSpecies(species);
  }

  private async selectPetSpecies(species: Species): Promise<void> {
    const draft = this.petDraft();
    if (draft.name === undefined) return this.startPetRegistration(draft.forBooking);
    // Size matters for grooming dogs; other pets skip the question.
    if (species === 'cachorro') {
      this.state = { ...this.state, step: 'pet_size', pet: { ...draft, species } };
      return this.say(menuTexts.askSize(draft.name));
    }
    return this.registerPet({ ...draft, species, size: null });
  }

  private async choosePetSize(text: string): Promise<void> {
    const size = isSkip(text) ? null : sizeOf(text);
    if (size === null && !isSkip(text)) return this.notUnderstood(text);
    return this.registerPet({ ...this.petDraft(), size });
  }

  private async registerPet(draft: NonNullable<MenuState['pet']>): Promise<void> {
    if (draft.name === undefined || draft.species === undefined) return this.startPetRegistration(draft.forBooking);
    const created = await this.contacts.createPet(this.context.organization.id, {
      contactId: this.context.contact.id,
      name: draft.name,
      species: draft.species,
      size: draft.size ?? null,
    });
    const pet: Pet = { id: created.id, name: created.name, species: created.species, breed: created.breed, size: created.size };
    this.pets.push(pet);
    this.say(menuTexts.petRegistered(pet.name));
    if (draft.forBooking && this.state.booking?.startsAt !== undefined) return this.selectPet(pet);
    this.state = mainMenuState();
    this.say(menuTexts.afterPetRegistered());
  }

  private petDraft(): NonNullable<MenuState['pet']> {
    return this.state.pet ?? { forBooking: false };
  }

  // The customer's bookings

  private async listBookings(): Promise<void> {
    const upcoming = await this.upcomingBookings();
    if (upcoming.length === 0) return this.noBookings();
    this.showBookings(upcoming);
  }

  /** "cancelar" (which one?) or "cancelar 2" (the second of the list shown, or of the list as it is now). */
  private async startCancel(position: number | null, hint: string): Promise<void> {
    const shown = this.state.step === 'my_bookings' ? this.state.offeredBookings : undefined;
    if (position !== null && shown !== undefined) {
      const id = shown[position - 1];
      if (id !== undefined) return this.cancel(id);
    }
    const upcoming = await this.upcomingBookings();
    if (upcoming.length === 0) return this.noBookings();
    if (position === null) {
      // "cancelar o banho de sábado": the one booking it names is asked about; several named are listed.
      const named = this.bookingsNamed(upcoming, hint) ?? upcoming;
      if (named.length === 0) this.say(menuTexts.noBookingNamed());
      if (named.length === 1) return this.askCancel(named[0]);
      return this.showBookings(named.length === 0 ? upcoming : named);
    }
    const booking = upcoming[position - 1];
    if (booking === undefined) {
      this.say(menuTexts.noSuchBooking(position));
      return this.showBookings(upcoming);
    }
    this.askCancel(booking);
  }

  private showBookings(upcoming: BookingRow[]): void {
    this.state = { ...mainMenuState(), step: 'my_bookings', offeredBookings: upcoming.map((booking) => booking.id) };
    this.say(menuTexts.myBookings(upcoming.map((booking) => this.describe(booking))));
  }

  private noBookings(): void {
    this.state = mainMenuState();
    this.say(menuTexts.noBookings());
  }

  private async chooseBookingToCancel(text: string): Promise<void> {
    const shown = this.state.offeredBookings ?? [];
    // The list was only looked at: "não", "nenhum", "não quero cancelar" keep every booking.
    if (isSkip(text) || confirmationOf(text, 'confirm_cancel') === false) {
      this.state = mainMenuState();
      return this.say(menuTexts.bookingsKept());
    }
    const position = choiceIndex(text, shown.length);
    const upcoming = await this.upcomingBookings();
    if (position === null) {
      // "o de sábado", "o da Mel": one of the bookings shown, named rather than numbered.
      const listed = upcoming.filter((booking) => shown.includes(booking.id));
      const named = this.bookingsNamed(listed, text);
      if (named === null || named.length === 0) return this.notUnderstood(text);
      return named.length === 1 ? this.askCancel(named[0]) : this.showBookings(named);
    }
    const booking = upcoming.find((candidate) => candidate.id === shown[position]);
    if (booking === undefined) return this.bookingNotActive();
    this.askCancel(booking);
  }

  /**
   * The bookings a text names by service, pet, day or time ("o banho", "da Mel",
   * "de sábado", "das 10h"), each named part narrowing the list; null when the
   * text names none of these.
   */
  private bookingsNamed(bookings: BookingRow[], text: string): BookingRow[] | null {
    if (foldText(text) === '') return null;
    const described = bookings.map((booking) => ({ booking, named: this.describe(booking) }));
    const serviceNames = [...new Set(described.map(({ named }) => named.serviceName))].map((name) => ({ name }));
    const petNames = [...new Set(described.flatMap(({ named }) => (named.petName === null ? [] : [named.petName])))].map((name) => ({ name }));
    const service = matchByName(serviceNames, text);
    const pet = matchByName(petNames, text);
    const day = dayOf(text, this.today);
    const minutes = timeOf(text);
    if (service === null && pet === null && (day === null || !('date' in day)) && minutes === null) return null;
    const timeZone = this.context.organization.timezone;
    return described
      .filter(({ booking, named }) => {
        if (service !== null && named.serviceName !== service.name) return false;
        if (pet !== null && named.petName !== pet.name) return false;
        if (day !== null && 'date' in day && localDate(booking.during.start, timeZone) !== day.date) return false;
        return minutes === null || this.minutesOfDay(booking.during.start) === minutes;
      })
      .map(({ booking }) => booking);
  }

  private askCancel(booking: BookingRow): void {
    this.state = { ...mainMenuState(), step: 'confirm_cancel', cancelBookingId: booking.id };
    this.say(menuTexts.confirmCancel(this.describe(booking)));
  }

  private async confirmCancel(text: string): Promise<void> {
    const answer = this.confirmationAnswer(text);
    if (answer === null) return this.notUnderstood(text);
    if (answer === 'courtesy') return this.say(this.expectation());
    const id = this.state.cancelBookingId;
    if (!answer || id === undefined) {
      this.state = mainMenuState();
      return this.say(menuTexts.cancelKept());
    }
    return this.cancel(id);
  }

  /** Only this customer's own bookings that have not started can be cancelled here. */
  private async cancel(bookingId: string): Promise<void> {
    const organizationId = this.context.organization.id;
    let booking: BookingRow;
    try {
      booking = await this.bookings.get(organizationId, bookingId);
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return this.bookingNotActive();
      throw error;
    }
    if (booking.contactId !== this.context.contact.id || !this.isUpcoming(booking)) return this.bookingNotActive();
    let cancelled: BookingRow;
    try {
      cancelled = await this.bookings.changeStatus(organizationId, booking.id, 'cancelled', ACTOR, menuTexts.cancellationReason());
    } catch (error) {
      if (error instanceof InvalidBookingTransitionException) return this.bookingNotActive();
      throw error;
    }
    this.state = mainMenuState();
    this.say(menuTexts.cancelled(this.describe(cancelled)));
  }

  private bookingNotActive(): void {
    this.state = mainMenuState();
    this.say(menuTexts.bookingNotActive());
  }

  private async upcomingBookings(): Promise<BookingRow[]> {
    const rows = await this.bookings.list(
      this.context.organization.id,
      { contactId: this.context.contact.id, from: this.context.now },
      BOOKINGS_READ,
      0,
    );
    return rows.filter((booking) => booking.contactId === this.context.contact.id && this.isUpcoming(booking));
  }

  private isUpcoming(booking: BookingRow): boolean {
    return (ACTIVE_BOOKING_STATUSES as readonly BookingStatus[]).includes(booking.status) && booking.during.start > this.context.now;
  }

  // Helpers

  private describe(booking: BookingRow): MenuBooking {
    const known = this.context.upcomingBookings.find((candidate) => candidate.id === booking.id);
    const serviceName =
      this.context.services.find((service) => service.id === booking.serviceId)?.name ?? known?.serviceName ?? menuTexts.unknownService();
    const petName = booking.petId === null ? null : (this.pets.find((pet) => pet.id === booking.petId)?.name ?? known?.petName ?? null);
    return { serviceName, petName, at: this.moment(booking.during.start) };
  }

  private offeredServices(): Service[] {
    const ids = this.state.offeredServices;
    if (ids === undefined) return this.context.services;
    return ids.flatMap((id) => this.context.services.filter((service) => service.id === id));
  }

  private draftService(): Service | null {
    return this.context.services.find((service) => service.id === this.state.booking?.serviceId) ?? null;
  }

  /** Free start times of the day, or null when the service is no longer bookable. */
  private async freeStarts(serviceId: string, date: string): Promise<Date[] | null> {
    try {
      const availability = await this.bookings.availability(this.context.organization.id, serviceId, date);
      return availability.slots.map((slot) => slot.start);
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return null;
      throw error;
    }
  }

  private menuDay(date: string): MenuDay {
    const [year, month, day] = date.split('-').map(Number);
    return { weekday: weekdayOf(date), day, month, year, withYear: date.slice(0, 4) !== this.today.slice(0, 4) };
  }

  private moment(instant: Date): MenuMoment {
    return momentOf(instant, this.context.organization.timezone, this.today);
  }

  private minutesOfDay(instant: Date): number {
    const wall = wallClockOf(instant, this.context.organization.timezone);
    return wall.hour * 60 + wall.minute;
  }

  /** What the current step waits for, said after "Não entendi". */
  private expectation(): string {
    const expect = menuTexts.expect;
    switch (this.state.step) {
      case 'main':
        return expect.main();
      case 'choose_service':
        return expect.service(this.offeredServices().length);
      case 'choose_day':
        return expect.day();
      case 'choose_slot':
        return expect.slot(this.state.offeredSlots?.length ?? 0);
      case 'choose_pet':
        return expect.pet((this.state.offeredPets?.length ?? 0) + 1);
      case 'pet_name':
        return expect.petName();
      case 'pet_species':
        return expect.species();
      case 'pet_size':
        return expect.size();
      case 'confirm_booking':
        return expect.confirmBooking();
      case 'my_bookings':
        return expect.booking(this.state.offeredBookings?.length ?? 0);
      case 'confirm_cancel':
        return expect.confirmCancel();
    }
  }

  /** At a yes/no step, what the text answers (see confirmationOf); null at any other step. */
  private confirmationAnswer(text: string): boolean | 'courtesy' | null {
    const { step } = this.state;
    return step === 'confirm_booking' || step === 'confirm_cancel' ? confirmationOf(text, step) : null;
  }

  private notUnderstood(text: string): void {
    this.say((isQuestion(text) ? menuTexts.cannotAnswer : menuTexts.notUnderstood)(quote(text), this.expectation()));
  }

  private greet(): void {
    if (this.greeted) return;
    this.greeted = true;
    this.say(menuTexts.greeting(this.context.organization.name));
  }

  /** One answer, its parts as paragraphs. */
  private say(...parts: string[]): void {
    this.answers.push(parts.join('\n\n'));
  }
}

/** A question the menu did not understand is one it cannot answer: a person can. */
function isQuestion(text: string): boolean {
  return text.includes('?');
}

/** What a booking draft says about its pet, kept when the service or the day changes. */
function petOf(draft: BookingDraft): Pick<BookingDraft, 'petId' | 'petName' | 'nextPetIds' | 'species' | 'newPetName'> {
  return { petId: draft.petId, petName: draft.petName, nextPetIds: draft.nextPetIds, species: draft.species, newPetName: draft.newPetName };
}
