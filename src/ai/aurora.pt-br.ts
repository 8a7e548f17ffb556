import { ANALYTICS_PERIODS, type AnalyticsPeriod } from '../analytics/analytics-period.js';
import type { AgendaEntry, AnalyticsReport, PeriodBreakdown, PeriodFigures } from '../analytics/analytics.service.js';
import { agendaLines, dayLabel } from '../automation/proactive.pt-br.js';
import { addDays, formatInZone, localDate, weekdayOf } from '../booking/zoned-time.js';
import { foldText } from '../common/text-folding.js';
import type { AgentContext } from '../messaging/conversation-agent.js';
import { dayOf, nextWeekStart } from './menu-input.js';
import type { AudienceReach, InactiveClient } from './campaigns.port.js';
import { formatDuration, formatPrice, menuVocabulary, momentOf, WEEKDAY_NAMES } from './offline-menu.pt-br.js';

/**
 * What Aurora, the owner's assistant, says without the model, and the system
 * prompt she gives it. Brazilian Portuguese; WhatsApp formatting (*bold*).
 */

const PERIOD_TITLES: Record<AnalyticsPeriod, string> = { hoje: 'Hoje', semana: 'Esta semana', mes: 'Este mês', ano: 'Este ano' };
/** With their article: "comparado com a semana passada", never "com semana passada". */
const PREVIOUS_NAMES: Record<AnalyticsPeriod, string> = { hoje: 'ontem', semana: 'a semana passada', mes: 'o mês passado', ano: 'o ano passado' };

/** "De" with the article, for the previous period's whole revenue: "do mês passado", "da semana passada". */
const TOTAL_OF: Record<AnalyticsPeriod, string> = { hoje: 'de ontem', semana: 'da semana passada', mes: 'do mês passado', ano: 'do ano passado' };
/** Up to where the previous period's revenue is compared. */
const SAME_MOMENT: Record<AnalyticsPeriod, string> = { hoje: 'até esta hora', semana: 'até o mesmo dia e hora', mes: 'até o mesmo dia e hora', ano: 'até o mesmo dia e hora' };

const CAMPAIGN_STATUS_NAMES: Record<string, string> = {
  approved: 'aprovada',
  sending: 'em envio',
  sent: 'enviada',
  cancelled: 'cancelada',
  failed: 'encerrada sem concluir o envio (o número de WhatsApp dela foi removido)',
};

const percent = (rate: number | null) => (rate === null ? '—' : `${Math.round(rate * 100)}%`);
const dayMonth = (date: string) => `${date.slice(8, 10)}/${date.slice(5, 7)}`;
const dayMonthYear = (date: string) => `${dayMonth(date)}/${date.slice(0, 4)}`;

/**
 * "agendamentos +50% (4)": the change and, in brackets, the figure before (and
 * up to when, if said). From nothing there is no percentage to give: the two
 * figures are said instead.
 */
function change(label: string, current: number, previous: number, format: (value: number) => string = String, upTo = ''): string {
  const before = `${format(previous)}${upTo === '' ? '' : ` ${upTo}`}`;
  if (previous === 0 && current !== 0) return `${label} ${format(current)} contra ${before}`;
  const delta = previous === 0 ? 0 : Math.round(((current - previous) / previous) * 100);
  return `${label} ${delta === 0 ? 'igual' : `${delta > 0 ? '+' : ''}${delta}%`} (${before})`;
}

function statusLine(figures: PeriodFigures): string {
  const { byStatus } = figures;
  const parts = [
    [byStatus.done, 'concluído', 'concluídos'],
    [byStatus.confirmed, 'confirmado', 'confirmados'],
    [byStatus.scheduled, 'agendado', 'agendados'],
    [byStatus.no_show, 'falta', 'faltas'],
  ] as const;
  return parts
    .filter(([count]) => count > 0)
    .map(([count, one, many]) => `${count} ${count === 1 ? one : many}`)
    .join(', ');
}

const WINDOW_RULE =
  'O WhatsApp só deixa a loja mandar mensagem livre para quem escreveu para o número dela nas últimas 24 horas, ' +
  'e a loja não liberou campanhas fora dessa janela (configuração campaignsOutsideWindow; liberar pode levar o WhatsApp a bloquear o número).';

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** "2 que pediram para sair", "3 que não falaram com a loja nas últimas 24 horas (regra do WhatsApp)". */
function leftOut(reach: AudienceReach): string[] {
  const left: string[] = [];
  if (reach.optedOut > 0) left.push(`${reach.optedOut} que ${reach.optedOut === 1 ? 'pediu' : 'pediram'} para sair`);
  if (reach.outsideWindow > 0) left.push(`${reach.outsideWindow} que não ${reach.outsideWindow === 1 ? 'falou' : 'falaram'} com a loja nas últimas 24 horas (regra do WhatsApp)`);
  return left;
}

/** Why nobody of an audience gets a campaign, as one or two sentences. */
function nobodyReached(reach: AudienceReach): string {
  if (reach.total === 0) return 'nenhum cliente está no público dela.';
  const reasons: string[] = [];
  if (reach.optedOut > 0) reasons.push(`${plural(reach.optedOut, 'pediu', 'pediram')} para não receber campanhas (${reach.optedOut === 1 ? 'respondeu' : 'responderam'} SAIR)`);
  // Last, since the rule that follows it ends the sentence.
  if (reach.outsideWindow > 0) reasons.push(`${plural(reach.outsideWindow, 'não falou', 'não falaram')} com a loja nas últimas 24 horas. ${WINDOW_RULE}`);
  const why = reasons.join('; ');
  return `nenhum dos ${plural(reach.total, 'cliente', 'clientes')} do público receberia agora: ${why}${why.endsWith('.') ? '' : '.'}`;
}

/** Words that name a period in an owner's question ("quanto faturei esse mês?"), folded. */
const PERIOD_WORDS: Record<AnalyticsPeriod, RegExp> = {
  hoje: /\b(hoje|ontem)\b/,
  semana: /\bsemana/,
  mes: /\b(mes|mensal)\b/,
  ano: /\b(ano|anual)\b/,
};
/** A day's bookings asked for: "agenda de amanhã", "quem vem sexta?", or any question about tomorrow. */
const AGENDA_WORDS = /\b(agenda|quem vem|amanha)\b/;
const INACTIVE_WORDS = /\b(inativ|sumi|afastad|parad)|\bnao (voltam|voltaram|vem|vieram|aparecem|apareceram)\b/;
/** The most days an owner can ask about: the model's tool takes as many. */
const MAX_INACTIVE_DAYS = 3650;

/** What an owner asked that the answers without the model can give. */
export type PlainRequest =
  | { kind: 'figures'; periods: AnalyticsPeriod[] }
  | { kind: 'inactive'; days: number | null }
  | { kind: 'agenda'; date: string }
  /** The bookings of the days from `from` to `to` (exclusive): the rest of this week, or the next one. */
  | { kind: 'week'; from: string; to: string }
  /** A day named that is not on the calendar ("agenda de 31/02"). */
  | { kind: 'no-such-day' };

/**
 * What an owner's message asks of the answers given without the model: the
 * inactive customers ("clientes inativos", "quem sumiu há 90 dias", "há 3
 * meses"; days null when not said), a day's bookings ("agenda de amanhã",
 * "quem vem sexta?"; today when no day is named: `today` is the shop's date),
 * or the figures of the periods it names ("e o mês?", "faturamento do ano").
 * Null: none of these; the summary of today and this week answers, with what can be asked.
 */
export function plainRequestOf(text: string, today: string): PlainRequest | null {
  const folded = foldText(text);
  const nextWeek = menuVocabulary.followingWeek.test(folded);
  if (AGENDA_WORDS.test(folded) || nextWeek) {
    const day = dayOf(text, today);
    if (day !== null && !('date' in day)) return { kind: 'no-such-day' };
    if (day !== null) return { kind: 'agenda', date: day.date };
    const monday = nextWeekStart(today);
    if (nextWeek) return { kind: 'week', from: monday, to: addDays(monday, 7) };
    // "agenda da semana": what is left of this one, today included.
    if (PERIOD_WORDS.semana.test(folded)) return { kind: 'week', from: today, to: monday };
    return { kind: 'agenda', date: today };
  }
  if (INACTIVE_WORDS.test(folded)) {
    const days = /\b(\d+) ?dias?\b/.exec(folded);
    const months = /\b(\d+) ?(mes|meses)\b/.exec(folded);
    const asked = days !== null ? Number(days[1]) : months !== null ? Number(months[1]) * 30 : null;
    return { kind: 'inactive', days: asked === null || asked < 1 ? null : Math.min(asked, MAX_INACTIVE_DAYS) };
  }
  const periods = ANALYTICS_PERIODS.filter((period) => PERIOD_WORDS[period].test(folded));
  return periods.length === 0 ? null : { kind: 'figures', periods };
}

/** "Ana (+5511981110001): último serviço Banho, última vez em 12/09/2026; pets: Rex". */
function inactiveLine(client: InactiveClient, timeZone: string): string {
  const details = [
    client.lastService === null ? 'nunca agendou' : `último serviço ${client.lastService}`,
    client.lastActivityAt === null ? null : `última vez em ${dayMonthYear(localDate(client.lastActivityAt, timeZone))}`,
  ].filter((detail) => detail !== null);
  const pets = client.pets.length === 0 ? '' : `; pets: ${client.pets.join(', ')}`;
  const optedOut = client.optedOut ? ' (pediu para não receber campanhas)' : '';
  return `${client.name ?? 'Sem nome'} (${client.phone}): ${details.join(', ')}${pets}${optedOut}`;
}

export const auroraTexts = {
  /** Before the plain summary, when the model failed to answer the question. */
  fallbackIntro: () => 'Não consegui usar a inteligência artificial agora, mas aqui estão os números direto do sistema:',

  /** Before the plain summary, when the shop runs without a model (no OpenAI key). */
  offlineIntro: () => 'Aqui estão os números de hoje e da semana, direto do sistema:',

  /** Before the figures of the periods the owner named, without the model. */
  figuresIntro: () => 'Aqui estão os números, direto do sistema:',

  /** After the plain summary, when the owner asked what only the model would understand. */
  offlineHint: () =>
    'Sem a inteligência artificial ligada, eu entendo pedidos simples: *agenda de amanhã* (ou de outro dia, ou *da semana que vem*), *hoje*, *semana*, *mês*, *ano* ou *clientes inativos* (ex.: *inativos há 90 dias*).',

  /** The inactive customers, as the model's tool lists them; `more`: the list was cut. */
  inactiveClients: (days: number, clients: InactiveClient[], more: boolean, timeZone: string) => {
    if (clients.length === 0) return `Nenhum cliente está sem agendar nem escrever há ${days} dias ou mais. 🎉`;
    return [
      `👥 *Clientes sem agendar nem escrever há ${days} dias ou mais*${more ? ` (os ${clients.length} primeiros)` : ''}:`,
      ...clients.map((client, index) => `${index + 1}. ${inactiveLine(client, timeZone)}`),
    ].join('\n');
  },

  noSuchDay: () => 'Essa data não existe no calendário. Tente, por exemplo, *agenda de sexta* ou *agenda de 28/11*.',

  /** A day's bookings, named as the owner would ("amanhã, sábado, 28/11"). */
  agenda: (date: string, today: string, entries: AgendaEntry[], timeZone: string) => {
    const relative = date === today ? 'hoje, ' : date === addDays(today, 1) ? 'amanhã, ' : '';
    const bookings = entries.map((entry) => ({ ...entry, time: momentOf(entry.startsAt, timeZone, today).time }));
    return agendaLines(`${relative}${dayLabel(date)}`, bookings).join('\n');
  },

  /** The bookings of several days ("agenda da semana que vem"), day by day; days without any are left out. */
  weekAgenda: (from: string, to: string, today: string, entries: AgendaEntry[], timeZone: string) => {
    const last = addDays(to, -1);
    const span = from === last ? dayLabel(from) : `${dayLabel(from)} a ${dayLabel(last)}`;
    const next = from > today;
    if (entries.length === 0) return `📅 Nenhum agendamento ${next ? 'na próxima semana' : 'no resto desta semana'} (${span}).`;
    const which = next ? 'da próxima semana' : 'desta semana';
    const days = new Map<string, AgendaEntry[]>();
    for (const entry of entries) {
      const date = localDate(entry.startsAt, timeZone);
      days.set(date, [...(days.get(date) ?? []), entry]);
    }
    const lines = [`🗓️ *Agenda ${which}* (${span}): ${plural(entries.length, 'agendamento', 'agendamentos')}`];
    for (const [date, dayEntries] of days) lines.push('', auroraTexts.agenda(date, today, dayEntries, timeZone));
    return lines.join('\n');
  },

  /** The model kept calling tools without answering. */
  toolLimit: () => 'Não consegui concluir essa análise agora. Pode reformular a pergunta ou pedir um período específico (hoje, semana, mês, ano)?',

  /** The count is who gets it (opt-outs and the 24-hour window applied), with who is left out and why. */
  campaignApproved: (code: string, reach: AudienceReach) => {
    const left = leftOut(reach);
    return (
      `✅ Campanha *${code}* aprovada! Vou enviar para ${plural(reach.reachable, 'cliente', 'clientes')}, com intervalo entre as mensagens.` +
      (left.length === 0 ? '' : ` Ficam de fora ${left.join(' e ')}.`) +
      ' Quem responder SAIR não recebe mais.'
    );
  },

  /** CONFIRMAR of a draft nobody would get now: it stays a draft. */
  campaignUnreachable: (code: string, reach: AudienceReach) =>
    `A campanha *${code}* não foi aprovada: ${nobodyReached(reach)} Ela continua como rascunho.`,

  campaignNoInstance: (code: string) =>
    `Não há nenhum número de WhatsApp conectado para enviar a campanha *${code}*. Conecte um número e mande *CONFIRMAR ${code}* de novo.`,

  campaignNotFound: (code: string) => `Não encontrei nenhuma campanha com o código *${code}*. Confira o código e tente de novo.`,

  campaignNotDraft: (code: string, status: string) =>
    `A campanha *${code}* não está mais em rascunho: ela já está ${CAMPAIGN_STATUS_NAMES[status] ?? status}.`,

  /** The plain summary of one period, from the same figures the model reads. */
  report: (report: AnalyticsReport): string => {
    const { current, previous, period } = report;
    const window = period === 'hoje' ? dayMonth(current.window.fromDate) : `${dayMonth(current.window.fromDate)} a ${dayMonth(addDays(current.window.toDate, -1))}`;
    const lines = [`📊 *${PERIOD_TITLES[period]}* (${window})`];
    lines.push(`Agendamentos: *${current.total}*${current.total === 0 ? '' : ` (${statusLine(current)})`}`);
    if (current.byStatus.cancelled > 0) lines.push(`Cancelados: ${current.byStatus.cancelled}`);
    lines.push(`Faturamento (concluídos): *${formatPrice(current.revenueCents)}*`);
    lines.push(`Faltas: ${percent(current.noShowRate)} · Cancelamentos: ${percent(current.cancellationRate)}`);
    if (report.clients.new + report.clients.returning > 0) {
      lines.push(`Clientes: ${report.clients.new} ${report.clients.new === 1 ? 'novo' : 'novos'}, ${report.clients.returning} ${report.clients.returning === 1 ? 'recorrente' : 'recorrentes'}`);
    }
    if (report.byService.length > 0) lines.push(`Serviços: ${report.byService.map((item) => `${item.service} ${item.bookings}`).join(', ')}`);
    if (report.busiestHours.length > 0) lines.push(`Horários de pico: ${report.busiestHours.map((item) => `${item.hour}h (${item.bookings})`).join(', ')}`);
    // Revenue so far against the previous period up to the same moment: on a Tuesday, against the whole of last
    // week, it would read as a fall every week. Bookings include those still to come, so whole periods compare.
    lines.push(
      `Comparado com ${PREVIOUS_NAMES[period]}: ${change('agendamentos', current.total, previous.total)}, ` +
        change('faturamento até agora', current.revenueCents, report.previousSoFar.revenueCents, formatPrice, SAME_MOMENT[period]),
    );
    lines.push(`Faturamento total ${TOTAL_OF[period]}: ${formatPrice(previous.revenueCents)}`);
    return lines.join('\n');
  },
};

const BOOKING_STATUS_NAMES: Record<string, string> = { scheduled: 'agendado', confirmed: 'confirmado', done: 'concluido', no_show: 'falta' };

/**
 * A day's bookings as the model reads them (times in the shop's clock), with
 * what the day should bring in: "quanto vou faturar amanhã?" is a sum the
 * model would otherwise do itself, and models add badly.
 */
export function agendaForModel(date: string, entries: AgendaEntry[], timeZone: string): Record<string, unknown> {
  const expected = entries.filter((entry) => entry.status !== 'no_show').reduce((sum, entry) => sum + entry.priceCents, 0);
  return {
    data: date,
    dia_da_semana: WEEKDAY_NAMES[weekdayOf(date)],
    agendamentos_nao_cancelados: entries.length,
    // No-shows bring nothing in; done bookings count at their price (revenue proper is buscar_analytics').
    valor_previsto_sem_faltas: formatPrice(expected),
    agendamentos: entries.map((entry) => ({
      hora: momentOf(entry.startsAt, timeZone, date).time,
      servico: entry.service,
      pet: entry.pet,
      cliente: entry.customer,
      telefone: entry.phone,
      status: BOOKING_STATUS_NAMES[entry.status] ?? entry.status,
      valor: formatPrice(entry.priceCents),
    })),
  };
}

/** Who a campaign would reach now, as the model reads it: the real count and why the others get nothing. */
export function audienceReachForModel(reach: AudienceReach): Record<string, unknown> {
  return {
    clientes_no_publico: reach.total,
    recebem_se_enviada_agora: reach.reachable,
    nao_recebem: { pediram_para_sair: reach.optedOut, fora_da_janela_de_24h: reach.outsideWindow },
    ...(reach.outsideWindow > 0 ? { regra_da_janela_de_24h: WINDOW_RULE } : {}),
  };
}

/** Why a campaign for `audience` ("todos", "inativos há 60+ dias") was not drafted: nobody would get it. For the model to tell the owner. */
export function campaignUnreachableReason(audience: string, reach: AudienceReach): string {
  return `Campanha para ${audience} não criada: ${nobodyReached(reach)}`;
}

/**
 * The figures as the model reads them: money formatted, rates in percent, nothing to compute; each period with
 * its own services, customers and busiest hours, so a question about last month is answered from last month's.
 */
export function reportForModel(report: AnalyticsReport): Record<string, unknown> {
  const figures = (item: PeriodFigures, details: PeriodBreakdown) => ({
    de: item.window.fromDate,
    // The last day in it, as the owner counts: an exclusive end (the 1st of next month) invites "até 01/12" in the answer.
    ate: addDays(item.window.toDate, -1),
    agendamentos_nao_cancelados: item.total,
    por_status: { agendado: item.byStatus.scheduled, confirmado: item.byStatus.confirmed, concluido: item.byStatus.done, cancelado: item.byStatus.cancelled, falta: item.byStatus.no_show },
    faturamento_concluidos: formatPrice(item.revenueCents),
    taxa_de_faltas: percent(item.noShowRate),
    taxa_de_cancelamento: percent(item.cancellationRate),
    por_servico: details.byService.map((service) => ({ servico: service.service, agendamentos: service.bookings, faturamento: formatPrice(service.revenueCents) })),
    clientes: { novos: details.clients.new, recorrentes: details.clients.returning },
    horarios_de_pico: details.busiestHours.map((hour) => ({ hora: `${hour.hour}h`, agendamentos: hour.bookings })),
  });
  return {
    periodo: report.period,
    fuso: report.timezone,
    atual: figures(report.current, report),
    anterior: figures(report.previous, report.previousDetails),
    // What the revenue so far compares with: the previous period's, up to the same point in it.
    anterior_ate_o_mesmo_momento: { ate: formatInZone(report.previousSoFar.until, report.timezone), faturamento_concluidos: formatPrice(report.previousSoFar.revenueCents) },
  };
}

/**
 * Aurora's system prompt: the shop, today in its zone, the tools and the rules.
 * Only the owner's numbers reach Aurora; the server decided that before.
 */
export function auroraSystemPrompt(context: AgentContext): string {
  const zone = context.organization.timezone;
  const today = localDate(context.now, zone);
  const now = momentOf(context.now, zone, today);
  const services =
    context.services.map((service) => `- ${service.name}: ${formatPrice(service.priceCents)} (${formatDuration(service.durationMin)})`).join('\n') ||
    '- (nenhum serviço cadastrado)';
  return `Você é a Aurora, assistente de negócios de quem é dono(a) da *${context.organization.name}*, um pet shop. Você conversa pelo WhatsApp com o(a) dono(a), em português do Brasil, de forma direta, calorosa e curta (sem markdown além de *negrito*).

Agora: ${WEEKDAY_NAMES[weekdayOf(today)]}, ${dayMonthYear(today)}, ${now.time} (fuso ${zone}).

Serviços e preços:
${services}

O que você faz:
- Responde perguntas sobre o negócio (agendamentos, faturamento, faltas, cancelamentos, clientes novos e recorrentes, horários de pico) com buscar_analytics. Períodos: hoje, semana (segunda a domingo), mes, ano; sempre compara com o período anterior. O faturamento do período atual só conta o que já foi concluído: compare-o com anterior_ate_o_mesmo_momento, não com o período anterior inteiro.
- Mostra a agenda de um dia (quem vem, a que horas, para qual serviço) com ver_agenda.
- Lista clientes inativos com listar_clientes_inativos (mínimo 30 dias).
- Propõe campanhas com sugerir_campanha: você escreve o texto da mensagem (curto, simpático, em nome da loja, com a opção de responder SAIR para não receber mais; pode usar {nome} e {pet}, preenchidos para cada cliente) e o público. Isso só cria um rascunho: nada é enviado até o(a) dono(a) responder "CONFIRMAR <código>" ou aprovar no painel. Diga o código e quantos clientes vão receber de fato (recebem_se_enviada_agora), e por que os outros ficam de fora (nao_recebem). Se a ferramenta recusar a campanha por não alcançar ninguém, explique o motivo ao(à) dono(a).

Regras:
1. Nunca invente números: todo número que você disser vem de uma ferramenta nesta conversa. Se a ferramenta não trouxe, diga que não tem o dado.
2. Nunca diga que uma campanha foi enviada: você só cria rascunhos.
3. Você não agenda, cancela nem altera nada: suas ferramentas só leem dados ou criam rascunhos.
4. Dê o número principal primeiro, depois o contexto (comparação, destaque). No máximo umas 8 linhas.
5. Escreva datas como 27/11 (ou 27/11/2026 se for de outro ano) e valores como R$ 1.234,56, mesmo quando a ferramenta trouxer datas no formato AAAA-MM-DD.`;
}
