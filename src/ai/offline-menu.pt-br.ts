import { wallClockOf } from '../booking/zoned-time.js';

/**
 * Everything the offline menu assistant says to customers, and the Portuguese
 * words it recognises, in one place. Brazilian Portuguese. Texts use WhatsApp
 * formatting (*bold*).
 */

/** A calendar day as the customer reads it. */
export interface MenuDay {
  /** 0 = Sunday */
  weekday: number;
  day: number;
  month: number;
  year: number;
  /** Show the year (the day is in another year than today). */
  withYear: boolean;
}

/** A moment as the customer reads it: a day and the shop's wall-clock time ("10:00"). */
export interface MenuMoment extends MenuDay {
  time: string;
}

export interface MenuService {
  name: string;
  priceCents: number;
  durationMin: number;
}

/** One of the customer's bookings, named. */
export interface MenuBooking {
  serviceName: string;
  petName: string | null;
  at: MenuMoment;
}

export const WEEKDAY_NAMES = ['domingo', 'segunda-feira', 'terça-feira', 'quarta-feira', 'quinta-feira', 'sexta-feira', 'sábado'];

const pad = (value: number) => String(value).padStart(2, '0');

/** An instant as the shop's clock shows it; the year is shown when it is not `today`'s (YYYY-MM-DD). */
export function momentOf(instant: Date, timeZone: string, today: string): MenuMoment {
  const wall = wallClockOf(instant, timeZone);
  return {
    weekday: wall.weekday,
    day: wall.day,
    month: wall.month,
    year: wall.year,
    withYear: String(wall.year) !== today.slice(0, 4),
    time: `${pad(wall.hour)}:${pad(wall.minute)}`,
  };
}

/** 6000 -> "R$ 60,00"; 123450 -> "R$ 1.234,50". */
export function formatPrice(cents: number): string {
  const reais = Math.floor(Math.abs(cents) / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `${cents < 0 ? '-' : ''}R$ ${reais},${pad(Math.abs(cents) % 100)}`;
}

/** 45 -> "45 min"; 60 -> "1h"; 90 -> "1h30". */
/** The booking notice a shop asks for, as its customers read it. */
export function bookingNotice(minimumNoticeMin: number): string {
  return `Agendamentos com pelo menos ${formatDuration(minimumNoticeMin)} de antecedência.`;
}

export function formatDuration(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const rest = minutes % 60;
  return `${Math.floor(minutes / 60)}h${rest === 0 ? '' : pad(rest)}`;
}

/** "sexta-feira, 28/11" (or "sexta-feira, 28/11/2027"). */
export function formatDay(day: MenuDay): string {
  const date = `${pad(day.day)}/${pad(day.month)}${day.withYear ? `/${day.year}` : ''}`;
  return `${WEEKDAY_NAMES[day.weekday]}, ${date}`;
}

/** "na sexta-feira, 28/11" / "no sábado, 29/11": Saturday and Sunday are masculine. */
export function onDay(day: MenuDay): string {
  return `${day.weekday === 0 || day.weekday === 6 ? 'no' : 'na'} ${formatDay(day)}`;
}

/** "na sexta-feira, 28/11, às 10:00" */
export function onMoment(moment: MenuMoment): string {
  return `${onDay(moment)}, às ${moment.time}`;
}

/** Consecutive weekdays (Monday first) with the same hours; `hours` undefined: closed. */
export interface OpeningDays {
  /** In order, consecutive. */
  weekdays: number[];
  hours?: { open: string; close: string; breaks?: { start: string; end: string }[] };
}

/** "segunda-feira" -> "segunda": the short name used in ranges. */
const shortWeekday = (weekday: number) => WEEKDAY_NAMES[weekday].split('-')[0];

function openingLine(days: OpeningDays): string {
  const [first, ...others] = days.weekdays.map(shortWeekday);
  const last = others.at(-1);
  const label = last === undefined ? first : `${first} ${others.length === 1 ? 'e' : 'a'} ${last}`;
  if (days.hours === undefined) return `${label}: fechado`;
  const breaks = (days.hours.breaks ?? []).map((pause) => ` (pausa das ${pause.start} às ${pause.end})`).join('');
  return `${label}: ${days.hours.open} às ${days.hours.close}${breaks}`;
}

const numbered = (lines: string[]) => lines.map((line, index) => `${index + 1}. ${line}`).join('\n');

const serviceLine = (service: MenuService) => `${service.name} — ${formatPrice(service.priceCents)} (${formatDuration(service.durationMin)})`;

const bookingLine = (booking: MenuBooking) =>
  `*${booking.serviceName}*${booking.petName === null ? '' : ` para *${booking.petName}*`} ${onMoment(booking.at)}`;

export const SPECIES = ['cachorro', 'gato', 'outro'] as const;
export type Species = (typeof SPECIES)[number];

const SPECIES_LABELS: Record<Species, string> = { cachorro: 'Cachorro', gato: 'Gato', outro: 'Outro' };
/** In the order of PET_SIZES (database/schema). */
const SIZE_LABELS = ['Mini', 'Pequeno', 'Médio', 'Grande', 'Gigante'];

/** Morning until noon, afternoon until 18:00, evening after (see menu-input partOfDayOf). */
export const PARTS_OF_DAY = ['manha', 'tarde', 'noite'] as const;
export type PartOfDay = (typeof PARTS_OF_DAY)[number];
const PART_OF_DAY_LABELS: Record<PartOfDay, string> = { manha: 'de manhã', tarde: 'à tarde', noite: 'à noite' };

export const menuTexts = {
  greeting: (shopName: string) => `Olá! 👋 Bem-vindo(a) ao atendimento virtual de *${shopName}*.`,

  mainMenu: () =>
    [
      'Como posso ajudar? Responda com o número da opção:',
      numbered(['Serviços e preços', 'Agendar', 'Meus agendamentos', 'Cadastrar pet', 'Falar com atendente']),
    ].join('\n'),

  servicesList: (services: MenuService[]) =>
    [
      'Nossos serviços:',
      numbered(services.map(serviceLine)),
      '',
      'Para agendar, responda com o número do serviço. Para voltar, escreva *menu*.',
    ].join('\n'),

  /** One service's price, asked in the middle of a booking. */
  priceOf: (service: MenuService) => `*${service.name}*: ${formatPrice(service.priceCents)} (${formatDuration(service.durationMin)}).`,

  noServices: () =>
    'No momento não há serviços para agendar por aqui. Escreva *atendente* para falar com a nossa equipe.',

  chooseService: (services: MenuService[]) =>
    ['Qual serviço você quer agendar?', numbered(services.map(serviceLine)), '', 'Responda com o número ou o nome do serviço.'].join(
      '\n',
    ),

  askDay: (serviceName: string) =>
    `*${serviceName}*, ótimo! Para qual dia? Responda *hoje*, *amanhã*, um dia da semana (ex.: *sexta*) ou uma data (ex.: *28/11*).`,

  dayPassed: () => 'Essa data já passou. Para qual dia? Responda *hoje*, *amanhã*, um dia da semana ou uma data (ex.: *28/11*).',

  closedOn: (day: MenuDay) => `Não abrimos ${onDay(day)}.`,

  closedAt: (time: string, day: MenuDay, open: string, close: string) =>
    `Às ${time} estamos fechados ${onDay(day)}. Nesse dia atendemos das ${open} às ${close}.`,

  closesBeforeServiceEnds: (time: string, day: MenuDay, service: MenuService, close: string) =>
    `Às ${time} não dá tempo: *${service.name}* leva ${formatDuration(service.durationMin)} e ${onDay(day)}, fechamos às ${close}.`,

  duringBreak: (time: string, day: MenuDay, start: string, end: string) =>
    `${time} não está livre ${onDay(day)}: das ${start} às ${end} fazemos uma pausa.`,

  noSlots: (serviceName: string, day: MenuDay) => `Não há horários livres para *${serviceName}* ${onDay(day)}.`,

  noSlotsLeftToday: (serviceName: string) => `Hoje não há mais horários livres para *${serviceName}*.`,

  chooseAnotherDay: () => 'Escolha outro dia, por favor.',

  alternativesOrAnotherDay: (moments: MenuMoment[]) =>
    ['Próximos horários livres:', numbered(moments.map(onMoment)), '', 'Responda com o número do horário ou com outro dia.'].join('\n'),

  /** `partOfDay`: the times shown are of that part of the day only. */
  slotList: (serviceName: string, day: MenuDay, times: string[], moreFree: boolean, partOfDay?: PartOfDay) =>
    [
      `Horários livres para *${serviceName}* ${onDay(day)}${partOfDay === undefined ? '' : `, ${PART_OF_DAY_LABELS[partOfDay]}`}:`,
      numbered(times),
      '',
      moreFree
        ? 'Responda com o número ou com a hora (ex.: *10h*); outros horários livres do dia também valem.'
        : 'Responda com o número ou com a hora (ex.: *10h*).',
    ].join('\n'),

  noSlotsInPartOfDay: (partOfDay: PartOfDay, day: MenuDay) => `Não há horários livres ${PART_OF_DAY_LABELS[partOfDay]} ${onDay(day)}.`,

  slotPassed: () => 'Esse horário já passou.',

  tooSoon: (time: string, minimumNoticeMin: number) =>
    `${time} fica muito em cima da hora: agendamos com pelo menos ${formatDuration(minimumNoticeMin)} de antecedência.`,

  timeNotFree: (time: string, day: MenuDay) => `${time} não está livre ${onDay(day)}.`,

  timeNotOffered: (time: string) => `${time} não está entre os horários livres.`,

  choosePet: (petNames: string[]) =>
    ['Para qual pet?', numbered([...petNames, 'Cadastrar outro pet']), '', 'Responda com o número ou o nome do pet.'].join('\n'),

  askPetName: () => 'Qual é o nome do seu pet?',

  askPetNameForBooking: () => 'Para finalizar, vamos cadastrar seu pet. Qual é o nome do seu pet?',

  askSpecies: (petName: string) => [`*${petName}* é:`, numbered(SPECIES.map((species) => SPECIES_LABELS[species]))].join('\n'),

  askSize: (petName: string) =>
    [`Qual é o porte de *${petName}*?`, numbered(SIZE_LABELS), '', 'Ou escreva *pular*.'].join('\n'),

  // "o nome é ..." also registers a pet whose name is one of the words refused alone ("Beleza").
  petNameNeeded: () =>
    'Para o cadastro, preciso do nome do seu pet 🙂 Responda com o nome dele(a), por exemplo *Thor* ou *o nome é Thor*. Ou escreva *menu*.',

  onePetAtATime: () => 'Vamos cadastrar um de cada vez. Qual é o nome do primeiro?',

  petAlreadyRegistered: (petName: string) => `*${petName}* já está no seu cadastro.`,

  petRegistered: (petName: string) => `Pronto, cadastrei *${petName}*! 🐾`,

  afterPetRegistered: () => 'Escreva *agendar* para marcar um horário ou *menu* para ver as opções.',

  // The price before the yes: the customer agrees to it, not only to the time.
  confirmBooking: (serviceName: string, priceCents: number, petName: string, at: MenuMoment) =>
    `Confirma *${serviceName}* (${formatPrice(priceCents)}) para *${petName}* ${onMoment(at)}? (sim/não)`,

  booked: (serviceName: string, petName: string | null, at: MenuMoment, priceCents: number) =>
    `Agendado! ✅ *${serviceName}*${petName === null ? '' : ` para *${petName}*`} ${onMoment(at)}. Valor: ${formatPrice(priceCents)}. Até lá!`,

  nowForPet: (petName: string) => `Agora vamos marcar para *${petName}*.`,

  bookingDeclined: () => 'Tudo bem, não agendei nada. Escreva *agendar* para escolher outro horário ou *menu* para ver as opções.',

  slotTaken: () => 'Poxa, esse horário acabou de ser ocupado.',

  slotInvalid: () => 'Esse horário não pode mais ser agendado.',

  alternatives: (moments: MenuMoment[]) =>
    ['Próximos horários livres:', numbered(moments.map(onMoment)), '', 'Responda com o número do horário.'].join('\n'),

  noAlternatives: () =>
    'Não encontrei horários livres nos próximos dias. Escreva *atendente* para falar com a nossa equipe.',

  bookWithStaff: (serviceName: string) =>
    `*${serviceName}* não cabe em um dia de atendimento, então não consigo marcar por aqui. Escreva *atendente* para combinar as datas com a nossa equipe.`,

  serviceUnavailable: () => 'Esse serviço não está mais disponível.',

  bookingFailed: () =>
    'Não consegui concluir o agendamento. Escreva *agendar* para tentar de novo ou *atendente* para falar com a nossa equipe.',

  myBookings: (bookings: MenuBooking[]) =>
    [
      'Seus próximos agendamentos:',
      numbered(bookings.map(bookingLine)),
      '',
      'Para cancelar, responda com o número (ex.: *1*) ou *cancelar 1*. Para voltar, escreva *menu*.',
    ].join('\n'),

  rescheduleHowTo: () =>
    'Por aqui eu ainda não consigo remarcar direto: cancele o horário atual e depois escreva *agendar* para escolher outro. Ou escreva *atendente* para a nossa equipe remarcar para você.',

  noBookings: () => 'Você não tem agendamentos futuros. Escreva *agendar* para marcar um horário.',

  noBookingNamed: () => 'Não encontrei esse agendamento entre os seus.',

  noSuchBooking: (position: number) => `Não encontrei o agendamento número ${position}.`,

  confirmCancel: (booking: MenuBooking) => `Cancelar ${bookingLine(booking)}? (sim/não)`,

  cancelled: (booking: MenuBooking) => `Pronto, cancelei ${bookingLine(booking)}.`,

  bookingsKept: () => 'Ok, não cancelei nada. Escreva *menu* para ver as opções.',

  cancelKept: () => 'Ok, mantive seu agendamento. Escreva *menu* para ver as opções.',

  bookingNotActive: () => 'Esse agendamento não está mais ativo. Escreva *3* para ver seus agendamentos.',

  handoff: () => 'Certo! Vou chamar alguém da nossa equipe para falar com você. Aguarde só um pouquinho, por favor.',

  notUnderstood: (quoted: string, expectation: string) => `Não entendi "${quoted}". ${expectation}`,

  /** A question the menu has no answer for ("vocês aceitam pix?"): a person has. */
  cannotAnswer: (quoted: string, expectation: string) =>
    `Não consigo responder "${quoted}" por aqui: para isso, escreva *atendente* e alguém da nossa equipe responde. ${expectation}`,

  notUnderstoodAtFirst: (quoted: string) => `Ainda não entendo frases como "${quoted}", mas posso ajudar por este menu.`,

  youAreWelcomeMidFlow: () => 'Por nada! 😊',

  goodbye: () => 'Até logo! 👋 Se precisar de algo, é só escrever *menu*.',

  youAreWelcome: () => 'Por nada! 😊 Se precisar de algo, é só escrever *menu*.',

  /** A booking whose service is no longer in the shop's list. */
  unknownService: () => 'Serviço',

  /**
   * The week's hours, a line per run of days with the same hours ("segunda a
   * sexta: 08:00 às 18:00"), and the booking notice the shop asks for, if any.
   */
  openingHours: (days: OpeningDays[], minimumNoticeMin: number, afterwards: string) =>
    [
      'Nosso horário de atendimento:',
      ...days.map(openingLine),
      ...(minimumNoticeMin > 0 ? [bookingNotice(minimumNoticeMin)] : []),
      '',
      afterwards,
    ].join('\n'),

  bookHint: () => 'Escreva *agendar* para marcar um horário ou *menu* para ver as opções.',

  onlyText: () => 'Por aqui eu só consigo ler mensagens de texto.',

  /** What each step waits for, said after "Não entendi". */
  expect: {
    main: () => 'Responda com o número de uma opção (1 a 5) ou escreva *menu*.',
    service: (count: number) => `Responda com o número do serviço (${range(count)}) ou escreva *menu*.`,
    day: () => 'Responda com o dia: *hoje*, *amanhã*, um dia da semana (ex.: *sexta*) ou uma data (ex.: *28/11*). Ou escreva *menu*.',
    slot: (count: number) => `Responda com o número do horário (${range(count)}) ou com a hora (ex.: *10h*). Ou escreva *menu*.`,
    pet: (count: number) => `Responda com o número do pet (${range(count)}) ou escreva *menu*.`,
    petName: () => 'Responda com o nome do pet (até 80 letras) ou escreva *menu*.',
    species: () => 'Responda *1* (cachorro), *2* (gato) ou *3* (outro).',
    size: () => 'Responda com o número do porte (1 a 5) ou *pular*.',
    confirmBooking: () => 'Responda *sim* para confirmar ou *não* para desistir.',
    booking: (count: number) => `Responda com o número do agendamento que quer cancelar (${range(count)}) ou escreva *menu*.`,
    confirmCancel: () => 'Responda *sim* para cancelar ou *não* para manter o agendamento.',
  },

  /** Recorded with the handoff, for the staff who take over. */
  handoffReason: () => 'o cliente pediu um atendente (menu)',
  /** Recorded with the cancellation. */
  cancellationReason: () => 'cancelado pelo cliente',
} as const;

function range(count: number): string {
  return count === 1 ? '1' : `1 a ${count}`;
}

/**
 * The words the menu recognises, without accents and in lower case (the
 * parser folds what the customer writes the same way).
 */
export const menuVocabulary = {
  today: ['hoje'],
  tomorrow: ['amanha'],
  dayAfterTomorrow: ['depois de amanha'],
  /** With a weekday: next week's when it is today's ("quinta que vem" on a Thursday). */
  nextWeek: /\b(?:que vem|proxim[oa])\b/,
  /** The week after this one, Monday to Sunday: "sexta da semana que vem" is that week's Friday, whatever today is. */
  followingWeek: /\b(?:semana que vem|proxima semana|semana seguinte)\b/,
  /** Index = weekday (0 = Sunday). */
  weekdays: [
    // Abbreviations as on a calendar, but "ter" (also "to have": "pode ter horário?").
    ['domingo', 'dom'],
    ['segunda', 'segunda-feira', 'segunda feira', 'seg'],
    ['terca', 'terca-feira', 'terca feira'],
    ['quarta', 'quarta-feira', 'quarta feira', 'qua'],
    ['quinta', 'quinta-feira', 'quinta feira', 'qui'],
    ['sexta', 'sexta-feira', 'sexta feira', 'sex'],
    ['sabado', 'sab'],
  ],
  /** Choosing from a list by its place, index + 1 = place; "segunda", "quarta", "quinta" are weekdays, not ordinals. */
  ordinals: [['primeiro', 'primeira'], ['segundo'], ['terceiro', 'terceira'], ['quarto'], ['quinto']],
  lastOrdinal: ['ultimo', 'ultima'],
  /** After an ordinal: "o primeiro horário". */
  ordinalNouns: ['horario', 'opcao', 'pet', 'servico', 'agendamento', 'da lista'],
  /** Index + 1 = month: "28 de novembro". */
  months: ['janeiro', 'fevereiro', 'marco', 'abril', 'maio', 'junho', 'julho', 'agosto', 'setembro', 'outubro', 'novembro', 'dezembro'],
  /** Words after an hour that make it a time: "10h", "10:30h", "10 horas". */
  hourWords: ['h', 'hs', 'hrs', 'hr', 'hora', 'horas'],
  /** Words before a bare hour that make it a time: "às 9", "pelas 10", "umas 3 da tarde". */
  beforeHour: ['as', 'pelas', 'umas', 'depois das', 'a partir das'],
  /** After an hour of 1 to 11: the afternoon's or evening's ("2h da tarde" is 14:00). */
  afternoon: /\b(?:da|de) (?:tarde|noite)\b/,
  /** A bare hour that the part of the day makes a time: "8 da noite", "9 da manhã". */
  hourOfPartOfDay: /(?:^|\s)(\d{1,2})\s+(?:da|de)\s+(?:manha|tarde|noite)\b/,
  /** After an hour: thirty minutes past ("às 9 e meia"). */
  halfPast: 'e meia',
  /** A bare hour that "e meia" makes a time: "sexta 10 e meia". */
  hourBeforeHalfPast: /(?:^|\s)(\d{1,2})(?=\s+e meia\b)/,
  /** A part of the day without an hour: "de manhã", "à tarde", "pela noite", or the word alone. */
  partsOfDay: {
    manha: /(?:^|\s)(?:de|da|pela|na|a) manha\b|^manha$/,
    tarde: /(?:^|\s)(?:de|da|pela|na|a) tarde\b|^tarde$/,
    noite: /(?:^|\s)(?:de|da|pela|na|a) noite\b|^noite$/,
  } satisfies Record<PartOfDay, RegExp>,
  /** Noon, when no hour is written. */
  noon: /\bmeio[ -]dia\b/,
  /** Replies to a yes/no question, read word by word (confirmationOf): every word must be in one of these lists. */
  confirmation: {
    /** Read first, as the one word they stand for. */
    phrases: [
      ['pode ser', 'sim'],
      ['ta bom', 'sim'],
      ['esta bom', 'sim'],
      ['tudo bem', 'sim'],
      ['tudo certo', 'sim'],
      ['isso mesmo', 'sim'],
      ['deixa pra la', 'nao'],
      ['deixa para la', 'nao'],
      ['por favor', 'obrigado'],
      ['bom dia', 'oi'],
      ['boa tarde', 'oi'],
      ['boa noite', 'oi'],
      ['e ai', 'oi'],
    ],
    /** A yes that a no in the same reply contradicts ("sim... não" is no answer). */
    plainYes: ['sim', 's', 'ss', 'sss', 'simm'],
    /** A yes that a no in the same reply negates ("não pode", "não quero"). */
    yes: ['isso', 'confirmo', 'confirma', 'confirmar', 'confirmado', 'confirmada', 'pode', 'ok', 'okay', 'okk', 'ta', 'claro', 'certo', 'beleza', 'blz', 'quero', 'perfeito', 'fechado', 'combinado', 'otimo', 'bora', 'exato', 'exatamente'],
    no: ['nao', 'n', 'negativo', 'desisto', 'deixa', 'nunca'],
    /** Greetings, thanks and fillers: alone they answer nothing, and the question is asked again. */
    courtesy: ['obrigado', 'obrigada', 'brigado', 'brigada', 'valeu', 'vlw', 'obg', 'grato', 'grata', 'muito', 'mesmo', 'oi', 'oii', 'oie', 'ola', 'opa', 'eai', 'pf', 'pfv', 'pfvr', 'entao', 'ah', 'hum', 'hmm', 'e'],
    /** The step's own verbs: what "cancela" answers depends on the question. */
    verbs: {
      confirm_booking: {
        yes: ['agendar', 'agenda', 'agende', 'marcar', 'marca', 'marque', 'reservar', 'reserva', 'reserve'],
        no: ['cancelar', 'cancela', 'cancele', 'desmarcar', 'desmarca', 'desmarque'],
      },
      confirm_cancel: {
        yes: ['cancelar', 'cancela', 'cancele', 'desmarcar', 'desmarca', 'desmarque'],
        no: ['manter', 'mantem', 'mantenha', 'mantenho'],
      },
    },
  },
  /** Words before a pet's name: "o nome dele é Thor", "ela se chama Mel", "é o Thor". */
  beforePetName:
    /^(?:(?:o|a) )?(?:(?:nome (?:dele|dela|do (?:meu )?(?:pet|cachorro|gato|cao)|da (?:minha )?(?:cachorra|gata|cadela))(?: e| eh)?|nome e|nome eh|nome:?) |(?:ele|ela|meu (?:pet|cachorro|gato|cao)|minha (?:cachorra|gata|cadela)) (?:se chama|chama|e|eh) |(?:se )?chama |(?:e|eh) (?:o|a) )/,
  /** First words of a sentence, never of a pet's name: "não tenho", "quero outro horário", "mudar o pet". */
  notBeforePetName: ['nao', 'quero', 'queria', 'gostaria', 'mudar', 'muda', 'trocar', 'troca', 'pode', 'posso', 'preciso', 'vou', 'tem', 'tenho', 'qual', 'quanto', 'como', 'onde', 'quando'],
  skip: ['pular', 'pula', 'nao sei', 'sem', 'nenhum', 'prefiro nao dizer'],
  species: {
    cachorro: ['cachorro', 'cachorra', 'cao', 'cadela', 'cachorrinho', 'cachorrinha', 'dog'],
    gato: ['gato', 'gata', 'gatinho', 'gatinha', 'felino', 'felina'],
    outro: ['outro', 'outra', 'outros'],
  } satisfies Record<Species, string[]>,
  /** In the order of PET_SIZES (database/schema). */
  sizes: [['mini'], ['pequeno', 'pequena', 'p'], ['medio', 'media', 'm'], ['grande', 'g'], ['gigante', 'gg']],
  /** A whole message that greets or asks for the menu. */
  menu: /^(?:menu|inicio|voltar|comecar|recomecar|oi+|ola|opa|eai|e ai|bom dia|boa tarde|boa noite|hello|hi)\b/,
  /** Words anywhere in a short message. */
  book: /\b(?:agendar|marcar|reservar|agendamento novo|novo agendamento|(?:fazer|faco|quero|queria|gostaria de)\s+(?:um\s+)?agendamento)\b/,
  cancel: /\b(?:cancelar|desmarcar|cancela|desmarca)\b(?:\s+(?:o\s+|a\s+)?(?:agendamento\s+|horario\s+)?(?:n[o.]?\s*|numero\s+)?(\d{1,2}))?/,
  /** A cancel word negated: "não quero cancelar", "não precisa desmarcar". */
  notCancel: /\bnao (?:(?:quero|queria|vou|precisa|preciso|pode|e pra|e para) )?(?:cancelar|desmarcar|cancela|desmarca)\b/,
  /** The menu cannot move a booking; it explains how to, over the list. Read before cancel ("desmarcar e remarcar"). */
  reschedule: /\b(?:remarcar|remarca|reagendar|reagenda|mudar o horario do|trocar o horario do|mudar a data do|trocar a data do)\b/,
  myBookings: /^(?:ver\s+)?(?:(?:meus|minhas)\s+(?:agendamentos|horarios|reservas)|(?:os\s+|as\s+)?(?:agendamentos|reservas))$/,
  services: /^(?:servicos|servico|precos|preco|servicos e precos|tabela|valores|lista de servicos|catalogo)$/,
  /** Asking for services or prices in a short sentence ("quais serviços vocês têm?", "quanto custa o banho?"). */
  servicesQuestion:
    /\b(?:quais (?:sao )?(?:os )?servicos|que servicos|quanto custa|quanto (?:e|eh|fica|sai|cobra|cobram|esta)|qual (?:e |eh )?(?:o )?(?:preco|valor)|quais (?:sao )?(?:os )?(?:precos|valores)|tabela de precos|lista de precos)\b/,
  /** "quais horários vocês têm amanhã?", "tem vaga sábado?": free times asked for, which a booking shows. */
  freeTimesQuestion:
    /\b(?:horarios? (?:livres?|disponive(?:l|is)|vagos?)|(?:tem|tera|teria|ha|existe) (?:algum |um )?(?:horario|vaga)s?|(?:quais|que) (?:os )?horarios|vagas?|disponibilidade)\b/,
  /** "Vocês fazem hidratação?": whether the shop offers something, which its list of services answers. */
  offerQuestion: /\b(?:voces|vcs|voce|vc) (?:fazem|faz|oferecem|trabalham com)\b/,
  registerPet: /\b(?:cadastrar|registrar|cadastro)(?:\s+(?:um|meu|o|outro))?\s+(?:pet|cachorro|gato|animal)\b|^novo pet$/,
  /** Besides the pipeline's own phrases (asksForHuman): a bare word, or asking to talk to someone ("quero falar com alguém"). */
  handoff:
    /^(?:atendente|humano|pessoa|atendimento|(?:(?:eu )?(?:quero|queria|gostaria de|preciso|posso) )?falar com (?:alguem|uma pessoa|um humano|o dono|a dona|o responsavel|a responsavel|a equipe|voces|o pessoal)(?: da loja| da equipe| de voces| ai)?(?: por favor)?)$/,
  /** Asking when the shop is open: "qual o horário de funcionamento?", "vocês abrem sábado?", "até que horas ficam abertos?". */
  openingHours:
    /\b(?:horarios? de (?:funcionamento|atendimento|abertura)|que horas (?:voces )?(?:abrem|fecham|abre|fecha|funciona|funcionam)|(?:voces )?(?:abrem|fecham|funcionam|atendem) (?:que horas|hoje|amanha|domingo|sabado|segunda|terca|quarta|quinta|sexta|no|na|aos|ate)|ate que horas|(?:esta|estao|ta|tao) abert[oa]s?)\b/,
  /** Thanks at the start of a message, with what follows it ("Obrigada! às 10h"), on the text as written. */
  leadingThanks: /^[\s\p{P}]*(?:muito\s+)?(?:obrigad[oa]|brigad[oa]|valeu|vlw|obg|grat[oa])(?:\s+(?:mesmo|viu))?[\s\p{P}\p{Extended_Pictographic}\u{FE0F}]*/iu,
  /** A whole short message of thanks. */
  thanks: /^(?:(?:muito\s+)?(?:obrigad[oa]|brigad[oa])|valeu|vlw|obg|grat[oa])\b/,
  /** A whole message that says goodbye ("tchau", "valeu, até mais"). */
  farewell: /^(?:(?:ok|blz|beleza|valeu|vlw|obrigad[oa]|obg) )?(?:tchau+|tchauzinho|xau|ate mais|ate logo|ate breve|falou|flw|bye|adeus)$/,
  /** In the middle of a booking: the same service (and pet) on another day, or at another time of the day. */
  otherDay: /\b(?:outr[oa]s? (?:dia|data)s?|(?:mudar|trocar|muda|troca|mudo|troco)(?: o| a| de)? (?:dia|data))\b/,
  otherTime: /\b(?:outr[oa]s? (?:horario|hora)s?|(?:mudar|trocar|muda|troca|mudo|troco)(?: o| a| de)? (?:horario|hora))\b/,
  /** At the confirmation: the same time for another of the customer's pets. */
  otherPet: /\b(?:outr[oa] pet|outr[oa] animal|(?:mudar|trocar|muda|troca)(?: o| de)? pet)\b/,
  /** In the pet choice, with two pets: both of them, each booked in turn. */
  bothPets: /^(?:(?:os|as|pros|pras|para os|para as|pra os|pra as) )?(?:dois|duas|2)$|\b(?:ambos|ambas|os dois|as duas)\b/,
  /** Asked for one pet's name: several pets at once. */
  severalPetsAtOnce: /^(?:(?:sao|tenho|os|as) )?(?:dois|duas|tres|2|3)(?: pets| cachorros| gatos| gatas| cachorras)?$|^(?:ambos|ambas|todos|todas)$/,
  /** In the pet choice: every pet offered, each booked in turn. */
  allPets: /\b(?:todos|todas)\b/,
  /** In the pet choice: register another one. */
  newPet: /^(?:novo|nova|outro|outra|cadastrar|novo pet|outro pet|cadastrar outro pet)$/,
} as const;
