/**
 * An agent's scenario suite against any OpenAI-compatible endpoint.
 *
 *   OPENAI_API_KEY=sk-... npm run eval:client -- --k 3      (OPENAI_BASE_URL, OPENAI_MODEL_CLIENT optional)
 *   OPENAI_API_KEY=sk-... npm run eval:aurora -- --k 3      (OPENAI_MODEL_AURORA optional)
 *   npm run eval:client -- --fake                            (the scripted fake model: checks the harness only)
 *   npm run eval:client -- --only agendar-banho-amanha,remarcar
 *
 * Boots the whole application in this process on the sandbox transport. Without
 * DATABASE_URL it uses the embedded database; Redis comes from REDIS_URL
 * (default redis://127.0.0.1:6379). Prints pass^1 and pass^k per scenario and
 * overall; exits 1 when a scenario failed a trial.
 */
import 'reflect-metadata';
import { register } from 'node:module';
import { parseArgs } from 'node:util';

register(new URL('../bench/swc-hooks.mjs', import.meta.url));

const { values } = parseArgs({
  options: {
    suite: { type: 'string' },
    k: { type: 'string', default: '3' },
    fake: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
const k = Number(values.k);
if (!Number.isInteger(k) || k < 1 || k > 20) {
  console.error('--k must be an integer from 1 to 20');
  process.exit(2);
}

const [{ runEval, formatReport }, { suites }, { readEvalEnvironment }, { startFakeOpenAi }] = await Promise.all([
  import('./harness.js'),
  import('./suites.js'),
  import('../src/config/eval-environment.js'),
  import('../test/support/fake-openai.js'),
]);
const chosen = suites[values.suite as keyof typeof suites];
if (chosen === undefined) {
  console.error(`--suite must be one of ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}
const wanted = values.only?.split(',').map((name) => name.trim());
const scenarios = wanted === undefined ? chosen.scenarios : chosen.scenarios.filter((scenario) => wanted.includes(scenario.name));
if (scenarios.length === 0) {
  console.error(`no scenario named ${values.only}; the names are: ${chosen.scenarios.map((scenario) => scenario.name).join(', ')}`);
  process.exit(2);
}

const fake = values.fake ? await startFakeOpenAi() : undefined;
try {
  const report = await runEval({ env: readEvalEnvironment(), k, suite: chosen.suite as never, scenarios: scenarios as never, fake, log: (line) => console.log(line) });
  console.log(formatReport(report));
  process.exitCode = report.passK === 1 ? 0 : 1;
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
} finally {
  await fake?.close();
}
