import { ANALYTICS_PERIODS, type AnalyticsPeriod, windowOfDates } from '../analytics/analytics-period.js';
import type { AnalyticsService } from '../analytics/analytics.service.js';
import { addDays, isCalendarDate, localDate } from '../booking/zoned-time.js';
import { DomainException } from '../common/domain.exception.js';
import type { AgentContext } from '../messaging/conversation-agent.js';
import { agendaForModel, audienceReachForModel, campaignUnreachableReason, reportForModel } from './aurora.pt-br.js';
import type { CampaignsPort } from './campaigns.port.js';
import type { LlmToolCall, ToolDefinition } from './llm-client.js';
import type { Toolbox, ToolOutcome } from './tool-loop.js';
import { DATE_PATTERN, type ObjectSchema, objectSchema, validateArguments } from './tool-schema.js';

/**
 * Inactive customers listed per call (and in Aurora's plain answer): enough for
 * a campaign's idea of its audience, small enough for a prompt or a WhatsApp message.
 */
export const INACTIVE_LISTED = 30;

/*
 * Aurora's tools: read-only (figures, a day's agenda, inactive customers) or draft-only (a
 * campaign nobody receives until the owner approves it). The organization is
 * the turn's, from the server; no schema names one.
 */
const SCHEMAS = {
  buscar_analytics: objectSchema({
    periodo: { type: 'string', enum: ANALYTICS_PERIODS, description: 'hoje, semana (segunda a domingo), mes ou ano, no fuso da loja' },
  }),
  ver_agenda: objectSchema({
    data: { type: 'string', pattern: DATE_PATTERN, description: 'O dia, no formato AAAA-MM-DD (hoje, amanhã, sexta: conte a partir da data de agora)' },
  }),
  listar_clientes_inativos: objectSchema({
    dias: { type: 'integer', minimum: 30, maximum: 3650, description: 'Sem agendamento nem mensagem há pelo menos tantos dias' },
  }),
  sugerir_campanha: objectSchema({
    objetivo: { type: 'string', minLength: 3, maxLength: 300, description: 'O que a campanha quer alcançar' },
    publico: { type: ['string', 'null'], enum: ['inativos', 'todos', null], description: 'inativos (use dias_inativos) ou todos; null = inativos' },
    dias_inativos: { type: ['integer', 'null'], minimum: 30, maximum: 3650, description: 'Para publico inativos; null = 60' },
    texto: {
      type: 'string',
      minLength: 10,
      maxLength: 1000,
      description: 'A mensagem que os clientes vão receber; {nome} vira o primeiro nome de cada cliente e {pet} o nome do pet dele (nenhum outro {campo} existe)',
    },
  }),
} satisfies Record<string, ObjectSchema>;

type AuroraToolName = keyof typeof SCHEMAS;

const DESCRIPTIONS: Record<AuroraToolName, string> = {
  buscar_analytics:
    'Números do negócio no período: agendamentos por status e serviço, faturamento dos concluídos, clientes novos e recorrentes, taxas de falta e cancelamento, horários de pico, e o período anterior com os mesmos detalhes (para ontem, semana passada, mês passado, ano passado), mais o faturamento dele até o mesmo momento.',
  ver_agenda:
    'Os agendamentos de um dia (os não cancelados), em ordem de horário: hora, serviço, pet, cliente, telefone, status (agendado, confirmado, concluido, falta) e valor; e o valor previsto do dia sem as faltas. Para "quem vem amanhã?", "como está a agenda de sexta?", "quanto entra amanhã?".',
  listar_clientes_inativos:
    'Clientes sem agendamento nem mensagem há pelo menos N dias, com seus pets, último serviço e se pediram para não receber campanhas; e quantos uma campanha para eles alcançaria agora.',
  sugerir_campanha:
    'Cria um RASCUNHO de campanha (não envia nada). Devolve o código que o dono usa para aprovar com "CONFIRMAR <código>" e quantos clientes a receberiam de fato (sem quem pediu para sair e quem está fora da janela de 24 horas do WhatsApp). Recusa a campanha que não alcançaria ninguém, dizendo por quê.',
};

export const AURORA_TOOLS: ToolDefinition[] = (Object.keys(SCHEMAS) as AuroraToolName[]).map((name) => ({
  name,
  description: DESCRIPTIONS[name],
  parameters: SCHEMAS[name],
  strict: true,
}));

/** Inactive means this many days without a booking or a message, unless the owner says otherwise. */
export const DEFAULT_INACTIVE_DAYS = 60;

export class AuroraToolbox implements Toolbox {
  constructor(
    private readonly analytics: AnalyticsService,
    private readonly campaigns: CampaignsPort,
    private readonly context: AgentContext,
  ) {}

  async run(call: LlmToolCall): Promise<ToolOutcome> {
    if (!(call.name in SCHEMAS)) {
      return refused('ferramenta_desconhecida', `There is no tool named "${call.name}". Use only: ${Object.keys(SCHEMAS).join(', ')}`);
    }
    const name = call.name as AuroraToolName;
    const validation = validateArguments(SCHEMAS[name], call.arguments);
    if (!validation.ok) return refused('argumentos_invalidos', validation.errors.join('; '));
    try {
      return await this.runValid(name, validation.value);
    } catch (error) {
      // A rule of the domain the schema cannot state (a text blank once trimmed, say) is the model's to correct;
      // thrown, it would fail the owner's whole turn. Anything else is ours to fail on.
      if (error instanceof DomainException && error.status < 500) return refused(error.code, error.message);
      throw error;
    }
  }

  private async runValid(name: AuroraToolName, args: Record<string, unknown>): Promise<ToolOutcome> {
    const organizationId = this.context.organization.id;
    switch (name) {
      case 'buscar_analytics': {
        const report = await this.analytics.report(organizationId, args.periodo as AnalyticsPeriod);
        return { ok: true, result: reportForModel(report) };
      }
      case 'ver_agenda': {
        const date = args.data as string;
        if (!isCalendarDate(date)) return refused('data_invalida', `${date} is not a calendar date`);
        const zone = this.context.organization.timezone;
        const entries = await this.analytics.agenda(organizationId, windowOfDates(date, addDays(date, 1), zone));
        return { ok: true, result: agendaForModel(date, entries, zone) };
      }
      case 'listar_clientes_inativos': {
        const days = args.dias as number;
        const clients = await this.campaigns.inactiveClients(organizationId, days, INACTIVE_LISTED + 1);
        const reach = await this.campaigns.audienceReach(organizationId, { kind: 'inactive', days });
        const zone = this.context.organization.timezone;
        return {
          ok: true,
          result: {
            dias: days,
            // What a campaign to them would reach: inactive customers are outside WhatsApp's 24-hour window by definition.
            campanha_para_eles: audienceReachForModel(reach),
            clientes: clients.slice(0, INACTIVE_LISTED).map((client) => ({
              nome: client.name,
              telefone: client.phone,
              ultima_atividade: client.lastActivityAt === null ? null : localDate(client.lastActivityAt, zone),
              ultimo_servico: client.lastService,
              pets: client.pets,
              optou_por_sair: client.optedOut,
            })),
            ...(clients.length > INACTIVE_LISTED ? { mais_clientes: true } : {}),
          },
        };
      }
      case 'sugerir_campanha': {
        const days = (args.dias_inativos as number | null) ?? DEFAULT_INACTIVE_DAYS;
        const audience = args.publico === 'todos' ? ({ kind: 'all' } as const) : ({ kind: 'inactive', days } as const);
        const publico = audience.kind === 'all' ? 'todos' : `inativos há ${days}+ dias`;
        const draft = await this.campaigns.draft(organizationId, { objective: args.objetivo as string, audience, text: args.texto as string });
        if (draft.kind === 'unreachable') return refused('campanha_sem_destinatarios', campaignUnreachableReason(publico, draft.reach));
        return { ok: true, result: { rascunho: true, codigo: draft.code, publico, ...audienceReachForModel(draft.reach), enviado: false } };
      }
    }
  }
}

function refused(code: string, message: string): ToolOutcome {
  return { ok: false, result: { erro: code, motivo: message } };
}
