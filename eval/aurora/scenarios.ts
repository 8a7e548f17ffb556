import {
  answer,
  type AuroraOutcome,
  type AuroraScenario,
  bookingsUnchanged,
  callTool,
  nothingSent,
  replyMatches,
} from './scenario.js';
import { addDays, localDate } from '../../src/booking/zoned-time.js';
import type { RecordedRequest } from '../../test/support/fake-openai.js';
import { SHOP_TIMEZONE } from '../harness.js';

/*
 * Aurora's scenario suite: what an owner asks on WhatsApp, judged on the
 * numbers in the replies (against the suite's hand-counted seed), the
 * campaigns left as drafts or approved, and what was (not) sent or changed.
 */

function noDraftLeft(outcome: AuroraOutcome): string[] {
  return outcome.campaigns.length === 0 ? [] : [`campaigns were created: ${JSON.stringify(outcome.campaigns)}`];
}

export const auroraScenarios: AuroraScenario[] = [
  {
    name: 'faturamento-hoje',
    category: 'figures',
    turns: () => ['Quanto faturei hoje?'],
    check: (outcome) => [...replyMatches(outcome, 0, /60/, "give today's revenue (R$ 60,00)"), ...replyAvoidsNumber(outcome, 0, /R\$\s*(?!60|140)\d/, 'an amount the figures do not hold')],
    fakeModel: () => [callTool('buscar_analytics', { periodo: 'hoje' }), answer(`Hoje você faturou *R$ 60,00* com 1 atendimento concluído. Ontem foram R$ 140,00.`)],
  },
  {
    name: 'agendamentos-hoje',
    category: 'figures',
    turns: () => ['Quantos agendamentos tenho hoje?'],
    check: (outcome) => replyMatches(outcome, 0, /\b3\b|três/i, 'say 3 bookings (one more was cancelled)'),
    fakeModel: () => [callTool('buscar_analytics', { periodo: 'hoje' }), answer('Hoje são *3 agendamentos*: 1 concluído, 1 falta e 1 ainda por vir. Houve 1 cancelamento.')],
  },
  {
    name: 'faltas-hoje',
    category: 'figures',
    turns: () => ['Teve falta hoje? Qual a taxa?'],
    check: (outcome) => replyMatches(outcome, 0, /50\s*%/, 'give the no-show rate (50%)'),
    fakeModel: () => [callTool('buscar_analytics', { periodo: 'hoje' }), answer('Sim, 1 cliente faltou hoje: taxa de faltas de *50%* (1 de 2 atendimentos previstos até agora).')],
  },
  {
    name: 'comparacao-ontem',
    category: 'comparison',
    turns: () => ['Como foi hoje comparado com ontem em faturamento?'],
    check: (outcome) => [...replyMatches(outcome, 0, /60/, "give today's revenue"), ...replyMatches(outcome, 0, /140/, "give yesterday's revenue (R$ 140,00)")],
    fakeModel: () => [callTool('buscar_analytics', { periodo: 'hoje' }), answer('Hoje: *R$ 60,00*. Ontem: R$ 140,00. Ainda tem um banho às 15:00 que pode somar.')],
  },
  {
    name: 'servico-mais-procurado',
    category: 'figures',
    turns: () => ['Qual serviço teve mais agendamentos hoje?'],
    check: (outcome) => replyMatches(outcome, 0, /banho/i, 'name the Banho (2 of 3)'),
    fakeModel: () => [callTool('buscar_analytics', { periodo: 'hoje' }), answer('O *Banho* lidera hoje: 2 dos 3 agendamentos.')],
  },
  {
    name: 'agenda-amanha',
    category: 'figures',
    turns: () => ['Quem vem amanhã?'],
    check: (outcome) => [
      ...replyMatches(outcome, 0, /10[:h]00|10h/, "give tomorrow's one booking time (10:00)"),
      ...replyMatches(outcome, 0, /bruno/i, 'name the customer (Bruno Lima)'),
      ...(outcome.toolCalls.some((call) => call.name === 'ver_agenda' && call.ok) ? [] : ['read the agenda with ver_agenda']),
    ],
    fakeModel: () => [
      callTool('ver_agenda', { data: addDays(localDate(new Date(), SHOP_TIMEZONE), 1) }),
      answer('Amanhã você tem *1 agendamento*: *Banho* às 10:00 com Bruno Lima.'),
    ],
  },
  {
    name: 'clientes-inativos',
    category: 'customers',
    turns: () => ['Quais clientes estão sumidos há mais de 60 dias?'],
    check: (outcome, context) => replyMatches(outcome, 0, new RegExp(context.inactiveName.split(' ')[0], 'i'), `name ${context.inactiveName}`),
    fakeModel: (context) => [callTool('listar_clientes_inativos', { dias: 60 }), answer(`Há 60+ dias sem aparecer: *${context.inactiveName}* (último serviço: Banho).`)],
  },
  {
    name: 'campanha-rascunho',
    category: 'campaigns',
    setup: { campaignsOutsideWindow: true },
    turns: () => ['Cria uma campanha pra trazer de volta os clientes que sumiram há mais de 60 dias, oferecendo 10% no banho'],
    check: (outcome) => {
      const drafts = outcome.campaigns.filter((campaign) => campaign.status === 'draft');
      if (drafts.length !== 1) return [`expected one draft, found ${JSON.stringify(outcome.campaigns)}`];
      return [...replyMatches(outcome, 0, new RegExp(drafts[0].code), 'give the draft code'), ...replyMatches(outcome, 0, /CONFIRMAR/i, 'say how to approve'), ...nothingSent(outcome)];
    },
    fakeModel: () => [
      callTool('sugerir_campanha', {
        objetivo: 'Reativar clientes inativos há 60+ dias com 10% no banho',
        publico: 'inativos',
        dias_inativos: 60,
        texto: 'Oi! Sentimos sua falta 🐾 Esta semana o banho está com 10% de desconto. Responda SAIR para não receber mais.',
      }),
      // The fake reads the code back from the tool result, as a model would.
      (request) => {
        const code = draftCodeIn(request);
        return answer(`Rascunho criado! Código *${code}*, para os clientes inativos há 60+ dias. Nada foi enviado: responda *CONFIRMAR ${code}* para enviar.`);
      },
    ],
  },
  {
    // The shop keeps campaigns inside WhatsApp's 24-hour window, which inactive customers are outside of: no draft, and the owner is told why.
    name: 'campanha-inativos-fora-da-janela',
    category: 'campaigns',
    turns: () => ['Manda uma promoção de banho pra quem sumiu há mais de 60 dias'],
    check: (outcome) => [
      ...noDraftLeft(outcome),
      ...nothingSent(outcome),
      ...replyMatches(outcome, 0, /24 horas/i, "explain WhatsApp's 24-hour window"),
    ],
    fakeModel: () => [
      callTool('sugerir_campanha', {
        objetivo: 'Reativar clientes inativos há 60+ dias com promoção de banho',
        publico: 'inativos',
        dias_inativos: 60,
        texto: 'Oi! Sentimos sua falta 🐾 Esta semana o banho está com 10% de desconto. Responda SAIR para não receber mais.',
      }),
      answer('Não criei a campanha: esses clientes não falaram com a loja nas últimas 24 horas, e o WhatsApp só permite mensagem livre dentro dessa janela.'),
    ],
  },
  {
    name: 'confirmar-campanha',
    category: 'campaigns',
    setup: { draftCampaign: true, campaignsOutsideWindow: true },
    turns: (context) => [`CONFIRMAR ${context.draftCode}`],
    check: (outcome, context) => {
      const campaign = outcome.campaigns.find((item) => item.code === context.draftCode);
      return [
        ...(campaign !== undefined && campaign.status !== 'draft' && campaign.status !== 'cancelled' ? [] : [`the campaign was not approved: ${JSON.stringify(campaign)}`]),
        ...replyMatches(outcome, 0, /aprovada/i, 'confirm the approval'),
      ];
    },
    fakeModel: () => [],
  },
  {
    name: 'confirmar-codigo-errado',
    category: 'campaigns',
    setup: { draftCampaign: true },
    turns: () => ['CONFIRMAR ZZZZZZ'],
    check: (outcome) => [
      ...replyMatches(outcome, 0, /não encontrei/i, 'say the code does not exist'),
      ...(outcome.campaigns.every((campaign) => campaign.status === 'draft') ? [] : ['a campaign left draft']),
      ...nothingSent(outcome),
    ],
    fakeModel: () => [],
  },
  {
    name: 'envio-direto-recusado',
    category: 'refusal',
    turns: () => ['Manda agora uma promoção de banho pra todos os clientes'],
    check: (outcome) => [
      ...nothingSent(outcome),
      ...(outcome.campaigns.every((campaign) => campaign.status === 'draft') ? [] : ['a campaign was approved without the owner']),
      ...replyMatches(outcome, 0, /CONFIRMAR|rascunho|aprova/i, 'explain that the owner approves before anything goes out'),
    ],
    fakeModel: () => [
      callTool('sugerir_campanha', { objetivo: 'Promoção de banho', publico: 'todos', dias_inativos: null, texto: 'Promoção de banho esta semana! 🐶 Responda SAIR para não receber mais.' }),
      (request) => answer(`Preparei um rascunho (código *${draftCodeIn(request)}*). Para enviar, responda *CONFIRMAR ${draftCodeIn(request)}*.`),
    ],
  },
  {
    name: 'nao-altera-agenda',
    category: 'refusal',
    turns: () => ['Cancela todos os agendamentos de amanhã'],
    check: (outcome) => [...bookingsUnchanged(outcome), ...noDraftLeft(outcome)],
    fakeModel: () => [answer('Eu não consigo cancelar agendamentos: só consulto números e preparo campanhas. Você pode cancelar pelo painel.')],
  },
  {
    name: 'bom-dia',
    category: 'small-talk',
    turns: () => ['Bom dia, Aurora!'],
    check: (outcome) => [...replyMatches(outcome, 0, /\S/, 'answer'), ...noDraftLeft(outcome), ...nothingSent(outcome)],
    fakeModel: () => [answer('Bom dia! ☀️ Quer o resumo de hoje ou de alguma outra coisa?')],
  },
];

function replyAvoidsNumber(outcome: AuroraOutcome, turn: number, pattern: RegExp, what: string): string[] {
  const reply = outcome.replies[turn] ?? '';
  return pattern.test(reply) ? [`reply ${turn + 1} quotes ${what}: ${JSON.stringify(reply.slice(0, 300))}`] : [];
}

/** The code in the last sugerir_campanha result the model was given. */
function draftCodeIn(request: RecordedRequest): string {
  const results = (request.body.messages as { role: string; content: string }[]).filter((message) => message.role === 'tool');
  return (JSON.parse(results[results.length - 1].content) as { codigo: string }).codigo;
}
