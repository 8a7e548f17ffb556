import { describe, expect, it } from 'vitest';
import {
  choiceIndex,
  choiceNumber,
  cleanName,
  commandOf,
  confirmationOf,
  dayOf,
  isNotAPetName,
  matchByName,
  nextWeekStart,
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
import { formatDuration, formatPrice } from './offline-menu.pt-br.js';

// 2026-11-26 is a Thursday.
const TODAY = '2026-11-26';

describe('names and quotes', () => {
  it('cleans a name of the emoji and punctuation around it, keeping its accents and case', () => {
    expect(cleanName('Thor.')).toBe('Thor');
    expect(cleanName('  "Mel"  🐱 ')).toBe('Mel');
    expect(cleanName('Pé de   Pano!')).toBe('Pé de Pano');
    // The words people write before a name are not part of it.
    expect(cleanName('o nome dele é Thor')).toBe('Thor');
    expect(cleanName('Nome: Bolinha de Neve')).toBe('Bolinha de Neve');
    expect(cleanName('Ela se chama Mel 🐶')).toBe('Mel');
    expect(cleanName('meu cachorro se chama Pé de Pano')).toBe('Pé de Pano');
    expect(cleanName('é o Thor!')).toBe('Thor');
    expect(cleanName('chama Luna')).toBe('Luna');
    expect(cleanName('Amora')).toBe('Amora');
    expect(cleanName('Ela')).toBe('Ela');
  });

  it("reads the pet's name out of a sentence, and the species said with it", () => {
    expect(petNameAnswer('Thor, ele é um cachorro')).toEqual({ name: 'Thor', species: 'cachorro' });
    expect(petNameAnswer('Mel - uma gatinha')).toEqual({ name: 'Mel', species: 'gato' });
    expect(petNameAnswer('Thor, 3 anos')).toEqual({ name: 'Thor', species: null });
    expect(petNameAnswer('Sim, é o Thor')).toEqual({ name: 'Thor', species: null });
    expect(petNameAnswer('o nome dele é Bob')).toEqual({ name: 'Bob', species: null });
    expect(petNameAnswer('Luna.')).toEqual({ name: 'Luna', species: null });
  });

  it("tells an answer that names no pet from a pet's name", () => {
    for (const text of ['sim', 'Ok', 'pode', 'quero', 'Não', 'não quero', 'não tenho pet', 'tudo bem', 'oi', 'Oie!', 'boa tarde', '👍', 'pular', 'não sei', 'Cachorro 🐶', 'uma gata', '15h', 'quero outro horário', 'mudar o pet', '']) {
      expect(isNotAPetName(text), text).toBe(true);
    }
    for (const text of ['Thor', 'Mel', 'Luna.', 'Bolinha de Neve', 'Simba', 'Nina', 'o nome dele é Sim', 'ela se chama Oi']) {
      expect(isNotAPetName(text), text).toBe(false);
    }
  });

  it('quotes one line of at most 40 characters', () => {
    expect(quote('xyz')).toBe('xyz');
    expect(quote('linha\num')).toBe('linha um');
    const long = quote('quero saber se vocês atendem aos domingos à tarde também');
    expect(long).toHaveLength(40);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('dayOf', () => {
  const date = (text: string) => {
    const answer = dayOf(text, TODAY);
    return answer !== null && 'date' in answer ? answer.date : answer;
  };

  it('reads relative words', () => {
    expect(date('hoje')).toBe('2026-11-26');
    expect(date('Amanhã')).toBe('2026-11-27');
    expect(date('amanha de manhã')).toBe('2026-11-27');
    expect(date('depois de amanhã')).toBe('2026-11-28');
  });

  it('reads weekdays as the next one, today included', () => {
    expect(date('sexta')).toBe('2026-11-27');
    expect(date('sexta-feira')).toBe('2026-11-27');
    expect(date('Sábado')).toBe('2026-11-28');
    expect(date('domingo')).toBe('2026-11-29');
    expect(date('segunda feira')).toBe('2026-11-30');
    expect(date('quinta')).toBe('2026-11-26');
    expect(date('quarta')).toBe('2026-12-02');
    expect(date('na terça, 10h')).toBe('2026-12-01');
    expect(date('sáb')).toBe('2026-11-28');
    expect(date('seg 10h')).toBe('2026-11-30');
    expect(date('sex.')).toBe('2026-11-27');
    // "ter" is also "to have": not a Tuesday.
    expect(date('pode ter horário?')).toBeNull();
  });

  it('reads "quinta que vem" on a Thursday as next week\'s', () => {
    expect(date('quinta que vem')).toBe('2026-12-03');
    expect(date('próxima quinta')).toBe('2026-12-03');
    expect(date('quinta')).toBe(TODAY);
    expect(date('sexta que vem')).toBe('2026-11-27');
  });

  it('reads a weekday "da semana que vem" in the week after this one, Monday to Sunday', () => {
    // Thursday 26/11: next week runs from Monday 30/11 to Sunday 06/12.
    expect(date('sexta da semana que vem')).toBe('2026-12-04');
    expect(date('segunda da próxima semana')).toBe('2026-11-30');
    expect(date('domingo da semana que vem')).toBe('2026-12-06');
    expect(date('quinta da semana que vem')).toBe('2026-12-03');
    expect(nextWeekStart('2026-11-30')).toBe('2026-12-07');
    expect(nextWeekStart('2026-11-29')).toBe('2026-11-30');
  });

  it('reads dd/mm (next year once passed) and full dates', () => {
    expect(date('28/11')).toBe('2026-11-28');
    expect(date('5/1')).toBe('2027-01-05');
    expect(date('25/11')).toBe('2027-11-25');
    expect(date('28/11/2026')).toBe('2026-11-28');
    expect(date('28/11/26')).toBe('2026-11-28');
    expect(date('01/10/2026')).toBe('2026-10-01');
    expect(date('dia 3/12 às 10h')).toBe('2026-12-03');
    expect(date('28-11')).toBe('2026-11-28');
  });

  it('reads a day with the month by name', () => {
    expect(date('30 de novembro')).toBe('2026-11-30');
    expect(date('1º de dezembro')).toBe('2026-12-01');
    expect(date('dia 3 de dezembro às 10h')).toBe('2026-12-03');
    expect(date('5 de janeiro')).toBe('2027-01-05');
    expect(date('20 de março de 2027')).toBe('2027-03-20');
    expect(dayOf('31 de fevereiro', TODAY)).toEqual({ invalid: true });
  });

  it('reads "dia N" as that day of this month, or of the next month that has it', () => {
    expect(date('dia 27')).toBe('2026-11-27');
    expect(date('dia 26')).toBe('2026-11-26');
    expect(date('dia 3 às 10h')).toBe('2026-12-03');
    expect(date('no dia 31')).toBe('2026-12-31');
    expect(dayOf('dia 30', '2027-01-31')).toEqual({ date: '2027-03-30' });
    expect(dayOf('dia 32', TODAY)).toEqual({ invalid: true });
    expect(date('bom dia')).toBeNull();
  });

  it('says when a date does not exist, and null when there is no day', () => {
    expect(dayOf('31/02', TODAY)).toEqual({ invalid: true });
    expect(dayOf('10/13', TODAY)).toEqual({ invalid: true });
    expect(dayOf('29/02', TODAY)).toEqual({ invalid: true });
    expect(dayOf('29/02/2028', TODAY)).toEqual({ date: '2028-02-29' });
    expect(dayOf('29/02/0000', TODAY)).toEqual({ date: '0000-02-29' }); // year 0 is a leap year, 1900 is not
    expect(dayOf('28/11/0024', TODAY)).toEqual({ date: '0024-11-28' });
    expect(dayOf('xyz', TODAY)).toBeNull();
    expect(dayOf('10h', TODAY)).toBeNull();
    expect(dayOf('2', TODAY)).toBeNull();
  });
});

describe('timeOf', () => {
  it('reads hours with h, colon or "horas"', () => {
    expect(timeOf('10h')).toBe(600);
    expect(timeOf('10H30')).toBe(630);
    expect(timeOf('10:00')).toBe(600);
    expect(timeOf('às 9:30')).toBe(570);
    expect(timeOf('14 horas')).toBe(840);
    expect(timeOf('amanhã 15h')).toBe(900);
    expect(timeOf('8h30min')).toBe(510);
    expect(timeOf('10:30h')).toBe(630);
    expect(timeOf('sexta 10:30hs')).toBe(630);
  });

  it('reads a bare hour after "às", half past, the afternoon and noon', () => {
    expect(timeOf('às 9')).toBe(540);
    expect(timeOf('amanhã as 10')).toBe(600);
    expect(timeOf('pelas 11')).toBe(660);
    expect(timeOf('às 9 e meia')).toBe(570);
    expect(timeOf('10h e meia')).toBe(630);
    expect(timeOf('2h da tarde')).toBe(840);
    expect(timeOf('umas 3 da tarde')).toBe(900);
    expect(timeOf('8 da noite')).toBe(1200);
    expect(timeOf('10h da manhã')).toBe(600);
    expect(timeOf('12h da tarde')).toBe(720);
    expect(timeOf('meio-dia')).toBe(720);
    expect(timeOf('ao meio dia')).toBe(720);
  });

  it('reads a part of the day when no time is written', () => {
    expect(partOfDayOf('amanhã de manhã')).toBe('manha');
    expect(partOfDayOf('à tarde')).toBe('tarde');
    expect(partOfDayOf('Tarde!')).toBe('tarde');
    expect(partOfDayOf('sexta pela noite')).toBe('noite');
    expect(partOfDayOf('2h da tarde')).toBeNull();
    expect(partOfDayOf('boa tarde')).toBeNull();
    expect(partOfDayOf('depois de amanhã')).toBeNull();
  });

  it('reads a bare hour with "e meia" as half past', () => {
    expect(timeOf('sexta 10 e meia')).toBe(630);
    expect(timeOf('2 e meia da tarde')).toBe(870);
    expect(timeOf('meio-dia e meia')).toBe(750);
    expect(timeOf('10 e meio')).toBeNull();
  });

  it('does not read numbers, dates or impossible times', () => {
    expect(timeOf('10')).toBeNull();
    expect(timeOf('28/11')).toBeNull();
    expect(timeOf('25h')).toBeNull();
    expect(timeOf('10:75')).toBeNull();
    expect(timeOf('hoje')).toBeNull();
  });
});

describe('choices', () => {
  it('reads numbers with their usual decorations', () => {
    expect(choiceNumber('2')).toBe(2);
    expect(choiceNumber(' 3. ')).toBe(3);
    expect(choiceNumber('opção 4')).toBe(4);
    expect(choiceNumber('nº 1')).toBe(1);
    expect(choiceNumber('1)')).toBe(1);
    expect(choiceNumber('dois')).toBeNull();
    expect(choiceNumber('2 banhos')).toBeNull();
  });

  it('reads a place in the list: "o primeiro", "a última", "o segundo horário"', () => {
    expect(choiceIndex('o primeiro', 8)).toBe(0);
    expect(choiceIndex('A primeira', 8)).toBe(0);
    expect(choiceIndex('o segundo horário', 8)).toBe(1);
    expect(choiceIndex('a última', 8)).toBe(7);
    expect(choiceIndex('o último', 3)).toBe(2);
    expect(choiceIndex('o quinto', 3)).toBeNull();
    expect(choiceIndex('segunda', 8)).toBeNull();
    expect(choiceIndex('quinta', 8)).toBeNull();
    expect(choiceNumber('o primeiro')).toBeNull();
  });

  it('turns a number into an index only inside the list', () => {
    expect(choiceIndex('1', 3)).toBe(0);
    expect(choiceIndex('3', 3)).toBe(2);
    expect(choiceIndex('4', 3)).toBeNull();
    expect(choiceIndex('0', 3)).toBeNull();
  });

  it('reads yes and no, with the courtesies, emoji and punctuation people write around them', () => {
    const booking = (text: string) => confirmationOf(text, 'confirm_booking');
    for (const text of ['sim', 'Sim!', 'S', 'pode', 'confirmo', 'ok', 'sim 👍', '👍', 'Ok 👍', 'Sim, pode', 'sim…', 'Obrigada, pode confirmar',
      'obrigado! confirmo', 'Opa, pode ser', 'Bom dia, sim', 'isso mesmo', 'tá bom', 'sim, pode marcar', 'Pode agendar, por favor']) {
      expect(booking(text), text).toBe(true);
    }
    for (const text of ['não', 'nao', 'N', 'não quero', 'não, obrigado', 'NÃO!', 'não pode', 'deixa pra lá', '👎', 'não, cancela', 'cancela']) {
      expect(booking(text), text).toBe(false);
    }
    for (const text of ['Opa!', 'obrigada', 'bom dia']) expect(booking(text), text).toBe('courtesy');
    // Anything more than a yes or a no is not read as one.
    for (const text of ['talvez', 'sim, mas às 11h', 'sim... não', 'menu', 'atendente', '2']) expect(booking(text), text).toBeNull();
  });

  it('reads the verbs of the question asked: "cancela" confirms a cancellation and declines a booking', () => {
    const cancellation = (text: string) => confirmationOf(text, 'confirm_cancel');
    for (const text of ['sim, pode cancelar', 'pode cancelar', 'sim, cancela', 'isso, cancela', 'Cancela 👍']) expect(cancellation(text), text).toBe(true);
    for (const text of ['não, não cancela', 'não cancela', 'mantém', 'não, mantenha']) expect(cancellation(text), text).toBe(false);
    expect(cancellation('pode marcar')).toBeNull();
  });

  it('reads species and sizes by number or word', () => {
    expect(speciesOf('1')).toBe('cachorro');
    expect(speciesOf('Cão')).toBe('cachorro');
    expect(speciesOf('gata')).toBe('gato');
    expect(speciesOf('3')).toBe('outro');
    expect(speciesOf('4')).toBeNull();
    expect(speciesOf('é um cachorro')).toBe('cachorro');
    expect(speciesOf('Ela é uma gata 🐱')).toBe('gato');
    expect(speciesOf('cachorro e gato')).toBeNull();
    // In a request of any length, the dog or cat it is for; "outro" there is rarely a species.
    expect(speciesMentioned('quero marcar um banho pro meu cachorrinho amanhã de manhã se tiver horário')).toBe('cachorro');
    expect(speciesMentioned('tosa da minha gata')).toBe('gato');
    expect(speciesMentioned('banho para o cachorro e a gata')).toBeNull();
    expect(speciesMentioned('quero outro horário')).toBeNull();
    // A pet introduced by kind and a capitalised name; a lowercase word, a day or a courtesy is no name.
    expect(petIntroduced('Bom dia, gostaria de marcar uma consulta para minha gata Luna')).toEqual({ name: 'Luna', species: 'gato' });
    expect(petIntroduced('banho no meu cachorro Thor amanhã às 10h')).toEqual({ name: 'Thor', species: 'cachorro' });
    expect(petIntroduced('banho pro meu cachorro amanhã')).toBeNull();
    expect(petIntroduced('banho pro cachorro Amanhã')).toBeNull();
    expect(petIntroduced('tosa pra minha cachorra Sim')).toBeNull();
    expect(petIntroduced('Banho Luna')).toBeNull();
    expect(sizeOf('3')).toBe('medio');
    expect(sizeOf('Médio')).toBe('medio');
    expect(sizeOf('grande')).toBe('grande');
    expect(sizeOf('enorme')).toBeNull();
    expect(sizeOf('médio porte')).toBe('medio');
    expect(sizeOf('de porte grande')).toBe('grande');
    expect(sizeOf('porte')).toBeNull();
  });

  it('matches names exactly, inside the text, or by a unique beginning', () => {
    const services = [{ name: 'Banho' }, { name: 'Banho e tosa' }, { name: 'Consulta veterinária' }];
    expect(matchByName(services, 'banho')).toBe(services[0]);
    expect(matchByName(services, 'BANHO E TOSA')).toBe(services[1]);
    expect(matchByName(services, 'consulta')).toBe(services[2]);
    expect(matchByName(services, 'quero consulta veterinaria amanhã')).toBe(services[2]);
    expect(matchByName(services, 'ban')).toBeNull();
    expect(matchByName(services, 'hotel')).toBeNull();
  });

  it('takes the longer name when a shorter one is only part of it', () => {
    const services = [{ name: 'Banho' }, { name: 'Banho e tosa' }, { name: 'Tosa' }];
    expect(matchByName(services, 'quero banho e tosa amanhã às 10h')).toBe(services[1]);
    expect(matchByName(services, 'na verdade quero tosa')).toBe(services[2]);
    // Two separate names are still no answer.
    expect(matchByName(services, 'banho ou tosa?')).toBeNull();
  });

  it('finds a name by one of its longer words inside a sentence', () => {
    const services = [{ name: 'Banho' }, { name: 'Banho e tosa' }, { name: 'Consulta veterinária' }, { name: 'Hotel (diária)' }];
    expect(matchByName(services, 'consulta amanha as 10h')).toBe(services[2]);
    expect(matchByName(services, 'hotel de sexta a domingo')).toBe(services[3]);
    // Short or shared words name nothing.
    expect(matchByName(services, 'pode ser de tarde')).toBeNull();
    expect(matchByName([{ name: 'Hotel diária' }, { name: 'Hotel pernoite' }], 'hotel no sábado')).toBeNull();
  });
});

describe('commandOf', () => {
  it('recognises the words that work from any step', () => {
    expect(commandOf('atendente')).toEqual({ kind: 'handoff' });
    expect(commandOf('quero falar com uma pessoa')).toEqual({ kind: 'handoff' });
    expect(commandOf('Humano')).toEqual({ kind: 'handoff' });
    for (const text of ['quero falar com alguém', 'Preciso falar com alguém da loja', 'falar com o dono', 'posso falar com vocês?']) {
      expect(commandOf(text), text).toEqual({ kind: 'handoff' });
    }
    expect(commandOf('falar com alguém sobre o banho do Rex amanhã')).toBeNull();
    expect(commandOf('agendar')).toEqual({ kind: 'book', serviceHint: '' });
    expect(commandOf('Quero agendar banho amanhã')).toEqual({ kind: 'book', serviceHint: 'banho amanha' });
    expect(commandOf('quero fazer um agendamento')).toEqual({ kind: 'book', serviceHint: '' });
    expect(commandOf('Queria um agendamento de banho pra sexta')).toEqual({ kind: 'book', serviceHint: 'de banho pra sexta' });
    expect(commandOf('qual é o meu agendamento?')).toBeNull();
    expect(commandOf('quero remarcar o banho')).toEqual({ kind: 'reschedule' });
    expect(commandOf('dá pra mudar o horário do banho?')).toEqual({ kind: 'reschedule' });
    expect(commandOf('cancelar')).toEqual({ kind: 'cancel', position: null, hint: '' });
    expect(commandOf('Cancelar 2')).toEqual({ kind: 'cancel', position: 2, hint: '' });
    expect(commandOf('desmarcar o 1')).toEqual({ kind: 'cancel', position: 1, hint: '' });
    expect(commandOf('quero cancelar o banho de sábado')).toEqual({ kind: 'cancel', position: null, hint: 'o banho de sabado' });
    expect(commandOf('não quero cancelar')).toBeNull();
    expect(commandOf('Não, não precisa desmarcar')).toBeNull();
    expect(commandOf('meus agendamentos')).toEqual({ kind: 'myBookings' });
    expect(commandOf('ver agendamentos')).toEqual({ kind: 'myBookings' });
    expect(commandOf('Ver os agendamentos')).toEqual({ kind: 'myBookings' });
    expect(commandOf('preços')).toEqual({ kind: 'services' });
    expect(commandOf('quais serviços vocês têm?')).toEqual({ kind: 'services' });
    expect(commandOf('Quanto custa o banho?')).toEqual({ kind: 'services' });
    expect(commandOf('qual o valor da tosa')).toEqual({ kind: 'services' });
    // A booking named with a price question is still a booking.
    expect(commandOf('quanto fica para agendar banho amanhã?')).toMatchObject({ kind: 'book' });
    expect(commandOf('cadastrar pet')).toEqual({ kind: 'registerPet' });
    expect(commandOf('menu')).toEqual({ kind: 'menu' });
    expect(commandOf('Oi')).toEqual({ kind: 'menu' });
    expect(commandOf('olá, tudo bem?')).toEqual({ kind: 'menu' });
    expect(commandOf('boa tarde')).toEqual({ kind: 'menu' });
    expect(commandOf('obrigada!')).toEqual({ kind: 'thanks' });
    for (const text of ['tchau', 'Tchauu!', 'valeu, até mais', 'até logo 👋', 'falou']) expect(commandOf(text), text).toEqual({ kind: 'farewell' });
    expect(commandOf('até amanhã às 10')).toBeNull();
    for (const text of ['qual o horário de funcionamento?', 'Que horas vocês abrem?', 'vocês abrem sábado?', 'até que horas fica aberto?', 'está aberto?']) {
      expect(commandOf(text), text).toEqual({ kind: 'openingHours' });
    }
    expect(commandOf('pode ser no horário das 10h?')).toBeNull();
  });

  it('leaves step answers alone', () => {
    for (const text of ['1', 'sim', 'amanhã', '10h', 'Rex', 'banho', 'oliver', 'xyz']) expect(commandOf(text), text).toBeNull();
  });
});

describe('spreadOver', () => {
  it('keeps short lists and spreads long ones from first to last', () => {
    expect(spreadOver([1, 2, 3], 8)).toEqual([1, 2, 3]);
    const spread = spreadOver(Array.from({ length: 20 }, (_, index) => index), 8);
    expect(spread).toHaveLength(8);
    expect(spread[0]).toBe(0);
    expect(spread[7]).toBe(19);
    expect([...spread].sort((a, b) => a - b)).toEqual(spread);
    expect(new Set(spread).size).toBe(8);
  });
});

describe('formats', () => {
  it('writes prices and durations the Brazilian way', () => {
    expect(formatPrice(6000)).toBe('R$ 60,00');
    expect(formatPrice(8050)).toBe('R$ 80,50');
    expect(formatPrice(123456)).toBe('R$ 1.234,56');
    expect(formatPrice(5)).toBe('R$ 0,05');
    expect(formatDuration(45)).toBe('45 min');
    expect(formatDuration(60)).toBe('1h');
    expect(formatDuration(90)).toBe('1h30');
  });
});
