/**
 * What `npm run eval:client` and `eval:aurora` pass to the application it boots: the model
 * endpoint and the stores, from the environment. Read here so that src/config
 * stays the one place that touches the environment; the application validates
 * them as it always does.
 */
const EVAL_VARIABLES = ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_MODEL_CLIENT', 'OPENAI_MODEL_AURORA', 'OPENAI_TIMEOUT_MS', 'DATABASE_URL', 'REDIS_URL'] as const;

export function readEvalEnvironment(): Record<string, string> {
  return Object.fromEntries(EVAL_VARIABLES.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name] as string]])));
}
