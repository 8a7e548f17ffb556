import { readFileSync } from 'node:fs';
import { readChatEnvironment } from './config/client-environment.js';
import { CHAT_USAGE, ChatUsageError, parseChatOptions, type ChatOptions } from './chat/chat-options.js';
import { ApiRequestError, OxyApiClient } from './chat/oxy-api.client.js';
import { ChatError, TerminalChat } from './chat/terminal-chat.js';

/** `npm run chat`: talk to the assistant of a running server from the terminal (see CHAT_USAGE). */
async function run(argv: string[]): Promise<number> {
  let options: ChatOptions | null;
  try {
    options = parseChatOptions(argv, readChatEnvironment(), readKeyFile);
  } catch (error) {
    if (error instanceof ChatUsageError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${error.message}\n\n${CHAT_USAGE}`);
      return 2;
    }
    throw error;
  }
  if (options === null) {
    process.stdout.write(CHAT_USAGE);
    return 0;
  }

  const chat = new TerminalChat(new OxyApiClient(options.baseUrl, options.apiKey, options.apiKeySource), options, {
    input: process.stdin,
    output: process.stdout,
    diagnostics: process.stderr,
    interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
  });
  try {
    return await chat.run();
  } catch (error) {
    if (error instanceof ApiRequestError || error instanceof ChatError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** The demo key file's content; null when there is none. */
function readKeyFile(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ChatUsageError(`Cannot read the demo API key in ${path}: ${(error as Error).message}. Pass --key <key>.`);
  }
}

process.exitCode = await run(process.argv.slice(2));
