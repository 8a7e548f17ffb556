import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, type AuroraScenario, callTool } from '../eval/aurora/scenario.js';
import { auroraScenarios } from '../eval/aurora/scenarios.js';
import { auroraSuite } from '../eval/aurora/suite.js';
import { type EvalReport, runEval } from '../eval/harness.js';
import { REDIS_URL } from './support/app.js';
import { type FakeOpenAi, startFakeOpenAi } from './support/fake-openai.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

/**
 * `npm run eval:aurora` proves its harness here, against the scripted fake
 * model: every owner conversation passes with its script, and the checks catch
 * a model that invents a revenue figure or approves nothing it was asked to.
 */
describe('Aurora scenario harness (npm run eval:aurora)', () => {
  let testDatabase: TestDatabase;
  let fake: FakeOpenAi;
  let report: EvalReport;

  const revenue = auroraScenarios.find((scenario) => scenario.name === 'faturamento-hoje')!;
  const sabotaged: AuroraScenario[] = [
    {
      ...revenue,
      name: 'sabotage-invented-revenue',
      fakeModel: () => [callTool('buscar_analytics', { periodo: 'hoje' }), answer('Hoje você faturou R$ 950,00.')],
    },
  ];

  beforeAll(async () => {
    testDatabase = await createTestDatabase('eval_aurora');
    fake = await startFakeOpenAi();
    report = await runEval({ env: { DATABASE_URL: testDatabase.url, REDIS_URL }, k: 1, suite: auroraSuite, scenarios: [...auroraScenarios, ...sabotaged], fake });
  }, 180_000);

  afterAll(async () => {
    await fake?.close();
    await testDatabase?.drop();
  });

  it('has at least 10 owner conversations', () => {
    expect(auroraScenarios.length).toBeGreaterThanOrEqual(10);
    expect(new Set(auroraScenarios.map((scenario) => scenario.category))).toEqual(
      new Set(['figures', 'comparison', 'customers', 'campaigns', 'refusal', 'small-talk']),
    );
  });

  it('passes every scenario with the model playing its script', () => {
    const failed = report.scenarios.filter((result) => !result.name.startsWith('sabotage') && !result.passK);
    expect(failed.map((result) => `${result.name}: ${result.trials.flatMap((trial) => trial.failures).join('; ')}`)).toEqual([]);
  });

  it('fails a model that invents a figure', () => {
    const invented = report.scenarios.find((result) => result.name === 'sabotage-invented-revenue')!;
    expect(invented.passK).toBe(false);
    expect(invented.trials[0].failures.join('\n')).toContain("give today's revenue");
  });
});
