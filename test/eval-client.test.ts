import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, callTool, type ClientScenario } from '../eval/client/scenario.js';
import { clientScenarios } from '../eval/client/scenarios.js';
import { clientSuite } from '../eval/client/suite.js';
import { type EvalReport, runEval } from '../eval/harness.js';
import { REDIS_URL } from './support/app.js';
import { type FakeOpenAi, startFakeOpenAi } from './support/fake-openai.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

/**
 * `npm run eval:client` proves its harness here, against the scripted fake
 * model: every scenario passes with the script written for it, and the checks
 * catch a model that books the wrong time or does not answer at all.
 */
describe('client agent scenario harness (npm run eval:client)', () => {
  let testDatabase: TestDatabase;
  let fake: FakeOpenAi;
  let report: EvalReport;

  const booking = clientScenarios.find((scenario) => scenario.name === 'agendar-banho-amanha')!;
  const sabotaged: ClientScenario[] = [
    {
      ...booking,
      name: 'sabotage-wrong-time',
      fakeModel: (context) => [
        callTool('agendar_servico', { pet_nome: 'Rex', servico: 'Banho', data_hora: `${context.dates.tomorrow}T11:00` }),
        answer('Agendado para amanhã às 10:00!'),
      ],
    },
    {
      ...booking,
      name: 'sabotage-model-down',
      fakeModel: () => [1, 2, 3].map(() => ({ kind: 'error' as const, status: 503, message: 'overloaded' })),
    },
  ];

  beforeAll(async () => {
    testDatabase = await createTestDatabase('eval_client');
    fake = await startFakeOpenAi();
    report = await runEval({
      env: { DATABASE_URL: testDatabase.url, REDIS_URL },
      k: 1,
      suite: clientSuite,
      scenarios: [...clientScenarios, ...sabotaged],
      fake,
    });
  }, 180_000);

  afterAll(async () => {
    await fake?.close();
    await testDatabase?.drop();
  });

  it('has at least 20 Portuguese conversations across the kinds the issue names', () => {
    expect(clientScenarios.length).toBeGreaterThanOrEqual(20);
    const categories = new Set(clientScenarios.map((scenario) => scenario.category));
    for (const kind of ['booking', 'rescheduling', 'pets', 'refusal', 'information', 'off-topic', 'handoff', 'injection']) expect(categories).toContain(kind);
  });

  it('passes every scenario with the model playing its script', () => {
    const failed = report.scenarios.filter((result) => !result.name.startsWith('sabotage') && !result.passK);
    expect(failed.map((result) => `${result.name}: ${result.trials.flatMap((trial) => trial.failures).join('; ')}`)).toEqual([]);
  });

  it('fails a model that books another time than it says, and one that never answers', () => {
    const wrongTime = report.scenarios.find((result) => result.name === 'sabotage-wrong-time')!;
    expect(wrongTime).toMatchObject({ pass1: 0, passK: false });
    expect(wrongTime.trials[0].failures.join('\n')).toContain('expected an active booking');
    const down = report.scenarios.find((result) => result.name === 'sabotage-model-down')!;
    expect(down.passK).toBe(false);
    expect(down.trials[0].failures.join('\n')).toContain('the model did not answer every turn: fallback');
    expect(report.pass1).toBeCloseTo(clientScenarios.length / (clientScenarios.length + 2), 5);
  });
});
