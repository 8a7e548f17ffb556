import type { ChatEnvironment } from '../config/client-environment.js';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { normalizePhoneNumber } from '../common/phone-number.js';
import { CONFIG_VARIABLES } from '../config/app-config.js';
import { DEMO_API_KEY_FILE } from '../organizations/demo-seeder.js';
import { CHAT_TEXTS } from './terminal-chat.pt-br.js';

export const CHAT_USAGE = `Usage: npm run chat -- [options]

Talk to the assistant of a running Oxy server (npm start) as a customer or as the shop's owner,
through a sandbox WhatsApp instance (created and paired when missing). Type /sair or press Ctrl-D to quit.
Lines piped on stdin are sent one by one, each followed by the replies; the chat ends at the end of input.

Options:
  --as customer|owner   who writes (default customer; the owner talks to Aurora)
  --phone <number>      the sender, 5511900000001 or +5511900000001 (default: customer 5511900000001,
                        owner the first of the shop's authorizedOwnerNumbers)
  --name <name>         the sender's WhatsApp name (default "${CHAT_TEXTS.defaultCustomerName}", owner "${CHAT_TEXTS.defaultOwnerName}")
  --url <url>           the server (default http://localhost:$PORT, PORT defaulting to ${CONFIG_VARIABLES.PORT.default})
  --key <api key>       the shop's API key (default $OXY_API_KEY, else the demo shop's key the server
                        saved in $DATA_DIR/${DEMO_API_KEY_FILE}, DATA_DIR defaulting to ${CONFIG_VARIABLES.DATA_DIR.default})
  --instance <name>     the sandbox instance to talk through (default terminal-chat)
  --wait <seconds>      how long to wait for a first reply to each message (default 20); while the
                        server holds the sender's messages unanswered (a turn the rate limit deferred
                        after its "aguarde" notice), up to 90 s
  --help                this text
`;

export const DEFAULT_CUSTOMER_PHONE = '+5511900000001';
const DEFAULT_INSTANCE_NAME = 'terminal-chat';
const DEFAULT_FIRST_REPLY_TIMEOUT_S = 20;

export type ChatRole = 'customer' | 'owner';

export interface ChatOptions {
  role: ChatRole;
  /** E.164; null for an owner without --phone: the shop's first owner number, asked of the server. */
  phone: string | null;
  baseUrl: string;
  apiKey: string;
  /** Where the key came from, named in the hint when the server refuses it. */
  apiKeySource: string;
  pushName: string;
  instanceName: string;
  firstReplyTimeoutMs: number;
}

/** Bad options, or no API key anywhere: printed with exit code 2. */
export class ChatUsageError extends Error {
  override name = 'ChatUsageError';
}

type Environment = ChatEnvironment;

/**
 * The chat's options from its arguments and environment. It is a client, not the
 * server, so it reads the few variables it shares with it (PORT, DATA_DIR) itself,
 * with the server's defaults, rather than validating the server's whole configuration.
 * Returns null for --help.
 */
export function parseChatOptions(
  argv: string[],
  environment: Environment,
  readKeyFile: (path: string) => string | null,
): ChatOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      as: { type: 'string', default: 'customer' },
      phone: { type: 'string' },
      name: { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
      instance: { type: 'string', default: DEFAULT_INSTANCE_NAME },
      wait: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return null;

  if (values.as !== 'customer' && values.as !== 'owner') throw new ChatUsageError(`--as ${values.as}: expected customer or owner`);
  const role: ChatRole = values.as;

  let phone: string | null = role === 'customer' ? DEFAULT_CUSTOMER_PHONE : null;
  if (values.phone !== undefined) {
    phone = normalizePhoneNumber(values.phone);
    if (phone === null) throw new ChatUsageError(`--phone ${values.phone}: not a phone number; write it as 5511912345678 or +5511912345678`);
  }

  const name = values.name?.trim() ?? (role === 'customer' ? CHAT_TEXTS.defaultCustomerName : CHAT_TEXTS.defaultOwnerName);
  if (name === '' || name.length > 100) throw new ChatUsageError('--name must have 1 to 100 characters');

  const instanceName = values.instance.trim();
  if (instanceName === '' || instanceName.length > 60) throw new ChatUsageError('--instance must have 1 to 60 characters');

  const waitSeconds = values.wait === undefined ? DEFAULT_FIRST_REPLY_TIMEOUT_S : Number(values.wait);
  if (!Number.isFinite(waitSeconds) || waitSeconds <= 0 || waitSeconds > 600) {
    throw new ChatUsageError(`--wait ${values.wait}: expected a number of seconds, more than 0 and at most 600`);
  }

  return {
    role,
    phone,
    baseUrl: serverUrl(values.url, environment),
    ...apiKey(values.key, environment, readKeyFile),
    pushName: name,
    instanceName,
    firstReplyTimeoutMs: Math.round(waitSeconds * 1000),
  };
}

function serverUrl(option: string | undefined, environment: Environment): string {
  const raw = option ?? `http://localhost:${setting(environment, 'PORT')}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ChatUsageError(`--url ${raw}: not a URL such as http://localhost:3000`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ChatUsageError(`--url ${raw}: expected http:// or https://`);
  return url.toString().replace(/\/+$/, '');
}

function apiKey(
  option: string | undefined,
  environment: Environment,
  readKeyFile: (path: string) => string | null,
): { apiKey: string; apiKeySource: string } {
  if (option !== undefined && option.trim() !== '') return { apiKey: option.trim(), apiKeySource: '--key' };
  const fromEnvironment = environment.OXY_API_KEY?.trim();
  if (fromEnvironment) return { apiKey: fromEnvironment, apiKeySource: 'OXY_API_KEY' };
  const path = demoApiKeyPath(environment);
  const fromFile = readKeyFile(path)?.trim();
  if (fromFile) return { apiKey: fromFile, apiKeySource: path };
  throw new ChatUsageError(
    `No API key: pass --key <key> or set OXY_API_KEY to the shop's API key. For the demo shop, start the server once ` +
      `in development (npm start): it creates the shop and saves its key in ${path}, which this chat reads.`,
  );
}

/** Where the server's demo seed saved the demo shop's key: DATA_DIR resolved as the server resolves it. */
export function demoApiKeyPath(environment: Environment): string {
  return resolve(setting(environment, 'DATA_DIR'), DEMO_API_KEY_FILE);
}

/** A variable shared with the server, with the server's default; empty counts as unset, as there. */
function setting(environment: Environment, name: 'PORT' | 'DATA_DIR'): string {
  const value = environment[name]?.trim();
  return value === undefined || value === '' ? (CONFIG_VARIABLES[name].default ?? '') : value;
}
